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

/** `('127.0.0.1', 7342)`, as Python prints an address tuple. */
export function formatAddressTuple(address: SocketAddress | null): string {
  if (address === null) return 'None';
  return `('${address.host}', ${address.port})`;
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
