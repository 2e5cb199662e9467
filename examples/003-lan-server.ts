/**
 * Tutorial 003 — a server other devices on your network can reach.
 *
 * Binding to this machine's name, not "localhost", makes the server
 * reachable at the addresses that name has on the network. It prints them,
 * waits for one device to connect and prints what it says. Your firewall
 * may ask first. socketkit's own servers only leave loopback when told to,
 * so this example has to say it.
 *
 *     npx tsx examples/003-lan-server.ts                  # this machine's name, port 7342
 *     npx tsx examples/003-lan-server.ts 127.0.0.1 0      # loopback only
 */
import { decode, getHostByNameEx, getHostName, listen } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = getHostName(), port = '7342'] = process.argv.slice(2);
  await using server = await listen({ host, port: Number(port) });
  const { addresses } = await getHostByNameEx(host);
  console.log(`listening on ${host} (${addresses.join(', ')}) port ${server.address.port}`);
  console.log(
    `from another device: connect to ${host} or ${addresses[0] ?? server.address.host}, port ${server.address.port}`,
  );

  const [client, address] = await server.accept();
  try {
    client.setTimeout(60_000);
    console.log(`${address.host} says: ${decode(await client.recv(1024))}`);
  } finally {
    await client.close();
  }
});
