// The baseline: a plain node:net echo server, the shortest one Node's documentation suggests.
// Usage: echo-net.ts [PATH]. With no argument it listens on 127.0.0.1 (a port the OS picks) and
// prints `port N`; with PATH it listens on that Unix domain socket instead and prints `path PATH`.
import { createServer } from 'node:net';

const path = process.argv[2];
const server = createServer((socket) => {
  socket.on('data', (data) => socket.write(data));
  socket.on('error', () => socket.destroy());
});
if (path === undefined) {
  server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
    console.log(`port ${(server.address() as { port: number }).port}`);
  });
} else {
  server.listen({ path, backlog: 1024 }, () => {
    console.log(`path ${path}`);
  });
}
// Closing the listener removes a Unix socket's file; the connections are the client's to end.
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
