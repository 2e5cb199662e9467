/**
 * Tutorial 003 — why the Host header matters.
 *
 * One address can serve many sites, so the server reads the Host header to
 * know which one is meant. The tutorial pasted a request copied from a
 * browser, still naming "localhost:7342", and the server refused it (421
 * Misdirected Request); naming the site got a real answer. This sends both
 * requests and prints each status line.
 *
 *     npx tsx examples/003-host-header.ts                 # www.python.org port 80
 *     npx tsx examples/003-host-header.ts 127.0.0.1 8080
 */
import { connect, encode } from 'socketkit';
import { main } from './_main.js';

async function statusLine(host: string, port: string, hostHeader: string): Promise<string> {
  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  await sock.sendAll(encode(`GET / HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`));
  // The head, line by line (CRLF or LF) up to the empty line that ends it; its first line
  // is the status.
  const head: string[] = [];
  for (let line = await sock.readLine(); line !== ''; line = await sock.readLine()) {
    if (line === null)
      throw new Error(`${host} closed the connection before the empty line that ends the head`);
    head.push(line);
  }
  return head[0]!;
}

await main(async () => {
  const [host = 'www.python.org', port = '80'] = process.argv.slice(2);
  const site = port === '80' ? host : `${host}:${port}`;
  console.log(`Host: localhost:7342  ->  ${await statusLine(host, port, 'localhost:7342')}`);
  console.log(`Host: ${site}  ->  ${await statusLine(host, port, site)}`);
});
