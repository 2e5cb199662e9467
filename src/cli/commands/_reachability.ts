/**
 * What to tell the user when a server binds beyond loopback: the names and
 * addresses another device on the network can use (tutorial 003's
 * phone-to-laptop experiment).
 *
 * @module
 */

import type { SocketAddress } from '../../core/address.js';
import { isLoopback } from '../../core/loopback.js';
import { getHostName } from '../../names/hosts.js';
import { interfaceAddresses } from './hostname.js';

/**
 * Loopback-only binds get `null`; others a sentence listing where to connect: on `ports` when
 * several services listen on the same host (serve), else on the address's own port.
 */
export function describeReachability(
  address: SocketAddress,
  ports: readonly number[] = [address.port],
): string | null {
  if (isLoopback(address.host)) return null;
  const wildcard = address.host === '0.0.0.0' || address.host === '::';
  const candidates = wildcard
    ? interfaceAddresses()
        .filter((a) => !a.internal && (address.host === '::' || a.family === 'IPv4'))
        .map((a) => a.address)
    : [address.host];
  const where = [getHostName(), ...candidates].join(', ');
  const unique = [...new Set(ports)];
  const which = unique.length === 1 ? `port ${unique[0]}` : `ports ${unique.join(', ')}`;
  return `Other devices on your network can connect to ${which} at: ${where}`;
}
