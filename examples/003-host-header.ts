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
import { connect, decode, encode } from 'socketkit';

const [host = 'www.python.org', port = '80'] = process.argv.slice(2);
const site = port === '80' ? host : `${host}:${port}`;

async function statusLine(hostHeader: string): Promise<string> {
  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  await sock.sendAll(encode(`GET / HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`));
  const head = decode(await sock.recvUntil(encode('\r\n\r\n')));
  return head.slice(0, head.indexOf('\r\n'));
}

console.log(`Host: localhost:7342  ->  ${await statusLine('localhost:7342')}`);
console.log(`Host: ${site}  ->  ${await statusLine(site)}`);
