// The baseline: a plain node:net echo server, the shortest one Node's documentation suggests.
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.on('data', (data) => socket.write(data));
  socket.on('error', () => socket.destroy());
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  console.log(`port ${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => process.exit(0));
