/**
 * `connect()`: Python's `socket.create_connection`, with TLS on request.
 *
 * @module
 */

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { stat as statPath } from 'node:fs/promises';
import { isIP, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  describeFileKind,
  type SocketAddress,
  type UnixAddress,
  validateHost,
  validateTimeout,
  validateUnixPath,
} from '../core/address.js';
import {
  fromNodeError,
  NameResolutionError,
  SocketAbortError,
  SocketError,
  SocketTimeoutError,
} from '../core/errors.js';
import { DEFAULT_BUFFER_LIMIT } from '../core/receive-buffer.js';
import { resolvePort } from '../core/service-table.js';
import { type LongTimer, setLongTimeout } from '../core/timers.js';
import { createDirectSocket } from './_direct-read.js';
import { type ConnectAttempt, type ConnectTimings, StreamSocket } from './stream-socket.js';
import { type TcpSocketOptions, tcpSettings, withTcpSettings } from './tcp-options.js';
import { checkTlsOptions, clientTlsOptions, handshake, type TlsConnectOptions } from './tls.js';

/**
 * Options for {@link connect}. Every duration is in milliseconds, every size in bytes. TCP
 * options (`noDelay`, default on, and `keepAlive`) are {@link TcpSocketOptions}.
 */
export interface ConnectOptions extends TcpSocketOptions {
  /** One deadline, in ms, for name lookup, TCP connect and TLS handshake together. Default: none. */
  timeout?: number | null;
  /** Speak TLS over the connection: `true` for the defaults, or the settings. */
  tls?: boolean | TlsConnectOptions;
  /** With `tls`: the name for SNI and certificate checks (same as `tls.servername`). */
  servername?: string;
  /** Restrict to IPv4 (`4`) or IPv6 (`6`) addresses. */
  family?: 4 | 6;
  /** Cancels connecting; the promise rejects with `SocketAbortError`. */
  signal?: AbortSignal;
  /** Stop reading from the kernel above this many unread bytes. Default 64 KiB. */
  bufferLimit?: number;
  /**
   * Happy Eyeballs (RFC 8305, Node's `autoSelectFamily`): when a name has addresses of both
   * families, they are tried alternately, a new attempt starting every `attemptDelay` ms (or at
   * once when the last one failed) while the earlier ones go on; the first to connect wins and
   * the others are closed. Default `true`; `false` tries one address after another.
   */
  autoSelectFamily?: boolean;
  /** With `autoSelectFamily`: ms before the next address is tried alongside. Default 250 (Node's). */
  attemptDelay?: number;
  /**
   * Told of each address tried as soon as its attempt ends (connected, failed, or given up),
   * before any TLS handshake: what `timings.attempts` keeps, there even when connecting fails.
   */
  onAttempt?: (attempt: ConnectAttempt) => void;
  /**
   * Resolves the host instead of the system resolver (as `net.connect`'s
   * `lookup`): returns the addresses to try, in order. Numeric hosts are passed to it too.
   */
  lookup?: (
    host: string,
    family: 4 | 6 | undefined,
  ) => Promise<
    Array<{
      /** A numeric address to connect to. */
      address: string;
      /** Its family: 4 or 6. */
      family: number;
    }>
  >;
}

/** Options for connecting to a Unix domain socket: {@link connect}`({ path })`. */
export interface UnixConnectOptions {
  /** The socket file's path, or on Linux `\0name` for an abstract name. */
  path: string;
  /** A deadline for connecting, in ms. Default: none. */
  timeout?: number | null;
  /** Cancels connecting; the promise rejects with `SocketAbortError`. */
  signal?: AbortSignal;
  /** Stop reading from the kernel above this many unread bytes. Default 64 KiB. */
  bufferLimit?: number;
  /**
   * Speak TLS over the socket (a TLS server behind a Unix socket, as some proxies and
   * databases run): `true` or the settings. The name checked against the certificate is
   * `servername`, `localhost` unless given.
   */
  tls?: boolean | TlsConnectOptions;
}

/**
 * Opens a TCP connection to `host` and `port` (Python's `socket.create_connection`), trying
 * every address the name resolves to until one accepts, with Happy Eyeballs (RFC 8305) when
 * they are of both families: IPv6 and IPv4 alternate, a new attempt every 250 ms beside the
 * ones still waiting, and the first to connect wins (`timings.attempts` shows each). Then,
 * optionally, TLS. The socket it resolves with reads with `recv()` and friends.
 *
 * @param host A name (`example.com`), an IPv4 address or an IPv6 address (brackets optional).
 * @param port A port number, numeric string, or service name such as `'http'`.
 * @param options A timeout, TLS, the address family, a signal, buffer and TCP settings.
 * @throws {TypeError} the host is empty or holds whitespace, or `family` is not 4 or 6.
 * @throws {RangeError} the port is outside 0–65535, or the timeout is negative.
 * @throws {ServiceNotFoundError} the port is a service name the services table does not have.
 * @throws {NameResolutionError} the name does not resolve.
 * @throws {ConnectionRefusedError} nothing listens there (the last address's error, when every one failed).
 * @throws {SocketTimeoutError} `timeout` passed first.
 * @throws {SocketAbortError} `signal` aborted first.
 * @throws {TlsError} the handshake failed, or the certificate is not trusted (`reason: 'certificate'`).
 *
 * @example Fetch the root document by hand
 * ```ts
 * import { connect, decode, encode } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 8080, { timeout: 5000 });
 * await sock.sendAll(encode('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
 * let reply = '';
 * for (let chunk = await sock.recv(4096); chunk.length > 0; chunk = await sock.recv(4096)) {
 *   reply += decode(chunk);
 * }
 * console.log(reply.split('\r\n')[0]); // HTTP/1.1 200 OK
 * ```
 */
export function connect(
  host: string,
  port: number | string,
  options?: ConnectOptions,
): Promise<StreamSocket<SocketAddress>>;
/**
 * Connects to a Unix domain socket (Python's `socket(AF_UNIX).connect(path)`): the same
 * {@link StreamSocket}, its `remoteAddress` the path and its `family` `AF_UNIX`.
 *
 * @param options The path, and a timeout, a signal, the buffer limit.
 * @throws {TypeError} the path is empty or holds a NUL past its first byte.
 * @throws {SocketError} nothing is at the path, or it is not a socket.
 * @throws {ConnectionRefusedError} a socket file nobody listens on any more.
 * @throws {PermissionDeniedError} the socket file or its folder may not be written.
 * @throws {SocketTimeoutError} `timeout` passed first.
 *
 * @example Talking to a server on a socket file
 * ```ts
 * import { connect, decode, encode, listen } from 'socketkit';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), `socketkit-doc-${process.pid}.sock`);
 * await using server = await listen({ path });
 * const answering = (async () => {
 *   const [conn] = await server.accept();
 *   await conn.sendAll(encode('hello over AF_UNIX'));
 *   await conn.close();
 * })();
 * await using sock = await connect({ path });
 * console.log(sock.family, decode(await sock.recv(1024))); // AF_UNIX hello over AF_UNIX
 * await answering;
 * ```
 */
export function connect(options: UnixConnectOptions): Promise<StreamSocket<UnixAddress>>;
export function connect(
  hostOrOptions: string | UnixConnectOptions,
  port?: number | string,
  options: ConnectOptions = {},
): Promise<StreamSocket> {
  if (typeof hostOrOptions === 'object' && hostOrOptions !== null)
    return connectUnix(hostOrOptions);
  return connectTcp(hostOrOptions, port as number | string, options);
}

async function connectTcp(
  host: string,
  port: number | string,
  options: ConnectOptions,
): Promise<StreamSocket<SocketAddress>> {
  const name = validateHost(host);
  const portNumber = resolvePort(port, 'tcp');
  const timeout = validateTimeout(options.timeout, 'connect timeout');
  const attemptDelay = options.attemptDelay ?? 250;
  if (typeof attemptDelay !== 'number' || !Number.isFinite(attemptDelay) || attemptDelay < 10)
    throw new RangeError(
      `Invalid attemptDelay ${String(attemptDelay)}: it must be a number of milliseconds ≥ 10`,
    );
  if (options.family !== undefined && options.family !== 4 && options.family !== 6) {
    throw new TypeError(`Invalid family ${String(options.family)}: use 4 or 6`);
  }
  const tcp = tcpSettings(options as Record<string, unknown>);
  if (options.onAttempt !== undefined && typeof options.onAttempt !== 'function')
    throw new TypeError(`Invalid onAttempt ${typeof options.onAttempt}: it must be a function`);
  if (options.lookup !== undefined && typeof options.lookup !== 'function')
    throw new TypeError(
      `Invalid lookup ${typeof options.lookup}: it must be a function (host, family) returning the addresses`,
    );
  const tlsBase = options.tls === true ? {} : options.tls || null;
  const tlsOptions =
    tlsBase !== null && options.servername !== undefined && tlsBase.servername === undefined
      ? { ...tlsBase, servername: options.servername }
      : tlsBase;
  if (tlsOptions !== null) checkTlsOptions(tlsOptions, 'client');
  const tlsSettings = tlsOptions === null ? null : clientTlsOptions(name, tlsOptions);
  const started = performance.now();
  const deadline = timeout === null ? null : started + timeout;
  const target = { host: name, port: portNumber };

  // One controller covers every phase; its reason says which one ran out of time.
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer =
    timeout === null
      ? undefined
      : setLongTimeout(
          () => controller.abort(TIMED_OUT),
          Math.max(0, (deadline ?? 0) - performance.now()),
        );
  const signal = controller.signal;

  try {
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    const addresses = await withSignal(
      options.lookup ? custom(options.lookup, name, options.family) : resolve(name, options.family),
      signal,
    );
    const lookupDone = performance.now() - started;
    if (addresses.length === 0)
      throw new NameResolutionError(`Could not resolve host "${name}": no addresses`, target);

    const { raw, attempts } = await race(
      options.autoSelectFamily === false ? addresses : interleave(addresses),
      {
        port: portNumber,
        signal,
        direct: tlsOptions === null,
        onAttempt: options.onAttempt,
        started,
        // Without Happy Eyeballs, the next address starts only when the last one failed.
        delay: options.autoSelectFamily === false ? Number.POSITIVE_INFINITY : attemptDelay,
        target,
      },
    );
    const connectDone = performance.now() - started;
    if (tlsOptions === null) {
      const sock = new StreamSocket<SocketAddress>(raw, {
        bufferLimit: options.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
        timings: { lookup: lookupDone, connect: connectDone, attempts },
      });
      return withTcpSettings(sock, tcp);
    }
    let secure: TLSSocket;
    try {
      secure = await handshake(raw, 'client', tlsSettings!, signal);
    } catch (error) {
      raw.destroy();
      throw error;
    }
    const timings: ConnectTimings = {
      lookup: lookupDone,
      connect: connectDone,
      tls: performance.now() - started,
      attempts,
    };
    const sock = new StreamSocket<SocketAddress>(secure, {
      rawSocket: raw,
      bufferLimit: options.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
      timings,
    });
    return withTcpSettings(sock, tcp);
  } catch (error) {
    if (signal.aborted) throw abortReason(signal, name, portNumber, timeout);
    // Misuse (a lookup that returns nonsense) stays the TypeError it is.
    if (error instanceof TypeError || error instanceof RangeError) throw error;
    throw error instanceof SocketError
      ? error
      : fromNodeError(error, { syscall: 'connect', ...target });
  } finally {
    timer?.clear();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

const TIMED_OUT = Symbol('timed out');

/**
 * RFC 8305 §4: the addresses alternating by family, starting with the family the resolver put
 * first, each family's own order kept.
 */
export function interleave<T extends { family: number }>(addresses: readonly T[]): T[] {
  if (addresses.length === 0) return [];
  const first = addresses[0]!.family;
  const firsts = addresses.filter((a) => a.family === first);
  const others = addresses.filter((a) => a.family !== first);
  const out: T[] = [];
  for (let i = 0; i < Math.max(firsts.length, others.length); i++) {
    if (i < firsts.length) out.push(firsts[i]!);
    if (i < others.length) out.push(others[i]!);
  }
  return out;
}

interface RaceSettings {
  port: number;
  signal: AbortSignal;
  direct: boolean;
  started: number;
  /** ms before the next attempt starts beside the running ones; Infinity: only after a failure. */
  delay: number;
  target: { host: string; port: number };
  onAttempt: ((attempt: ConnectAttempt) => void) | undefined;
}

/**
 * Connects to the first of `addresses` that accepts (RFC 8305 §5): one attempt starts, the next
 * after `delay` or as soon as the running ones have all failed, and so on; the first connection
 * wins and every other attempt is closed. Rejects with the last attempt's error when all fail,
 * or with the signal's reason.
 */
function race(
  addresses: readonly { address: string; family: number }[],
  settings: RaceSettings,
): Promise<{ raw: Socket; attempts: ConnectAttempt[] }> {
  const { signal, started } = settings;
  const attempts: ConnectAttempt[] = [];
  const sockets = new Map<ConnectAttempt, Socket>();
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let settled = false;
    let lastError: unknown;
    let timer: LongTimer | undefined;
    const now = () => performance.now() - started;
    const ended = (attempt: ConnectAttempt) => settings.onAttempt?.({ ...attempt });
    const finish = () => {
      settled = true;
      timer?.clear();
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      if (settled) return;
      finish();
      for (const [attempt, socket] of sockets) {
        socket.destroy();
        attempt.ended = now();
        attempt.outcome = 'abandoned';
        attempt.error = 'cut short by the timeout or an abort';
        ended(attempt);
      }
      reject(signal.reason);
    };
    const start = () => {
      timer?.clear();
      timer = undefined;
      if (settled || next >= addresses.length) return;
      const { address, family } = addresses[next++]!;
      const attempt: ConnectAttempt = {
        address,
        family: family === 6 ? 6 : 4,
        started: now(),
        ended: Number.NaN,
        outcome: 'abandoned',
      };
      attempts.push(attempt);
      running++;
      const socket = settings.direct
        ? createDirectSocket({ allowHalfOpen: true })
        : new Socket({ allowHalfOpen: true });
      sockets.set(attempt, socket);
      const onError = (error: Error) => {
        socket.destroy();
        sockets.delete(attempt);
        running--;
        attempt.ended = now();
        if (settled) return;
        const failure = fromNodeError(error, { syscall: 'connect', ...settings.target });
        attempt.outcome = 'failed';
        attempt.error = failure.message;
        ended(attempt);
        lastError = failure;
        if (next < addresses.length) start();
        else if (running === 0) {
          finish();
          reject(lastError);
        }
      };
      socket.once('error', onError);
      socket.connect({ host: address, port: settings.port, family }, () => {
        socket.off('error', onError);
        sockets.delete(attempt);
        attempt.ended = now();
        if (settled) {
          socket.destroy();
          return;
        }
        attempt.outcome = 'connected';
        finish();
        ended(attempt);
        for (const [other, loser] of sockets) {
          loser.destroy();
          other.ended = now();
          other.outcome = 'abandoned';
          ended(other);
        }
        sockets.clear();
        resolve({ raw: socket, attempts });
      });
      if (next < addresses.length && Number.isFinite(settings.delay))
        timer = setLongTimeout(start, settings.delay);
    };
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    start();
  });
}

async function connectUnix(options: UnixConnectOptions): Promise<StreamSocket<UnixAddress>> {
  const path = validateUnixPath(options.path);
  const timeout = validateTimeout(options.timeout, 'connect timeout');
  const context = { syscall: 'connect', path };
  const tls = options.tls === true ? {} : options.tls || null;
  if (tls !== null) checkTlsOptions(tls, 'client');
  const tlsSettings = tls === null ? null : clientTlsOptions(tls.servername ?? 'localhost', tls);
  const started = performance.now();
  // The kernel says ECONNREFUSED for a file that is not a socket: say what it is instead. A
  // symbolic link is followed, as connect(2) follows it.
  if (!path.startsWith('\0')) {
    const stat = await statPath(path).catch(() => null);
    if (stat !== null && !stat.isSocket()) {
      throw new SocketError(`${path} is not a socket: it is ${describeFileKind(stat)}`, {
        ...context,
        errnoName: 'ENOTSOCK',
      });
    }
  }
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer =
    timeout === null ? undefined : setLongTimeout(() => controller.abort(TIMED_OUT), timeout);
  try {
    const socket = createDirectSocket({ allowHalfOpen: true });
    const raw = await settleWith(socket, controller.signal, 'connect', (done) => {
      socket.connect({ path }, done);
    });
    const connected = performance.now() - started;
    let secure: TLSSocket | null = null;
    if (tlsSettings !== null) {
      try {
        secure = await handshake(raw, 'client', tlsSettings, controller.signal);
      } catch (error) {
        raw.destroy();
        throw error;
      }
    }
    return new StreamSocket<UnixAddress>(secure ?? raw, {
      bufferLimit: options.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
      timings: {
        lookup: 0,
        connect: connected,
        ...(secure === null ? {} : { tls: performance.now() - started }),
      },
      unix: { local: '', remote: path },
      ...(secure === null ? {} : { rawSocket: raw }),
    });
  } catch (error) {
    if (controller.signal.aborted) {
      const shown = path.startsWith('\0') ? `@${path.slice(1)}` : path;
      if (controller.signal.reason === TIMED_OUT)
        throw new SocketTimeoutError(
          `Connecting to the socket ${shown} timed out after ${timeout} ms`,
          context,
        );
      throw new SocketAbortError(`Connecting to the socket ${shown} was aborted`, {
        ...context,
        cause: controller.signal.reason,
      });
    }
    throw fromNodeError(error, context);
  } finally {
    timer?.clear();
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function abortReason(
  signal: AbortSignal,
  host: string,
  port: number,
  timeout: number | null,
): Error {
  if (signal.reason === TIMED_OUT) {
    return new SocketTimeoutError(
      `Connecting to ${host} port ${port} timed out after ${timeout} ms`,
      { syscall: 'connect', host, port },
    );
  }
  return new SocketAbortError(`Connecting to ${host} port ${port} was aborted`, {
    syscall: 'connect',
    host,
    port,
    cause: signal.reason,
  });
}

/**
 * The addresses a caller's `lookup` gives, checked: each must be a numeric address of the family
 * it claims, since Node would resolve a name it was handed (a DNS query nobody asked for) and
 * connect to localhost for a missing one. A lookup that throws is a failed lookup.
 */
async function custom(
  lookup: NonNullable<ConnectOptions['lookup']>,
  host: string,
  family: 4 | 6 | undefined,
): Promise<LookupAddress[]> {
  let result: unknown;
  try {
    result = await lookup(host, family);
  } catch (error) {
    if (error instanceof SocketError) throw error;
    throw new NameResolutionError(
      `Could not resolve host "${host}": the lookup function failed: ${error instanceof Error ? error.message : String(error)}`,
      { host, syscall: 'getaddrinfo', cause: error },
    );
  }
  if (!Array.isArray(result))
    throw new TypeError(
      `The lookup function returned ${result === null ? 'null' : typeof result} for "${host}": it must return an array of { address, family }`,
    );
  for (const entry of result) {
    const address = (entry as { address?: unknown } | null)?.address;
    const claimed = (entry as { family?: unknown } | null)?.family;
    const numeric = typeof address === 'string' ? isIP(address) : 0;
    if (numeric === 0 || claimed !== numeric)
      throw new TypeError(
        `The lookup function returned ${JSON.stringify(entry) ?? String(entry)} for "${host}": each entry must be a numeric IPv4 or IPv6 address with its family, 4 or 6`,
      );
    if (family !== undefined && numeric !== family)
      throw new TypeError(
        `The lookup function returned ${address} for "${host}", an IPv${numeric} address, though family ${family} was asked for`,
      );
  }
  return result as LookupAddress[];
}

/** Every address for `host`, in the resolver's order; numeric addresses skip the lookup. */
function resolve(host: string, family: 4 | 6 | undefined): Promise<LookupAddress[]> {
  const numeric = isIP(host);
  if (numeric !== 0) {
    if (family !== undefined && family !== numeric) {
      return Promise.reject(
        new NameResolutionError(`Address ${host} is not an IPv${family} address`, {
          host,
          syscall: 'getaddrinfo',
        }),
      );
    }
    return Promise.resolve([{ address: host, family: numeric }]);
  }
  return new Promise((resolvePromise, reject) => {
    dnsLookup(host, { all: true, family: family ?? 0 }, (error, addresses) => {
      if (error) reject(fromNodeError(error, { syscall: 'getaddrinfo', host }));
      else resolvePromise(addresses);
    });
  });
}

/**
 * Resolves with `socket` once `event` fires; rejects on its first error or
 * when `signal` aborts, destroying the socket either way.
 */
function settleWith<S extends Socket>(
  socket: S,
  signal: AbortSignal,
  event: string,
  start: (done: () => void) => void,
): Promise<S> {
  return new Promise((resolvePromise, reject) => {
    const fail = (error: unknown) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal.reason);
    const onError = (error: Error) => fail(error);
    if (signal.aborted) {
      fail(signal.reason);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      resolvePromise(socket);
    };
    if (event !== 'connect') socket.once(event, done);
    start(done);
  });
}

/**
 * Races `work` (a lookup, which cannot be cancelled) against `signal`.
 */
function withSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolvePromise, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
