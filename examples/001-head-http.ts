/**
 * Tutorial 001 — a HEAD request written by hand over TCP.
 *
 * HEAD asks for the response head only: status line and header fields, no
 * body. The lines of an HTTP head end in CR LF, and an empty line ends it.
 *
 *     npx tsx examples/001-head-http.ts                   # webcode.me port 80
 *     npx tsx examples/001-head-http.ts 127.0.0.1 8080
 */
import { connect, decode, encode } from 'socketkit';

const [host = 'webcode.me', port = '80'] = process.argv.slice(2);
// The Host header carries the port too when it is not the scheme's default.
const authority = port === '80' ? host : `${host}:${port}`;
await using sock = await connect(host, port, { timeout: 10_000 });
sock.setTimeout(10_000);
await sock.sendAll(encode(`HEAD / HTTP/1.1\r\nHost: ${authority}\r\nAccept: text/html\r\n\r\n`));
// The server keeps the connection open after a HEAD reply (HTTP/1.1 keep-alive), so read
// up to the empty line that ends the head rather than waiting for it to close.
const head = await sock.recvUntil(encode('\r\n\r\n'));
console.log(decode(head).trimEnd());
