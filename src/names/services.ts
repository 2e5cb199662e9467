/**
 * Service names and ports: Python's `getservbyname` and `getservbyport`, on the table in
 * `core/service-table.ts` (/etc/services, or a built-in table where that file is missing).
 *
 * @module
 */

import { validatePort } from '../core/address.js';
import { describeType } from '../core/bytes.js';
import { ServiceNotFoundError } from '../core/errors.js';
import {
  type Protocol,
  type ServiceEntry,
  servicePort,
  serviceTable,
  validateProtocol,
} from '../core/service-table.js';

export type { Protocol, ServiceEntry } from '../core/service-table.js';
export { parseServices, reloadServices, resolvePort, serviceTable } from '../core/service-table.js';

/**
 * The port of a service (Python's `socket.getservbyname`), from /etc/services, or from a
 * built-in table of IANA's registry where that file is missing. Names and aliases count, in any
 * case: `www` is 80.
 *
 * @param name A service name or alias (`http`, `ssh`, `www`).
 * @param protocol Only entries for `'tcp'` or `'udp'`; either when absent.
 * @throws {TypeError} the name is not a non-empty string, or the protocol is not `'tcp'` or `'udp'`.
 * @throws {ServiceNotFoundError} when no such service is known.
 *
 * @example The port of SSH
 * ```ts
 * import { getServByName } from 'socketkit';
 * console.log(getServByName('ssh')); // 22
 * ```
 */
export function getServByName(name: string, protocol?: Protocol): number {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `Invalid service name ${describeType(name)}: it must be a non-empty string`,
    );
  }
  const proto = validateProtocol(protocol);
  return servicePort(name, proto);
}

/**
 * The name of the service on a port (Python's `socket.getservbyport`), from the same table as
 * {@link getServByName}: the first entry for that port (and protocol).
 *
 * @throws {TypeError} the port is not an integer, or the protocol is not `'tcp'` or `'udp'`.
 * @throws {RangeError} the port is outside 0–65535.
 * @throws {ServiceNotFoundError} when no service is registered there.
 *
 * @example What runs on port 80
 * ```ts
 * import { getServByPort } from 'socketkit';
 * console.log(getServByPort(80)); // http
 * ```
 */
export function getServByPort(port: number, protocol?: Protocol): string {
  const number = validatePort(port);
  const proto = validateProtocol(protocol);
  for (const entry of serviceTable().entries) {
    if (entry.port === number && (proto === undefined || entry.protocol === proto))
      return entry.name;
  }
  throw new ServiceNotFoundError(
    `No service is registered on port ${number}${proto ? `/${proto}` : ''} in ${serviceTable().source}`,
  );
}

/** Every entry for a name or port, both protocols, for `socketkit service`. */
export function findServices(query: string | number, protocol?: Protocol): ServiceEntry[] {
  const proto = validateProtocol(protocol);
  const entries = serviceTable().entries.filter((e) => proto === undefined || e.protocol === proto);
  if (typeof query === 'number') return entries.filter((e) => e.port === query);
  const wanted = query.toLowerCase();
  return entries.filter(
    (e) => e.name.toLowerCase() === wanted || e.aliases.some((a) => a.toLowerCase() === wanted),
  );
}
