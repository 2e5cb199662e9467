// The echo server as a tutorial reader writes it with socketkit: recv, then sendAll, in a loop.
// It imports the built package, which is what users run.
// Usage: echo-socketkit.ts [PATH]. With no argument it listens on 127.0.0.1 (a port the OS picks)
// and prints `port N`; with PATH it listens on that Unix domain socket instead and prints
// `path PATH`.
import { listen, type ServerSocket } from '../../dist/index.js';

const path = process.argv[2];
let server: ServerSocket;
if (path === undefined) {
  const tcp = await listen({ host: '127.0.0.1', port: 0, backlog: 1024 });
  console.log(`port ${tcp.address.port}`);
  server = tcp;
} else {
  server = await listen({ path, backlog: 1024 });
  console.log(`path ${path}`);
}
// close() removes a Unix socket's file; the connections are the client's to end.
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
for await (const conn of server) {
  void (async () => {
    try {
      for (let data = await conn.recv(65536); data.length > 0; data = await conn.recv(65536)) {
        await conn.sendAll(data);
      }
    } catch {
      // A client that resets is not the server's problem.
    } finally {
      await conn.close();
    }
  })();
}
