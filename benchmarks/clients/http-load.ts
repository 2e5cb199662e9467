// A fallback HTTP/1.1 keep-alive load generator for when wrk is not installed: N connections,
// each sending GET / and reading the whole response (Content-Length) before the next.
// Usage: http-load.ts PORT CONNECTIONS DURATION_MS → prints JSON { requests, seconds }.
import { connect, type Socket } from 'node:net';

const [port, connections, durationMs] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
];
const request = Buffer.from(
  `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: socketkit-bench\r\n\r\n`,
);
let counting = true;
let requests = 0;
const sockets: Socket[] = [];
for (let i = 0; i < connections; i++) {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  sockets.push(socket);
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(
        /content-length: *(\d+)/i.exec(buffered.toString('latin1', 0, end))?.[1] ?? 0,
      );
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.subarray(end + 4 + length);
      if (counting) requests++;
      if (counting) socket.write(request);
    }
  });
  socket.on('connect', () => socket.write(request));
  socket.on('error', () => {});
}
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, durationMs));
counting = false;
const seconds = (performance.now() - started) / 1000;
for (const s of sockets) s.destroy();
console.log(JSON.stringify({ requests, seconds }));
process.exit(0);
