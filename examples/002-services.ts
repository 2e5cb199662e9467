/**
 * Tutorial 002 — which port a service uses, and which service a port is for.
 *
 * Looked up in /etc/services, or in socketkit's own copy of the IANA registry
 * on machines without one.
 *
 *     npx tsx examples/002-services.ts                    # ssh and 80
 *     npx tsx examples/002-services.ts http 443
 */
import { getServByName, getServByPort } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [name = 'ssh', port = '80'] = process.argv.slice(2);
  console.log(`${name} uses port ${getServByName(name)}`);
  console.log(`port ${port} is ${getServByPort(Number(port))}`);
});
