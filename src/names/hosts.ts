/**
 * Host names and addresses: Python's `gethostname`, `gethostbyname`,
 * `gethostbyname_ex` and `getaddrinfo`.
 *
 * Addresses come from the system resolver (`getaddrinfo(3)` through
 * `dns.lookup`), so /etc/hosts and nsswitch apply exactly as for Python.
 * The canonical name and aliases, which `dns.lookup` does not report, come
 * from /etc/hosts (as glibc's `files` backend gives them) and otherwise
 * from following CNAME records.
 *
 * @module
 */

import { lookup as dnsLookup, Resolver } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { type AddressFamily, familyOf, type SocketAddress, validateHost } from '../core/address.js';
import { fromNodeError, NameResolutionError, ServiceNotFoundError } from '../core/errors.js';
import { type Protocol, resolvePort } from './services.js';

/** Python's `gethostbyname_ex` triple, as an object: what {@link getHostByNameEx} resolves with. */
export interface HostEntry {
  /** The canonical name. */
  hostname: string;
  /** Other names for the same host. */
  aliases: string[];
  /** Its addresses. */
  addresses: string[];
}

/** One result of {@link getAddrInfo}: Python's `(family, type, proto, canonname, sockaddr)`. */
export interface AddrInfo {
  /** `AF_INET` or `AF_INET6`. */
  family: AddressFamily;
  /** `SOCK_STREAM` (TCP) or `SOCK_DGRAM` (UDP). */
  type: 'SOCK_STREAM' | 'SOCK_DGRAM';
  /** The IP protocol number: 6 for TCP, 17 for UDP. */
  proto: 6 | 17;
  /** Always `''`: Python fills it only when asked with `AI_CANONNAME`, which this call does not take (use {@link getHostByNameEx} for the canonical name). */
  canonname: string;
  /** Where to connect or bind: the numeric address and the port. */
  address: SocketAddress;
}

/** Options for {@link getAddrInfo}. */
export interface AddrInfoOptions {
  /** Only IPv4 (`4`) or IPv6 (`6`) results. */
  family?: 4 | 6;
  /** Only stream (TCP) or datagram (UDP) results; both when absent. */
  type?: 'SOCK_STREAM' | 'SOCK_DGRAM';
}

/**
 * This machine's host name (Python's `socket.gethostname`), as the OS reports it; no lookup.
 *
 * @example The name of this machine
 * ```ts
 * import { getHostName } from 'socketkit';
 * console.log(getHostName()); // e.g. LAPTOP-BQP6HJU5
 * ```
 */
export function getHostName(): string {
  return osHostname();
}

/**
 * The first IPv4 address of a host (Python's `socket.gethostbyname`), from the system resolver,
 * so /etc/hosts counts as it does for every other program. An IPv4 address comes back as is.
 *
 * @throws {TypeError} the name is empty or holds whitespace or control characters.
 * @throws {NameResolutionError} the name does not resolve to an IPv4 address.
 *
 * @example Where localhost is
 * ```ts
 * import { getHostByName } from 'socketkit';
 * console.log(await getHostByName('localhost')); // 127.0.0.1
 * ```
 */
export async function getHostByName(name: string): Promise<string> {
  const entry = await getHostByNameEx(name);
  return entry.addresses[0]!;
}

/**
 * A host's canonical name, aliases and IPv4 addresses (Python's `socket.gethostbyname_ex`). The
 * addresses come from the system resolver; the names from /etc/hosts when the host is there,
 * else from following its DNS CNAME records (each lookup waits at most 1.5 s).
 *
 * @throws {TypeError} the name is empty or holds whitespace or control characters.
 * @throws {NameResolutionError} the name does not resolve to an IPv4 address.
 *
 * @example The addresses of localhost
 * ```ts
 * import { getHostByNameEx } from 'socketkit';
 * const entry = await getHostByNameEx('localhost');
 * console.log(entry.addresses); // [ '127.0.0.1' ]
 * ```
 */
export async function getHostByNameEx(name: string): Promise<HostEntry> {
  const entry = await lookupHost(name, { family: 4 });
  return {
    hostname: entry.hostname,
    aliases: entry.aliases,
    addresses: entry.addresses.map((a) => a.address),
  };
}

/** What {@link lookupHost} returns: like {@link HostEntry}, with each address's family. */
export interface HostLookup {
  hostname: string;
  aliases: string[];
  addresses: Array<{ address: string; family: AddressFamily }>;
}

/**
 * Every address of a host, in the resolver's order, with its canonical
 * name and aliases. The engine behind `socketkit resolve`.
 */
export async function lookupHost(
  name: string,
  options: { family?: 4 | 6 } = {},
): Promise<HostLookup> {
  const host = validateHost(name);
  const literal = isIP(host);
  if (literal !== 0) {
    if (options.family !== undefined && options.family !== literal) {
      throw new NameResolutionError(
        `Could not resolve host "${host}": Address family for hostname not supported (an IPv${literal} address was given where IPv${options.family} was asked)`,
        { host, syscall: 'getaddrinfo', errnoName: 'EAI_FAMILY' },
      );
    }
    return { hostname: host, aliases: [], addresses: [{ address: host, family: familyOf(host) }] };
  }
  const found = await systemLookup(host, options.family);
  const names = hostsFileNames(host) ?? (await cnameChain(host));
  return { hostname: names.hostname, aliases: names.aliases, addresses: found };
}

/**
 * Addresses for a host and port, ready to connect or bind to (Python's
 * `socket.getaddrinfo`): one result per address and socket type. The port may be a number or a
 * service name, which only yields the types it is registered for (`http` is TCP only), as glibc
 * does.
 *
 * @param host A name or a numeric address.
 * @param port A port, numeric string or service name. Default 0.
 * @param options Only one family (4 or 6), only one socket type.
 * @throws {TypeError} the host is empty, or `type` is not `SOCK_STREAM` or `SOCK_DGRAM`.
 * @throws {ServiceNotFoundError} the service name is not in the services table (for that type).
 * @throws {NameResolutionError} the host does not resolve (in that family).
 *
 * @example Where to connect for HTTP on localhost
 * ```ts
 * import { getAddrInfo } from 'socketkit';
 * const [first] = await getAddrInfo('localhost', 'http', { family: 4, type: 'SOCK_STREAM' });
 * console.log(first?.address); // { host: '127.0.0.1', port: 80, family: 'AF_INET' }
 * ```
 */
export async function getAddrInfo(
  host: string,
  port: number | string = 0,
  options: AddrInfoOptions = {},
): Promise<AddrInfo[]> {
  if (
    options.type !== undefined &&
    options.type !== 'SOCK_STREAM' &&
    options.type !== 'SOCK_DGRAM'
  ) {
    throw new TypeError(
      `Invalid socket type ${String(options.type)}: use 'SOCK_STREAM' or 'SOCK_DGRAM'`,
    );
  }
  // As glibc does, a service name only yields the socket types it is registered for
  // ('http' is tcp only); a numeric port yields every type asked for.
  const types = (options.type ? [options.type] : (['SOCK_STREAM', 'SOCK_DGRAM'] as const)).flatMap(
    (type) => {
      const protocol: Protocol = type === 'SOCK_DGRAM' ? 'udp' : 'tcp';
      try {
        return [{ type, port: resolvePort(port, protocol) }];
      } catch (error) {
        if (error instanceof ServiceNotFoundError) return [];
        throw error;
      }
    },
  );
  if (types.length === 0) resolvePort(port, options.type === 'SOCK_DGRAM' ? 'udp' : 'tcp');
  const entry = await lookupHost(host, { family: options.family });
  const results: AddrInfo[] = [];
  for (const { address, family } of entry.addresses) {
    for (const { type, port: portNumber } of types) {
      results.push({
        family,
        type,
        proto: type === 'SOCK_STREAM' ? 6 : 17,
        canonname: '',
        address: { host: address, port: portNumber, family },
      });
    }
  }
  return results;
}

function systemLookup(
  host: string,
  family: 4 | 6 | undefined,
): Promise<Array<{ address: string; family: AddressFamily }>> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, family: family ?? 0 }, (error, addresses) => {
      if (error) {
        reject(fromNodeError(error, { syscall: 'getaddrinfo', host }));
        return;
      }
      const seen = new Set<string>();
      const unique = addresses.filter((a) => !seen.has(a.address) && seen.add(a.address));
      resolve(unique.map((a) => ({ address: a.address, family: familyOf(a.address, a.family) })));
    });
  });
}

/** The canonical name and aliases /etc/hosts gives `host`, as glibc's `files` backend reads them. */
function hostsFileNames(host: string): { hostname: string; aliases: string[] } | null {
  let text: string;
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return null;
  }
  const wanted = host.toLowerCase();
  for (const rawLine of text.split('\n')) {
    const fields = rawLine.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2 || isIP(fields[0]!) === 0) continue;
    const names = fields.slice(1);
    if (names.some((n) => n.toLowerCase() === wanted)) {
      return { hostname: names[0]!, aliases: names.slice(1) };
    }
  }
  return null;
}

/** Follows CNAME records from `host`: the last name is canonical, the earlier ones aliases. */
async function cnameChain(host: string): Promise<{ hostname: string; aliases: string[] }> {
  const resolver = new Resolver({ timeout: 1500, tries: 1 });
  const aliases: string[] = [];
  let current = host;
  for (let hops = 0; hops < 8; hops++) {
    const next = await new Promise<string | null>((resolve) => {
      resolver.resolveCname(current, (error, names) =>
        resolve(error || names.length === 0 ? null : names[0]!),
      );
    });
    if (next === null) break;
    aliases.push(current);
    current = next;
  }
  return { hostname: current, aliases };
}
