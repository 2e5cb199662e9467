/**
 * `socketkit daytime HOST [PORT]`: the RFC 867 client of tutorial 001, over
 * TCP (default) or UDP.
 *
 * @module
 */

import { Command } from 'commander';
import { parseHost } from '../_options.js';
import { askOverTcp, askOverUdp } from './_ask-service.js';
import { parsePortOrService } from './connect.js';

export function daytimeCommand(): Command {
  return new Command('daytime')
    .description('ask a daytime server (RFC 867) for the date and time')
    .argument('<host>', 'the server', parseHost)
    .argument('[port]', 'its port (default 13)')
    .option('-u, --udp', 'ask over UDP (3 tries of 2 s)')
    .addHelpText(
      'after',
      '\nExample:\n  $ socketkit daytime 127.0.0.1 7013\n  Sunday, November 22, 2026 03:45:12-UTC',
    )
    .action(async (host: string, portText: string | undefined, flags: { udp?: boolean }) => {
      const port = parsePortOrService(portText ?? '13');
      if (flags.udp) await askOverUdp(host, port, 'daytime');
      else await askOverTcp(host, port);
    });
}
