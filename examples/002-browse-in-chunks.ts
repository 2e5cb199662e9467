/**
 * Tutorial 002 — read a web page through a socket, a chunk at a time.
 *
 * The tutorial stops reading when a chunk is shorter than the buffer. That
 * is a bug: recv() returns whatever has arrived so far, so a short chunk
 * says nothing about the end of the page — it may just be a slow network.
 * The end of the reply is the server closing the connection, which it does
 * after answering because we asked for "Connection: close". (The tutorial
 * also writes "HTTP/2.0" with bare LF line ends; HTTP/2 is not spoken in
 * plain text like this, so this sends a proper HTTP/1.1 request.)
 *
 *     npx tsx examples/002-browse-in-chunks.ts            # www.cutecatvideos.net port 80
 *     npx tsx examples/002-browse-in-chunks.ts 127.0.0.1 8080
 */
import { connect, decode, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'www.cutecatvideos.net', port = '80'] = process.argv.slice(2);
  // The Host header carries the port too when it is not the scheme's default.
  const authority = port === '80' ? host : `${host}:${port}`;
  const BUFFER_SIZE = 4096;
  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  const sent = sock.send(
    encode(`GET / HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`),
  );
  console.error(`sent ${sent} bytes`);

  const chunks: Uint8Array[] = [];
  let reads = 0;
  for (;;) {
    const chunk = await sock.recv(BUFFER_SIZE);
    if (chunk.length === 0) break; // the server closed: that, and only that, is the end
    chunks.push(chunk);
    reads++;
  }
  const response = Buffer.concat(chunks);
  console.error(`received ${response.length} bytes in ${reads} reads`);
  console.log(decode(response));
});
