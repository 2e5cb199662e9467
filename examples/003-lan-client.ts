/**
 * Tutorial 003 — the other device: connect to the laptop by its name and say hello.
 *
 *     npx tsx examples/003-lan-client.ts LAPTOP-NAME 7342
 *     npx tsx examples/003-lan-client.ts 127.0.0.1 7342 "Hey there"
 */
import { connect, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host, port = '7342', message = "Hey there, laptop. It's the phone."] =
    process.argv.slice(2);
  if (host === undefined) {
    console.error('usage: 003-lan-client.ts HOST [PORT] [MESSAGE]  (the server prints its HOST)');
    process.exit(2);
  }
  await using client = await connect(host, port, { timeout: 10_000 });
  await client.sendAll(encode(message));
  console.log(
    `sent ${JSON.stringify(message)} to ${client.remoteAddress?.host} port ${client.remoteAddress?.port}`,
  );
});
