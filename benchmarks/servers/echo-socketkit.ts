// The echo server as a tutorial reader writes it with socketkit: recv, then sendAll, in a loop.
// It imports the built package, which is what users run.
import { listen } from '../../dist/index.js';

const server = await listen({ host: '127.0.0.1', port: 0, backlog: 1024 });
console.log(`port ${server.address.port}`);
process.on('SIGTERM', () => process.exit(0));
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
