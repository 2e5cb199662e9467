/**
 * The classic inetd services, each per its RFC, over TCP and UDP, plus
 * tutorial 003's `reverse`.
 *
 * A service is two functions: one that serves a TCP connection, one that
 * answers a UDP datagram with at most one datagram (so none of them can
 * be used to amplify traffic beyond one reply per request).
 *
 * @module
 */

import { SocketTimeoutError } from '../core/errors.js';
import { type PullTarget, pull } from '../socket/pull.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import { MAX_QUOTE_LENGTH, PROVERBS } from './quotes.js';

/** What a service may use besides its connection. */
export interface ServiceContext {
  /** Now, as the service should see it (tests fix it). */
  now(): Date;
  /** Picks a quote. */
  quote(): string;
}

/** A classic service: how it serves TCP and how it answers a UDP datagram. */
export interface Service {
  readonly name: string;
  /** The IANA port (echo 7, discard 9, daytime 13, qotd 17, chargen 19), or `null`. */
  readonly classicPort: number | null;
  /** One sentence on what it does, for listings. */
  readonly summary: string;
  tcp(conn: StreamSocket, context: ServiceContext): Promise<void>;
  /** The reply to one datagram, or `null` for none. */
  udp(request: Uint8Array, context: ServiceContext): Uint8Array | null;
}

const READ_SIZE = 64 * 1024;

/** RFC 862: whatever arrives goes back, until the client closes. */
export const echo: Service = {
  name: 'echo',
  classicPort: 7,
  summary: 'sends back everything it receives (RFC 862)',
  async tcp(conn) {
    for (
      let data = await conn.recv(READ_SIZE);
      data.length > 0;
      data = await conn.recv(READ_SIZE)
    ) {
      await conn.sendAll(data);
    }
  },
  udp: (request) => request,
};

/** RFC 863: reads and throws away everything; never answers. */
export const discard: Service = {
  name: 'discard',
  classicPort: 9,
  summary: 'reads and throws away everything (RFC 863)',
  async tcp(conn) {
    const sink = Buffer.allocUnsafe(READ_SIZE);
    while ((await conn.recvInto(sink)) > 0) {
      // Discarded.
    }
  },
  udp: () => null,
};

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * RFC 867 leaves the format open and suggests "Weekday, Month Day, Year
 * Time-Zone"; socketkit writes that, in UTC: `Sunday, November 22, 2026 03:45:12-UTC`.
 */
export function daytimeText(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[date.getUTCDay()]}, ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}-UTC\r\n`;
}

/** RFC 867: sends the date and time as text, then closes; ignores what the client sends. */
export const daytime: Service = {
  name: 'daytime',
  classicPort: 13,
  summary: 'sends the date and time, then closes (RFC 867)',
  async tcp(conn, context) {
    await conn.sendAll(Buffer.from(daytimeText(context.now()), 'ascii'));
  },
  udp: (_request, context) => Buffer.from(daytimeText(context.now()), 'ascii'),
};

/** RFC 865: sends one short quote, then closes. */
export const qotd: Service = {
  name: 'qotd',
  classicPort: 17,
  summary: 'sends a quote of the day, then closes (RFC 865)',
  async tcp(conn, context) {
    await conn.sendAll(Buffer.from(`${context.quote()}\r\n`, 'utf8'));
  },
  udp: (_request, context) => Buffer.from(`${context.quote()}\r\n`, 'utf8'),
};

/** The 95 printable ASCII characters RFC 864 cycles through. */
const CHARGEN_CHARS = Buffer.from(Array.from({ length: 95 }, (_, i) => 0x20 + i));

/** Line `n` of the RFC 864 pattern: 72 characters starting `n` places along the cycle, then CRLF. */
export function chargenLine(n: number): Buffer {
  const line = Buffer.allocUnsafe(74);
  for (let i = 0; i < 72; i++) line[i] = CHARGEN_CHARS[(n + i) % 95]!;
  line[72] = 0x0d;
  line[73] = 0x0a;
  return line;
}

/** The 95 distinct lines, repeated as one block so TCP sends are large. */
const CHARGEN_BLOCK = Buffer.concat(Array.from({ length: 95 }, (_, n) => chargenLine(n)));

/**
 * RFC 864: over TCP, the rotating pattern until the client terminates the
 * connection (a half-close does not stop it; what the client sends is
 * discarded), sent only as fast as the client reads; over UDP, one datagram
 * of 0 to 512 characters per request.
 */
export const chargen: Service = {
  name: 'chargen',
  classicPort: 19,
  summary: 'streams the rotating ASCII pattern until the client closes (RFC 864)',
  async tcp(conn) {
    void (async () => {
      const sink = Buffer.allocUnsafe(READ_SIZE);
      try {
        while ((await conn.recvInto(sink)) > 0) {
          // Discarded.
        }
      } catch {
        // The write side will see the same end.
      }
    })();
    // Ends when a write fails: the client closed or reset the connection.
    for (;;) await conn.sendAll(CHARGEN_BLOCK);
  },
  udp() {
    const length = Math.floor(Math.random() * 513);
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = CHARGEN_CHARS[i % 95]!;
    return out;
  },
};

/** When a `reverse` message is complete without a line end or EOF: this long after the last byte. */
export const REVERSE_QUIET_MS = 250;
/** The longest `reverse` message. */
export const REVERSE_MAX = 64 * 1024;

/**
 * Tutorial 003's reverse server: sends the client's bytes back in reverse
 * order, then closes. A message is complete at the first of:
 *
 * 1. the client shuts down its write half (or closes);
 * 2. a line end: the line is reversed and its LF or CRLF stays at the end
 *    (`Hello\r\n` → `olleH\r\n`);
 * 3. 250 ms pass with nothing new after at least one byte, for clients such
 *    as the tutorial's that send and then wait without either;
 * 4. 64 KiB arrive.
 *
 * Bytes are reversed as bytes, as the tutorial does (`bytes(reversed(data))`).
 */
export const reverse: Service = {
  name: 'reverse',
  classicPort: null,
  summary: 'sends back what it receives, reversed, then closes (tutorial 003)',
  async tcp(conn) {
    const message = new ReverseMessage();
    // The first byte may take as long as the client likes; after it, a quiet spell ends the message.
    let more = await pull(conn, message, () => message.complete || message.length > 0);
    if (more && !message.complete) {
      try {
        more = await pull(conn, message, () => message.complete, { timeout: REVERSE_QUIET_MS });
      } catch (error) {
        if (!(error instanceof SocketTimeoutError)) throw error;
      }
    }
    if (message.length > 0) await conn.sendAll(message.reversed());
  },
  udp: (request) => Buffer.from(request).reverse(),
};

/**
 * The pull loop's decoder for `reverse`: gathers bytes up to the first LF (kept, with a CR
 * before it) or {@link REVERSE_MAX}; bytes after the line stay in the socket.
 */
class ReverseMessage implements PullTarget {
  readonly #parts: Buffer[] = [];
  length = 0;
  complete = false;
  #endLength = 0;

  feed(chunk: Buffer, offset: number): number {
    const room = REVERSE_MAX - this.length;
    const end = Math.min(chunk.length, offset + room);
    const newline = chunk.indexOf(0x0a, offset);
    const stop = newline >= 0 && newline < end ? newline + 1 : end;
    this.#parts.push(Buffer.from(chunk.subarray(offset, stop)));
    this.length += stop - offset;
    if (newline >= 0 && newline < end) {
      this.complete = true;
      const crlf = this.length >= 2 && this.#lastByteBut(1) === 0x0d;
      this.#endLength = crlf ? 2 : 1;
    } else if (this.length >= REVERSE_MAX) {
      this.complete = true;
    }
    return stop;
  }

  /** The message reversed as bytes, a line end kept at the end (`Hello\r\n` → `olleH\r\n`). */
  reversed(): Buffer {
    const message = Buffer.concat(this.#parts);
    const body = message.subarray(0, message.length - this.#endLength);
    return Buffer.concat([Buffer.from(body).reverse(), message.subarray(body.length)]);
  }

  #lastByteBut(back: number): number | undefined {
    const last = this.#parts[this.#parts.length - 1]!;
    if (last.length > back) return last[last.length - 1 - back];
    const previous = this.#parts[this.#parts.length - 2];
    return previous?.[previous.length - 1 - (back - last.length)];
  }
}

/** Every classic service, in port order. */
export const SERVICES: readonly Service[] = [echo, discard, daytime, qotd, chargen, reverse];

/** A context with the real clock and a quote list. */
export function defaultContext(quotes: readonly string[] = PROVERBS): ServiceContext {
  for (const q of quotes) {
    if (q.length > MAX_QUOTE_LENGTH)
      throw new RangeError(`A quote of ${q.length} characters is over RFC 865's limit`);
  }
  return {
    now: () => new Date(),
    quote: () => quotes[Math.floor(Math.random() * quotes.length)]!,
  };
}
