// The floor for any Node.js HTTP server on this load: plain node:net answering every read with
// the same prepared reply, parsing nothing (correct only for clients that send one request and
// wait for its answer, as wrk does): the hello page the other servers send, built once.
import { createServer } from 'node:net';
import { helloPage } from '../../dist/services/index.js';

// The page the other servers build for wrk's request, built once.
const body = Buffer.from(helloPage(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n')));
const reply = Buffer.concat([
  Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`,
  ),
  body,
]);

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', () => socket.write(reply));
  socket.on('error', () => socket.destroy());
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  console.log(`port ${(server.address() as { port: number }).port}`);
});
process.on('SIGTERM', () => process.exit(0));
