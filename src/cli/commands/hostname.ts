/**
 * `socketkit hostname`: this machine's name and its addresses on each
 * interface, so another device on the network knows where to connect
 * (tutorial 003's phone-to-laptop experiment).
 *
 * @module
 */

import { networkInterfaces } from 'node:os';
import { Command } from 'commander';
import { getHostName } from '../../names/hosts.js';
import { table, writeOut } from '../_output.js';

/** One address of one interface. */
export interface InterfaceAddress {
  interface: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

/** Every address of every interface, loopback first. */
export function interfaceAddresses(): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const a of addresses ?? []) {
      out.push({
        interface: name,
        address: a.address,
        family: a.family === 'IPv6' ? 'IPv6' : 'IPv4',
        internal: a.internal,
      });
    }
  }
  return out.sort((a, b) => Number(b.internal) - Number(a.internal));
}

export function hostnameCommand(): Command {
  return new Command('hostname')
    .description("show this machine's name and its addresses on each interface")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Example:
  $ socketkit hostname
  vm
    lo    127.0.0.1  IPv4  loopback
    eth0  10.0.2.15  IPv4`,
    )
    .action(async (options: { json?: boolean }) => {
      const name = getHostName();
      const addresses = interfaceAddresses();
      if (options.json) {
        await writeOut(`${JSON.stringify({ hostname: name, addresses })}\n`);
        return;
      }
      const rows = addresses.map((a) => [
        `  ${a.interface}`,
        a.address,
        a.family,
        a.internal ? 'loopback' : '',
      ]);
      const external = addresses.filter((a) => !a.internal);
      const hint =
        external.length > 0
          ? `\nOther devices on your network can reach this machine as ${name} or ${external[0]!.address}\n(servers must bind to it: socketkit listen --host 0.0.0.0 PORT).\n`
          : '\nThis machine has only loopback addresses: other devices cannot reach it.\n';
      await writeOut(`${name}\n${table(rows)}\n${hint}`);
    });
}
