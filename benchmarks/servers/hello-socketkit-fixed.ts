// The same floor as hello-net-fixed.ts, on socketkit's socket layer: recv, then sendAll of the
// prepared hello page, in the loop a tutorial reader writes. Parses nothing, so it is correct
// only for clients that send one request and wait for its answer, as wrk does. Set beside the
// node:net floor it shows what socketkit's sockets cost; set beside `socketkit serve http`, what the
// HTTP layer costs.
import { listen } from '../../dist/index.js';
import { helloPage } from '../../dist/services/index.js';

const body = Buffer.from(helloPage(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n')));
const reply = Buffer.concat([
  Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`,
  ),
  body,
]);

const server = await listen({ host: '127.0.0.1', port: 0, backlog: 1024 });
console.log(`port ${server.address.port}`);
process.on('SIGTERM', () => process.exit(0));
for await (const conn of server) {
  conn.setNoDelay(true);
  void (async () => {
    try {
      for (let data = await conn.recv(65536); data.length > 0; data = await conn.recv(65536)) {
        await conn.sendAll(reply);
      }
    } catch {
      // A client that resets is not the server's problem.
    } finally {
      await conn.close();
    }
  })();
}
