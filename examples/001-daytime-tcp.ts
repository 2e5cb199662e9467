/**
 * Tutorial 001 — ask a daytime server (RFC 867) for the time over TCP.
 *
 * The server speaks as soon as we connect and then hangs up; we need not send anything.
 *
 *     npx tsx examples/001-daytime-tcp.ts                 # time.nist.gov port 13
 *     npx tsx examples/001-daytime-tcp.ts 127.0.0.1 7013
 */
import { connect, decode } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'time.nist.gov', port = '13'] = process.argv.slice(2);
  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  console.log(decode(await sock.recv(4096)).trimEnd());
});
