/**
 * Socket addresses and the checks every call that takes a host or a port
 * makes before touching the network.
 *
 * @module
 */

import { isIP } from 'node:net';
import { describeType } from './bytes.js';

/** An address family as Python names it: `AF_INET` for IPv4, `AF_INET6` for IPv6. */
export type AddressFamily = 'AF_INET' | 'AF_INET6';

/**
 * One end of a connection: Python's `(host, port)` tuple, plus the family, as a socket's
 * `localAddress` and `remoteAddress` and a server's `address` report it.
 *
 * @example The address a server is bound to
 * ```ts
 * import { listen } from 'socketkit';
 * await using server = await listen();
 * const { host, family } = server.address;
 * console.log(host, family); // 127.0.0.1 AF_INET
 * ```
 */
export interface SocketAddress {
  /** The numeric address (`127.0.0.1`, `::1`), never a name and without IPv6 brackets. */
  host: string;
  /** The port number, 0 to 65535. */
  port: number;
  /** Whether `host` is an IPv4 or an IPv6 address. */
  family: AddressFamily;
}

/**
 * One end of a Unix domain socket (`AF_UNIX`): the path of its socket file, or on Linux an
 * abstract name starting with `\0`. A client's own end is unnamed: `path` is `''`, as Python's
 * `getsockname()` returns.
 *
 * @example The path a server listens on
 * ```ts
 * import { listen } from 'socketkit';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * await using server = await listen({ path: join(tmpdir(), `socketkit-doc-${process.pid}.sock`) });
 * console.log(server.address.family, server.address.path.endsWith('.sock')); // AF_UNIX true
 * ```
 */
export interface UnixAddress {
  /** The socket file's path, `\0name` for an abstract name, `''` for an unnamed end. */
  path: string;
  /** Always `AF_UNIX`. */
  family: 'AF_UNIX';
}

/** Any socket's address: an IP one ({@link SocketAddress}) or a Unix one ({@link UnixAddress}). */
export type Address = SocketAddress | UnixAddress;

/**
 * An address as logs show it: `127.0.0.1:8080`, `[::1]:8080`, a Unix socket's path (`@name` for
 * an abstract one, `unix` for an unnamed end), or `?` when it is not known.
 */
export function describeAddress(address: Address | null): string {
  if (address === null) return '?';
  if (address.family === 'AF_UNIX')
    return address.path === '' ? 'unix' : describeUnixPath(address.path);
  return address.family === 'AF_INET6'
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** An address in a sentence: `127.0.0.1 port 8080`, or `the socket /run/x.sock`. */
export function describeEndpoint(address: Address | null): string {
  if (address === null) return '?';
  if (address.family === 'AF_UNIX')
    return address.path === ''
      ? 'an unnamed Unix socket'
      : `the socket ${describeUnixPath(address.path)}`;
  return `${address.host} port ${address.port}`;
}

/** What a path that is not a socket holds, for the sentence that refuses it: `a regular file`, … */
export function describeFileKind(stat: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
}): string {
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a named pipe';
  return 'a device or another kind of file';
}

/** `/run/x.sock`, or `@name` for an abstract name (as `ss` shows it), or `an unnamed socket`. */
export function describeUnixPath(path: string): string {
  if (path === '') return 'an unnamed socket';
  return path.startsWith('\0') ? `@${path.slice(1)}` : path;
}

/** Builds a {@link SocketAddress} from what Node reports, which may be partial on a closed socket. */
export function toSocketAddress(
  host: string | undefined,
  port: number | undefined,
  family?: string | number,
): SocketAddress | null {
  if (host === undefined || port === undefined) return null;
  return { host, port, family: familyOf(host, family) };
}

/** The address family of a numeric address, or of Node's `'IPv4'`/`'IPv6'`/`4`/`6`. */
export function familyOf(host: string, family?: string | number): AddressFamily {
  if (family === 'IPv6' || family === 6) return 'AF_INET6';
  if (family === 'IPv4' || family === 4) return 'AF_INET';
  return isIP(host) === 6 ? 'AF_INET6' : 'AF_INET';
}

/** `('127.0.0.1', 7342)`, as Python prints an address tuple; a Unix address prints as its path. */
export function formatAddressTuple(address: Address | null): string {
  if (address === null) return 'None';
  if (address.family === 'AF_UNIX') return describeUnixPath(address.path);
  return `('${address.host}', ${address.port})`;
}

/**
 * Checks a Unix socket path: a non-empty string without NUL bytes (but for a leading one, an
 * abstract name), short enough for `sockaddr_un` (107 bytes and the terminator on Linux).
 *
 * @throws {TypeError} when it is not a string, is empty, or holds a NUL past the first byte.
 * @throws {RangeError} when it is longer than the kernel takes.
 */
export function validateUnixPath(path: unknown): string {
  if (typeof path !== 'string')
    throw new TypeError(`Invalid path ${describeType(path)}: it must be the socket file's path`);
  if (path === '' || path === '\0')
    throw new TypeError('Invalid path "": it must name a socket file (or \\0name)');
  if (path.indexOf('\0', 1) !== -1)
    throw new TypeError(`Invalid path ${JSON.stringify(path)}: only its first byte may be NUL`);
  // sun_path is 108 bytes: a file path needs its terminating NUL, an abstract name (leading NUL)
  // may use all of them. Longer names Node would cut short without a word, so they are refused.
  const bytes = Buffer.byteLength(path);
  if (path.startsWith('\0') && bytes > 108)
    throw new RangeError(
      `Invalid path "\\0${path.slice(1, 40)}…": an abstract name holds at most 107 bytes after its \\0, and this has ${bytes - 1}`,
    );
  if (!path.startsWith('\0') && bytes > 107)
    throw new RangeError(
      `Invalid path "${path.slice(0, 40)}…": ${bytes} bytes, and a Unix socket path holds at most 107`,
    );
  return path;
}

/**
 * Checks that `port` is an integer from 0 to 65535 and returns it as a
 * number. Numeric strings (`"8080"`) are accepted, since ports often come
 * from the command line.
 *
 * @throws {TypeError} when the port is not an integer.
 * @throws {RangeError} when it is outside 0–65535.
 */
export function validatePort(port: unknown, what = 'port'): number {
  let value = port;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) value = Number(value);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(
      `Invalid ${what} ${describeType(port)}: it must be an integer from 0 to 65535`,
    );
  }
  if (value < 0 || value > 65535) {
    throw new RangeError(`Invalid ${what} ${value}: it must be an integer from 0 to 65535`);
  }
  return value;
}

/**
 * Checks that `host` is a non-empty name or address without whitespace or
 * control characters, and returns it without IPv6 brackets.
 *
 * @throws {TypeError} when it is not a string, is empty, or holds whitespace or control characters.
 */
export function validateHost(host: unknown, what = 'host'): string {
  if (typeof host !== 'string') {
    throw new TypeError(`Invalid ${what} ${describeType(host)}: it must be a name or an address`);
  }
  if (host.length === 0) throw new TypeError(`Invalid ${what} "": it must not be empty`);
  if (/[\s\x00-\x1f\x7f]/.test(host)) {
    throw new TypeError(
      `Invalid ${what} ${JSON.stringify(host)}: it must not contain whitespace or control characters`,
    );
  }
  if (host.length > 253 + 2) {
    throw new TypeError(`Invalid ${what} "${host.slice(0, 20)}...": longer than 253 characters`);
  }
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  return host;
}

/** Validates an optional timeout in milliseconds: `null`/`undefined` for none, otherwise a finite number ≥ 0. */
export function validateTimeout(ms: unknown, what = 'timeout'): number | null {
  if (ms === null || ms === undefined) return null;
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new TypeError(
      `Invalid ${what} ${describeType(ms)}: it must be a number of milliseconds or null`,
    );
  }
  if (ms < 0 || !Number.isFinite(ms)) {
    throw new RangeError(`Invalid ${what} ${ms}: it must be a finite number of milliseconds ≥ 0`);
  }
  return ms;
}
