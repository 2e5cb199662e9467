/**
 * A connected TCP (or TLS) socket you pull bytes from, as in Python: the `recv` family waits
 * for data, `sendAll` waits for the kernel.
 *
 * This file is the transport: it feeds what the kernel delivers into a `ReceiveBuffer`
 * (core/receive-buffer.ts, the whole read path: buffer, one waiter, backpressure, EOF,
 * timeouts) and writes with backpressure. The read path in one picture:
 *
 *     kernel ─onread─▶ shared 64 KiB buffer ─feedShared─▶ ReceiveBuffer ─▶ recv / recvExactly / recvUntil / readLine
 *            (a bulk read: its own buffer ─feed─▶)             │
 *            (TLS: 'data' events ─feed─▶)                     │ pause()/resume() at bufferLimit ──▶ socket.pause()/resume()
 *
 * Writes are numbered as they are handed to Node and counted as Node reports them done (in
 * order); only a `sendAll` or `drain` that must wait is queued, with the number it waits for.
 *
 * @module
 */

import { Socket as NetSocket, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import {
  type Address,
  describeUnixPath,
  formatAddressTuple,
  type SocketAddress,
  toSocketAddress,
  type UnixAddress,
  validateTimeout,
} from '../core/address.js';
import { asBuffer, type Bytes, describeType, encode } from '../core/bytes.js';
import {
  BrokenPipeError,
  ConcurrentReadError,
  type ErrorContext,
  fromNodeError,
  InvalidStateError,
  SocketAbortError,
  SocketClosedError,
  SocketTimeoutError,
} from '../core/errors.js';
import {
  DEFAULT_BUFFER_LIMIT,
  DEFAULT_RECV_SIZE,
  READ_HOLD,
  ReceiveBuffer,
  type RecvUntilOptions,
} from '../core/receive-buffer.js';
import { setLongTimeout } from '../core/timers.js';
import { badWaitOptions, Waiter, type WaitOptions } from '../core/waiter.js';
import { directReadOf } from './_direct-read.js';
import { wholeSeconds } from './tcp-options.js';
import {
  certificateChain,
  checkTlsOptions,
  clientTlsOptions,
  handshake,
  type PeerCertificate,
  savedSession,
  serverTlsOptions,
  type TlsCipher,
  type TlsConnectOptions,
} from './tls.js';

/** A handshake's own deadline passed (as opposed to the caller's signal). */
const TIMED_OUT = Symbol('timed out');

/** How long `close()` of a TLS socket waits for the peer's side of the goodbye. */
const LINGER_TLS_MS = 1000;

/** How long `close()` lets queued bytes drain before dropping them. */
const LINGER_MS = 5000;

/** Which half of a connection {@link StreamSocket.shutdown} shuts down: `'write'` (send FIN, keep reading), `'read'`, or `'both'`. */
export type ShutdownHow = 'read' | 'write' | 'both';

/** How long each phase of opening the connection took, in milliseconds from the start of `connect()`. */
export interface ConnectTimings {
  /** Name lookup finished. */
  lookup: number;
  /** TCP connection established. */
  connect: number;
  /** TLS handshake finished (TLS only). */
  tls?: number;
  /**
   * Each address `connect()` tried, in the order it started them (Happy Eyeballs runs some at
   * once), with when each started and ended, in ms from the start, and how it ended.
   */
  attempts?: ConnectAttempt[];
}

/** One address {@link connect} tried (see {@link ConnectTimings.attempts}). */
export interface ConnectAttempt {
  /** The numeric address. */
  address: string;
  /** 4 or 6. */
  family: 4 | 6;
  /** Started, in ms from the start of `connect()`. */
  started: number;
  /** Ended, in ms from the start of `connect()`. */
  ended: number;
  /** `connected` (the one used), `failed` (with `error`), or `abandoned` once another won. */
  outcome: 'connected' | 'failed' | 'abandoned';
  /** Why it failed, in one sentence. */
  error?: string;
}

/** Options for the {@link StreamSocket} constructor, when wrapping a Node socket yourself; `connect()` and `listen()` set them for their sockets. */
export interface StreamSocketOptions {
  /** Stop reading from the kernel above this many unread bytes. Default 64 KiB. */
  bufferLimit?: number;
  /** The plain TCP socket under a TLS socket, for its file descriptor. */
  rawSocket?: Socket;
  /** Phase timings recorded by `connect()`. */
  timings?: ConnectTimings;
  /** This end accepted the connection (`accept()` sets it): {@link StreamSocket.startTls} then plays the TLS server. */
  accepted?: boolean;
  /**
   * For a Unix domain socket, the paths of its two ends (`''` for an unnamed one): Node reports
   * no address for these, so whoever made the connection says.
   */
  unix?: {
    /** This end's path: the server's for an accepted socket, `''` for a client. */
    local: string;
    /** The peer's path: the server's for a client, `''` for an accepted socket. */
    remote: string;
  };
}

/**
 * Options for {@link StreamSocket.startTls}: on a socket you connected, the client's settings
 * ({@link TlsConnectOptions}: `servername`, `ca`, a client `cert`…); on an accepted one, the
 * server's (`key` and `cert` or `pfx`, `requestCert`, `ca` for client certificates). Plus how
 * long the handshake may take and a signal to cancel it.
 */
export interface StartTlsOptions extends TlsConnectOptions {
  /** Server side: ask the client for a certificate that `ca` trusts, and refuse one without. */
  requestCert?: boolean;
  /** Most ms the handshake may take. Default: the socket's {@link StreamSocket.setTimeout}, else none. */
  timeout?: number | null;
  /** Cancels the handshake (the socket is closed: TLS cannot be half set up). */
  signal?: AbortSignal;
}

/** A `sendAll` or `drain` waiting for write number `seq` to reach the kernel. */
interface PendingWrite {
  seq: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/** What a TLS handshake settled, kept after the socket closes. */
interface TlsFacts {
  protocol: string;
  cipher: TlsCipher;
  alpn: string | null;
  resumed: boolean;
}

/**
 * A connected TCP (or TLS) stream socket, or a Unix domain one, with Python's calls, each a
 * promise: `recv` and its family wait for data, `sendAll` for the kernel. Get one from
 * {@link connect} or {@link socketkit!ServerSocket.accept}.
 *
 * `A` is the kind of address its ends have: {@link SocketAddress} (host and port) for TCP,
 * {@link UnixAddress} (a path) for `AF_UNIX`; a plain `StreamSocket` may be either.
 *
 * Reads pull from a bounded buffer (64 KiB unless `bufferLimit` says otherwise): above it the
 * socket stops reading from the kernel, so a fast peer is slowed by TCP itself. One read waits at
 * a time (a second is a `ConcurrentReadError`); a read that times out or is aborted takes nothing,
 * so the next read gets every byte. At the end of the stream `recv` returns an empty array, as
 * Python's does.
 *
 * @example Ask a daytime server for the time
 * ```ts
 * import { connect, decode } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 13);
 * console.log(decode(await sock.recv(1024))); // Sunday, November 22, 2026 03:45:12-UTC
 * ```
 */
export class StreamSocket<A extends Address = Address> {
  /** Python's `socket.type`: always `SOCK_STREAM` here. */
  readonly type = 'SOCK_STREAM' as const;
  /** The protocol number, as Python's `socket.proto`: 6 (TCP), or 0 for a Unix socket. */
  readonly proto: number;
  /** When each phase of `connect()` finished, or `undefined` for accepted sockets. */
  readonly timings: ConnectTimings | undefined;

  /** What bytes are read from and written to: the TCP socket, or the TLS socket over it. */
  #sock: Socket;
  readonly #raw: Socket;
  readonly #accepted: boolean;
  /** Stops listening to {@link #sock} (before `startTls()` hands it to a TLS socket). */
  #detach: () => void = () => {};
  readonly #input: ReceiveBuffer;
  // Kept without A: private fields count towards variance (see ServerSocket).
  readonly #local: Address | null;
  readonly #remote: Address | null;
  readonly #family: Address['family'];
  readonly #closedPromise: Promise<void>;
  #writesStarted = 0;
  #writesDone = 0;
  #waitingWrites: PendingWrite[] = [];
  #writeShut = false;
  #closed = false;
  #readable: ReadableStream<Uint8Array> | undefined;
  #writable: WritableStream<Uint8Array> | undefined;
  /** TCP_NODELAY as last set here (Node's own default is off). */
  #noDelay = false;
  #keepAlive: false | number = false;
  #error: Error | null = null;

  /**
   * Wraps a connected Node socket, which must have been created with `allowHalfOpen: true` for
   * `shutdown('write')` to half-close. Most code gets its sockets from `connect()` and `accept()`.
   *
   * @param socket A connected `net.Socket` or `tls.TLSSocket`; the StreamSocket owns it from now on.
   * @param options The buffer limit, the plain socket under a TLS one, connect timings.
   */
  constructor(socket: Socket, options: StreamSocketOptions = {}) {
    this.#sock = socket;
    this.#raw = options.rawSocket ?? socket;
    this.#accepted = options.accepted === true;
    this.timings = options.timings;
    if (options.unix) {
      const unix = (path: string): UnixAddress => ({ path, family: 'AF_UNIX' });
      this.#local = unix(options.unix.local);
      this.#remote = unix(options.unix.remote);
      this.#family = 'AF_UNIX';
      this.proto = 0;
    } else {
      const local = toSocketAddress(socket.localAddress, socket.localPort, socket.localFamily);
      const remote = toSocketAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
      this.#local = local;
      this.#remote = remote;
      this.#family = remote?.family ?? local?.family ?? 'AF_INET';
      this.proto = 6;
    }
    this.#input = new ReceiveBuffer({
      limit: options.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
      pause: () => this.#sock.pause(),
      resume: () => this.#sock.resume(),
      target: () => this.#target(),
      context: () => this.#peer(),
    });
    this.#closedPromise = new Promise((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });
    this.#listen(socket);
    // A socket handed over after its handshake: keep what it settled (see #tlsFacts).
    this.#tlsFacts();
  }

  /** Feeds what `socket` delivers into the receive buffer, until {@link #detach}. */
  #listen(socket: Socket): void {
    // Sockets socketkit created read through `onread` (see _direct-read.ts); any other socket,
    // TLS included, through 'data' events.
    const input = this.#input;
    const direct = directReadOf(socket);
    const onData = (chunk: Buffer) => input.feed(chunk);
    let live = true;
    if (direct) {
      direct.attach((buffer, length, owned) => {
        if (!live) return;
        if (owned) input.feed(buffer);
        else input.feedShared(buffer, length);
      });
    } else socket.on('data', onData);
    const onEnd = () => input.feedEof();
    const onError = (error: Error) => {
      this.#error ??= fromNodeError(error, this.#peer());
      input.feedError(this.#error);
    };
    const onClose = () => {
      // Closed without 'end' (destroyed underneath us): the end, unless an error says why.
      if (this.#error === null) input.feedEof();
      // Node reports a write cut off by destruction as done; it was not.
      this.#failWaitingWrites('The connection closed before the kernel took these bytes');
    };
    socket.on('end', onEnd);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.#detach = () => {
      live = false;
      // The plain socket's reads go to TLS from here: an own read buffer it holds goes back.
      direct?.release();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      // Errors still have a listener, so one cannot crash the process; the TLS socket reports its own.
      socket.off('error', onError);
      socket.on('error', () => {});
    };
  }

  // ── reading: the ReceiveBuffer's ──────────────────────────────────────

  /**
   * Receives up to `size` bytes: whatever has arrived, waiting only if nothing has. Returns an
   * empty array at end of stream, as Python does.
   *
   * @param size The most bytes to return, at least 1. Default 65536.
   * @param options How long to wait (ms, overriding `setTimeout()`), and a signal to cancel.
   * @throws {SocketTimeoutError} nothing arrived in time; the socket stays usable.
   * @throws {SocketAbortError} the signal aborted the wait.
   * @throws {ConcurrentReadError} another read is waiting.
   * @throws {SocketClosedError} the socket was closed by this side.
   * @throws {ConnectionResetError} the peer reset the connection.
   */
  recv(size = DEFAULT_RECV_SIZE, options?: WaitOptions): Promise<Bytes> {
    return this.#input.recv(size, options);
  }

  /**
   * Receives into `buffer` instead of a new one (Python's `recv_into`): resolves with how many
   * bytes were written, 0 at end of stream. Nothing is allocated per read.
   *
   * @throws {SocketTimeoutError} nothing arrived in time. Errors as {@link recv}.
   */
  recvInto(buffer: Uint8Array, options?: WaitOptions): Promise<number> {
    return this.#input.recvInto(buffer, options);
  }

  /**
   * Receives exactly `size` bytes (asyncio's `readexactly`), waiting for as many reads as it takes.
   *
   * @param size How many bytes, 0 or more.
   * @throws {IncompleteReadError} the stream ends first; `partial` holds what arrived.
   * @throws {SocketTimeoutError} the bytes did not all arrive in time; those that did stay buffered.
   *
   * @example One 74-byte line of chargen (RFC 864)
   * ```ts
   * import { connect, decode } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 19);
   * const line = await sock.recvExactly(74);
   * console.log(line.length, decode(line.subarray(33, 59))); // 74 ABCDEFGHIJKLMNOPQRSTUVWXYZ
   * ```
   */
  recvExactly(size: number, options?: WaitOptions): Promise<Bytes> {
    return this.#input.recvExactly(size, options);
  }

  /**
   * Receives bytes up to and including `separator` (asyncio's `readuntil`). Bytes after it stay
   * buffered for the next read.
   *
   * @param separator The bytes that end what is wanted, such as `'\r\n\r\n'` after an HTTP head.
   * @param options `maxLength` (default: the buffer limit, 64 KiB), a timeout and a signal.
   * @throws {LimitOverrunError} no separator shows up within `maxLength` bytes; the bytes stay buffered.
   * @throws {IncompleteReadError} the stream ends first; `partial` holds what arrived.
   *
   * @example Reading an HTTP response head
   * ```ts
   * import { connect, decode, encode } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 8080);
   * await sock.sendAll(encode('HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
   * const head = decode(await sock.recvUntil('\r\n\r\n', { maxLength: 16 * 1024 }));
   * console.log(head.split('\r\n')[0]); // HTTP/1.1 200 OK
   * ```
   */
  recvUntil(separator: Bytes | string, options?: RecvUntilOptions): Promise<Bytes> {
    return this.#input.recvUntil(separator, options);
  }

  /**
   * Reads one line of UTF-8 text (Python's `makefile('r').readline()`), without its line end
   * (LF or CRLF). At end of stream a last unterminated line is returned as is; after that, `null`.
   *
   * @throws {LimitOverrunError} a line is longer than `maxLength` bytes (line end included; default 64 KiB).
   *
   * @example The quote of the day (RFC 865)
   * ```ts
   * import { connect } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 17);
   * console.log(await sock.readLine()); // Measure twice, cut once.
   * console.log(await sock.readLine()); // null
   * ```
   */
  readLine(options?: RecvUntilOptions): Promise<string | null> {
    return this.#input.readLine(options);
  }

  /**
   * Iterates over the lines of the stream, each as {@link readLine} returns it, until the stream
   * ends. Breaking out of the loop leaves what follows in the socket.
   *
   * @throws {LimitOverrunError} a line is longer than `maxLength` bytes.
   *
   * @example Every line a server sends, until it closes
   * ```ts
   * import { connect } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 17);
   * for await (const line of sock.lines()) console.log(line); // Measure twice, cut once.
   * ```
   */
  async *lines(options?: RecvUntilOptions): AsyncGenerator<string, void, undefined> {
    for (;;) {
      const line = await this.#input.readLine(options);
      if (line === null) return;
      yield line;
    }
  }

  /**
   * @internal Holds the socket's reads for a read made of several (see `pull()`): other reads
   * are refused with `ConcurrentReadError` until `_letGo(token)`.
   */
  _hold(name: string): object {
    return this.#input.hold(name);
  }

  /** @internal Ends a {@link _hold}. */
  _letGo(token: object): void {
    this.#input.letGo(token);
  }

  /**
   * The raw chunks as they arrive, until the peer ends its side: `for await (const chunk of
   * sock)`, each chunk what one {@link recv} returns. Leaving the loop early (`break`) leaves the
   * socket open and unread bytes in it.
   *
   * @example Every byte a chargen server sends in a moment
   * ```ts
   * import { connect } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 19); // chargen (RFC 864) never stops
   * let total = 0;
   * for await (const chunk of sock) {
   *   total += chunk.length;
   *   if (total >= 10_000) break;
   * }
   * console.log(total >= 10_000); // true
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Bytes, void, undefined> {
    for (;;) {
      const chunk = await this.#input.recv(DEFAULT_RECV_SIZE);
      if (chunk.length === 0) return;
      yield chunk;
    }
  }

  /**
   * The receiving half as a web `ReadableStream` (as `Deno.Conn.readable`): each read is one
   * {@link recv}, made only when the stream's reader asks, so the bounded receive buffer and TCP
   * flow control still slow a fast peer. It closes at the peer's end of stream; cancelling it
   * shuts the read half (`shutdown('read')`). The same stream every time. While its read waits,
   * other reads are refused with `ConcurrentReadError`, as any two reads are; a read that got in
   * before the stream's own (made just after `reader.read()`) is served first, and the stream's
   * read follows it.
   *
   * @example Reading a whole reply with the Fetch API's helpers
   * ```ts
   * import { connect, encode } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 7); // echo (RFC 862)
   * await sock.sendAll(encode('round and round'));
   * await sock.shutdown('write');
   * console.log(await new Response(sock.readable).text()); // round and round
   * ```
   */
  get readable(): ReadableStream<Uint8Array> {
    this.#readable ??= new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const chunk = await this.#streamRead();
          if (chunk.length === 0) controller.close();
          else controller.enqueue(chunk);
        },
        cancel: () => {
          if (!this.#closed) this.#input.shutdownRead();
        },
      },
      // Nothing is read ahead of the reader: the receive buffer is the only buffer.
      { highWaterMark: 0 },
    );
    return this.#readable;
  }

  /**
   * The sending half as a web `WritableStream` (as `Deno.Conn.writable`): each chunk is one
   * {@link sendAll}, so a write resolves once the kernel has the bytes and a slow peer holds
   * the writer back. Closing it shuts the write half (`shutdown('write')`, a FIN) and leaves the
   * socket readable; aborting it aborts the socket. Strings are refused, as by `sendAll`.
   *
   * @example Piping a web stream into a connection
   * ```ts
   * import { connect, encode } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 7); // echo (RFC 862)
   * const source = new Blob([encode('one, '), encode('two')]).stream();
   * await source.pipeTo(sock.writable); // sends both, then shuts the write half
   * console.log(await new Response(sock.readable).text()); // one, two
   * ```
   */
  get writable(): WritableStream<Uint8Array> {
    this.#writable ??= new WritableStream<Uint8Array>(
      {
        write: (chunk) => this.sendAll(chunk),
        close: () => this.shutdown('write'),
        abort: () => this.abort(),
      },
      { highWaterMark: 1 },
    );
    return this.#writable;
  }

  /**
   * This socket as a Node `Duplex` stream, for code written for Node streams
   * (`stream.pipeline`, `zlib`, parsers that take a stream): reads are {@link recv}s made as the
   * Duplex asks for data, writes are {@link sendAll}s, `end()` shuts the write half, `destroy()`
   * closes the socket. The StreamSocket stays the owner; use one or the other for reading.
   *
   * @example Through Node's pipeline
   * ```ts
   * import { connect, encode } from 'socketkit';
   * import { pipeline } from 'node:stream/promises';
   * import { Writable } from 'node:stream';
   * await using sock = await connect('127.0.0.1', 7); // echo (RFC 862)
   * const duplex = sock.toNodeStream();
   * duplex.end(encode('through a Duplex'));
   * const parts: Buffer[] = [];
   * const sink = new Writable({
   *   write(chunk: Buffer, _encoding, done) {
   *     parts.push(chunk);
   *     done();
   *   },
   * });
   * await pipeline(duplex, sink);
   * console.log(Buffer.concat(parts).toString()); // through a Duplex
   * ```
   */
  toNodeStream(): Duplex {
    let pending = false;
    const input = this.#input;
    return new Duplex({
      allowHalfOpen: true,
      read(this: Duplex) {
        if (pending) return;
        pending = true;
        input.recv(DEFAULT_RECV_SIZE).then(
          (chunk) => {
            pending = false;
            this.push(chunk.length === 0 ? null : chunk);
          },
          (error: Error) => this.destroy(error),
        );
      },
      write: (chunk: Buffer, _encoding, done) => {
        this.sendAll(chunk).then(() => done(), done);
      },
      final: (done) => {
        this.shutdown('write').then(() => done(), done);
      },
      destroy: (error, done) => {
        this.close().then(() => done(error));
      },
    });
  }

  /**
   * Wraps a connected Node socket made elsewhere (`net.connect`, `tls.connect`, a server's
   * `'connection'` event) so it reads and writes with socketkit's calls; from then on the
   * StreamSocket owns it (do not read it as a Node stream too). Bytes Node already buffered
   * come first. Create the socket with `allowHalfOpen: true` for `shutdown('write')` to keep
   * the read half open; without it Node ends the write half when the peer ends.
   *
   * @throws {TypeError} `socket` is not a `net.Socket`, or is not connected (still connecting,
   *   or destroyed).
   *
   * @example A socket from node:net
   * ```ts
   * import { decode, encode, listen, StreamSocket } from 'socketkit';
   * import net from 'node:net';
   * await using server = await listen();
   * const accepting = server.accept();
   * const raw = net.connect({ host: '127.0.0.1', port: server.address.port, allowHalfOpen: true });
   * await new Promise((resolve) => raw.once('connect', resolve));
   * await using sock = StreamSocket.from(raw);
   * await using conn = (await accepting)[0];
   * await conn.sendAll(encode('hello'));
   * console.log(decode(await sock.recv())); // hello
   * ```
   */
  static from(socket: Socket): StreamSocket {
    if (!(socket instanceof NetSocket))
      throw new TypeError(
        `StreamSocket.from() takes a connected net.Socket or tls.TLSSocket, not ${describeType(socket)}`,
      );
    if (socket.destroyed || socket.connecting || socket.readyState === 'closed')
      throw new TypeError(
        `StreamSocket.from() takes a connected socket; this one is ${socket.destroyed ? 'destroyed' : 'still connecting (wait for its "connect" event)'}`,
      );
    const isUnix = socket.remoteAddress === undefined && socket.remotePort === undefined;
    const sock = new StreamSocket(socket, isUnix ? { unix: { local: '', remote: '' } } : {});
    // A socket its owner paused would never deliver; the receive buffer pauses it when full.
    if (socket.isPaused()) socket.resume();
    return sock;
  }

  /**
   * Puts bytes back at the front of the receive buffer, for a decoder that read past the end
   * of its message. The next read returns them first.
   */
  unshift(bytes: Bytes): void {
    this.#input.unshift(bytes);
  }

  /** How many received bytes are waiting to be read. */
  get bufferedAmount(): number {
    return this.#input.buffered;
  }

  /** True once the peer has ended its side and every byte it sent has been read. */
  get atEof(): boolean {
    return this.#input.atEof;
  }

  // ── writing ───────────────────────────────────────────────────────────

  /**
   * Queues bytes for sending and returns how many were queued (all of them). Use
   * {@link sendAll}, or {@link drain} after several sends, to wait until the kernel has them.
   *
   * @throws {TypeError} `data` is a string or not bytes (encode text first).
   * @throws {BrokenPipeError} the write half is shut down.
   * @throws {SocketClosedError} the socket is closed.
   */
  send(data: Bytes): number {
    const buf = asBuffer(data, 'send()');
    const problem = this.#writeProblem('send()');
    if (problem) throw problem;
    this.#writesStarted++;
    this.#sock.write(buf, this.#onWritten);
    return buf.length;
  }

  /** Bytes handed to `send`/`sendAll` that the kernel has not taken yet. */
  get sendBufferedAmount(): number {
    return this.#sock.writableLength;
  }

  /**
   * Sends all of `data` and resolves once the kernel has accepted it, so a loop of `sendAll`
   * calls never queues more than one message in memory. With a signal that is already aborted
   * nothing is sent. A timeout or abort while waiting rejects, but the bytes stay queued and
   * still go out (as Python's `sendall`, it cannot take back what the socket accepted).
   *
   * @throws {TypeError} `data` is a string or not bytes (encode text first).
   * @throws {BrokenPipeError} the write half is shut down, or the peer has gone.
   * @throws {SocketTimeoutError} the kernel did not take it all in time (a peer that does not read).
   *
   * @example Echo: send, then read the same bytes back
   * ```ts
   * import { connect, decode, encode } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 7);
   * await sock.sendAll(encode('ping'));
   * console.log(decode(await sock.recvExactly(4))); // ping
   * ```
   */
  sendAll(data: Bytes, options?: WaitOptions): Promise<void> {
    let buf: Buffer;
    try {
      buf = asBuffer(data, 'sendAll()');
    } catch (error) {
      return Promise.reject(error);
    }
    const call = `sendAll(${buf.length} bytes)`;
    // Every check before the write: a bad option must not leave the bytes sent.
    const problem =
      badWaitOptions(options, call) ??
      this.#writeProblem('sendAll()') ??
      this.#aborted(options, call);
    if (problem) return Promise.reject(problem);
    this.#writesStarted++;
    this.#sock.write(buf, this.#onWritten);
    return this.#waitForWrites(call, options);
  }

  /**
   * Resolves once the kernel has taken everything sent so far (asyncio's `drain()`): after a
   * burst of `send()` calls, the one wait for all of them.
   *
   * @throws {SocketTimeoutError} the kernel did not take it all in time.
   */
  drain(options?: WaitOptions): Promise<void> {
    const problem =
      badWaitOptions(options, 'drain()') ??
      this.#writeProblem('drain()') ??
      this.#aborted(options, 'drain()');
    if (problem) return Promise.reject(problem);
    return this.#waitForWrites('drain()', options);
  }

  /**
   * Sends `text` and a line end (CRLF unless `newline` says otherwise), as UTF-8, as
   * {@link sendAll} does.
   *
   * @throws {TypeError} `text` is not a string.
   */
  writeLine(text: string, options: WaitOptions & { newline?: string } = {}): Promise<void> {
    if (typeof text !== 'string') {
      return Promise.reject(new TypeError(`writeLine() needs a string, got ${describeType(text)}`));
    }
    if (options.newline !== undefined && typeof options.newline !== 'string') {
      return Promise.reject(
        new TypeError(
          `writeLine() needs newline as a string, got ${describeType(options.newline)}`,
        ),
      );
    }
    return this.sendAll(encode(text + (options.newline ?? '\r\n')), options);
  }

  #waitForWrites(call: string, options: WaitOptions | undefined): Promise<void> {
    const seq = this.#writesStarted;
    const timeout = options?.timeout === undefined ? this.#input.timeout : options.timeout;
    if (timeout === null && options?.signal === undefined) {
      // libuv writes at once when it can: nothing left in Node's queue means the kernel has it all.
      if (this.#writesDone >= seq || (this.#sock.writableLength === 0 && !this.#sock.errored))
        return Promise.resolve();
      return new Promise((resolve, reject) => {
        this.#waitingWrites.push({ seq, resolve, reject });
      });
    }
    const waiter = new Waiter<void>(validateTimeout(timeout), options?.signal, {
      call,
      target: this.#target(),
      detach: () => {},
      detail: () => `${this.#sock.writableLength} bytes still queued`,
      ...this.#peer(),
    });
    if (waiter.settled) return waiter.promise;
    if (this.#writesDone >= seq || (this.#sock.writableLength === 0 && !this.#sock.errored)) {
      waiter.resolve();
    } else {
      this.#waitingWrites.push({
        seq,
        resolve: () => waiter.resolve(),
        reject: (reason) => waiter.reject(reason),
      });
    }
    return waiter.promise;
  }

  /** Node calls this once per write, in order: settle every wait for writes up to this one. */
  readonly #onWritten = (error?: Error | null): void => {
    const done = ++this.#writesDone;
    while (this.#waitingWrites.length > 0 && this.#waitingWrites[0]!.seq <= done) {
      const pending = this.#waitingWrites.shift()!;
      if (error) pending.reject(this.#writeError(error));
      else pending.resolve();
    }
  };

  #failWaitingWrites(why: string): void {
    const waiting = this.#waitingWrites;
    if (waiting.length === 0) return;
    this.#waitingWrites = [];
    const error = new SocketClosedError(`${why}${this.#target()}`, this.#where('sendAll'));
    for (const pending of waiting) pending.reject(error);
  }

  // ── shutting down and closing ─────────────────────────────────────────

  /**
   * Shuts down one or both halves of the connection (Python's `shutdown`). `'write'` sends FIN
   * once queued data is out: the peer reads EOF and can still answer, and this side can still
   * read the answer. `'read'` makes every later read return EOF and discards what arrives.
   *
   * @throws {TypeError} `how` is not `'read'`, `'write'` or `'both'`.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example Half-close: the reverse server answers once it reads the end
   * ```ts
   * import { decode, encode, listen, connect } from 'socketkit';
   * await using server = await listen();
   * const serving = server.accept().then(async ([conn]) => {
   *   let text = '';
   *   for (let data = await conn.recv(); data.length > 0; data = await conn.recv()) text += decode(data);
   *   await conn.sendAll(encode([...text].reverse().join('')));
   *   await conn.close();
   * });
   * await using sock = await connect('127.0.0.1', server.address.port);
   * await sock.sendAll(encode('stressed'));
   * await sock.shutdown('write');
   * console.log(decode(await sock.recv())); // desserts
   * await serving;
   * ```
   */
  async shutdown(how: ShutdownHow = 'both'): Promise<void> {
    if (how !== 'read' && how !== 'write' && how !== 'both') {
      throw new TypeError(
        `Invalid shutdown mode ${describeType(how)}: use 'read', 'write' or 'both'`,
      );
    }
    if (this.#closed) throw new SocketClosedError(`shutdown() on a closed socket${this.#target()}`);
    if (how !== 'write') this.#input.shutdownRead();
    if (how !== 'read' && !this.#writeShut) {
      this.#writeShut = true;
      if (this.#sock.destroyed || this.#sock.writableFinished) return;
      await new Promise<void>((resolve) => {
        this.#sock.end(() => resolve());
      });
    }
  }

  /**
   * Closes the socket. A read that is waiting rejects with `SocketClosedError`. Bytes still
   * queued for sending drain in the background for up to 5 s, as the kernel would after
   * Python's `close()`. The promise resolves once the descriptor is closed (or, while queued
   * bytes drain, at once) and never rejects, so it can be ignored. Closing twice is harmless.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closedPromise;
    this.#closed = true;
    this.#input.close(
      new SocketClosedError(`The socket was closed while a read was waiting${this.#target()}`),
    );
    if (this.#tls() !== null && !this.#sock.destroyed && !this.#sock.writableFinished) {
      // TLS ends with close_notify and a FIN, as curl and OpenSSL end it, and what the peer still
      // sends (its own close_notify, session tickets) is read and dropped meanwhile: destroying
      // the socket with those unread makes the kernel answer with a reset. For at most LINGER_TLS_MS.
      const sock = this.#sock;
      this.#detach();
      sock.on('data', () => {});
      sock.on('error', () => {});
      sock.once('end', () => sock.destroy());
      sock.once('finish', () => {
        // A peer that has already ended its side will not say more.
        if (sock.readableEnded) sock.destroy();
      });
      sock.resume();
      sock.end();
      // Queued bytes get the time any close gives them to drain.
      const timer = setTimeout(
        () => sock.destroy(),
        sock.writableLength > 0 ? LINGER_MS : LINGER_TLS_MS,
      );
      timer.unref();
      sock.once('close', () => {
        clearTimeout(timer);
        this.#failWaitingWrites('The connection closed before the kernel took these bytes');
      });
      return Promise.resolve();
    }
    if (this.#sock.writableLength === 0 || this.#sock.destroyed) {
      this.#sock.destroy();
      return this.#closedPromise;
    }
    // Bytes are still queued: let them drain in the background, as the kernel does after
    // Python's close(), but for at most LINGER_MS, and without making the caller wait.
    this.#sock.end();
    this.#sock.once('finish', () => this.#sock.destroy());
    setTimeout(() => this.#sock.destroy(), LINGER_MS).unref();
    return Promise.resolve();
  }

  /**
   * Closes at once, discarding whatever is still queued, for peers that stopped reading
   * (`close()` would let queued bytes linger). With nothing in flight the connection is reset
   * (RST), as Python's `close()` does with `SO_LINGER` 0; with a write in flight the OS cannot
   * reset it, and it ends with FIN instead. Waiting reads and writes reject.
   */
  abort(): Promise<void> {
    if (this.#closed) return this.#closedPromise;
    this.#closed = true;
    this.#input.close(
      new SocketClosedError(`The socket was aborted while a read was waiting${this.#target()}`),
    );
    this.#failWaitingWrites('The socket was aborted before the kernel took these bytes');
    if (this.#sock.destroyed) return this.#closedPromise;
    // A TLS socket cannot be reset (Node throws: its handle is not the TCP one), and an accepted
    // TLS socket is its own raw socket, so it is told apart by its class, not by #raw.
    if (
      typeof this.#raw.resetAndDestroy === 'function' &&
      this.#raw === this.#sock &&
      !(this.#sock instanceof TLSSocket)
    )
      this.#sock.resetAndDestroy();
    else this.#sock.destroy();
    return this.#closedPromise;
  }

  /**
   * Lets the process exit while this socket is open and idle (Node's `socket.unref()`,
   * `Deno.Conn.unref()`): for a connection kept for later, such as a pooled one. A read that
   * waits does not keep the process alive either until {@link ref}.
   */
  unref(): void {
    this.#raw.unref();
  }

  /** Undoes {@link unref}: the open socket keeps the process alive again (the default). */
  ref(): void {
    this.#raw.ref();
  }

  /** `await using sock = await connect(…)` closes the socket at the end of the block, as {@link close} does. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ── options and identity ──────────────────────────────────────────────

  /**
   * Sets how long each blocking call may wait, in milliseconds (Python's `settimeout`, in ms).
   * `null` waits forever. A call that times out rejects with `SocketTimeoutError` and leaves
   * the socket usable; a call's own `timeout` option overrides this.
   *
   * @throws {TypeError} `ms` is not a number or `null`.
   * @throws {RangeError} `ms` is negative or not finite.
   *
   * @example A default wait for every read
   * ```ts
   * import { connect, SocketTimeoutError } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 9); // discard (RFC 863) never answers
   * sock.setTimeout(100);
   * const error = await sock.readLine().catch((e: unknown) => e);
   * console.log(error instanceof SocketTimeoutError, sock.timeout); // true 100
   * ```
   */
  setTimeout(ms: number | null): void {
    this.#input.timeout = ms;
  }

  /** The timeout set by {@link setTimeout}, or `null`. */
  get timeout(): number | null {
    return this.#input.timeout;
  }

  /**
   * Turns Nagle's algorithm off (`true`) or on: Python's `setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)`.
   * `connect()` and `listen()` turn it off (`noDelay: true`) unless told otherwise.
   *
   * @throws {InvalidStateError} the socket is a Unix domain socket, which has no TCP options.
   */
  setNoDelay(noDelay = true): void {
    if (typeof noDelay !== 'boolean')
      throw new TypeError(`Invalid noDelay ${describeType(noDelay)}: expected true or false`);
    this.#tcpOnly('setNoDelay()', 'TCP_NODELAY');
    this.#sock.setNoDelay(noDelay);
    this.#noDelay = noDelay;
  }

  /**
   * Turns keep-alive probes on or off (SO_KEEPALIVE), and with them on, how long the connection
   * may sit idle before the first probe (TCP_KEEPIDLE, in ms, rounded up to whole seconds as the
   * kernel counts them; 0 keeps the system's default, usually 2 hours).
   *
   * @throws {InvalidStateError} the socket is a Unix domain socket, which has no TCP options.
   *
   * @example Probing an idle connection after a minute
   * ```ts
   * import { connect } from 'socketkit';
   * await using sock = await connect('127.0.0.1', 7);
   * sock.setKeepAlive(true, 60_000);
   * console.log(sock.keepAlive, sock.noDelay); // 60000 true
   * ```
   */
  setKeepAlive(enable = true, initialDelay = 0): void {
    if (typeof enable !== 'boolean')
      throw new TypeError(`Invalid keep-alive ${describeType(enable)}: expected true or false`);
    if (typeof initialDelay !== 'number' || !Number.isFinite(initialDelay) || initialDelay < 0)
      throw new TypeError(
        `Invalid keep-alive delay ${typeof initialDelay === 'number' ? initialDelay : describeType(initialDelay)}: expected a number of ms ≥ 0`,
      );
    this.#tcpOnly('setKeepAlive()', 'SO_KEEPALIVE');
    const idle = wholeSeconds(initialDelay);
    this.#sock.setKeepAlive(enable, idle);
    this.#keepAlive = enable ? idle : false;
  }

  /**
   * Whether Nagle's algorithm is off (TCP_NODELAY set), as this socket last set it; `null` for
   * a Unix domain socket. Node cannot read the option back from the kernel, so this is the
   * value socketkit set (and the tests check the kernel agrees).
   */
  get noDelay(): boolean | null {
    return this.#family === 'AF_UNIX' ? null : this.#noDelay;
  }

  /** `false` without keep-alive probes, else the idle ms before the first (0: the system's); `null` for a Unix domain socket. */
  get keepAlive(): false | number | null {
    return this.#family === 'AF_UNIX' ? null : this.#keepAlive;
  }

  /** This end's address (Python's `getsockname()`). */
  get localAddress(): A | null {
    return this.#local as A | null;
  }

  /** The peer's address (Python's `getpeername()`). */
  get remoteAddress(): A | null {
    return this.#remote as A | null;
  }

  /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  get family(): A['family'] {
    return this.#family as A['family'];
  }

  /** The OS file descriptor, or -1 once closed. */
  get fd(): number {
    const handle = (this.#raw as unknown as { _handle?: { fd?: number } })._handle;
    return this.#closed || !handle || typeof handle.fd !== 'number' ? -1 : handle.fd;
  }

  /** The TLS protocol in use (`TLSv1.3`), or `null` for plain TCP. */
  get tlsProtocol(): string | null {
    return this.#tlsFacts()?.protocol ?? null;
  }

  /** The cipher the TLS connection uses, or `null` for plain TCP. */
  get tlsCipher(): TlsCipher | null {
    return this.#tlsFacts()?.cipher ?? null;
  }

  /**
   * Whether the TLS handshake resumed an earlier session (`session` in the TLS options) instead
   * of a full one; `null` for plain TCP.
   */
  get tlsSessionReused(): boolean | null {
    return this.#tlsFacts()?.resumed ?? null;
  }

  /**
   * The session the server gave this connection, to resume later with the `session` TLS option
   * (Python's `SSLSocket.session`), or `null`: plain TCP, the accepting side, or none given yet
   * (TLS 1.3 servers send theirs just after the handshake, so read something first).
   *
   * @example Resuming a session on the second connection
   * ```ts
   * import { connect, encode, listen } from 'socketkit';
   * import { readFileSync } from 'node:fs';
   * const [key, cert, ca] = ['localhost-key.pem', 'localhost.pem', 'ca.pem'].map((f) =>
   *   readFileSync(`assets/tour/${f}`),
   * );
   * await using server = await listen({ tls: { key, cert } });
   * void (async () => {
   *   for await (const conn of server) await conn.sendAll(encode('hi\n')).then(() => conn.close());
   * })();
   * const tls = { ca, servername: 'localhost' };
   * const first = await connect('127.0.0.1', server.address.port, { tls });
   * await first.readLine();
   * await first.close(); // reads what the server still sends: its session comes with that
   * const session = first.tlsSession();
   * await using second = await connect('127.0.0.1', server.address.port, {
   *   tls: { ...tls, session },
   * });
   * console.log(first.tlsSessionReused, second.tlsSessionReused); // false true
   * ```
   */
  tlsSession(): Buffer | null {
    const tls = this.#tls();
    return tls === null ? null : savedSession(tls);
  }

  /** The protocol ALPN settled on (`'http/1.1'`), or `null`: plain TCP, or no ALPN agreed. */
  get alpnProtocol(): string | null {
    return this.#tlsFacts()?.alpn ?? null;
  }

  /**
   * Whether the peer's certificate was verified: `true` on every TLS connection made without
   * `insecure` (an unverified one fails to connect), `false` with `insecure` or when a client
   * showed none, `null` for plain TCP.
   */
  get authorized(): boolean | null {
    const tls = this.#tls();
    return tls === null ? null : tls.authorized;
  }

  /** Why the peer's certificate was not verified (OpenSSL's code, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`), or `null`. */
  get authorizationError(): string | null {
    const error = this.#tls()?.authorizationError as unknown;
    if (error === undefined || error === null) return null;
    return error instanceof Error ? error.message : String(error);
  }

  /**
   * The certificate the peer showed in the TLS handshake (Python's `getpeercert()`), or `null`
   * on plain TCP or when the peer showed none (a client, unless the server asked).
   *
   * @example Who answered, and until when
   * ```ts
   * import { connect, listen } from 'socketkit';
   * import { readFileSync } from 'node:fs';
   * // The tour's throwaway certificate for localhost, signed by its throwaway CA.
   * const [key, cert, ca] = ['localhost-key.pem', 'localhost.pem', 'ca.pem'].map((f) =>
   *   readFileSync(`assets/tour/${f}`),
   * );
   * await using server = await listen({ tls: { key, cert } });
   * const accepting = server.accept();
   * await using sock = await connect('127.0.0.1', server.address.port, {
   *   tls: { ca, servername: 'localhost' },
   * });
   * await using _conn = (await accepting)[0];
   * const peer = sock.peerCertificate();
   * console.log(peer?.subject.CN, peer?.issuer.CN); // localhost sockit tour stand-in CA
   * console.log(peer?.validTo.toISOString()); // 2126-10-29T05:05:41.000Z
   * ```
   */
  peerCertificate(): PeerCertificate | null {
    return this.peerCertificateChain()[0] ?? null;
  }

  /**
   * The peer's certificate and the issuers above it that the handshake saw, the peer's own
   * first (Python's `get_verified_chain()` when verified); empty on plain TCP or when the peer
   * showed none.
   */
  peerCertificateChain(): PeerCertificate[] {
    const tls = this.#tls();
    return tls === null ? [] : certificateChain(tls);
  }

  /**
   * Upgrades this open plain connection to TLS, for protocols that start in the clear and
   * switch on request (SMTP's and POP3's `STARTTLS`, IMAP's `STARTTLS`, LDAP's StartTLS).
   * On a socket you connected it is the TLS client (`servername`, `ca`… as `connect()`'s `tls`);
   * on an accepted one, the server (`key` and `cert`). Reads and writes go through TLS once
   * it resolves; timings and addresses stay.
   *
   * Bytes that arrived before the handshake and are still unread make it refuse: they came
   * in the clear, and reading them afterwards as if they were protected would be a hole
   * (the STARTTLS command-injection attacks of RFC 3207 §6 and CVE-2011-0411). Read the reply to
   * your STARTTLS command, then upgrade. Queued writes are drained first.
   *
   * @throws {InvalidStateError} the socket already speaks TLS, unread bytes wait, a read waits, or
   *   either half is shut down.
   * @throws {TlsError} the handshake failed (the socket is closed: a half-made TLS session cannot go on).
   * @throws {SocketTimeoutError} the handshake took longer than `timeout` (the socket is closed).
   * @throws {TypeError} bad settings: not PEM, a server side without `key` and `cert`.
   *
   * @example STARTTLS, both sides
   * ```ts
   * import { connect, listen } from 'socketkit';
   * import { readFileSync } from 'node:fs';
   * const key = readFileSync('assets/tour/localhost-key.pem');
   * const cert = readFileSync('assets/tour/localhost.pem');
   * await using server = await listen();
   * const serving = (async () => {
   *   const [conn] = await server.accept();
   *   await using _conn = conn;
   *   await conn.writeLine('220 ready');
   *   if ((await conn.readLine()) === 'STARTTLS') {
   *     await conn.writeLine('220 go ahead');
   *     await conn.startTls({ key, cert });
   *     await conn.writeLine(`hello over ${conn.tlsProtocol}`);
   *   }
   * })();
   * await using sock = await connect('127.0.0.1', server.address.port);
   * await sock.readLine(); // 220 ready
   * await sock.writeLine('STARTTLS');
   * await sock.readLine(); // 220 go ahead
   * await sock.startTls({ servername: 'localhost', ca: readFileSync('assets/tour/ca.pem') });
   * console.log(await sock.readLine()); // hello over TLSv1.3
   * await serving;
   * ```
   */
  async startTls(options: StartTlsOptions = {}): Promise<void> {
    const side = this.#accepted ? 'server' : 'client';
    const { timeout: wait, signal: outer, requestCert, ...tlsOptions } = options ?? {};
    checkTlsOptions({ ...tlsOptions, requestCert }, side);
    const bad = badWaitOptions({ timeout: wait, signal: outer }, 'startTls()');
    if (bad !== null) throw bad;
    const refuse = (why: string) =>
      new InvalidStateError(`startTls() ${why}${this.#target()}`, this.#where('startTls'));
    if (this.#closed) throw new SocketClosedError(`startTls() on a closed socket${this.#target()}`);
    if (this.#tls() !== null) throw refuse(`on a socket that already speaks ${this.tlsProtocol}`);
    if (this.#writeShut || this.#input.atEof)
      throw refuse(`after ${this.#writeShut ? "shutdown('write')" : 'the peer ended its side'}`);
    // Settings are built (and OpenSSL has read keys and certificates) before anything changes.
    const settings =
      side === 'client'
        ? clientTlsOptions(this.#remoteHost(), tlsOptions)
        : serverTlsOptions({ ...tlsOptions, requestCert });
    // A hold refuses a read that is waiting, and any read that starts during the handshake.
    const token = this.#input.hold('startTls()');
    try {
      await this.drain({ signal: outer });
      // The server side may be late: a client that had our go-ahead may have sent its ClientHello
      // already. Bytes that begin a TLS handshake record (type 22, version 3.x) are that, and go
      // to the TLS socket; anything else came in the clear and is refused, left where it was.
      let early: Bytes | null = null;
      if (this.#input.buffered > 0) {
        const bytes = await this.#input.recv(this.#input.buffered, {
          [READ_HOLD]: token,
        } as WaitOptions);
        if (side === 'server' && bytes[0] === 0x16 && bytes[1] === 0x03) early = bytes;
        else {
          this.#input.unshift(bytes);
          throw refuse(
            `with ${bytes.length} unread bytes that arrived in the clear; read them before upgrading`,
          );
        }
      }
      const timeout = wait === undefined ? this.#input.timeout : wait;
      const controller = new AbortController();
      const onAbort = () => controller.abort(outer?.reason);
      outer?.addEventListener('abort', onAbort, { once: true });
      const timer =
        timeout === null ? undefined : setLongTimeout(() => controller.abort(TIMED_OUT), timeout);
      const plain = this.#sock;
      this.#detach();
      // Node's TLSSocket takes what the plain socket's stream holds as the first bytes received.
      if (early !== null) plain.unshift(asBuffer(early, 'startTls()'));
      try {
        const secure = await handshake(plain, side, settings, controller.signal);
        this.#sock = secure;
        this.#tlsFacts();
        this.#listen(secure);
      } catch (error) {
        // The plain socket belongs to the failed TLS socket now: the connection is over.
        this.#error ??=
          controller.signal.reason === TIMED_OUT
            ? new SocketTimeoutError(
                `The TLS handshake${this.#target()} timed out after ${timeout} ms`,
                this.#where('startTls'),
              )
            : controller.signal.aborted
              ? new SocketAbortError(`startTls() was aborted${this.#target()}`, {
                  ...this.#where('startTls'),
                  cause: controller.signal.reason,
                })
              : fromNodeError(error, { syscall: 'startTls', ...this.#peer() });
        plain.destroy();
        this.#closed = true;
        this.#input.close(this.#error);
        this.#failWaitingWrites('The TLS handshake failed');
        throw this.#error;
      } finally {
        timer?.clear();
        outer?.removeEventListener('abort', onAbort);
      }
    } finally {
      this.#input.letGo(token);
    }
  }

  /** True after `close()` or `abort()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Python's socket repr: `<StreamSocket fd=5, family=AF_INET, type=SOCK_STREAM, proto=6, laddr=('127.0.0.1', 50412), raddr=('127.0.0.1', 13)>`. */
  toString(): string {
    const state = this.#closed ? ' [closed]' : '';
    const tls = this.tlsProtocol ? `, tls=${this.tlsProtocol}` : '';
    // As Python's repr, an unnamed Unix end is left out.
    const shown = (name: string, address: Address | null) =>
      address?.family === 'AF_UNIX' && address.path === ''
        ? ''
        : `, ${name}=${formatAddressTuple(address)}`;
    const addresses = this.#closed
      ? ''
      : `${shown('laddr', this.#local)}${shown('raddr', this.#remote)}`;
    return `<StreamSocket${state} fd=${this.fd}, family=${this.#family}, type=${this.type}, proto=${this.proto}${addresses}${tls}>`;
  }

  /** What `console.log(sock)` and `util.inspect` show: {@link toString}. */
  [inspect.custom](): string {
    return this.toString();
  }

  // ── internals ─────────────────────────────────────────────────────────

  #tcpOnly(call: string, option: string): void {
    if (this.#family === 'AF_UNIX')
      throw new InvalidStateError(
        `${call} on a Unix domain socket${this.#target()}: ${option} is a TCP option`,
        this.#where(call),
      );
    if (this.#closed) throw new SocketClosedError(`${call} on a closed socket${this.#target()}`);
  }

  /**
   * The web stream's read. The stream asks for it a microtask after `reader.read()`, so a
   * `recv()` made just after that read can get in first; the stream then waits for that read to
   * end and tries again, rather than failing (and erroring the stream for good) for a read it
   * did not make out of turn.
   */
  async #streamRead(): Promise<Bytes> {
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        return await this.#input.recv(DEFAULT_RECV_SIZE);
      } catch (error) {
        if (!(error instanceof ConcurrentReadError) || this.#closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * What the handshake settled, read once it is done and kept: Node stops answering
   * getProtocol() and getCipher() once the TLS socket has closed, and a summary written at the
   * end of a session must still say them.
   */
  #tlsFacts(): TlsFacts | null {
    if (this.#settled !== undefined) return this.#settled;
    const tls = this.#tls();
    const protocol = tls?.getProtocol();
    const cipher = tls?.getCipher();
    if (tls === null || !protocol || !cipher) return null;
    this.#settled = {
      protocol,
      cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version },
      alpn: typeof tls.alpnProtocol === 'string' ? tls.alpnProtocol : null,
      resumed: tls.isSessionReused(),
    };
    return this.#settled;
  }

  #settled: TlsFacts | undefined;

  #tls(): TLSSocket | null {
    return this.#sock instanceof TLSSocket ? this.#sock : null;
  }

  /** The peer's host, for SNI and name checks when `startTls()` is given no `servername`. */
  #remoteHost(): string {
    const remote = this.#remote;
    return remote !== null && remote.family !== 'AF_UNIX' ? remote.host : 'localhost';
  }

  #writeProblem(call: string): Error | null {
    if (this.#closed)
      return new SocketClosedError(
        `${call} on a closed socket${this.#target()}`,
        this.#where(call),
      );
    if (this.#writeShut) {
      return new BrokenPipeError(`${call} after shutdown('write')${this.#target()}`, {
        ...this.#where(call),
        errnoName: 'EPIPE',
      });
    }
    if (this.#error !== null && this.#sock.destroyed) return this.#error;
    return null;
  }

  /** An already-aborted signal: the call does nothing and says so. */
  #aborted(options: WaitOptions | undefined, call: string): Error | null {
    const signal = options?.signal;
    if (signal?.aborted !== true) return null;
    const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
    return new SocketAbortError(
      `${call} was aborted before anything was sent${this.#target()}${reason}`,
      { ...this.#where(call), cause: signal.reason },
    );
  }

  #writeError(error: Error): Error {
    const mapped = fromNodeError(error, this.#where('send'));
    this.#error ??= mapped;
    return mapped;
  }

  #peer(): ErrorContext {
    const remote = this.#remote;
    if (remote?.family === 'AF_UNIX') return remote.path === '' ? {} : { path: remote.path };
    return { host: remote?.host, port: remote?.port };
  }

  #where(syscall: string): ErrorContext {
    return { syscall, ...this.#peer() };
  }

  #target(): string {
    const remote = this.#remote;
    if (remote === null) return '';
    if (remote.family === 'AF_UNIX')
      return remote.path === '' ? '' : ` on the socket ${describeUnixPath(remote.path)}`;
    return ` on ${remote.host} port ${remote.port}`;
  }
}
