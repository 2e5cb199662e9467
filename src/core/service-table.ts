/**
 * The services table behind every port that may be given by name: /etc/services, read once
 * (as libc does), or where that file is missing a built-in table compiled from IANA's
 * registry. Python's `getservbyname` and `getservbyport` are built on it in `names/`; the
 * socket layer needs only {@link resolvePort}.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { BUILTIN_SERVICES } from './_builtin-services.js';
import { validatePort } from './address.js';
import { describeType } from './bytes.js';
import { ServiceNotFoundError } from './errors.js';

/** A transport protocol as /etc/services names it: `'tcp'` or `'udp'`. */
export type Protocol = 'tcp' | 'udp';

/** One line of the services table: `http 80/tcp www` is `{ name: 'http', port: 80, protocol: 'tcp', aliases: ['www'] }`. */
export interface ServiceEntry {
  /** The service's official name (`http`). */
  name: string;
  /** Its port number. */
  port: number;
  /** The transport it is registered for; a service on both has an entry for each. */
  protocol: Protocol;
  /** Other names that find it (`www` for `http`). */
  aliases: string[];
}

export interface ServiceTable {
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

export function validateProtocol(protocol: unknown): Protocol | undefined {
  if (protocol === undefined) return undefined;
  if (protocol === 'tcp' || protocol === 'udp') return protocol;
  throw new TypeError(`Invalid protocol ${describeType(protocol)}: use 'tcp' or 'udp'`);
}

/**
 * The port a service name (or one of its aliases) has, case-insensitively.
 *
 * @throws {ServiceNotFoundError} when no such service is known.
 */
export function servicePort(name: string, protocol: Protocol | undefined): number {
  const wanted = name.toLowerCase();
  for (const entry of serviceTable().entries) {
    if (protocol !== undefined && entry.protocol !== protocol) continue;
    if (
      entry.name.toLowerCase() === wanted ||
      entry.aliases.some((a) => a.toLowerCase() === wanted)
    ) {
      return entry.port;
    }
  }
  throw new ServiceNotFoundError(
    `Service "${name}"${protocol ? ` over ${protocol}` : ''} was not found in ${serviceTable().source}`,
  );
}

/**
 * A port given as a number, a numeric string or a service name (`'http'`),
 * as the number. Used wherever socketkit takes a port.
 */
export function resolvePort(port: unknown, protocol: Protocol): number {
  if (typeof port === 'string' && port !== '' && !/^\s*-?\d+\s*$/.test(port)) {
    return servicePort(port, protocol);
  }
  return validatePort(port);
}
