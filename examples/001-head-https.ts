/**
 * Tutorial 001 — the same HEAD request over TLS (HTTPS).
 *
 * connect() with `tls: true` does what Python's create_connection and
 * wrap_socket do together: TCP, then a TLS handshake that sends the name in
 * SNI and checks the server's certificate against the system's trusted CAs
 * (add one with NODE_EXTRA_CA_CERTS=ca.pem).
 *
 *     npx tsx examples/001-head-https.ts                  # webcode.me port 443
 *     NODE_EXTRA_CA_CERTS=ca.pem npx tsx examples/001-head-https.ts localhost 8443
 */
import { connect, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'webcode.me', port = '443'] = process.argv.slice(2);
  // The Host header carries the port too when it is not the scheme's default.
  const authority = port === '443' ? host : `${host}:${port}`;
  // An untrusted or mismatched certificate fails here, before anything is sent.
  await using sock = await connect(host, port, { tls: true, timeout: 10_000 });
  sock.setTimeout(10_000);
  await sock.sendAll(encode(`HEAD / HTTP/1.1\r\nHost: ${authority}\r\nAccept: text/html\r\n\r\n`));
  // Line by line up to the empty line that ends the head (CRLF or LF), as over plain TCP.
  const head: string[] = [];
  for (let line = await sock.readLine(); line !== ''; line = await sock.readLine()) {
    if (line === null)
      throw new Error(`${host} closed the connection before the empty line that ends the head`);
    head.push(line);
  }
  console.log(head.join('\n'));
});
