/**
 * Recording proxies for the tour: a TCP and a UDP relay on loopback that
 * pass bytes through unchanged (half-closes included) and keep the first
 * bytes of each direction, so the tour can show what crossed the wire.
 *
 * @module
 */

import { connect } from '../socket/connect.js';
import { type DatagramSocket, udp } from '../socket/datagram-socket.js';
import { listen, type ServerSocket } from '../socket/server-socket.js';
import type { StreamSocket } from '../socket/stream-socket.js';

/** The most bytes kept per direction per connection. */
const KEEP = 4096;

/** One connection (or one UDP client) as seen by the relay. */
export interface WireExchange {
  /** Client to server: the first bytes, and how many there were in all. */
  sent: Uint8Array;
  sentTotal: number;
  /** Server to client. */
  received: Uint8Array;
  receivedTotal: number;
}

export interface Recorder {
  readonly port: number;
  /** Exchanges in the order their connections opened. */
  readonly exchanges: WireExchange[];
  close(): Promise<void>;
}

function keep(into: { parts: Buffer[]; kept: number }, data: Uint8Array): void {
  if (into.kept >= KEEP) return;
  const piece = Buffer.from(data.subarray(0, KEEP - into.kept));
  into.parts.push(piece);
  into.kept += piece.length;
}

class Side {
  parts: Buffer[] = [];
  kept = 0;
  total = 0;
}

/** Relays TCP connections from a loopback port to `host:port`, recording each. */
export async function recordTcp(host: string, port: number): Promise<Recorder> {
  const server: ServerSocket = await listen({ host: '127.0.0.1', port: 0 });
  const exchanges: WireExchange[] = [];
  const open = new Set<StreamSocket>();
  const relays = new Set<Promise<void>>();

  const pump = async (
    from: StreamSocket,
    to: StreamSocket,
    side: Side,
    update: (side: Side) => void,
  ): Promise<void> => {
    for (;;) {
      const data = await from.recv(65536);
      if (data.length === 0) {
        // Pass the half-close on: the far side sees EOF and can still answer.
        await to.shutdown('write').catch(() => {});
        return;
      }
      side.total += data.length;
      keep(side, data);
      update(side);
      await to.sendAll(data);
    }
  };

  const relay = async (client: StreamSocket): Promise<void> => {
    const exchange: WireExchange = {
      sent: new Uint8Array(0),
      sentTotal: 0,
      received: new Uint8Array(0),
      receivedTotal: 0,
    };
    exchanges.push(exchange);
    open.add(client);
    let upstream: StreamSocket | null = null;
    try {
      upstream = await connect(host, port, { timeout: 5000 });
      open.add(upstream);
      const up = upstream;
      await Promise.all([
        pump(client, up, new Side(), (s) => {
          exchange.sent = Buffer.concat(s.parts);
          exchange.sentTotal = s.total;
        }),
        pump(up, client, new Side(), (s) => {
          exchange.received = Buffer.concat(s.parts);
          exchange.receivedTotal = s.total;
        }),
      ]);
    } catch {
      // A reset or a refused upstream ends the relay; pass the abrupt end on.
      void client.abort();
      if (upstream !== null) void upstream.abort();
    } finally {
      await client.close().catch(() => {});
      if (upstream !== null) await upstream.close().catch(() => {});
      open.delete(client);
      if (upstream !== null) open.delete(upstream);
    }
  };

  const accepting = (async () => {
    for await (const client of server) {
      const done = relay(client);
      relays.add(done);
      void done.finally(() => relays.delete(done));
    }
  })();

  return {
    port: server.address.port,
    exchanges,
    async close() {
      await server.close();
      await accepting;
      for (const sock of open) void sock.abort();
      await Promise.allSettled([...relays]);
    },
  };
}

/** Relays UDP datagrams from a loopback port to `host:port` and back, recording them. */
export async function recordUdp(host: string, port: number): Promise<Recorder> {
  const front = await udp({ bind: { host: '127.0.0.1', port: 0 } });
  const exchanges: WireExchange[] = [];
  /** One upstream socket per client address, so each reply finds its way back. */
  const clients = new Map<string, { socket: DatagramSocket; sent: Side; exchange: WireExchange }>();

  const answer = async (
    socket: DatagramSocket,
    exchange: WireExchange,
    client: { host: string; port: number },
  ): Promise<void> => {
    const received = new Side();
    for (;;) {
      let reply: Uint8Array;
      try {
        reply = await socket.recv();
      } catch {
        return; // closed
      }
      received.total += reply.length;
      keep(received, reply);
      exchange.received = Buffer.concat(received.parts);
      exchange.receivedTotal = received.total;
      await front.sendTo(reply, client.host, client.port).catch(() => {});
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
        const exchange: WireExchange = {
          sent: new Uint8Array(0),
          sentTotal: 0,
          received: new Uint8Array(0),
          receivedTotal: 0,
        };
        exchanges.push(exchange);
        const socket = await udp();
        await socket.connect(host, port);
        client = { socket, sent: new Side(), exchange };
        clients.set(key, client);
        void answer(socket, exchange, datagram.address);
      }
      client.sent.total += datagram.data.length;
      keep(client.sent, datagram.data);
      client.exchange.sent = Buffer.concat(client.sent.parts);
      client.exchange.sentTotal = client.sent.total;
      await client.socket.send(datagram.data).catch(() => {});
    }
  })();

  return {
    port: front.localAddress!.port,
    exchanges,
    async close() {
      await front.close();
      await loop;
      for (const { socket } of clients.values()) await socket.close();
    },
  };
}
