/**
 * A connected TCP (or TLS) socket you pull bytes from, as in Python: the
 * `recv` family waits for data, `sendAll` waits for the kernel.
 *
 * The read path, modelled on CPython's `asyncio/streams.py`:
 *
 *     kernel ──'data'──▶ chunks[] (#buffered bytes) ──take──▶ recv / recvExactly / recvUntil / readLine
 *                          │                                        ▲
 *                          └── above #limit with no reader waiting: │ pause the kernel reads;
 *                              resume once a reader takes bytes ────┘ (so a peer cannot make us buffer without bound)
 *
 * - One reader at a time (`#reader`); a second concurrent read rejects with
 *   `ConcurrentReadError` instead of interleaving bytes.
 * - A read that can be answered from the buffer never arms a timer or
 *   allocates a waiter; a read that waits gets one `Waiter` with the
 *   socket's timeout and the call's `AbortSignal`.
 * - A read that times out or is aborted takes nothing: every byte stays in
 *   `chunks` for the next read.
 * - EOF (`'end'`) and errors are recorded, not thrown at once: buffered bytes
 *   are handed out first, then the read sees the EOF or the error.
 *
 * @module
 */

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import {
  type AddressFamily,
  formatAddressTuple,
  type SocketAddress,
  toSocketAddress,
  validateTimeout,
} from '../core/address.js';
import { asBuffer, type Bytes, describeType, EMPTY, encode } from '../core/bytes.js';
import {
  BrokenPipeError,
  ConcurrentReadError,
  fromNodeError,
  IncompleteReadError,
  LimitOverrunError,
  SocketClosedError,
} from '../core/errors.js';
import { Waiter, type WaitOptions } from '../core/waiter.js';
import { copyExact, copyForReader, directReadOf } from './_direct-read.js';

/** asyncio's default stream limit: the most bytes held for a reader that is not asking for them. */
export const DEFAULT_BUFFER_LIMIT = 64 * 1024;

/** How long `close()` lets queued bytes drain before dropping them. */
const LINGER_MS = 5000;

/** How many bytes `recv()` returns at most when not told. */
const DEFAULT_RECV_SIZE = 64 * 1024;

/** Which half of a connection to shut down. */
export type ShutdownHow = 'read' | 'write' | 'both';

/** Options for {@link StreamSocket.recvUntil} and {@link StreamSocket.readLine}. */
export interface RecvUntilOptions extends WaitOptions {
  /** The longest result, separator included, before `LimitOverrunError`. Default: the buffer limit (64 KiB). */
  maxLength?: number;
}

/** How long each phase of opening the connection took, in milliseconds from the start of `connect()`. */
export interface ConnectTimings {
  /** Name lookup finished. */
  lookup: number;
  /** TCP connection established. */
  connect: number;
  /** TLS handshake finished (TLS only). */
  tls?: number;
}

/** Options when wrapping a Node socket. */
export interface StreamSocketOptions {
  /** Stop reading from the kernel above this many unread bytes. Default 64 KiB. */
  bufferLimit?: number;
  /** The plain TCP socket under a TLS socket, for its file descriptor. */
  rawSocket?: Socket;
  /** Phase timings recorded by `connect()`. */
  timings?: ConnectTimings;
}

/** The one read that is waiting: how to try it, and how to settle it. */
interface Reader {
  attempt: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** A `sendAll` waiting for write number `seq` to reach the kernel. */
interface PendingWrite {
  seq: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/**
 * What `sendAll` returns when the kernel took every byte at once. Internal to socketkit: the
 * HTTP server compares against it to go on without a trip through the microtask queue.
 */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A connected stream socket.
 *
 * Get one from `connect()` or `ServerSocket.accept()`. The wrapped Node
 * socket must have been created with `allowHalfOpen: true` for
 * `shutdown('write')` to half-close.
 *
 * @example Ask a daytime server for the time
 * ```ts
 * import { connect, decode } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 13);
 * console.log(decode(await sock.recv(1024)));
 * ```
 */
export class StreamSocket {
  /** Python's `socket.type`: always `SOCK_STREAM` here. */
  readonly type = 'SOCK_STREAM' as const;
  /** The IP protocol number: 6 (TCP). */
  readonly proto = 6;
  /** When each phase of `connect()` finished, or `undefined` for accepted sockets. */
  readonly timings: ConnectTimings | undefined;

  readonly #sock: Socket;
  readonly #raw: Socket;
  readonly #limit: number;
  readonly #local: SocketAddress | null;
  readonly #remote: SocketAddress | null;
  readonly #family: AddressFamily;
  readonly #closedPromise: Promise<void>;

  // Read side: buffered chunks from #head on, #buffered bytes in total.
  #chunks: Buffer[] = [];
  #head = 0;
  #buffered = 0;
  #reader: Reader | null = null;
  /** Reused for every plain wait (no timeout, no signal), so parking a read allocates no object. */
  readonly #plainReader: Reader = { attempt: () => undefined, resolve: () => {}, reject: () => {} };
  #eof = false;
  #error: Error | null = null;
  #paused = false;
  #readShut = false;

  // Write side: writes are numbered as they are handed to Node and counted as Node reports them
  // done (in order); only a sendAll that must wait is queued, with the number it waits for.
  #writesStarted = 0;
  #writesDone = 0;
  #waitingWrites: PendingWrite[] = [];
  #writeShut = false;
  #closed = false;
  #timeout: number | null = null;
  /** The size asked of the waiting `recv()`, so `recv` needs no closure per call. */
  #recvSize = DEFAULT_RECV_SIZE;

  constructor(socket: Socket, options: StreamSocketOptions = {}) {
    this.#sock = socket;
    this.#raw = options.rawSocket ?? socket;
    this.#limit = options.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
    this.timings = options.timings;
    this.#local = toSocketAddress(socket.localAddress, socket.localPort, socket.localFamily);
    this.#remote = toSocketAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
    this.#family = this.#remote?.family ?? this.#local?.family ?? 'AF_INET';
    this.#closedPromise = new Promise((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });

    // Sockets socketkit created read through `onread` (see _direct-read.ts); any other socket, TLS
    // included, through 'data' events. Both feed #onData.
    const direct = directReadOf(socket);
    if (direct) direct.attach((shared, length) => this.#onDirectRead(shared, length));
    else socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => {
      this.#eof = true;
      this.#notify();
    });
    socket.on('error', (error: Error) => {
      this.#error ??= fromNodeError(error, { host: this.#remote?.host, port: this.#remote?.port });
      this.#notify();
    });
    socket.on('close', () => {
      // Closed without 'end' (destroyed underneath us): EOF, unless an error already says why.
      if (this.#error === null) this.#eof = true;
      this.#notify();
      // Node reports a write cut off by destruction as done; it was not.
      this.#failWaitingWrites('The connection closed before the kernel took these bytes');
    });
  }

  // ── reading ───────────────────────────────────────────────────────────

  /**
   * Receives up to `size` bytes: whatever has arrived, waiting only if
   * nothing has. Returns an empty array at end of stream, as Python does.
   *
   * @param size The most bytes to return, at least 1. Default 65536.
   */
  recv(size = DEFAULT_RECV_SIZE, options?: WaitOptions): Promise<Bytes> {
    if (!(size >= 1 && Number.isInteger(size))) return Promise.reject(badSize('recv', size));
    // The hot path: bytes are waiting and nobody else is reading.
    if (this.#buffered > 0 && this.#reader === null && !this.#closed) {
      return Promise.resolve(this.#take(size));
    }
    this.#recvSize = size;
    return this.#read('recv', size, options, this.#attemptRecv);
  }

  readonly #attemptRecv = (): Buffer | undefined => {
    if (this.#buffered > 0) return this.#take(this.#recvSize);
    return this.#eof || this.#readShut ? EMPTY : undefined;
  };

  /**
   * Receives into `buffer` instead of a new one (Python's `recv_into`):
   * resolves with how many bytes were written, 0 at end of stream. For bulk
   * transfers this allocates nothing per read, so memory stays flat however
   * much flows.
   */
  recvInto(buffer: Uint8Array, options?: WaitOptions): Promise<number> {
    let target: Buffer;
    try {
      target = asBuffer(buffer, 'recvInto()');
    } catch (error) {
      return Promise.reject(error);
    }
    if (target.length === 0)
      return Promise.reject(new RangeError('recvInto() needs a buffer of at least 1 byte'));
    this.#recvTarget = target;
    return this.#read('recvInto', `${target.length} bytes`, options, this.#attemptRecvInto);
  }

  #recvTarget: Buffer = EMPTY;

  readonly #attemptRecvInto = (): number | undefined => {
    const target = this.#recvTarget;
    if (this.#buffered > 0) {
      let filled = 0;
      while (filled < target.length && this.#buffered > 0) {
        const part = this.#take(target.length - filled);
        part.copy(target, filled);
        filled += part.length;
      }
      return filled;
    }
    return this.#eof || this.#readShut ? 0 : undefined;
  };

  /**
   * Receives exactly `size` bytes (asyncio's `readexactly`).
   *
   * @throws {IncompleteReadError} when the stream ends first; `partial` holds what arrived.
   */
  recvExactly(size: number, options?: WaitOptions): Promise<Bytes> {
    if (!(size >= 0 && Number.isInteger(size)))
      return Promise.reject(badSize('recvExactly', size, 0));
    const call = `recvExactly(${size})`;
    return this.#read('recvExactly', size, options, () => {
      if (this.#buffered >= size) return this.#takeExactly(size);
      if (this.#eof || this.#readShut) {
        const partial = this.#takeExactly(this.#buffered);
        throw new IncompleteReadError(
          `${call} got ${partial.length} bytes before the stream ended${this.#target()}`,
          partial,
          size,
          this.#context(call),
        );
      }
      return undefined;
    });
  }

  /**
   * Receives bytes up to and including `separator` (asyncio's `readuntil`).
   *
   * @throws {LimitOverrunError} when no separator shows up within `maxLength` bytes; the bytes stay buffered.
   * @throws {IncompleteReadError} when the stream ends first; `partial` holds what arrived.
   */
  async recvUntil(separator: Bytes | string, options: RecvUntilOptions = {}): Promise<Bytes> {
    const sep =
      typeof separator === 'string' ? Buffer.from(separator) : asBuffer(separator, 'recvUntil()');
    if (sep.length === 0) throw new RangeError('recvUntil() needs a non-empty separator');
    const maxLength = this.#maxLength(options.maxLength, 'recvUntil');
    const call = `recvUntil(${JSON.stringify(sep.toString('latin1'))})`;
    let scanned = 0;
    return this.#read('recvUntil', JSON.stringify(sep.toString('latin1')), options, () => {
      const at = this.#indexOf(sep, scanned);
      if (at >= 0) {
        const end = at + sep.length;
        if (end > maxLength) throw this.#overrun(call, maxLength, end);
        return this.#takeExactly(end);
      }
      if (this.#buffered >= maxLength) throw this.#overrun(call, maxLength, this.#buffered);
      scanned = Math.max(0, this.#buffered - sep.length + 1);
      if (this.#eof || this.#readShut) {
        const partial = this.#takeExactly(this.#buffered);
        throw new IncompleteReadError(
          `${call} reached the end of the stream after ${partial.length} bytes without the separator${this.#target()}`,
          partial,
          undefined,
          this.#context(call),
        );
      }
      return undefined;
    });
  }

  /**
   * Reads one line of UTF-8 text (Python's `makefile('r').readline()`), without its
   * line end (LF or CRLF). At end of stream a last unterminated line is
   * returned as is; after that, `null`.
   *
   * @throws {LimitOverrunError} when a line is longer than `maxLength` bytes.
   */
  async readLine(options: RecvUntilOptions = {}): Promise<string | null> {
    const maxLength = this.#maxLength(options.maxLength, 'readLine');
    let scanned = 0;
    return this.#read('readLine', '', options, () => {
      const at = this.#indexOf(NEWLINE, scanned);
      if (at >= 0) {
        if (at + 1 > maxLength) throw this.#overrun('readLine()', maxLength, at + 1);
        const line = this.#takeExactly(at + 1);
        const cut = line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1;
        return line.toString('utf8', 0, line.length - cut);
      }
      if (this.#buffered >= maxLength) throw this.#overrun('readLine()', maxLength, this.#buffered);
      scanned = this.#buffered;
      if (this.#eof || this.#readShut) {
        return this.#buffered > 0 ? this.#takeExactly(this.#buffered).toString('utf8') : null;
      }
      return undefined;
    });
  }

  /**
   * Iterates over the lines of the stream until it ends.
   *
   * @example
   * ```ts
   * for await (const line of sock.lines()) console.log(line);
   * ```
   */
  async *lines(options: RecvUntilOptions = {}): AsyncGenerator<string, void, undefined> {
    for (;;) {
      const line = await this.readLine(options);
      if (line === null) return;
      yield line;
    }
  }

  /**
   * Puts bytes back at the front of the receive buffer, for a decoder that
   * read past the end of its message. The next read returns them first.
   */
  unshift(bytes: Bytes): void {
    const buf = asBuffer(bytes, 'unshift()');
    if (buf.length === 0) return;
    if (this.#head > 0) this.#chunks[--this.#head] = buf;
    else this.#chunks.unshift(buf);
    this.#buffered += buf.length;
  }

  /** How many received bytes are waiting to be read. */
  get bufferedAmount(): number {
    return this.#buffered;
  }

  /** True once the peer has ended its side and every byte it sent has been read. */
  get atEof(): boolean {
    return (this.#eof || this.#readShut) && this.#buffered === 0;
  }

  // ── writing ───────────────────────────────────────────────────────────

  /**
   * Queues bytes for sending and returns how many were queued (all of them).
   * Use {@link sendAll} to wait until the kernel has them.
   */
  send(data: Bytes): number {
    const buf = asBuffer(data, 'send()');
    const problem = this.#writeProblem('send()');
    if (problem) throw problem;
    this.#sock.write(buf);
    return buf.length;
  }

  /**
   * Sends all of `data` and resolves once the kernel has accepted it, so a
   * loop of `sendAll` calls never queues more than one message in memory.
   */
  sendAll(data: Bytes, options?: WaitOptions): Promise<void> {
    let buf: Buffer;
    try {
      buf = asBuffer(data, 'sendAll()');
    } catch (error) {
      return Promise.reject(error);
    }
    const problem = this.#writeProblem('sendAll()');
    if (problem) return Promise.reject(problem);
    const timeout = options?.timeout === undefined ? this.#timeout : options.timeout;
    if (timeout === null && options?.signal === undefined) {
      const seq = ++this.#writesStarted;
      this.#sock.write(buf, this.#onWritten);
      // libuv writes at once when it can: nothing left in Node's queue means the kernel has it all.
      if (this.#sock.writableLength === 0 && !this.#sock.errored) return RESOLVED;
      // Node never calls #onWritten synchronously, so write `seq` cannot have completed yet.
      return new Promise((resolve, reject) => {
        this.#waitingWrites.push({ seq, resolve, reject });
      });
    }
    const waiter = new Waiter<void>(validateTimeout(timeout), options?.signal, {
      call: `sendAll(${buf.length} bytes)`,
      target: this.#target(),
      detach: () => {},
      detail: () => `${this.#sock.writableLength} bytes still queued`,
      host: this.#remote?.host,
      port: this.#remote?.port,
    });
    const seq = ++this.#writesStarted;
    if (!waiter.settled) {
      this.#waitingWrites.push({
        seq,
        resolve: () => waiter.resolve(),
        reject: (reason) => waiter.reject(reason),
      });
    }
    this.#sock.write(buf, this.#onWritten);
    return waiter.promise;
  }

  #failWaitingWrites(why: string): void {
    const waiting = this.#waitingWrites;
    if (waiting.length === 0) return;
    this.#waitingWrites = [];
    const error = new SocketClosedError(`${why}${this.#target()}`, this.#context('sendAll'));
    for (const pending of waiting) pending.reject(error);
  }

  /** Node calls this once per write, in order: settle the matching `sendAll`. */
  readonly #onWritten = (error?: Error | null): void => {
    const done = ++this.#writesDone;
    const pending = this.#waitingWrites[0];
    if (pending === undefined || pending.seq !== done) return;
    this.#waitingWrites.shift();
    if (error) pending.reject(this.#writeError(error));
    else pending.resolve();
  };

  /** Sends `text` and a line end (CRLF unless told otherwise), as UTF-8. */
  writeLine(text: string, options: WaitOptions & { newline?: string } = {}): Promise<void> {
    if (typeof text !== 'string') {
      return Promise.reject(new TypeError(`writeLine() needs a string, got ${describeType(text)}`));
    }
    return this.sendAll(encode(text + (options.newline ?? '\r\n')), options);
  }

  // ── shutting down and closing ─────────────────────────────────────────

  /**
   * Shuts down one or both halves of the connection (Python's `shutdown`).
   * `'write'` sends FIN once queued data is out: the peer reads EOF and can
   * still answer, and this side can still read the answer.
   * `'read'` makes every later read return EOF and discards what arrives.
   */
  async shutdown(how: ShutdownHow = 'both'): Promise<void> {
    if (how !== 'read' && how !== 'write' && how !== 'both') {
      throw new TypeError(
        `Invalid shutdown mode ${describeType(how)}: use 'read', 'write' or 'both'`,
      );
    }
    if (this.#closed) throw new SocketClosedError(`shutdown() on a closed socket${this.#target()}`);
    if (how !== 'write' && !this.#readShut) {
      this.#readShut = true;
      this.#chunks = [];
      this.#head = 0;
      this.#buffered = 0;
      this.#resume();
      this.#notify();
    }
    if (how !== 'read' && !this.#writeShut) {
      this.#writeShut = true;
      if (this.#sock.destroyed || this.#sock.writableFinished) return;
      await new Promise<void>((resolve) => {
        this.#sock.end(() => resolve());
      });
    }
  }

  /**
   * Closes the socket. A read that is waiting rejects with
   * `SocketClosedError`. Bytes still queued for sending drain in the
   * background for up to 5 s, as the kernel would after Python's `close()`.
   * The promise resolves once the descriptor is closed (or, while queued
   * bytes drain, at once) and never rejects, so it can be ignored.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const reader = this.#reader;
      this.#reader = null;
      reader?.reject(
        new SocketClosedError(`The socket was closed while a read was waiting${this.#target()}`),
      );
      if (this.#sock.writableLength === 0 || this.#sock.destroyed) {
        this.#sock.destroy();
      } else {
        // Bytes are still queued: let them drain in the background, as the kernel does after
        // Python's close(), but for at most LINGER_MS, and without making the caller wait.
        this.#sock.end();
        this.#sock.once('finish', () => this.#sock.destroy());
        setTimeout(() => this.#sock.destroy(), LINGER_MS).unref();
        return Promise.resolve();
      }
    }
    return this.#closedPromise;
  }

  /**
   * Closes at once, discarding whatever is still queued, for peers that
   * stopped reading (`close()` would let queued bytes linger). With nothing
   * in flight the connection is reset (RST), as Python's `close()` does
   * with `SO_LINGER` 0; with a write in flight the OS cannot reset it, and
   * it ends with FIN instead. Waiting reads and writes reject.
   */
  abort(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const reader = this.#reader;
      this.#reader = null;
      reader?.reject(
        new SocketClosedError(`The socket was aborted while a read was waiting${this.#target()}`),
      );
      this.#failWaitingWrites('The socket was aborted before the kernel took these bytes');
      if (this.#sock.destroyed) return this.#closedPromise;
      if (typeof this.#raw.resetAndDestroy === 'function' && this.#raw === this.#sock)
        this.#sock.resetAndDestroy();
      else this.#sock.destroy();
    }
    return this.#closedPromise;
  }

  /** `await using sock = await connect(…)` closes the socket at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ── options and identity ──────────────────────────────────────────────

  /**
   * Sets how long each blocking call may wait, in milliseconds (Python's
   * `settimeout`, in ms). `null` waits forever. A call that times out
   * rejects with `SocketTimeoutError` and leaves the socket usable.
   */
  setTimeout(ms: number | null): void {
    this.#timeout = validateTimeout(ms);
  }

  /** The timeout set by {@link setTimeout}, or `null`. */
  get timeout(): number | null {
    return this.#timeout;
  }

  /** Turns Nagle's algorithm off (`true`) or on: TCP_NODELAY. */
  setNoDelay(noDelay = true): void {
    this.#sock.setNoDelay(noDelay);
  }

  /** This end's address (Python's `getsockname()`). */
  get localAddress(): SocketAddress | null {
    return this.#local;
  }

  /** The peer's address (Python's `getpeername()`). */
  get remoteAddress(): SocketAddress | null {
    return this.#remote;
  }

  /** `AF_INET` or `AF_INET6`. */
  get family(): AddressFamily {
    return this.#family;
  }

  /** The OS file descriptor, or -1 once closed. */
  get fd(): number {
    const handle = (this.#raw as unknown as { _handle?: { fd?: number } })._handle;
    return this.#closed || !handle || typeof handle.fd !== 'number' ? -1 : handle.fd;
  }

  /** The TLS protocol in use (`TLSv1.3`), or `null` for plain TCP. */
  get tlsProtocol(): string | null {
    const tls = this.#sock as TLSSocket;
    return typeof tls.getProtocol === 'function' ? tls.getProtocol() : null;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Python's socket repr: `<StreamSocket fd=5, family=AF_INET, type=SOCK_STREAM, proto=6, laddr=(…), raddr=(…)>`. */
  toString(): string {
    const state = this.#closed ? ' [closed]' : '';
    const tls = this.tlsProtocol ? `, tls=${this.tlsProtocol}` : '';
    const addresses = this.#closed
      ? ''
      : `, laddr=${formatAddressTuple(this.#local)}, raddr=${formatAddressTuple(this.#remote)}`;
    return `<StreamSocket${state} fd=${this.fd}, family=${this.#family}, type=${this.type}, proto=${this.proto}${addresses}${tls}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  // ── internals: the read path ──────────────────────────────────────────

  /** A read from the shared `onread` buffer: copy it out, into the slab only for a waiting recv(). */
  #onDirectRead(shared: Buffer, length: number): void {
    const reader = this.#reader;
    if (reader !== null && this.#buffered === 0 && !this.#readShut) {
      if (reader.attempt === this.#attemptRecv && length <= this.#recvSize) {
        this.#reader = null;
        reader.resolve(copyForReader(shared, length));
        return;
      }
      if (reader.attempt === this.#attemptRecvInto) {
        // Straight from the shared read buffer into the caller's: no allocation at all.
        const target = this.#recvTarget;
        const copied = shared.copy(target, 0, 0, Math.min(length, target.length));
        this.#reader = null;
        if (copied < length) this.#onData(copyExact(shared.subarray(copied), length - copied));
        reader.resolve(copied);
        return;
      }
    }
    this.#onData(copyExact(shared, length));
  }

  #onData(chunk: Buffer): void {
    if (this.#readShut) return;
    const reader = this.#reader;
    // Ping-pong's path: a recv() is waiting on an empty buffer and the chunk fits; hand it over.
    if (
      reader !== null &&
      this.#buffered === 0 &&
      reader.attempt === this.#attemptRecv &&
      chunk.length <= this.#recvSize
    ) {
      this.#reader = null;
      reader.resolve(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#reader !== null) this.#notify();
    if (this.#reader === null && this.#buffered >= this.#limit && !this.#paused) {
      this.#paused = true;
      this.#sock.pause();
    }
  }

  /**
   * Runs a read now if it can complete, otherwise parks it as the one waiting reader.
   * `name` and `arg` only become a label (`recvExactly(5)`) when a message needs one.
   */
  #read<T>(
    name: string,
    arg: number | string,
    options: WaitOptions | undefined,
    attempt: () => T | undefined,
  ): Promise<T> {
    if (this.#reader !== null) {
      const call = `${name}(${arg})`;
      return Promise.reject(
        new ConcurrentReadError(
          `${call} was called while another read is waiting${this.#target()}; await each read before starting the next`,
          this.#context(call),
        ),
      );
    }
    if (this.#closed) {
      const call = `${name}(${arg})`;
      return Promise.reject(
        new SocketClosedError(`${call} on a closed socket${this.#target()}`, this.#context(call)),
      );
    }
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
      timeout = options?.timeout === undefined ? this.#timeout : validateTimeout(options.timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    if (timeout === null && options?.signal === undefined) {
      // The common case: wait with nothing but a promise, through a reused reader and executor.
      this.#plainReader.attempt = attempt;
      const promise = new Promise<T>(this.#parkPlainReader);
      this.#resume();
      return promise;
    }
    const call = `${name}(${arg})`;
    const waiter = new Waiter<T>(timeout, options?.signal, {
      call,
      target: this.#target(),
      detach: () => {
        this.#reader = null;
      },
      detail: () => `${this.#buffered} bytes are buffered and kept for the next read`,
      host: this.#remote?.host,
      port: this.#remote?.port,
    });
    if (!waiter.settled) {
      this.#reader = {
        attempt,
        resolve: (value) => waiter.resolve(value as T),
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

  /** Something changed (data, EOF, error): let the waiting reader try again. */
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

  #resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#sock.resume();
    }
  }

  /** Takes up to `size` bytes from the first chunk (no copy). */
  #take(size: number): Buffer {
    const first = this.#chunks[this.#head]!;
    let out: Buffer;
    if (first.length <= size) {
      out = first;
      this.#chunks[this.#head++] = EMPTY;
      if (this.#head === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#head = 0;
      }
    } else {
      out = first.subarray(0, size);
      this.#chunks[this.#head] = first.subarray(size);
    }
    this.#buffered -= out.length;
    if (this.#paused && this.#buffered < this.#limit) this.#resume();
    return out;
  }

  /** Takes exactly `size` bytes (`size <= #buffered`), copying only when they span chunks. */
  #takeExactly(size: number): Buffer {
    if (size === 0) return EMPTY;
    const first = this.#chunks[this.#head]!;
    if (first.length >= size) return this.#take(size);
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const part = this.#take(size - filled);
      part.copy(out, filled);
      filled += part.length;
    }
    return out;
  }

  /** Absolute offset of `sep` in the buffered bytes at or after `from`, or -1. */
  #indexOf(sep: Buffer, from: number): number {
    let base = 0;
    for (let i = this.#head; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      const end = base + chunk.length;
      if (from < end) {
        const start = from > base ? from - base : 0;
        const hit = sep.length === 1 ? chunk.indexOf(sep[0]!, start) : chunk.indexOf(sep, start);
        if (hit >= 0) return base + hit;
        // A separator may begin in this chunk's tail and end in the next chunk.
        if (sep.length > 1 && i + 1 < this.#chunks.length) {
          for (let s = Math.max(start, chunk.length - sep.length + 1); s < chunk.length; s++) {
            if (this.#matchesAt(sep, i, s)) return base + s;
          }
        }
      }
      base = end;
    }
    return -1;
  }

  #matchesAt(sep: Buffer, chunkIndex: number, offset: number): boolean {
    let i = chunkIndex;
    let at = offset;
    for (let k = 0; k < sep.length; k++) {
      let chunk = this.#chunks[i]!;
      while (at >= chunk.length) {
        i++;
        at = 0;
        if (i >= this.#chunks.length) return false;
        chunk = this.#chunks[i]!;
      }
      if (chunk[at] !== sep[k]) return false;
      at++;
    }
    return true;
  }

  #maxLength(value: number | undefined, call: string): number {
    if (value === undefined) return this.#limit;
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(
        `Invalid maxLength ${String(value)} for ${call}(): it must be a positive integer`,
      );
    }
    return value;
  }

  #overrun(call: string, maxLength: number, consumed: number): LimitOverrunError {
    return new LimitOverrunError(
      `${call} found no separator within maxLength ${maxLength} bytes${this.#target()}; the ${this.#buffered} bytes stay buffered`,
      consumed,
      this.#context(call),
    );
  }

  // ── internals: errors and descriptions ────────────────────────────────

  #writeProblem(call: string): Error | null {
    if (this.#closed)
      return new SocketClosedError(
        `${call} on a closed socket${this.#target()}`,
        this.#context(call),
      );
    if (this.#writeShut) {
      return new BrokenPipeError(`${call} after shutdown('write')${this.#target()}`, {
        ...this.#context(call),
        errnoName: 'EPIPE',
      });
    }
    if (this.#error !== null && this.#sock.destroyed) return this.#error;
    return null;
  }

  #writeError(error: Error): Error {
    const mapped = fromNodeError(error, this.#context('send'));
    this.#error ??= mapped;
    return mapped;
  }

  #context(syscall: string): { syscall: string; host?: string; port?: number } {
    return { syscall, host: this.#remote?.host, port: this.#remote?.port };
  }

  #target(): string {
    return this.#remote ? ` on ${this.#remote.host} port ${this.#remote.port}` : '';
  }
}

const NEWLINE = Buffer.from('\n');

function badSize(call: string, size: unknown, min = 1): Error {
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    return new TypeError(`${call}() needs an integer byte count, got ${describeType(size)}`);
  }
  return new RangeError(`Invalid byte count ${size} for ${call}(): it must be at least ${min}`);
}
