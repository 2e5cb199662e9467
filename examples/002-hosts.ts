/**
 * Tutorial 002 — this machine's name and address, and what a resolver knows about another host.
 *
 *     npx tsx examples/002-hosts.ts                       # google.com
 *     npx tsx examples/002-hosts.ts localhost
 *     npx tsx examples/002-hosts.ts localhost localhost   # look up "localhost" as this machine
 */
import { getHostByName, getHostByNameEx, getHostName } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const me = getHostName();
  const [other = 'google.com', self = me] = process.argv.slice(2);
  console.log(`this machine is ${me}`);
  console.log(`its address: ${await getHostByName(self)}`);
  // gethostbyname_ex: the canonical name, its aliases and every IPv4 address.
  const { hostname, aliases, addresses } = await getHostByNameEx(other);
  console.log(
    `${other}: canonical name ${hostname}, aliases [${aliases.join(', ')}], addresses [${addresses.join(', ')}]`,
  );
});
