/**
 * Tutorial 001 — a Quote of the Day client over UDP (RFC 865).
 *
 * A QOTD server answers any datagram with a quote, so an empty one will do.
 * UDP promises nothing: the datagram or its answer may be lost, so the wait
 * for the reply has a timeout instead of hanging for ever.
 *
 *     npx tsx examples/001-qotd-udp.ts                    # djxmmx.net port 17
 *     npx tsx examples/001-qotd-udp.ts 127.0.0.1 7017
 */
import { decode, udp } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'djxmmx.net', port = '17'] = process.argv.slice(2);
  await using sock = await udp();
  await sock.sendTo(new Uint8Array(0), host, port);
  const { data, address } = await sock.recvFrom(1024, { timeout: 5000 });
  console.log(decode(data));
  console.error(`(${data.length} bytes from ${address.host} port ${address.port})`);
});
