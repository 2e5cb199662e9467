/**
 * `socketkit service NAME|PORT`: port ↔ service name (getent services;
 * Python's getservbyname and getservbyport).
 *
 * @module
 */

import { Command, InvalidArgumentError, Option } from 'commander';
import { findServices, type Protocol, serviceTable } from '../../names/services.js';
import { table, writeOut } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';

function parseQuery(value: string): string | number {
  if (/^\d+$/.test(value)) {
    const port = Number(value);
    if (port > 65535) throw new InvalidArgumentError('a port must be an integer from 0 to 65535.');
    return port;
  }
  if (value === '' || /[\s/]/.test(value)) {
    throw new InvalidArgumentError('expected a service name (like "http") or a port number.');
  }
  return value;
}

export function serviceCommand(): Command {
  return new Command('service')
    .description('look up the port of a service, or the service on a port')
    .argument(
      '<name-or-port>',
      'a service name such as ssh, or a port number such as 80',
      parseQuery,
    )
    .addOption(new Option('--proto <protocol>', 'only this protocol').choices(['tcp', 'udp']))
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ socketkit service ssh
  ssh  22/tcp
  $ socketkit service 17
  qotd  17/tcp  quote`,
    )
    .action(async (query: string | number, options: { proto?: Protocol; json?: boolean }) => {
      const entries = findServices(query, options.proto);
      if (entries.length === 0) {
        const what = typeof query === 'number' ? `on port ${query}` : `named "${query}"`;
        throw new CliError(
          `No service ${what}${options.proto ? ` over ${options.proto}` : ''} in ${serviceTable().source}`,
          ExitCode.FAILURE,
        );
      }
      if (options.json) {
        await writeOut(`${JSON.stringify(entries)}\n`);
        return;
      }
      const rows = entries.map((e) => [e.name, `${e.port}/${e.protocol}`, e.aliases.join(' ')]);
      await writeOut(`${table(rows)}\n`);
    });
}
