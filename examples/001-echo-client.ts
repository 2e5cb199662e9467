/**
 * Tutorial 001 — an echo client: sends a greeting and prints what comes back.
 *
 *     npx tsx examples/001-echo-client.ts                 # localhost port 8001
 *     npx tsx examples/001-echo-client.ts 127.0.0.1 7007
 */
import { connect, decode, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'localhost', port = '8001', message = 'hello there'] = process.argv.slice(2);
  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  const bytes = encode(message);
  await sock.sendAll(bytes);
  // An echo may come back in more than one piece: wait for all of it.
  console.log(decode(await sock.recvExactly(bytes.length)));
});
