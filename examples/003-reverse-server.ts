/**
 * Tutorial 003 — a server that sends a message back reversed, then hangs up.
 *
 * One recv() per client, as in the tutorial: fine for a short greeting on a
 * quiet network, but a long message may need several reads (see the
 * framing examples for messages with a known end).
 *
 *     npx tsx examples/003-reverse-server.ts              # localhost port 7342
 *     npx tsx examples/003-reverse-server.ts 127.0.0.1 0
 */
import { decode, listen } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'localhost', port = '7342'] = process.argv.slice(2);
  const server = await listen({ host, port: Number(port) });
  console.log(`reversing on ${server.address.host} port ${server.address.port} (Ctrl-C stops)`);
  process.once('SIGINT', () => void server.close());
  process.once('SIGTERM', () => void server.close());

  for await (const client of server) {
    try {
      client.setTimeout(10_000);
      const data = await client.recv(1024);
      console.log(decode(data));
      await client.sendAll(Uint8Array.from(data).reverse());
    } catch (error) {
      console.error(`gave up on a client: ${(error as Error).message}`);
    } finally {
      await client.close(); // the client's next recv() returns no bytes: we are done
    }
  }
});
