/**
 * Recording relays for the tour: `socketkit relay`'s engine (relay/relay.ts) in front of a
 * stand-in on loopback, keeping the first bytes of each direction of each connection so the
 * tour can show what crossed the wire.
 *
 * @module
 */

import { type RelayEvent, relay } from '../relay/relay.js';

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

/** Keeps the first KEEP bytes of `bytes` on top of `kept`. */
function keep(kept: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (kept.length >= KEEP) return kept;
  return Buffer.concat([kept, bytes.subarray(0, KEEP - kept.length)]);
}

/** Relays `protocol` traffic from a loopback port to `host:port`, recording each exchange. */
export async function record(
  protocol: 'tcp' | 'udp',
  host: string,
  port: number,
): Promise<Recorder> {
  const exchanges: WireExchange[] = [];
  const byConnection = new Map<number, WireExchange>();
  const onEvent = (event: RelayEvent): void => {
    if (event.kind === 'open') {
      const exchange: WireExchange = {
        sent: new Uint8Array(0),
        sentTotal: 0,
        received: new Uint8Array(0),
        receivedTotal: 0,
      };
      exchanges.push(exchange);
      byConnection.set(event.connection, exchange);
    } else if (event.kind === 'data') {
      const exchange = byConnection.get(event.connection)!;
      if (event.direction === '>') {
        exchange.sent = keep(exchange.sent, event.bytes);
        exchange.sentTotal += event.bytes.length;
      } else {
        exchange.received = keep(exchange.received, event.bytes);
        exchange.receivedTotal += event.bytes.length;
      }
    }
  };
  const running = await relay({
    listen: { protocol, host: '127.0.0.1', port: 0 },
    target: { protocol, host, port },
    onEvent,
    connectTimeout: 5000,
  });
  return { port: running.address.port, exchanges, close: () => running.close() };
}
