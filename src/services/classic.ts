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

/** What a service may use besides its connection: the clock and the quotes, so that tests (and you) can fix them. */
export interface ServiceContext {
  /** Now, as the service should see it (tests fix it). */
  now(): Date;
  /** Picks a quote. */
  quote(): string;
}

/**
 * A classic service: how it serves a TCP connection and how it answers a UDP datagram (with at
 * most one datagram). Run one with {@link runTcp} and {@link runUdp}; write your own as a value of
 * this shape.
 *
 * @example A service of your own, on TCP
 * ```ts
 * import { connect } from 'socketkit';
 * import { runTcp, type Service } from 'socketkit/services';
 * const shout: Service = {
 *   name: 'shout',
 *   classicPort: null,
 *   summary: 'answers each line in capitals',
 *   async tcp(conn) {
 *     for await (const line of conn.lines()) await conn.writeLine(line.toUpperCase());
 *   },
 *   udp: (request) => new TextEncoder().encode(new TextDecoder().decode(request).toUpperCase()),
 * };
 * await using running = await runTcp(shout);
 * await using sock = await connect('127.0.0.1', running.address.port);
 * await sock.writeLine('hello');
 * console.log(await sock.readLine()); // HELLO
 * ```
 */
export interface Service {
  /** Its name, as `socketkit serve` takes it: `echo`, `daytime`, … */
  readonly name: string;
  /** The IANA port (echo 7, discard 9, daytime 13, qotd 17, chargen 19), or `null`. */
  readonly classicPort: number | null;
  /** One sentence on what it does, for listings. */
  readonly summary: string;
  /** Serves one TCP connection until the service is done with it; the runner closes the connection after. */
  tcp(conn: StreamSocket, context: ServiceContext): Promise<void>;
  /** The reply to one datagram, or `null` for none. */
  udp(request: Uint8Array, context: ServiceContext): Uint8Array | null;
}

const READ_SIZE = 64 * 1024;

/**
 * RFC 862: whatever arrives goes back, until the client closes; over UDP, each datagram back to
 * its sender.
 *
 * @example Echo over TCP
 * ```ts
 * import { connect, decode, encode } from 'socketkit';
 * import { echo, runTcp } from 'socketkit/services';
 * await using running = await runTcp(echo);
 * await using sock = await connect('127.0.0.1', running.address.port);
 * await sock.sendAll(encode('hello'));
 * console.log(decode(await sock.recvExactly(5))); // hello
 * ```
 */
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

/** RFC 863: reads and throws away everything, until the client closes; never answers, on TCP or UDP. */
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
 * Time-Zone"; socketkit writes that, in UTC, ended by CRLF: `Sunday, November 22, 2026 03:45:12-UTC`.
 *
 * @example The daytime line for a moment
 * ```ts
 * import { daytimeText } from 'socketkit/services';
 * console.log(JSON.stringify(daytimeText(new Date(Date.UTC(2026, 10, 22, 3, 45, 12))))); // "Sunday, November 22, 2026 03:45:12-UTC\r\n"
 * ```
 */
export function daytimeText(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[date.getUTCDay()]}, ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}-UTC\r\n`;
}

/**
 * RFC 867: sends the date and time as text ({@link daytimeText}), then closes; ignores what the
 * client sends. Over UDP, one datagram with the same line per request.
 *
 * @example The time, with a fixed clock
 * ```ts
 * import { connect, decode } from 'socketkit';
 * import { daytime, runTcp } from 'socketkit/services';
 * const context = { now: () => new Date(Date.UTC(2026, 0, 1)), quote: () => '' };
 * await using running = await runTcp(daytime, { context });
 * await using sock = await connect('127.0.0.1', running.address.port);
 * console.log(decode(await sock.recv())); // Thursday, January 1, 2026 00:00:00-UTC
 * ```
 */
export const daytime: Service = {
  name: 'daytime',
  classicPort: 13,
  summary: 'sends the date and time, then closes (RFC 867)',
  async tcp(conn, context) {
    await conn.sendAll(Buffer.from(daytimeText(context.now()), 'ascii'));
  },
  udp: (_request, context) => Buffer.from(daytimeText(context.now()), 'ascii'),
};

/** RFC 865: sends one short quote (the context's `quote()`) and CRLF, then closes; over UDP, one datagram per request. */
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

/**
 * Line `n` of the RFC 864 pattern: 72 characters starting `n` places along the cycle of the 95
 * printable ASCII characters, then CRLF (74 bytes).
 *
 * @example The second line of the pattern
 * ```ts
 * import { chargenLine } from 'socketkit/services';
 * console.log(chargenLine(1).subarray(0, 10).toString()); // !"#$%&'()*
 * ```
 */
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

/** 250 ms: when a `reverse` message is complete without a line end or EOF, this long after the last byte. */
export const REVERSE_QUIET_MS = 250;
/** 64 KiB: the longest `reverse` message; the first 64 KiB of a longer one are reversed. */
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
 *
 * @example Reversing a line
 * ```ts
 * import { connect, decode } from 'socketkit';
 * import { reverse, runTcp } from 'socketkit/services';
 * await using running = await runTcp(reverse);
 * await using sock = await connect('127.0.0.1', running.address.port);
 * await sock.writeLine('Hello, world!');
 * console.log(JSON.stringify(decode(await sock.recv()))); // "!dlrow ,olleH\r\n"
 * ```
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
  udp: (request) => reverseKeepingLineEnd(Buffer.from(request)),
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

/** A datagram reversed as bytes, its line end (LF or CRLF) kept at the end, as over TCP. */
function reverseKeepingLineEnd(data: Buffer): Buffer {
  const end =
    data.length >= 2 && data[data.length - 2] === 0x0d && data[data.length - 1] === 0x0a
      ? 2
      : data.length >= 1 && data[data.length - 1] === 0x0a
        ? 1
        : 0;
  const body = data.subarray(0, data.length - end);
  return Buffer.concat([Buffer.from(body).reverse(), data.subarray(body.length)]);
}

/** Every classic service, in port order, then `reverse` (which has no port of its own). */
export const SERVICES: readonly Service[] = [echo, discard, daytime, qotd, chargen, reverse];

/**
 * A context with the real clock and quotes picked at random from `quotes` (the
 * {@link PROVERBS} by default).
 *
 * @throws {RangeError} a quote is longer than {@link MAX_QUOTE_LENGTH}.
 *
 * @example The clock and a quote
 * ```ts
 * import { defaultContext } from 'socketkit/services';
 * const context = defaultContext(['Still waters run deep.']);
 * console.log(context.quote(), context.now() instanceof Date); // Still waters run deep. true
 * ```
 */
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
