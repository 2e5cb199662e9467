/**
 * Tutorial 001 — GET over HTTPS, reading until the server closes.
 *
 * "Connection: close" asks the server to hang up after the response, so
 * the reply is complete when recv() returns no bytes. Decoding each piece
 * on its own could split a multi-byte UTF-8 character across two reads, so
 * the pieces are joined first.
 *
 *     npx tsx examples/001-get-https.ts                   # webcode.me port 443
 *     NODE_EXTRA_CA_CERTS=ca.pem npx tsx examples/001-get-https.ts localhost 8443
 */
import { connect, decode, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'webcode.me', port = '443'] = process.argv.slice(2);
  // The Host header carries the port too when it is not the scheme's default.
  const authority = port === '443' ? host : `${host}:${port}`;
  // An untrusted or mismatched certificate fails here, before anything is sent.
  await using sock = await connect(host, port, { tls: true, timeout: 10_000 });
  sock.setTimeout(10_000);
  await sock.sendAll(
    encode(
      `GET / HTTP/1.1\r\nHost: ${authority}\r\nAccept: text/html\r\nConnection: close\r\n\r\n`,
    ),
  );
  const parts: Uint8Array[] = [];
  for (let data = await sock.recv(1024); data.length > 0; data = await sock.recv(1024)) {
    parts.push(data);
  }
  console.log(decode(Buffer.concat(parts)));
});
