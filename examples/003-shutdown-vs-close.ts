/**
 * Tutorial 003 — shutdown() versus close().
 *
 * shutdown('write') tells the peer "I will send nothing more" while this
 * side can still receive: the peer's next recv() returns no bytes, so it
 * knows the request is complete, and its answer still reaches us. close()
 * ends both directions and frees the socket; reading after it is an error.
 * This sends a message to a reverse server (which answers once its client
 * has finished sending), half-closes, reads the answer, then closes.
 *
 *     npx tsx examples/003-shutdown-vs-close.ts           # localhost port 7342
 *     npx tsx examples/003-shutdown-vs-close.ts 127.0.0.1 7342 "stressed"
 */
import { connect, decode, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'localhost', port = '7342', message = 'stressed'] = process.argv.slice(2);
  // `await using` closes it on the way out of an error too; the close() below is written out
  // to show what reading after it does.
  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  await sock.sendAll(encode(message));
  await sock.shutdown('write');
  console.log('shut down the write half; still reading');

  const parts: Uint8Array[] = [];
  for (let part = await sock.recv(1024); part.length > 0; part = await sock.recv(1024))
    parts.push(part);
  console.log(`answer: ${decode(Buffer.concat(parts))}`);

  await sock.close();
  try {
    await sock.recv(1024);
  } catch (error) {
    console.log(`after close(), recv() fails: ${(error as Error).message}`);
  }
});
