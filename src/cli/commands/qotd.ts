/**
 * `socketkit qotd HOST [PORT]`: the RFC 865 quote-of-the-day client of
 * tutorial 001, over UDP (default, as the tutorial) or TCP.
 *
 * @module
 */

import { Command } from 'commander';
import { parseHost } from '../_options.js';
import { askOverTcp, askOverUdp } from './_ask-service.js';
import { parsePortOrService } from './connect.js';

export function qotdCommand(): Command {
  return new Command('qotd')
    .description('ask a quote-of-the-day server (RFC 865) for a quote')
    .argument('<host>', 'the server', parseHost)
    .argument('[port]', 'its port (default 17)')
    .option('-t, --tcp', 'ask over TCP instead of UDP')
    .addHelpText(
      'after',
      '\nExample:\n  $ socketkit qotd 127.0.0.1 7017\n  A journey of a thousand miles begins with a single step.',
    )
    .action(async (host: string, portText: string | undefined, flags: { tcp?: boolean }) => {
      const port = parsePortOrService(portText ?? '17');
      if (flags.tcp) await askOverTcp(host, port);
      else await askOverUdp(host, port, 'qotd');
    });
}
