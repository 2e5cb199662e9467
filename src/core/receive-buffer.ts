/**
 * The receive side of a byte stream, with no stream in it (CPython's `asyncio.StreamReader`
 * shape): the transport feeds bytes, the end and errors in; callers pull bytes out.
 *
 *     transport ──feed / feedShared──▶ chunks (#buffered bytes) ──take──▶ recv · recvInto · recvExactly · recvUntil · readLine
 *         ▲                                 │
 *         └── pause() at `limit` with no ───┘ reader waiting; resume() once a reader asks or takes
 *
 * - **One reader at a time.** A second read while one waits rejects with
 *   `ConcurrentReadError` and touches nothing: not the buffer, not the waiting read.
 * - **Interrupted reads take nothing.** A read that times out or is aborted leaves every byte
 *   in the buffer for the next read.
 * - **End and errors are recorded, not thrown at once**: buffered bytes are handed out first,
 *   then readers see the end (empty result, `null`, `IncompleteReadError`) or the error.
 * - **Memory follows the bytes, not the cuts.** Small pieces are gathered into shared blocks,
 *   so 64 KiB arriving one byte at a time costs about 64 KiB, not 64 K buffer objects; above
 *   `limit` unread bytes the transport is told to pause (TCP flow control then slows the peer).
 * - A read that can be answered at once arms no timer and allocates no waiter; the common
 *   wait (no timeout, no signal) reuses one reader object.
 *
 * @module
 */

import { ByteQueue } from './_byte-queue.js';
import { copyForReader } from './_copy.js';
import { validateTimeout } from './address.js';
import { asBuffer, type Bytes, describeType, EMPTY } from './bytes.js';
import {
  ConcurrentReadError,
  type ErrorContext,
  IncompleteReadError,
  LimitOverrunError,
  SocketClosedError,
} from './errors.js';
import { badWaitOptions, timeoutFor, Waiter, type WaitOptions } from './waiter.js';

/** The option key a read passes its {@link ReceiveBuffer.hold} token under. */
export const READ_HOLD: unique symbol = Symbol('socketkit.readHold');

function heldBy(options: WaitOptions | undefined): object | undefined {
  return (options as { [READ_HOLD]?: object } | undefined)?.[READ_HOLD];
}

/**
 * 64 KiB, asyncio's default stream limit: the most unread bytes a socket holds before it stops
 * reading from the kernel (TCP flow control then slows the peer), and the default `maxLength`
 * of `recvUntil()` and `readLine()`. Change it per socket with the `bufferLimit` option.
 */
export const DEFAULT_BUFFER_LIMIT = 64 * 1024;

/** How many bytes `recv()` returns at most when not told. */
export const DEFAULT_RECV_SIZE = 64 * 1024;

/**
 * Options for {@link socketkit!StreamSocket.recvUntil | recvUntil()} and
 * {@link socketkit!StreamSocket.readLine | readLine()}: the wait, and how long a result may be.
 */
export interface RecvUntilOptions extends WaitOptions {
  /**
   * The longest result in bytes, separator (for `readLine()`, the line end) included; past it
   * the read rejects with `LimitOverrunError`. Default: the socket's buffer limit (64 KiB).
   */
  maxLength?: number;
}

/** How a {@link ReceiveBuffer} talks to the transport that feeds it. */
export interface ReceiveBufferOptions {
  /** Above this many unread bytes with no reader waiting, `pause()` is called. Default 64 KiB. */
  limit?: number;
  /** Stop reading from the kernel. */
  pause?: () => void;
  /** Start reading again. */
  resume?: () => void;
  /** Where the bytes come from, for messages: `' on 127.0.0.1 port 80'`, or `''`. */
  target?: () => string;
  /** Host and port for the errors' fields. */
  context?: () => ErrorContext;
}

/** The one read that is waiting: how to try it again, and how to settle it. */
interface Reader {
  attempt: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

const NEWLINE = Buffer.from('\n');
const NO_TARGET = () => '';
const NO_CONTEXT = (): ErrorContext => ({});
const NOTHING = () => {};

/**
 * A pull-style receive buffer. `StreamSocket` is a thin transport over one; tests drive it
 * with split-up input and no socket at all.
 *
 * @example Feeding bytes in pieces and reading a line
 * ```ts
 * import { ReceiveBuffer } from './receive-buffer.js';
 * const buffer = new ReceiveBuffer();
 * const line = buffer.readLine();
 * buffer.feed(Buffer.from('HELO exa'));
 * buffer.feed(Buffer.from('mple.org\r\nQUIT\r\n'));
 * console.log(await line); // HELO example.org
 * ```
 */
export class ReceiveBuffer {
  readonly #limit: number;
  readonly #pause: () => void;
  readonly #resumeTransport: () => void;
  readonly #target: () => string;
  readonly #context: () => ErrorContext;

  /** The bytes that arrived and wait to be read. */
  readonly #bytes = new ByteQueue();

  #reader: Reader | null = null;
  /** A read made of several reads (a decoder's pull loop) that holds the buffer between them. */
  #holder: object | null = null;
  #holderName = '';
  /** Reused for every plain wait (no timeout, no signal), so parking a read allocates no object. */
  readonly #plainReader: Reader = { attempt: () => undefined, resolve: NOTHING, reject: NOTHING };
  #eof = false;
  #error: Error | null = null;
  #closed = false;
  #readShut = false;
  #paused = false;
  #timeout: number | null = null;

  // What the waiting recv()/recvInto() asked for, so they need no closure per call.
  #recvSize = DEFAULT_RECV_SIZE;
  #recvTarget: Buffer = EMPTY;

  constructor(options: ReceiveBufferOptions = {}) {
    const limit = options.limit ?? DEFAULT_BUFFER_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`Invalid bufferLimit ${String(limit)}: it must be a positive integer`);
    }
    this.#limit = limit;
    this.#pause = options.pause ?? NOTHING;
    this.#resumeTransport = options.resume ?? NOTHING;
    this.#target = options.target ?? NO_TARGET;
    this.#context = options.context ?? NO_CONTEXT;
  }

  // ── feeding ───────────────────────────────────────────────────────────

  /** Bytes the transport received; the buffer may keep `chunk` itself. */
  feed(chunk: Buffer): void {
    if (this.#readShut || this.#closed || chunk.length === 0) return;
    const reader = this.#reader;
    // Ping-pong's path: a recv() waits on an empty buffer and the chunk fits; hand it over.
    if (
      reader !== null &&
      this.#bytes.length === 0 &&
      reader.attempt === this.#attemptRecv &&
      chunk.length <= this.#recvSize
    ) {
      this.#reader = null;
      reader.resolve(chunk);
      return;
    }
    this.#bytes.add(chunk);
    this.#arrived();
  }

  /**
   * Bytes the transport received into a buffer it reuses at once (`source[0, length)`): they
   * are copied out now, straight into a waiting `recvInto()`'s buffer when there is one.
   */
  feedShared(source: Buffer, length: number): void {
    if (this.#readShut || this.#closed || length === 0) return;
    const reader = this.#reader;
    if (reader !== null && this.#bytes.length === 0) {
      if (reader.attempt === this.#attemptRecv && length <= this.#recvSize) {
        this.#reader = null;
        reader.resolve(copyForReader(source, length));
        return;
      }
      if (reader.attempt === this.#attemptRecvInto) {
        const target = this.#recvTarget;
        const copied = source.copy(target, 0, 0, Math.min(length, target.length));
        this.#reader = null;
        reader.resolve(copied);
        if (copied < length) {
          this.#bytes.keep(source.subarray(copied), length - copied);
          this.#arrived();
        }
        return;
      }
    }
    this.#bytes.keep(source, length);
    this.#arrived();
  }

  /** The peer ended its side (FIN): readers get what is buffered, then the end. */
  feedEof(): void {
    this.#eof = true;
    this.#notify();
  }

  /** The transport failed: readers get what is buffered, then `error`. The first error stays. */
  feedError(error: Error): void {
    this.#error ??= error;
    this.#notify();
  }

  // ── reading ───────────────────────────────────────────────────────────

  /**
   * Up to `size` bytes: whatever has arrived, waiting only if nothing has. Empty at the end of
   * the stream, as Python's `recv` is.
   */
  recv(size = DEFAULT_RECV_SIZE, options?: WaitOptions): Promise<Bytes> {
    if (!(size >= 1 && Number.isInteger(size))) return Promise.reject(badSize('recv', size));
    if (options !== undefined) {
      const bad = badWaitOptions(options, `recv(${size})`);
      if (bad !== null) return Promise.reject(bad);
    }
    // The hot path: bytes are waiting and nobody else is reading.
    if (
      this.#bytes.length > 0 &&
      this.#reader === null &&
      !this.#closed &&
      (this.#holder === null || heldBy(options) === this.#holder)
    ) {
      return Promise.resolve(this.#take(size));
    }
    const refused = this.#refuse('recv', size, options);
    if (refused !== null) return refused;
    this.#recvSize = size;
    return this.#wait('recv', size, options, this.#attemptRecv);
  }

  readonly #attemptRecv = (): Buffer | undefined => {
    if (this.#bytes.length > 0) return this.#take(this.#recvSize);
    return this.#ended() ? EMPTY : undefined;
  };

  /** Receives into `buffer` (Python's `recv_into`): how many bytes were written, 0 at the end. */
  recvInto(buffer: Uint8Array, options?: WaitOptions): Promise<number> {
    let target: Buffer;
    try {
      target = asBuffer(buffer, 'recvInto()');
    } catch (error) {
      return Promise.reject(error);
    }
    if (target.length === 0)
      return Promise.reject(new RangeError('recvInto() needs a buffer of at least 1 byte'));
    const refused = this.#refuse('recvInto', `${target.length} bytes`, options);
    if (refused !== null) return refused;
    this.#recvTarget = target;
    return this.#wait('recvInto', `${target.length} bytes`, options, this.#attemptRecvInto);
  }

  readonly #attemptRecvInto = (): number | undefined => {
    const target = this.#recvTarget;
    if (this.#bytes.length === 0) return this.#ended() ? 0 : undefined;
    let filled = 0;
    while (filled < target.length && this.#bytes.length > 0) {
      const part = this.#take(target.length - filled);
      part.copy(target, filled);
      filled += part.length;
    }
    return filled;
  };

  /**
   * Exactly `size` bytes (asyncio's `readexactly`).
   *
   * @throws {IncompleteReadError} the stream ended first; `partial` holds what arrived.
   */
  recvExactly(size: number, options?: WaitOptions): Promise<Bytes> {
    if (!(size >= 0 && Number.isInteger(size)))
      return Promise.reject(badSize('recvExactly', size, 0));
    const refused = this.#refuse('recvExactly', size, options);
    if (refused !== null) return refused;
    return this.#wait('recvExactly', size, options, () => {
      if (this.#bytes.length >= size) return this.#takeExactly(size);
      if (!this.#ended()) return undefined;
      const partial = this.#takeExactly(this.#bytes.length);
      const call = `recvExactly(${size})`;
      throw new IncompleteReadError(
        `${call} got ${partial.length} bytes before the stream ended${this.#target()}`,
        partial,
        size,
        this.#where(call),
      );
    });
  }

  /**
   * Bytes up to and including `separator` (asyncio's `readuntil`).
   *
   * @throws {LimitOverrunError} no separator within `maxLength` bytes; the bytes stay buffered.
   * @throws {IncompleteReadError} the stream ended first; `partial` holds what arrived.
   */
  recvUntil(separator: Bytes | string, options: RecvUntilOptions = {}): Promise<Bytes> {
    let sep: Buffer;
    let maxLength: number;
    try {
      sep =
        typeof separator === 'string' ? Buffer.from(separator) : asBuffer(separator, 'recvUntil()');
      if (sep.length === 0) throw new RangeError('recvUntil() needs a non-empty separator');
      maxLength = this.#maxLength(options.maxLength, 'recvUntil');
    } catch (error) {
      return Promise.reject(error);
    }
    const shown = JSON.stringify(sep.toString('latin1'));
    const refused = this.#refuse('recvUntil', shown, options);
    if (refused !== null) return refused;
    const call = `recvUntil(${shown})`;
    let scanned = 0;
    return this.#wait('recvUntil', shown, options, () => {
      const at = this.#bytes.indexOf(sep, scanned);
      if (at >= 0) {
        const end = at + sep.length;
        if (end > maxLength) throw this.#overrun(call, maxLength, end);
        return this.#takeExactly(end);
      }
      if (this.#bytes.length >= maxLength) throw this.#overrun(call, maxLength, this.#bytes.length);
      scanned = Math.max(0, this.#bytes.length - sep.length + 1);
      if (!this.#ended()) return undefined;
      const partial = this.#takeExactly(this.#bytes.length);
      throw new IncompleteReadError(
        `${call} reached the end of the stream after ${partial.length} bytes without the separator${this.#target()}`,
        partial,
        undefined,
        this.#where(call),
      );
    });
  }

  /**
   * One line of UTF-8 text without its line end (LF or CRLF). At the end of the stream a last
   * unterminated line is returned as it is; after that, `null`.
   *
   * @throws {LimitOverrunError} a line is longer than `maxLength` bytes; the bytes stay buffered.
   */
  readLine(options: RecvUntilOptions = {}): Promise<string | null> {
    let maxLength: number;
    try {
      maxLength = this.#maxLength(options.maxLength, 'readLine');
    } catch (error) {
      return Promise.reject(error);
    }
    const refused = this.#refuse('readLine', '', options);
    if (refused !== null) return refused;
    let scanned = 0;
    return this.#wait('readLine', '', options, () => {
      const at = this.#bytes.indexOf(NEWLINE, scanned);
      if (at >= 0) {
        if (at + 1 > maxLength) throw this.#overrun('readLine()', maxLength, at + 1);
        const line = this.#takeExactly(at + 1);
        const cut = line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1;
        return line.toString('utf8', 0, line.length - cut);
      }
      if (this.#bytes.length >= maxLength)
        throw this.#overrun('readLine()', maxLength, this.#bytes.length);
      scanned = this.#bytes.length;
      if (!this.#ended()) return undefined;
      return this.#bytes.length > 0 ? this.#takeExactly(this.#bytes.length).toString('utf8') : null;
    });
  }

  /**
   * Puts bytes back at the front, for a decoder that read past the end of its message: the
   * next read returns them first.
   */
  unshift(bytes: Bytes): void {
    const buf = asBuffer(bytes, 'unshift()');
    if (buf.length === 0 || this.#closed || this.#readShut) return;
    this.#bytes.unshift(buf);
    this.#notify();
  }

  // ── state ─────────────────────────────────────────────────────────────

  /** How many received bytes wait to be read. */
  get buffered(): number {
    return this.#bytes.length;
  }

  /** True once the stream has ended and every byte in it has been read. */
  get atEof(): boolean {
    return this.#ended() && this.#bytes.length === 0;
  }

  /** Whether a read is waiting. */
  get reading(): boolean {
    return this.#reader !== null;
  }

  /** The default wait of each read, in ms, or `null` for none (a socket's `setTimeout`). */
  get timeout(): number | null {
    return this.#timeout;
  }

  set timeout(ms: number | null) {
    this.#timeout = validateTimeout(ms);
  }

  /** No more reading (`shutdown('read')`): what is buffered is dropped and reads see the end. */
  shutdownRead(): void {
    if (this.#readShut) return;
    this.#readShut = true;
    this.#bytes.clear();
    this.#resume();
    this.#notify();
  }

  /** Closed by this side: a waiting read rejects with `reason`, later reads with `SocketClosedError`. */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#bytes.clear();
    const reader = this.#reader;
    this.#reader = null;
    reader?.reject(reason);
  }

  /**
   * Holds the buffer for a read made of several reads (a decoder pulling frame after frame):
   * until `letGo(token)`, only reads that pass the token (`{ [READ_HOLD]: token }` in their
   * options) may run, and any other is refused with `ConcurrentReadError`, touching nothing.
   *
   * @param name The composite read, for the refusal's message: `readMessage()`.
   * @throws {ConcurrentReadError} a read is waiting, or another hold is on.
   */
  hold(name: string): object {
    if (this.#holder !== null || this.#reader !== null) {
      const busy = this.#holder !== null ? this.#holderName : 'another read';
      throw new ConcurrentReadError(
        `${name} was called while ${busy} is reading${this.#target()}; await each read before starting the next`,
        this.#where(name),
      );
    }
    const token = {};
    this.#holder = token;
    this.#holderName = name;
    return token;
  }

  /** Ends a {@link hold}. */
  letGo(token: object): void {
    if (this.#holder === token) this.#holder = null;
  }

  // ── internals ─────────────────────────────────────────────────────────

  #ended(): boolean {
    return this.#eof || this.#readShut;
  }

  /** A read that cannot start: another read waits, or the buffer is closed. Checked before anything changes. */
  #refuse(name: string, arg: number | string, options?: WaitOptions): Promise<never> | null {
    const bad = badWaitOptions(options, `${name}(${arg})`);
    if (bad !== null) return Promise.reject(bad);
    if (this.#holder !== null && heldBy(options) !== this.#holder) {
      const call = `${name}(${arg})`;
      return Promise.reject(
        new ConcurrentReadError(
          `${call} was called while ${this.#holderName} is reading${this.#target()}; await it before starting another read`,
          this.#where(call),
        ),
      );
    }
    if (this.#reader !== null) {
      const call = `${name}(${arg})`;
      return Promise.reject(
        new ConcurrentReadError(
          `${call} was called while another read is waiting${this.#target()}; await each read before starting the next`,
          this.#where(call),
        ),
      );
    }
    if (this.#closed) {
      const call = `${name}(${arg})`;
      return Promise.reject(
        new SocketClosedError(`${call} on a closed socket${this.#target()}`, this.#where(call)),
      );
    }
    return null;
  }

  /** Answers a read now if it can, otherwise parks it as the one waiting reader. */
  #wait<T>(
    name: string,
    arg: number | string,
    options: WaitOptions | undefined,
    attempt: () => T | undefined,
  ): Promise<T> {
    let value: T | undefined;
    try {
      value = attempt();
    } catch (error) {
      return Promise.reject(error);
    }
    if (value !== undefined) return Promise.resolve(value);
    if (this.#error !== null) return Promise.reject(this.#error);

    let timeout: number | null;
    try {
      timeout = timeoutFor(options, this.#timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    if (timeout === null && options?.signal === undefined) {
      // The common case: wait with nothing but a promise, through the reused reader.
      this.#plainReader.attempt = attempt;
      const promise = new Promise<T>(this.#parkPlainReader);
      this.#resume();
      return promise;
    }
    const waiter = new Waiter<T>(timeout, options?.signal, {
      call: `${name}(${arg})`,
      target: this.#target(),
      detach: () => {
        this.#reader = null;
      },
      detail: () => `${this.#bytes.length} bytes are buffered and kept for the next read`,
      ...this.#context(),
    });
    if (!waiter.settled) {
      this.#reader = {
        attempt,
        resolve: (result) => waiter.resolve(result as T),
        reject: (reason) => waiter.reject(reason),
      };
      this.#resume();
    }
    return waiter.promise;
  }

  readonly #parkPlainReader = (
    resolve: (value: never) => void,
    reject: (reason: unknown) => void,
  ): void => {
    const reader = this.#plainReader;
    reader.resolve = resolve as (value: unknown) => void;
    reader.reject = reject;
    this.#reader = reader;
  };

  /** Something changed (bytes, the end, an error): let the waiting reader try again. */
  #notify(): void {
    const reader = this.#reader;
    if (reader === null) return;
    let value: unknown;
    try {
      value = reader.attempt();
    } catch (error) {
      this.#reader = null;
      reader.reject(error);
      return;
    }
    if (value !== undefined) {
      this.#reader = null;
      reader.resolve(value);
    } else if (this.#error !== null) {
      this.#reader = null;
      reader.reject(this.#error);
    }
  }

  /** New bytes are buffered: wake the reader, or pause the transport at the limit. */
  #arrived(): void {
    if (this.#reader !== null) this.#notify();
    if (this.#reader === null && this.#bytes.length >= this.#limit && !this.#paused) {
      this.#paused = true;
      this.#pause();
    }
  }

  #resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#resumeTransport();
    }
  }

  /** Takes up to `size` bytes from the front, resuming the transport below the limit. */
  #take(size: number): Buffer {
    const out = this.#bytes.take(size);
    if (this.#paused && this.#bytes.length < this.#limit) this.#resume();
    return out;
  }

  /** Takes exactly `size` bytes (`size` ≤ buffered), resuming the transport below the limit. */
  #takeExactly(size: number): Buffer {
    const out = this.#bytes.takeExactly(size);
    if (this.#paused && this.#bytes.length < this.#limit) this.#resume();
    return out;
  }

  #maxLength(value: number | undefined, call: string): number {
    if (value === undefined) return this.#limit;
    if (!(Number.isSafeInteger(value) && value >= 1)) {
      throw new RangeError(
        `Invalid maxLength ${String(value)} for ${call}(): it must be a positive integer`,
      );
    }
    return value;
  }

  #overrun(call: string, maxLength: number, consumed: number): LimitOverrunError {
    return new LimitOverrunError(
      `${call} found no separator within maxLength ${maxLength} bytes${this.#target()}; the ${this.#bytes.length} bytes stay buffered`,
      consumed,
      this.#where(call),
    );
  }

  #where(call: string): ErrorContext {
    return { ...this.#context(), syscall: call };
  }
}

function badSize(call: string, size: unknown, min = 1): Error {
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    return new TypeError(`${call}() needs an integer byte count, got ${describeType(size)}`);
  }
  return new RangeError(`Invalid byte count ${size} for ${call}(): it must be at least ${min}`);
}
