/**
 * Tutorial 003 — the server a browser can visit.
 *
 * Point a browser at http://localhost:7342/. For each connection the server
 * reads the request line by line up to the empty line that ends its head
 * (browsers end lines in CR LF, a request typed into nc in a lone LF), prints it,
 * and answers with the three things a browser needs: a status line, a
 * Content-Type, and an empty line before the page. "Connection: close" and
 * closing the socket tell the browser where the page ends.
 *
 *     npx tsx examples/003-hello-server.ts                # localhost port 7342
 *     npx tsx examples/003-hello-server.ts 127.0.0.1 0
 */
import { encode, listen, type StreamSocket } from 'socketkit';
import { main } from './_main.js';

const PAGE = '<html><body><h1>Hello, world!</h1></body></html>';
const RESPONSE = encode(
  `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`,
);
/** Bounds on a request head, so a client cannot make the server hold more than this. */
const MAX_LINE = 8192;
const MAX_LINES = 100;

async function answer(client: StreamSocket): Promise<void> {
  try {
    client.setTimeout(10_000);
    const head: string[] = [];
    for (
      let line = await client.readLine({ maxLength: MAX_LINE });
      line !== '';
      line = await client.readLine({ maxLength: MAX_LINE })
    ) {
      // A browser opens spare connections and may close one unused: nothing to complain about.
      if (line === null && head.length === 0) return;
      if (line === null)
        throw new Error('the client closed the connection before the end of its request head');
      if (head.length === MAX_LINES) throw new Error(`a request head over ${MAX_LINES} lines`);
      head.push(line);
    }
    console.log(head.join('\n'));
    console.log('---');
    await client.sendAll(RESPONSE);
  } catch (error) {
    console.error(`gave up on a client: ${(error as Error).message}`);
  } finally {
    await client.close();
  }
}

await main(async () => {
  const [host = 'localhost', port = '7342'] = process.argv.slice(2);
  const server = await listen({ host, port: Number(port) });
  console.log(
    `open http://${server.address.host}:${server.address.port}/ in a browser (Ctrl-C stops)`,
  );
  process.once('SIGINT', () => void server.close());
  process.once('SIGTERM', () => void server.close());

  // Browsers open several connections (the page, a favicon, a spare): serve each as it comes.
  for await (const client of server) void answer(client);
});
