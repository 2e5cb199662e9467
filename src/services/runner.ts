/**
 * Running a {@link Service} on a socket: a TCP listener with a connection
 * cap and an idle timeout, or a UDP socket that answers each datagram at
 * most once and, when reachable from other machines, rate-limits each
 * source address (UDP services are classic reflection amplifiers).
 *
 * @module
 */

import {
  type Address,
  describeAddress,
  type SocketAddress,
  type UnixAddress,
} from '../core/address.js';
import {
  BrokenPipeError,
  ConnectionResetError,
  SocketClosedError,
  SocketTimeoutError,
} from '../core/errors.js';
import { isLoopback } from '../core/loopback.js';
import { DEFAULT_MAX_CONNECTIONS } from '../http/server.js';
import { udp } from '../socket/datagram-socket.js';
import { listen } from '../socket/server-socket.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import { defaultContext, type Service, type ServiceContext } from './classic.js';

/** Options for {@link runTcp} and {@link runUdp}. Every duration is in milliseconds. */
export interface RunOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: the OS picks. */
  port?: number;
  /**
   * TCP services: listen on this Unix domain socket instead of a host and port (`\0name` for a
   * Linux abstract name), as `listen({ path })` does. Not for UDP (Node has no Unix datagrams).
   */
  path?: string;
  /** With `path`: the socket file's permission bits, e.g. `0o660`. */
  mode?: number;
  /** TCP: the most connections served at once; more are closed at once. Default 1024 (as `serve()`). */
  maxConnections?: number;
  /** TCP: how long a connection may wait for the client (reading or writing), in ms. Default 60 s. */
  idleTimeout?: number;
  /** UDP beyond loopback: replies per second allowed to one source address. Default 5 (burst 10). */
  udpRatePerSecond?: number;
  /** One line per connection or datagram. */
  log?: (line: string) => void;
  /** The clock and quotes the service sees. Default: {@link defaultContext}(). */
  context?: ServiceContext;
}

/**
 * A service that is listening; `await using` closes it at the end of the block. `A` is its
 * address: host and port, or a Unix socket's path.
 */
export interface RunningService<A extends Address = SocketAddress> extends AsyncDisposable {
  /** The service it runs. */
  readonly service: Service;
  /** Which transport it runs on. */
  readonly protocol: 'tcp' | 'udp';
  /** Where it listens: with `port: 0`, this tells which port the OS chose. */
  readonly address: A;
  /** Connections being served (TCP); always 0 for UDP. */
  readonly active: number;
  /**
   * Stops taking new connections or datagrams, lets the ones in flight
   * finish for up to `graceMs` (TCP; default 5000), then closes what is left.
   */
  close(graceMs?: number): Promise<void>;
}

const describe = describeAddress;

/**
 * Serves `service` over TCP, on 127.0.0.1 and a port the OS picks unless told otherwise: each
 * connection in turn to `service.tcp`, at most `maxConnections` at once (the rest are closed at
 * once), each closed after `idleTimeout` ms without progress.
 *
 * @throws {AddressInUseError} the address and port are taken.
 * @throws {PermissionDeniedError} a port below 1024 without the privilege.
 *
 * With `path`, it listens on a Unix domain socket instead (`address` is then `{ path }`).
 *
 * @example Daytime on a port of its own
 * ```ts
 * import { connect } from 'socketkit';
 * import { daytime, runTcp } from 'socketkit/services';
 * await using running = await runTcp(daytime);
 * await using sock = await connect('127.0.0.1', running.address.port);
 * console.log(running.protocol, (await sock.readLine())?.endsWith('-UTC')); // tcp true
 * ```
 */
export async function runTcp(
  service: Service,
  options: RunOptions & { path: string },
): Promise<RunningService<UnixAddress>>;
export async function runTcp(service: Service, options?: RunOptions): Promise<RunningService>;
export async function runTcp(
  service: Service,
  options: RunOptions = {},
): Promise<RunningService<Address>> {
  if (options.path !== undefined && (options.host !== undefined || options.port !== undefined))
    throw new TypeError(
      `Invalid options: path ${JSON.stringify(options.path)} with a host or port; a service listens on one or the other`,
    );
  const server =
    options.path !== undefined
      ? await listen({ path: options.path, mode: options.mode })
      : await listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const context = options.context ?? defaultContext();
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const idleTimeout = options.idleTimeout ?? 60_000;
  const log = options.log ?? (() => {});
  const connections = new Set<StreamSocket>();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  const serveOne = async (conn: StreamSocket): Promise<void> => {
    const started = performance.now();
    const peer = describe(conn.remoteAddress);
    conn.setTimeout(idleTimeout);
    let outcome = 'done';
    try {
      await service.tcp(conn, context);
    } catch (error) {
      outcome = closeReason(error, stopping);
    } finally {
      await conn.close();
      log(
        `${service.name}/tcp ${peer} ${outcome} after ${(performance.now() - started).toFixed(0)} ms`,
      );
    }
  };

  const accepting = (async () => {
    for await (const conn of server) {
      if (connections.size >= maxConnections) {
        log(
          `${service.name}/tcp ${describe(conn.remoteAddress)} refused: ${maxConnections} connections already open`,
        );
        void conn.close();
        continue;
      }
      connections.add(conn);
      const job = serveOne(conn).finally(() => {
        connections.delete(conn);
        inFlight.delete(job);
      });
      inFlight.add(job);
    }
  })();

  const close = async (graceMs = 5000): Promise<void> => {
    stopping = true;
    await server.close();
    await accepting;
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(inFlight), deadline]);
    await Promise.all([...connections].map((c) => c.close()));
  };
  return {
    service,
    protocol: 'tcp',
    address: server.address,
    get active() {
      return connections.size;
    },
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

/**
 * How a connection ended, in a log line: a client that closes or resets (`| head -3` does) or
 * idles out ended normally; only what is not one of those reads as a failure.
 */
function closeReason(error: unknown, stopping: boolean): string {
  if (error instanceof ConnectionResetError || error instanceof BrokenPipeError)
    return 'closed by the client';
  if (error instanceof SocketClosedError) return stopping ? 'closed at shutdown' : 'closed';
  if (error instanceof SocketTimeoutError) return 'idle too long, closed';
  return `failed: ${(error as Error).message}`;
}

/** A token bucket per source address, with a bounded table. */
class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(ratePerSecond: number) {
    this.#rate = ratePerSecond;
    this.#burst = ratePerSecond * 2;
  }

  allow(source: string): boolean {
    const now = performance.now();
    let bucket = this.#buckets.get(source);
    if (bucket === undefined) {
      if (this.#buckets.size >= 4096) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(source, bucket);
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/**
 * Serves `service` over UDP: at most one reply per datagram, to its sender. Bound beyond
 * loopback, replies to each source address are rate-limited (`udpRatePerSecond`), since a
 * spoofed source could aim them at someone else (reflection).
 *
 * @throws {AddressInUseError} the address and port are taken.
 *
 * @example Echo over UDP
 * ```ts
 * import { decode, encode, udp } from 'socketkit';
 * import { echo, runUdp } from 'socketkit/services';
 * await using running = await runUdp(echo);
 * await using sock = await udp();
 * await sock.sendTo(encode('ping'), '127.0.0.1', running.address.port);
 * const { data } = await sock.recvFrom(1024, { timeout: 2000 });
 * console.log(decode(data)); // ping
 * ```
 */
export async function runUdp(service: Service, options: RunOptions = {}): Promise<RunningService> {
  const host = options.host ?? '127.0.0.1';
  const sock = await udp({ bind: { host, port: options.port ?? 0 } });
  const context = options.context ?? defaultContext();
  const log = options.log ?? (() => {});
  // Reachable from other machines: a spoofed source could aim replies at a victim.
  const limiter = isLoopback(host) ? null : new RateLimiter(options.udpRatePerSecond ?? 5);
  const address = sock.localAddress!;
  let stopped = false;
  const close = async (): Promise<void> => {
    stopped = true;
    await sock.close();
    await serving;
  };

  const serving = (async () => {
    while (!stopped) {
      let request: { data: Uint8Array; address: SocketAddress };
      try {
        request = await sock.recvFrom(65535);
      } catch {
        if (stopped) return;
        continue;
      }
      const from = describe(request.address);
      const reply = service.udp(request.data, context);
      if (reply === null) {
        log(`${service.name}/udp ${from} ${request.data.length} bytes, no reply`);
        continue;
      }
      if (limiter && !limiter.allow(request.address.host)) {
        log(`${service.name}/udp ${from} rate-limited`);
        continue;
      }
      try {
        await sock.sendTo(reply, request.address.host, request.address.port);
        log(`${service.name}/udp ${from} ${request.data.length} bytes in, ${reply.length} out`);
      } catch (error) {
        log(`${service.name}/udp ${from} reply failed: ${(error as Error).message}`);
      }
    }
  })();

  return {
    service,
    protocol: 'udp',
    address,
    active: 0,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}
