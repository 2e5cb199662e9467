/**
 * An HTTP/1.1 server on socketkit sockets, with the defences a server facing browsers, load
 * generators and hostile clients needs. Each connection is one loop (connection.ts); this file
 * accepts them, enforces the connection cap, and sweeps deadlines.
 *
 * Defences, each with a default: a head over `maxHeadSize` (16 KiB) is 431; a malformed request
 * 400, then close; a head not complete within `headTimeout` (10 s) of its first byte, or a body
 * not complete within `bodyTimeout` (10 s) of its head, 408, then close (slowloris, slow
 * bodies); an idle keep-alive connection is closed after `idleTimeout` (5 s); a body over
 * `maxBodySize` (1 MiB) is 413, before a byte of it is kept when its length is announced; a
 * client that stops reading is dropped after `writeTimeout` (30 s) without progress. At
 * `maxConnections` (1024) a new connection makes room by evicting the connection that has
 * waited longest on its client (idle, or sending its request slowest); only when every
 * connection is busy in the handler does the newcomer get 503.
 *
 * @module
 */

import {
  type Address,
  describeAddress as describe,
  type SocketAddress,
  type UnixAddress,
} from '../core/address.js';
import { listen, type ServerSocket } from '../socket/server-socket.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import type { TlsListenOptions } from '../socket/tls.js';
import { Connection, type Handler } from './connection.js';
import { errorResponse } from './response-head.js';

export type { Handler, ServerRequest, ServerResponse } from './connection.js';

/** 1024: the connection cap of `serve()` (its `maxConnections`) and of `socketkit serve`. */
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** Options for {@link serve}. Every duration is in milliseconds, every size in bytes. */
export interface ServeOptions {
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** Default 0 (the OS picks). */
  port?: number;
  /**
   * Listen on this Unix domain socket instead of a host and port (curl's `--unix-socket`, or
   * `request(url, { socketPath })`, reaches it). See `listen({ path })` for stale files.
   */
  path?: string;
  /** With `path`: permission bits for the socket file, e.g. `0o660`. */
  mode?: number;
  /** Most accepted connections waiting for the server to take them. Default 511. */
  backlog?: number;
  /** Serve https with this key and certificate. ALPN offers `http/1.1` unless `alpnProtocols` says otherwise. */
  tls?: TlsListenOptions;
  /** The most connections open at once. Default 1024. */
  maxConnections?: number;
  /** Milliseconds from a request's first byte (or the connection's start) to the end of its head. Default 10 000. */
  headTimeout?: number;
  /** Milliseconds from the end of a head to the end of its body. Default 10 000. */
  bodyTimeout?: number;
  /** Milliseconds an idle keep-alive connection is kept. Default 5 000. */
  idleTimeout?: number;
  /** Milliseconds a response may wait for the client to take more of it. Default 30 000. */
  writeTimeout?: number;
  /** The largest request head. Default 16 KiB. */
  maxHeadSize?: number;
  /** The largest request body. Default 1 MiB. */
  maxBodySize?: number;
  /** One line per request (and per refused or evicted connection). */
  log?: (line: string) => void;
}

/** A running server; `await using server = await serve(…)` closes it at the end of the block. */
export interface HttpServer<A extends Address = SocketAddress> extends AsyncDisposable {
  /** Where it listens: with `port: 0`, this tells which port the OS chose; with `path`, the path. */
  readonly address: A;
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stops accepting, closes idle connections, lets requests in flight finish (answered with
   * `Connection: close`) for up to `graceMs` (default 5000), then closes the rest.
   */
  close(graceMs?: number): Promise<void>;
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Invalid ${what} ${String(value)}: it must be a number above 0`);
  }
  return value;
}

/**
 * Starts an HTTP/1.1 server that calls `handler` for each request, and resolves once it listens
 * (on 127.0.0.1 and a port the OS picks, unless told otherwise). It does keep-alive and
 * pipelining, answers `Expect: 100-continue`, requires a valid Host (400), answers 505 to an
 * unknown version, and defends itself with the limits and timeouts of {@link ServeOptions}.
 *
 * @param handler Answers each request.
 * @param options Where to listen, TLS, the limits and timeouts, a log.
 * @throws {TypeError} `handler` is not a function.
 * @throws {RangeError} a limit or timeout is not a number above 0 (or `maxConnections` not whole).
 * @throws {AddressInUseError} the address and port are taken.
 *
 * @example Hello, world
 * ```ts
 * import { request, serve } from 'socketkit/http';
 * await using server = await serve(() => ({
 *   headers: { 'Content-Type': 'text/html' },
 *   body: '<h1>Hello, world!</h1>',
 * }));
 * const response = await request(`http://127.0.0.1:${server.address.port}/`);
 * console.log(response.headers.get('content-type'), await response.body.text()); // text/html <h1>Hello, world!</h1>
 * ```
 */
export function serve(
  handler: Handler,
  options: ServeOptions & { path: string },
): Promise<HttpServer<UnixAddress>>;
export function serve(handler: Handler, options?: ServeOptions): Promise<HttpServer<SocketAddress>>;
export async function serve(
  handler: Handler,
  options: ServeOptions = {},
): Promise<HttpServer<Address>> {
  if (typeof handler !== 'function') {
    throw new TypeError(
      'serve() needs a handler function: (request) => ({ status, headers, body })',
    );
  }
  const maxConnections = positive(
    options.maxConnections,
    DEFAULT_MAX_CONNECTIONS,
    'maxConnections',
  );
  if (!Number.isInteger(maxConnections)) {
    throw new RangeError(`Invalid maxConnections ${maxConnections}: it must be a whole number`);
  }
  let closing = false;
  const settings = {
    headTimeout: positive(options.headTimeout, 10_000, 'headTimeout'),
    bodyTimeout: positive(options.bodyTimeout, 10_000, 'bodyTimeout'),
    idleTimeout: positive(options.idleTimeout, 5_000, 'idleTimeout'),
    writeTimeout: positive(options.writeTimeout, 30_000, 'writeTimeout'),
    maxHeadSize: positive(options.maxHeadSize, 16 * 1024, 'maxHeadSize'),
    maxBodySize: positive(options.maxBodySize, 1024 * 1024, 'maxBodySize'),
    log: options.log,
    closing: () => closing,
  };
  if (options.path !== undefined && (options.host !== undefined || options.port !== undefined))
    throw new TypeError('serve() takes a path or a host and port, not both');
  // As nginx does: agree on HTTP/1.1 with a client that asks (curl offers h2 and http/1.1).
  const tls =
    options.tls === undefined || options.tls.alpnProtocols !== undefined
      ? options.tls
      : { ...options.tls, alpnProtocols: ['http/1.1'] };
  const listener: ServerSocket =
    options.path !== undefined
      ? await listen({
          path: options.path,
          mode: options.mode,
          backlog: options.backlog,
          tls,
        })
      : await listen({
          host: options.host,
          port: options.port ?? 0,
          backlog: options.backlog,
          tls,
        });
  const open = new Map<StreamSocket, Connection>();
  // Timeouts are deadlines that one sweeper checks, rather than a timer armed and cleared on
  // every read: a connection only records when it must have made progress by.
  const sweepEvery = Math.min(
    1000,
    Math.max(
      10,
      Math.min(
        settings.headTimeout,
        settings.bodyTimeout,
        settings.idleTimeout,
        settings.writeTimeout,
      ) / 4,
    ),
  );
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const connection of open.values()) if (connection.deadline < now) connection.expire();
  }, sweepEvery);
  sweeper.unref();

  /** Makes room for a newcomer: the connection that has waited longest on its client goes. */
  const evictOne = (): boolean => {
    let victim: Connection | null = null;
    for (const connection of open.values()) {
      if (connection.evictable && (victim === null || connection.since < victim.since))
        victim = connection;
    }
    if (victim === null) return false;
    open.delete(victim.sock);
    settings.log?.(`${describe(victim.sock.remoteAddress)} evicted (${victim.phase}) to make room`);
    victim.evict();
    return true;
  };

  const accepting = (async () => {
    for await (const sock of listener) {
      if (open.size >= maxConnections && !evictOne()) {
        settings.log?.(
          `${describe(sock.remoteAddress)} refused: ${maxConnections} connections are busy`,
        );
        void refuse(sock);
        continue;
      }
      // TCP_NODELAY is on (listen()'s default, as node:http sets it): each response goes out in
      // one write, and Nagle's algorithm would only hold back the last segment of a large one.
      const connection = new Connection(sock, handler, settings);
      open.set(sock, connection);
      void connection.run().finally(() => {
        if (open.get(sock) === connection) open.delete(sock);
      });
    }
  })();

  let closed: Promise<void> | null = null;
  const close = (graceMs = 5000): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      clearInterval(sweeper);
      await listener.close();
      await accepting;
      for (const connection of open.values()) connection.closeIfIdle();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.all([...open.values()].map((c) => c.done)), deadline]);
      await Promise.all([...open.keys()].map((s) => s.close()));
    })();
    return closed;
  };
  return {
    address: listener.address,
    get connections() {
      return open.size;
    },
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

/** Every connection busy in its handler: a 503 and close, without reading anything. */
async function refuse(sock: StreamSocket): Promise<void> {
  try {
    await sock.sendAll(errorResponse(503, 'Too many connections; try again shortly.'), {
      timeout: 1000,
    });
    await sock.shutdown('write');
  } catch {
    // The client is gone; nothing to tell it.
  }
  await sock.close();
}
