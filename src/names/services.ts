/**
 * Service names and ports: Python's `getservbyname` and `getservbyport`.
 *
 * Reads /etc/services once (as libc does); where that file is missing,
 * falls back to a built-in table compiled from IANA's registry.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { ServiceNotFoundError } from '../errors.js';
import { validatePort } from '../socket/address.js';
import { describeType } from '../socket/bytes.js';
import { BUILTIN_SERVICES } from './_builtin-services.js';

/** A transport protocol, as in /etc/services. */
export type Protocol = 'tcp' | 'udp';

/** One service entry. */
export interface ServiceEntry {
  name: string;
  port: number;
  protocol: Protocol;
  aliases: string[];
}

interface ServiceTable {
  /** Where the entries came from: a path, or `'built-in'`. */
  source: string;
  entries: ServiceEntry[];
}

let table: ServiceTable | undefined;

/** The path read for services; tests point it elsewhere with `SOCKETKIT_SERVICES_FILE`. */
function servicesPath(): string {
  return process.env.SOCKETKIT_SERVICES_FILE ?? '/etc/services';
}

/**
 * Parses the /etc/services format: `name port/protocol [aliases…] [# comment]`.
 * Lines that do not fit are skipped, as libc skips them.
 */
export function parseServices(text: string): ServiceEntry[] {
  const entries: ServiceEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const match = /^(\d+)\/(tcp|udp)$/i.exec(portProto ?? '');
    if (!name || !match) continue;
    const port = Number(match[1]);
    if (port > 65535) continue;
    entries.push({ name, port, protocol: match[2]!.toLowerCase() as Protocol, aliases });
  }
  return entries;
}

function parseBuiltin(): ServiceEntry[] {
  const entries: ServiceEntry[] = [];
  for (const line of BUILTIN_SERVICES.trim().split('\n')) {
    const [name, port, protocols, ...aliases] = line.trim().split(/\s+/);
    for (const protocol of protocols!.split(',')) {
      entries.push({ name: name!, port: Number(port), protocol: protocol as Protocol, aliases });
    }
  }
  return entries;
}

/** The service table in use, loading it on first call. */
export function serviceTable(): ServiceTable {
  if (table === undefined) {
    const path = servicesPath();
    try {
      table = { source: path, entries: parseServices(readFileSync(path, 'utf8')) };
    } catch {
      table = { source: 'built-in', entries: parseBuiltin() };
    }
  }
  return table;
}

/** Forgets the loaded table, so the next lookup reads the file again. */
export function reloadServices(): void {
  table = undefined;
}

function validateProtocol(protocol: unknown): Protocol | undefined {
  if (protocol === undefined) return undefined;
  if (protocol === 'tcp' || protocol === 'udp') return protocol;
  throw new TypeError(`Invalid protocol ${describeType(protocol)}: use 'tcp' or 'udp'`);
}

/**
 * The port of a service (Python's `socket.getservbyname`). Aliases count:
 * `www` is 80.
 *
 * @throws {ServiceNotFoundError} when no such service is known.
 * @example
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
  const wanted = name.toLowerCase();
  for (const entry of serviceTable().entries) {
    if (proto !== undefined && entry.protocol !== proto) continue;
    if (
      entry.name.toLowerCase() === wanted ||
      entry.aliases.some((a) => a.toLowerCase() === wanted)
    ) {
      return entry.port;
    }
  }
  throw new ServiceNotFoundError(
    `Service "${name}"${proto ? ` over ${proto}` : ''} was not found in ${serviceTable().source}`,
  );
}

/**
 * The name of the service on a port (Python's `socket.getservbyport`).
 *
 * @throws {RangeError} the port is outside 0–65535.
 * @throws {ServiceNotFoundError} when no service is registered there.
 * @example
 * ```ts
 * import { getServByPort } from 'socketkit';
 * console.log(getServByPort(80)); // "http"
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

/**
 * A port given as a number, a numeric string or a service name (`'http'`),
 * as the number. Used wherever socketkit takes a port.
 */
export function resolvePort(port: unknown, protocol: Protocol): number {
  if (typeof port === 'string' && port !== '' && !/^\s*-?\d+\s*$/.test(port)) {
    return getServByName(port, protocol);
  }
  return validatePort(port);
}
