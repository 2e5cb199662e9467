/**
 * A relay: accepts connections (or datagrams) on one address, opens one to a target for each,
 * and forwards both ways byte for byte, half-closes included, telling `onEvent` about every
 * piece as it passes (socat's `-v`, a man in the middle you control). The engine of
 * `socketkit relay` and of the tour's recordings.
 *
 * Memory stays bounded whatever flows: each direction reads into one of two buffers it reuses,
 * reports the chunk, and sends it while it reads the next into the other; a buffer is read into
 * again only once the far side's kernel has taken what was sent from it (backpressure end to end,
 * 2 × 64 KiB per direction). With `listen.tls` the relay makes each client's TLS handshake and
 * reports the decrypted bytes.
 *
 * @module
 */

import type { Address, SocketAddress, UnixAddress } from '../core/address.js';
import { opensslReason, SocketTimeoutError, TlsError } from '../core/errors.js';
import { type LongTimer, setLongTimeout } from '../core/timers.js';
import { connect } from '../socket/connect.js';
import { type DatagramSocket, udp } from '../socket/datagram-socket.js';
import { listen, type ServerSocket } from '../socket/server-socket.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import {
  checkTlsOptions,
  serverTlsOptions,
  type TlsConnectOptions,
  type TlsListenOptions,
} from '../socket/tls.js';

/** `>`: from the client to the target; `<`: back. */
export type RelayDirection = '>' | '<';

/** Something that happened on a relayed connection. */
export type RelayEvent =
  | { kind: 'open'; connection: number; time: number; client: Address | null }
  /**
   * With `listen.tls`: the client's TLS handshake is done, and the bytes that follow are the
   * decrypted ones. Comes after `open` and before `connected`.
   */
  | {
      kind: 'tls';
      connection: number;
      time: number;
      /** The protocol agreed, e.g. `TLSv1.3`. */
      protocol: string;
      /** OpenSSL's name of the cipher agreed, e.g. `TLS_AES_256_GCM_SHA384`. */
      cipher: string;
    }
  | { kind: 'connected'; connection: number; time: number; target: Address | null }
  /**
   * Bytes passing; a view of a buffer the relay reuses, valid during the call and until the
   * promise it returns settles (copy them to keep them).
   */
  | { kind: 'data'; connection: number; time: number; direction: RelayDirection; bytes: Uint8Array }
  /** One side ended its writing (FIN); the other can still answer. */
  | { kind: 'end'; connection: number; time: number; direction: RelayDirection }
  | {
      kind: 'close';
      connection: number;
      time: number;
      /** Bytes each way. */
      sent: number;
      received: number;
      /** Why it ended, when it was not both sides closing: a reset, a refused target, a timeout. */
      reason?: string;
    };

/** Where a relay listens. */
export interface RelayListen {
  protocol: 'tcp' | 'udp';
  /** Default 127.0.0.1. */
  host?: string;
  /** `0` lets the OS pick. */
  port: number;
  /** TCP: a Unix domain socket to listen on instead of host and port. */
  path?: string;
  /**
   * TCP: speak TLS to the clients with this key and certificate (TLS termination, as a reverse
   * proxy does): each client's handshake is made by the relay, `onEvent` sees the decrypted bytes,
   * and the target gets them as they are (in the clear, or encrypted anew with `target.tls`).
   * A client whose handshake fails (one that does not speak TLS, a timeout after
   * `connectTimeout`, a client that refuses the certificate) is closed with a `close` event
   * whose `reason` says why, and the relay goes on accepting. A UDP relay refuses it.
   *
   * @example See what a TLS client says, in the clear
   * ```ts
   * import { readFileSync } from 'node:fs';
   * import { connect, decode, encode } from 'socketkit';
   * import { relay } from './relay.js';
   * // The tour's throwaway certificate for localhost, signed by its throwaway CA.
   * const [key, cert, ca] = ['localhost-key.pem', 'localhost.pem', 'ca.pem'].map((f) =>
   *   readFileSync(`assets/tour/${f}`),
   * );
   * const [host, port] = ['127.0.0.1', 7];
   * const seen: string[] = [];
   * await using watch = await relay({
   *   listen: { protocol: 'tcp', port: 0, tls: { key, cert } },
   *   target: { protocol: 'tcp', host, port },
   *   onEvent: (event) => {
   *     if (event.kind === 'tls') seen.push(event.protocol);
   *     if (event.kind === 'data') seen.push(`${event.direction} ${decode(event.bytes)}`);
   *   },
   *   once: true,
   * });
   * const sock = await connect('127.0.0.1', watch.address.port, {
   *   tls: { ca, servername: 'localhost' },
   * });
   * await sock.sendAll(encode('hello'));
   * console.log(decode(await sock.recvExactly(5))); // hello
   * await sock.close();
   * await watch.done;
   * console.log(seen.join(', ')); // TLSv1.3, > hello, < hello
   * ```
   */
  tls?: TlsListenOptions;
}

/** Where a relay connects for each client. */
export interface RelayTarget {
  protocol: 'tcp' | 'udp';
  host: string;
  port: number;
  /** TCP: a Unix domain socket to connect to instead of host and port. */
  path?: string;
  /** TCP: speak TLS to the target (verified unless `insecure`). */
  tls?: boolean | TlsConnectOptions;
}

/** Options for {@link relay}. Durations are milliseconds. */
export interface RelayOptions {
  listen: RelayListen;
  target: RelayTarget;
  /** Told about every event; when it returns a promise, the direction waits for it. */
  onEvent?: (event: RelayEvent) => void | Promise<void>;
  /** Stop accepting after the first connection (nc without `-k`). Default `false`. */
  once?: boolean;
  /** TCP connections relayed at once; more are refused (closed). Default 1024. */
  maxConnections?: number;
  /** A connection with no byte either way for this long is closed. Default 5 minutes. */
  idleTimeout?: number;
  /** Connecting to the target (lookup, TCP, TLS), and with `listen.tls` the client's handshake. Default 10 s. */
  connectTimeout?: number;
}

/** A running relay; `await using` closes it. */
export interface Relay<A extends Address = SocketAddress> extends AsyncDisposable {
  /** Where it listens (the port the OS chose, with `port: 0`; the path, with `path`). */
  readonly address: A;
  /** Resolves when the relay has stopped (after the first connection with `once`, or `close()`). */
  readonly done: Promise<void>;
  /** Stops accepting and ends every relayed connection. */
  close(): Promise<void>;
}

/**
 * Starts a relay.
 *
 * @throws {TypeError} `listen.tls` on a UDP relay, or TLS settings that will not do (not PEM, no
 *   key and certificate, a key OpenSSL refuses), before anything listens.
 * @throws {socketkit!AddressInUseError} the listening address is taken.
 *
 * @example Watch what a client and a server say to each other
 * ```ts
 * import { connect, decode } from 'socketkit';
 * import { relay } from './relay.js';
 * const [host, port] = ['127.0.0.1', 13];
 * const seen: string[] = [];
 * await using watch = await relay({
 *   listen: { protocol: 'tcp', port: 0 },
 *   target: { protocol: 'tcp', host, port },
 *   onEvent: (event) => {
 *     if (event.kind === 'data' || event.kind === 'end') seen.push(`${event.kind} ${event.direction}`);
 *   },
 *   once: true,
 * });
 * const sock = await connect('127.0.0.1', watch.address.port);
 * console.log(decode(await sock.recv(1024)).length > 0); // true
 * await sock.close();
 * await watch.done;
 * console.log(seen.sort().join(', ')); // data <, end <, end >
 * ```
 */
export function relay(
  options: RelayOptions & { listen: { path: string } },
): Promise<Relay<UnixAddress>>;
export function relay(options: RelayOptions): Promise<Relay<SocketAddress>>;
export async function relay(options: RelayOptions): Promise<Relay<Address>> {
  const tls = options.listen.tls;
  if (tls !== undefined) {
    if (options.listen.protocol === 'udp')
      throw new TypeError(
        'Invalid relay listen: tls is for TCP (and Unix) relays; a UDP relay has no TLS (DTLS is not supported)',
      );
    // Checked, and the key and certificate read by OpenSSL, before anything listens.
    checkTlsOptions(tls, 'server');
    serverTlsOptions(tls);
  }
  return options.listen.protocol === 'udp' ? relayUdp(options) : relayTcp(options);
}

/**
 * Why a client's TLS handshake failed, for the `close` event, in the relay's terms (the error's
 * own hints are worded for a client): the usual case, a client that does not speak TLS at all,
 * said as such.
 */
function handshakeFailure(error: unknown, timeout: number): string {
  if (error instanceof SocketTimeoutError)
    return `the client did not finish its TLS handshake within ${timeout / 1000} s`;
  if (!(error instanceof TlsError)) {
    const message = error instanceof Error ? error.message : String(error);
    return /socket hang up/.test(message)
      ? 'the client closed the connection during the TLS handshake'
      : `the TLS handshake with the client failed: ${message}`;
  }
  const cause = error.cause instanceof Error ? error.cause.message : error.message;
  const reason = opensslReason(cause);
  const code = error.errnoName ? ` (${error.errnoName})` : '';
  if (reason === 'http request')
    return `the client sent plain HTTP, not a TLS handshake: it should ask for https://${code}`;
  if (NOT_TLS.has(reason))
    return `the client does not speak TLS: its first bytes are not a TLS handshake (${reason})${code}`;
  if (/unknown ca|bad certificate|certificate unknown/.test(reason))
    return `the client refused the relay's certificate (${reason}): give it the certificate to trust (--cacert)${code}`;
  return `the TLS handshake with the client failed: ${reason}${code}`;
}

/** OpenSSL's reasons when the first bytes a server reads are not a TLS record. */
const NOT_TLS = new Set([
  'wrong version number',
  'packet length too long',
  'unknown protocol',
  'record layer failure',
]);

const READ_SIZE = 64 * 1024;

async function relayTcp(options: RelayOptions): Promise<Relay<Address>> {
  // Plain listening even with listen.tls: each connection's handshake is made in one() with
  // startTls(), so that one that fails is reported (a TLS server would drop it unseen).
  const server: ServerSocket =
    options.listen.path !== undefined
      ? await listen({ path: options.listen.path })
      : await listen({ host: options.listen.host ?? '127.0.0.1', port: options.listen.port });
  const onEvent = options.onEvent ?? (() => {});
  const listenTls = options.listen.tls;
  const maxConnections = options.maxConnections ?? 1024;
  const idleTimeout = options.idleTimeout ?? 5 * 60_000;
  const open = new Set<StreamSocket>();
  const relays = new Set<Promise<void>>();
  let ids = 0;

  const one = async (client: StreamSocket): Promise<void> => {
    const connection = ++ids;
    const counts = { '>': 0, '<': 0 };
    let reason: string | undefined;
    let upstream: StreamSocket | null = null;
    open.add(client);
    // Each read only notes the time; the timer, when it fires, checks it and waits out the rest
    // (one timer per connection, not one per chunk).
    let lastRead = performance.now();
    const touch = () => {
      lastRead = performance.now();
    };
    const check = () => {
      const left = lastRead + idleTimeout - performance.now();
      if (left > 0) {
        idle = setLongTimeout(check, left);
        return;
      }
      reason = `idle for ${idleTimeout / 1000} s`;
      void client.abort();
      void upstream?.abort();
    };
    let idle = setLongTimeout(check, idleTimeout);
    // The handshake starts before anything is awaited: a TLS client sends its hello at once, and
    // startTls() refuses bytes already read in the clear.
    const handshake =
      listenTls === undefined
        ? null
        : client.startTls({ ...listenTls, timeout: options.connectTimeout ?? 10_000 });
    handshake?.catch(() => {});
    try {
      await onEvent({ kind: 'open', connection, time: Date.now(), client: client.remoteAddress });
      if (handshake !== null) {
        try {
          await handshake;
        } catch (error) {
          reason ??= handshakeFailure(error, options.connectTimeout ?? 10_000);
          throw error;
        }
        await onEvent({
          kind: 'tls',
          connection,
          time: Date.now(),
          protocol: client.tlsProtocol ?? '',
          cipher: client.tlsCipher?.name ?? '',
        });
      }
      const target = options.target;
      upstream =
        target.path !== undefined
          ? await connect({ path: target.path, timeout: options.connectTimeout ?? 10_000 })
          : await connect(target.host, target.port, {
              timeout: options.connectTimeout ?? 10_000,
              tls: target.tls,
            });
      open.add(upstream);
      await onEvent({
        kind: 'connected',
        connection,
        time: Date.now(),
        target: upstream.remoteAddress,
      });
      const pump = async (
        from: StreamSocket,
        to: StreamSocket,
        direction: RelayDirection,
      ): Promise<void> => {
        // Two buffers, reused: one is read into while the other's bytes go out, and a buffer is
        // read into again only once the kernel has taken what was sent from it. So at most
        // 2 × READ_SIZE per direction is in flight (plus the sockets' own bounded buffers),
        // nothing is allocated per chunk, and reading overlaps writing.
        const buffers = [Buffer.allocUnsafe(READ_SIZE), Buffer.allocUnsafe(READ_SIZE)];
        let writing: Promise<void> | null = null;
        for (let turn = 0; ; turn ^= 1) {
          const buffer = buffers[turn]!;
          const length = await from.recvInto(buffer);
          touch();
          if (writing !== null) await writing;
          writing = null;
          if (length === 0) {
            await onEvent({ kind: 'end', connection, time: Date.now(), direction });
            // Pass the half-close on: the far side sees EOF and can still answer.
            await to.shutdown('write').catch(() => {});
            return;
          }
          counts[direction] += length;
          const bytes = buffer.subarray(0, length);
          await onEvent({ kind: 'data', connection, time: Date.now(), direction, bytes });
          writing = to.sendAll(bytes);
          // Its failure is seen at the next turn's await; until then it must not count as unhandled.
          writing.catch(() => {});
        }
      };
      const up = upstream;
      await Promise.all([pump(client, up, '>'), pump(up, client, '<')]);
    } catch (error) {
      // A reset, a refused target or a timeout ends the relay; pass the abrupt end on.
      reason ??= (error as Error).message;
      void client.abort();
      void upstream?.abort();
    } finally {
      idle.clear();
      await client.close();
      if (upstream !== null) await upstream.close();
      open.delete(client);
      if (upstream !== null) open.delete(upstream);
      await Promise.resolve(
        onEvent({
          kind: 'close',
          connection,
          time: Date.now(),
          sent: counts['>'],
          received: counts['<'],
          reason,
        }),
      ).catch(() => {});
    }
  };

  const accepting = (async () => {
    for await (const client of server) {
      if (open.size / 2 >= maxConnections) {
        void client.close();
        continue;
      }
      const job = one(client);
      relays.add(job);
      void job.finally(() => relays.delete(job));
      if (options.once) {
        await server.close();
        break;
      }
    }
    await Promise.allSettled([...relays]);
  })();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await server.close();
      for (const sock of open) void sock.abort();
      await accepting;
    })();
    return closing;
  };
  return { address: server.address, done: accepting, close, [Symbol.asyncDispose]: close };
}

/** One UDP client as the relay sees it: its own upstream socket, so replies find their way back. */
interface UdpClient {
  connection: number;
  upstream: DatagramSocket;
  sent: number;
  received: number;
  /** Ends the session once it has been silent both ways for the idle timeout. */
  idle: LongTimer;
  closed: boolean;
}

/**
 * UDP has no connections: a client is a source address, its session lasts while datagrams pass
 * either way, and ends after `idleTimeout` of silence (5 minutes by default). With `once`, the
 * relay serves its first client only and stops when that session ends.
 */
async function relayUdp(options: RelayOptions): Promise<Relay<Address>> {
  const front = await udp({
    bind: { host: options.listen.host ?? '127.0.0.1', port: options.listen.port },
  });
  const onEvent = options.onEvent ?? (() => {});
  const idleTimeout = options.idleTimeout ?? 5 * 60_000;
  const clients = new Map<string, UdpClient>();
  let ids = 0;
  let closing: Promise<void> | null = null;

  const endSession = async (key: string, client: UdpClient, reason?: string): Promise<void> => {
    if (client.closed) return;
    client.closed = true;
    client.idle.clear();
    clients.delete(key);
    await client.upstream.close();
    await Promise.resolve(
      onEvent({
        kind: 'close',
        connection: client.connection,
        time: Date.now(),
        sent: client.sent,
        received: client.received,
        ...(reason === undefined ? {} : { reason }),
      }),
    ).catch(() => {});
    if (options.once) void close();
  };
  const touch = (key: string, client: UdpClient): void => {
    client.idle.clear();
    client.idle = setLongTimeout(
      () => void endSession(key, client, `idle for ${idleTimeout / 1000} s`),
      idleTimeout,
    );
  };

  const answer = async (key: string, client: UdpClient, to: SocketAddress): Promise<void> => {
    for (;;) {
      let reply: Uint8Array;
      try {
        reply = await client.upstream.recv();
      } catch {
        if (client.closed) return;
        continue; // the target refused one (ICMP): the client may send again
      }
      client.received += reply.length;
      touch(key, client);
      await onEvent({
        kind: 'data',
        connection: client.connection,
        time: Date.now(),
        direction: '<',
        bytes: reply,
      });
      await front.sendTo(reply, to.host, to.port).catch(() => {});
    }
  };

  const loop = (async () => {
    for (;;) {
      let datagram: Awaited<ReturnType<DatagramSocket['recvFrom']>>;
      try {
        datagram = await front.recvFrom();
      } catch {
        return; // closed
      }
      const key = `${datagram.address.host}:${datagram.address.port}`;
      let client = clients.get(key);
      if (client === undefined) {
        // With once, the first client is the only one.
        if (options.once && ids > 0) continue;
        const upstream = await udp();
        try {
          await upstream.connect(options.target.host, options.target.port);
        } catch {
          await upstream.close();
          continue;
        }
        client = {
          connection: ++ids,
          upstream,
          sent: 0,
          received: 0,
          idle: setLongTimeout(() => {}, 0),
          closed: false,
        };
        clients.set(key, client);
        touch(key, client);
        await onEvent({
          kind: 'open',
          connection: client.connection,
          time: Date.now(),
          client: datagram.address,
        });
        void answer(key, client, datagram.address);
      }
      client.sent += datagram.data.length;
      touch(key, client);
      await onEvent({
        kind: 'data',
        connection: client.connection,
        time: Date.now(),
        direction: '>',
        bytes: datagram.data,
      });
      await client.upstream.send(datagram.data).catch(() => {});
    }
  })();

  const close = (): Promise<void> => {
    closing ??= (async () => {
      await front.close();
      await loop;
      for (const [key, client] of [...clients]) await endSession(key, client);
    })();
    return closing;
  };
  const done = loop.then(() => closing ?? undefined).then(() => {});
  return { address: front.localAddress!, done, close, [Symbol.asyncDispose]: close };
}
