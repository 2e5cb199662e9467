// A plain HTTP server for bulk downloads: GET /bytes/N answers N bytes with Content-Length,
// written with backpressure from one reused 64 KiB block. Both clients fetch from it.
import { createServer } from 'node:http';

const block = Buffer.alloc(64 * 1024, 0x61);
const server = createServer((req, res) => {
  const total = Number(/^\/bytes\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
  if (total < 0) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Length': total, 'Content-Type': 'application/octet-stream' });
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(block.length, total - sent);
      sent += n;
      if (!res.write(n === block.length ? block : block.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
});
server.listen(0, '127.0.0.1', () =>
  console.log(`port ${(server.address() as { port: number }).port}`),
);
process.on('SIGTERM', () => process.exit(0));
