/**
 * Tutorial 001 — the IP address of a host name.
 *
 *     npx tsx examples/001-gethostbyname.ts               # example.com
 *     npx tsx examples/001-gethostbyname.ts localhost
 */
import { getHostByName } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'example.com'] = process.argv.slice(2);
  // Like Python's socket.gethostbyname: the first IPv4 address the resolver gives.
  console.log(await getHostByName(host));
});
