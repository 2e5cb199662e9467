/**
 * A relay: accepts connections (or datagrams) on one address, opens one to a target for each,
 * and forwards both ways byte for byte, half-closes included, telling `onEvent` about every
 * piece as it passes (socat's `-v`, a man in the middle you control). The engine of
 * `socketkit relay` and of the tour's recordings.
 *
 * Memory stays bounded whatever flows: each direction reads a chunk, reports it, and waits until
 * the other side's kernel has taken it before reading the next (backpressure end to end).
 *
 * @module
 */

import type { Address, SocketAddress, UnixAddress } from '../core/address.js';
import { type LongTimer, setLongTimeout } from '../core/timers.js';
import { connect } from '../socket/connect.js';
import { type DatagramSocket, udp } from '../socket/datagram-socket.js';
import { listen, type ServerSocket } from '../socket/server-socket.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import type { TlsConnectOptions } from '../socket/tls.js';

/** `>`: from the client to the target; `<`: back. */
export type RelayDirection = '>' | '<';

/** Something that happened on a relayed connection. */
export type RelayEvent =
  | { kind: 'open'; connection: number; time: number; client: Address | null }
  | { kind: 'connected'; connection: number; time: number; target: Address | null }
  /** Bytes passing; a view valid during the call (copy them to keep them). */
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
  /** Connecting to the target (lookup, TCP, TLS). Default 10 s. */
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
  return options.listen.protocol === 'udp' ? relayUdp(options) : relayTcp(options);
}

const READ_SIZE = 64 * 1024;

async function relayTcp(options: RelayOptions): Promise<Relay<Address>> {
  const server: ServerSocket =
    options.listen.path !== undefined
      ? await listen({ path: options.listen.path })
      : await listen({ host: options.listen.host ?? '127.0.0.1', port: options.listen.port });
  const onEvent = options.onEvent ?? (() => {});
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
    let idle = setLongTimeout(() => expire(), idleTimeout);
    const touch = () => {
      idle.clear();
      idle = setLongTimeout(() => expire(), idleTimeout);
    };
    const expire = () => {
      reason = `idle for ${idleTimeout / 1000} s`;
      void client.abort();
      void upstream?.abort();
    };
    try {
      await onEvent({ kind: 'open', connection, time: Date.now(), client: client.remoteAddress });
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
        for (;;) {
          const data = await from.recv(READ_SIZE);
          touch();
          if (data.length === 0) {
            await onEvent({ kind: 'end', connection, time: Date.now(), direction });
            // Pass the half-close on: the far side sees EOF and can still answer.
            await to.shutdown('write').catch(() => {});
            return;
          }
          counts[direction] += data.length;
          await onEvent({ kind: 'data', connection, time: Date.now(), direction, bytes: data });
          await to.sendAll(data);
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
