/**
 * Tutorial 003 — the client of the reverse server.
 *
 * Sends a greeting, prints it reversed, and then reads once more: an empty
 * result means the server has closed its end of the connection.
 *
 *     npx tsx examples/003-reverse-client.ts              # localhost port 7342
 *     npx tsx examples/003-reverse-client.ts 127.0.0.1 7342 "some text"
 */
import { bytesRepr, connect, decode, encode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'localhost', port = '7342', message = 'Hello, world!'] = process.argv.slice(2);
  await using client = await connect(host, port, { timeout: 10_000 });
  client.setTimeout(10_000);
  await client.sendAll(encode(message));
  console.log(decode(await client.recv(1024)));
  console.log(`then: ${bytesRepr(await client.recv(1024))} (the server closed)`);
});
