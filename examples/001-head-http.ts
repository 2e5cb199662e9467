/**
 * Tutorial 001 — a HEAD request written by hand over TCP.
 *
 * HEAD asks for the response head only: status line and header fields, no
 * body. Each line of an HTTP head ends in CR LF (a lone LF from some servers
 * is allowed too, RFC 9112 §2.2), and an empty line ends the head.
 *
 *     npx tsx examples/001-head-http.ts                   # webcode.me port 80
 *     npx tsx examples/001-head-http.ts 127.0.0.1 8080
 */
import { connect, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'webcode.me', port = '80'] = process.argv.slice(2);
  // The Host header carries the port too when it is not the scheme's default.
  const authority = port === '80' ? host : `${host}:${port}`;
  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  await sock.sendAll(encode(`HEAD / HTTP/1.1\r\nHost: ${authority}\r\nAccept: text/html\r\n\r\n`));
  // The server keeps the connection open after a HEAD reply (HTTP/1.1 keep-alive), so read
  // line by line up to the empty line that ends the head rather than waiting for it to close.
  // readLine() takes CRLF and LF line ends alike, and gives null once the server has closed.
  const head: string[] = [];
  for (let line = await sock.readLine(); line !== ''; line = await sock.readLine()) {
    if (line === null)
      throw new Error(`${host} closed the connection before the empty line that ends the head`);
    head.push(line);
  }
  console.log(head.join('\n'));
});
