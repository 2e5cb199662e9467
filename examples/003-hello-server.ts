/**
 * Tutorial 003 — the server a browser can visit.
 *
 * Point a browser at http://localhost:7342/. For each connection the server
 * reads the request (up to the empty line that ends its head), prints it,
 * and answers with the three things a browser needs: a status line, a
 * Content-Type, and an empty line before the page. "Connection: close" and
 * closing the socket tell the browser where the page ends.
 *
 *     npx tsx examples/003-hello-server.ts                # localhost port 7342
 *     npx tsx examples/003-hello-server.ts 127.0.0.1 0
 */
import { decode, encode, listen, type StreamSocket } from 'socketkit';

const [host = 'localhost', port = '7342'] = process.argv.slice(2);
const server = await listen({ host, port: Number(port) });
console.log(
  `open http://${server.address.host}:${server.address.port}/ in a browser (Ctrl-C stops)`,
);
process.once('SIGINT', () => void server.close());
process.once('SIGTERM', () => void server.close());

const PAGE = '<html><body><h1>Hello, world!</h1></body></html>';
const RESPONSE = encode(
  `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`,
);

async function answer(client: StreamSocket): Promise<void> {
  try {
    client.setTimeout(10_000);
    const request = await client.recvUntil(encode('\r\n\r\n'), { maxLength: 16 * 1024 });
    console.log(decode(request).trimEnd());
    console.log('---');
    await client.sendAll(RESPONSE);
  } catch (error) {
    console.error(`gave up on a client: ${(error as Error).message}`);
  } finally {
    await client.close();
  }
}

// Browsers open several connections (the page, a favicon, a spare): serve each as it comes.
for await (const client of server) void answer(client);
