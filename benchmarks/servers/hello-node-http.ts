// The baseline for `socketkit serve http`: node:http serving the same "Hello, world!" page,
// with the request rebuilt from what node:http keeps of it (method, URL, version, raw headers).
import { createServer } from 'node:http';
import { helloPage } from '../../dist/services/index.js';

const server = createServer((req, res) => {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
  const body = helloPage(Buffer.from(`${head}\r\n`, 'latin1'));
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () =>
  console.log(`port ${(server.address() as { port: number }).port}`),
);
process.on('SIGTERM', () => process.exit(0));
