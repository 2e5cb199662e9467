/**
 * `socketkit resolve HOST`: a host's addresses, canonical name and aliases
 * (getent hosts; Python's gethostbyname_ex, both families).
 *
 * @module
 */

import { Command, Option } from 'commander';
import { lookupHost } from '../../names/hosts.js';
import { parseHost } from '../_options.js';
import { table, writeOut } from '../_output.js';

export function resolveCommand(): Command {
  return new Command('resolve')
    .description("show a host's addresses, canonical name and aliases")
    .argument('<host>', 'a host name or address', parseHost)
    .addOption(new Option('-4, --ipv4', 'IPv4 addresses only').conflicts('ipv6'))
    .option('-6, --ipv6', 'IPv6 addresses only')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Example:
  $ socketkit resolve localhost
  localhost
    canonical name  localhost
    aliases         (none)
    address         127.0.0.1  IPv4`,
    )
    .action(async (host: string, options: { ipv4?: boolean; ipv6?: boolean; json?: boolean }) => {
      const family = options.ipv4 ? 4 : options.ipv6 ? 6 : undefined;
      const entry = await lookupHost(host, { family });
      if (options.json) {
        await writeOut(
          `${JSON.stringify({
            name: host,
            canonicalName: entry.hostname,
            aliases: entry.aliases,
            addresses: entry.addresses.map((a) => ({
              address: a.address,
              family: a.family === 'AF_INET6' ? 'IPv6' : 'IPv4',
            })),
          })}\n`,
        );
        return;
      }
      const rows = [
        ['  canonical name', entry.hostname],
        ['  aliases', entry.aliases.length > 0 ? entry.aliases.join(' ') : '(none)'],
        ...entry.addresses.map((a) => [
          '  address',
          `${a.address}  ${a.family === 'AF_INET6' ? 'IPv6' : 'IPv4'}`,
        ]),
      ];
      await writeOut(`${host}\n${table(rows)}\n`);
    });
}
