/**
 * Tutorial 002 — a socket's family, type and protocol, and how it prints.
 *
 * socketkit creates a socket already connected (or bound), so this example
 * makes a listening socket on loopback, connects a TCP socket to it, opens
 * a UDP socket, and prints each the way Python's repr shows a socket.
 *
 *     npx tsx examples/002-socket-properties.ts           # 127.0.0.1
 *     npx tsx examples/002-socket-properties.ts ::1
 */
import { inspect } from 'node:util';
import { connect, listen, udp } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = '127.0.0.1'] = process.argv.slice(2);
  await using server = await listen({ host, port: 0 });
  await using tcp = await connect(host, server.address.port);
  await using datagram = await udp({ family: host.includes(':') ? 6 : 4 });

  console.log(inspect(tcp));
  console.log(`family ${tcp.family}, type ${tcp.type}, proto ${tcp.proto}`);
  console.log(inspect(datagram));
  console.log(`listening: ${inspect(server)}`);
});
