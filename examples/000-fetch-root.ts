/**
 * Tutorial 000 — fetch a server's root document over a bare TCP socket.
 *
 * Asks which server to talk to (unless one is given), sends a minimal
 * HTTP/1.1 GET, reads the whole reply and prints it the way Python's
 * `print(repr(reply))` would. The three failures the tutorial walks
 * through each get their own message: a name that does not resolve, a
 * refused connection, and a server that goes quiet.
 *
 *     npx tsx examples/000-fetch-root.ts                 # asks for the server
 *     npx tsx examples/000-fetch-root.ts example.com     # port 80
 *     npx tsx examples/000-fetch-root.ts 127.0.0.1 8080 2   # and give up after 2 s
 *
 * At the question, "host:port" picks a port other than 80.
 */
import { createInterface } from 'node:readline/promises';
import {
  bytesRepr,
  ConnectionRefusedError,
  connect,
  encode,
  NameResolutionError,
  SocketTimeoutError,
} from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const args = process.argv.slice(2);
  let [host, port = '80'] = args;
  const timeout = Number(args[2] ?? 10) * 1000;
  if (host === undefined) {
    const terminal = createInterface({ input: process.stdin, output: process.stdout });
    const answer = (await terminal.question('What server do you want to connect to? ')).trim();
    terminal.close();
    const withPort = /^([^:]+):(\d+)$/.exec(answer);
    [host, port] = withPort ? [withPort[1]!, withPort[2]!] : [answer, port];
  }

  try {
    // One deadline for the name lookup, the TCP handshake and every read after it.
    await using sock = await connect(host, port, { timeout });
    sock.setTimeout(timeout);
    // The Host header names the site we want; "Connection: close" asks the server to hang up
    // after answering, which is how we will know the reply is complete.
    const authority = port === '80' ? host : `${host}:${port}`;
    await sock.sendAll(encode(`GET / HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`));

    // The tutorial calls recv(10000) once; a reply longer than one read would be cut short.
    // Reading until recv() returns no bytes (the server closed) gets all of it.
    const parts: Uint8Array[] = [];
    for (let part = await sock.recv(10_000); part.length > 0; part = await sock.recv(10_000)) {
      parts.push(part);
    }
    await sock.shutdown('both'); // "nothing more to say, nothing more to hear"; close() follows.
    console.log(bytesRepr(Buffer.concat(parts)));
  } catch (error) {
    // The three failures the tutorial walks through; main() reports any other in one sentence.
    if (error instanceof NameResolutionError) {
      console.error(`Cannot find ${host}: ${error.message}`);
    } else if (error instanceof ConnectionRefusedError) {
      console.error(`${host} is there, but nothing listens on port ${port}: ${error.message}`);
    } else if (error instanceof SocketTimeoutError) {
      console.error(`${host} did not answer in time: ${error.message}`);
    } else {
      throw error;
    }
    process.exitCode = 1;
  }
});
