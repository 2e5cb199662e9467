/**
 * The TCP options Python users set with `setsockopt`, checked once for `connect()` and
 * `listen()`: TCP_NODELAY, SO_KEEPALIVE with its idle time, SO_REUSEADDR and SO_REUSEPORT.
 * What Node cannot set on a TCP socket (SO_SNDBUF, SO_RCVBUF, IP_TTL) is refused here with the
 * reason, rather than silently ignored.
 *
 * @module
 */

import type { StreamSocket } from './stream-socket.js';

/** TCP settings for a connection, whether it was connected or accepted. */
export interface TcpSocketOptions {
  /**
   * Disable Nagle's algorithm (TCP_NODELAY), so small writes go out at once. Default `true`, as
   * Node's http, undici and most servers set it; Python leaves it off (pass `false` for that).
   */
  noDelay?: boolean;
  /**
   * Probe an idle connection (SO_KEEPALIVE): `true`, or the idle time in ms before the first
   * probe (TCP_KEEPIDLE, rounded up to whole seconds; `true` or 0 keeps the system's, usually
   * 2 hours). Default `false`.
   */
  keepAlive?: boolean | number;
}

/** The checked values. */
export interface TcpSettings {
  noDelay: boolean;
  /** `false`, or the idle ms before the first probe (0: the system's, usually 2 hours). */
  keepAlive: false | number;
}

/** Checks {@link TcpSocketOptions} and the options Node cannot honour on TCP, naming each. */
export function tcpSettings(options: Record<string, unknown>): TcpSettings {
  const { noDelay, keepAlive } = options;
  if (noDelay !== undefined && typeof noDelay !== 'boolean')
    throw new TypeError(`Invalid noDelay ${describe(noDelay)}: expected true or false`);
  if (
    keepAlive !== undefined &&
    typeof keepAlive !== 'boolean' &&
    !(typeof keepAlive === 'number' && Number.isFinite(keepAlive) && keepAlive >= 0)
  )
    throw new TypeError(
      `Invalid keepAlive ${describe(keepAlive)}: expected true, false, or the idle time in ms before the first probe`,
    );
  if (typeof keepAlive === 'number' && keepAlive > 32_767_000)
    throw new RangeError(
      `Invalid keepAlive ${keepAlive}: the idle time can be at most 32767 s (32767000 ms), as Linux allows`,
    );
  for (const [name, option] of [
    ['sendBufferSize', 'SO_SNDBUF'],
    ['receiveBufferSize', 'SO_RCVBUF'],
    ['recvBufferSize', 'SO_RCVBUF'],
    ['ttl', 'IP_TTL'],
  ] as const) {
    if (options[name] !== undefined)
      throw new TypeError(
        `${name} (${option}) cannot be set on a TCP socket: Node.js does not expose it for TCP (only node:dgram sockets have it)`,
      );
  }
  return {
    noDelay: noDelay ?? true,
    keepAlive:
      keepAlive === true
        ? 0
        : keepAlive === false || keepAlive === undefined
          ? false
          : wholeSeconds(keepAlive),
  };
}

/**
 * An idle time the kernel can hold: TCP_KEEPIDLE counts whole seconds, and Node would round
 * 1500 ms down to 1 s and 500 ms to 0 (the system's 2 hours). Rounded up instead, and read back
 * as rounded.
 */
export function wholeSeconds(ms: number): number {
  return ms === 0 ? 0 : Math.ceil(ms / 1000) * 1000;
}

/** The Node version that first honours `reusePort` on TCP servers (22.12.0; 23.1.0 on 23). */
function nodeHasReusePort(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * `reuseAddress` and `reusePort` for a TCP listener. SO_REUSEADDR is always on (Node sets it on
 * every TCP server, so a restarted server binds at once while old connections sit in
 * TIME_WAIT); it cannot be turned off. SO_REUSEPORT needs Node 22.12 or later: older versions
 * accept the option and ignore it, which would make a second server fail with
 * "address in use" for no reason the caller could see, so it is refused here instead.
 */
export function reuseSettings(options: { reuseAddress?: unknown; reusePort?: unknown }): {
  reusePort: boolean;
} {
  const { reuseAddress, reusePort } = options;
  if (reuseAddress !== undefined && reuseAddress !== true)
    throw new TypeError(
      `Invalid reuseAddress ${describe(reuseAddress)}: SO_REUSEADDR is always on for TCP listeners (Node sets it) and cannot be turned off`,
    );
  if (reusePort !== undefined && typeof reusePort !== 'boolean')
    throw new TypeError(`Invalid reusePort ${describe(reusePort)}: expected true or false`);
  if (reusePort === true && !nodeHasReusePort())
    throw new TypeError(
      `reusePort (SO_REUSEPORT) needs Node.js 22.12 or later; this is ${process.version}, which would ignore it`,
    );
  return { reusePort: reusePort === true };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** TCP_NODELAY and SO_KEEPALIVE as the options asked, on a connection just made. */
export function withTcpSettings<S extends StreamSocket>(sock: S, tcp: TcpSettings): S {
  sock.setNoDelay(tcp.noDelay);
  if (tcp.keepAlive !== false) sock.setKeepAlive(true, tcp.keepAlive);
  return sock;
}
