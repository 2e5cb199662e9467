/**
 * Every error socketkit throws on purpose, in one module (as undici keeps its
 * `core/errors.js`): callers switch on the stable string `code`, a literal type
 * on each class and a union ({@link SockitErrorCode}) on the base.
 *
 * - {@link SockitError} is the base of them all.
 * - {@link SocketError} and its subclasses are OS-level failures (refused, reset, timed
 *   out, unresolvable, TLS); they carry `errno` and `errnoName` when the OS gave one.
 * - Reading, framing and HTTP errors stand beside it: {@link IncompleteReadError},
 *   {@link LimitOverrunError}, {@link FrameTooLongError}, {@link HttpParseError}, …
 * - Misuse is the built-in `TypeError` (wrong type) or `RangeError` (out of range), or
 *   {@link InvalidStateError} / {@link ConcurrentReadError} for calls the socket cannot take now.
 *
 * @module
 */

import { constants } from 'node:os';

/** Where an error happened: which call, against which host and port. */
export interface ErrorContext {
  /** The OS call or socketkit operation that failed (`connect`, `getaddrinfo`, `recv(1024)`, …). */
  syscall?: string;
  /** The host the call was talking to, as given (a name or an address). */
  host?: string;
  /** The port the call was talking to. */
  port?: number;
  /** The Unix socket path the call was talking to, instead of a host and port. */
  path?: string;
}

/** What every {@link SockitError} constructor takes besides its message: where it happened, and why. */
export interface SockitErrorOptions extends ErrorContext {
  /** The error underneath, such as Node's own `ECONNREFUSED` error (the standard `Error.cause`). */
  cause?: unknown;
}

/** What {@link SocketError} constructors take: {@link SockitErrorOptions}, and the system error name. */
export interface SocketErrorOptions extends SockitErrorOptions {
  /** The system error name, such as `ECONNREFUSED`, when the OS reported one. */
  errnoName?: string;
}

/** The codes of OS-level failures: those of {@link SocketError} and its subclasses. */
export type SocketErrorCode =
  | 'SOCKETKIT_ERR_SOCKET'
  | 'SOCKETKIT_ERR_NAME_RESOLUTION'
  | 'SOCKETKIT_ERR_SERVICE_NOT_FOUND'
  | 'SOCKETKIT_ERR_CONNECTION_REFUSED'
  | 'SOCKETKIT_ERR_CONNECTION_RESET'
  | 'SOCKETKIT_ERR_BROKEN_PIPE'
  | 'SOCKETKIT_ERR_TIMEOUT'
  | 'SOCKETKIT_ERR_ADDRESS_IN_USE'
  | 'SOCKETKIT_ERR_PERMISSION_DENIED'
  | 'SOCKETKIT_ERR_HOST_UNREACHABLE'
  | 'SOCKETKIT_ERR_TLS'
  | 'SOCKETKIT_ERR_CLOSED';

/**
 * Every code a {@link SockitError} can carry. `switch (error.code)` is checked against this
 * union, so a misspelled code does not compile; {@link isSockitError} narrows on it.
 */
export type SockitErrorCode =
  | SocketErrorCode
  | 'SOCKETKIT_ERR_ABORTED'
  | 'SOCKETKIT_ERR_CONCURRENT_READ'
  | 'SOCKETKIT_ERR_INVALID_STATE'
  | 'SOCKETKIT_ERR_INCOMPLETE_READ'
  | 'SOCKETKIT_ERR_LIMIT_OVERRUN'
  | 'SOCKETKIT_ERR_FRAME_TOO_LONG'
  | 'SOCKETKIT_ERR_CORRUPTED_FRAME'
  | 'SOCKETKIT_ERR_HTTP_PARSE'
  | 'SOCKETKIT_ERR_EMPTY_REPLY'
  | 'SOCKETKIT_ERR_TOO_MANY_REDIRECTS'
  | 'SOCKETKIT_ERR_CONTENT_DECODING'
  | 'SOCKETKIT_ERR_PROXY';

/**
 * The base of every error socketkit throws on purpose. `code` is a string literal per class;
 * `syscall`, `host` and `port` say where it happened, when that is known.
 *
 * Wrong argument types are the built-in `TypeError` and out-of-range numbers `RangeError`,
 * never a SockitError.
 *
 * @example Telling errors apart by code
 * ```ts
 * import { connect, isSockitError } from 'socketkit';
 * try {
 *   await connect('127.0.0.1', 1, { timeout: 1000 });
 * } catch (error) {
 *   if (isSockitError(error, 'SOCKETKIT_ERR_CONNECTION_REFUSED')) console.log(error.port); // 1
 * }
 * ```
 */
export abstract class SockitError extends Error {
  /** A stable string per class, such as `SOCKETKIT_ERR_TIMEOUT`, for `switch (error.code)`; it never changes with the message's wording. */
  abstract readonly code: SockitErrorCode;
  /** The call that failed (`connect`, `recvExactly(5)`, …), when known. */
  readonly syscall: string | undefined;
  /** The host the call was talking to, when known. */
  readonly host: string | undefined;
  /** The port the call was talking to, when known. */
  readonly port: number | undefined;
  /** The Unix socket path the call was talking to, when it was one. */
  readonly path: string | undefined;

  /**
   * @param message One sentence naming what failed and with which value.
   * @param options Where it happened, and the error underneath (`cause`).
   */
  constructor(message: string, options: SockitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.syscall = options.syscall;
    this.host = options.host;
    this.port = options.port;
    this.path = options.path;
  }
}

/**
 * An OS-level socket failure (Python's `OSError` for sockets); the subclasses name the usual
 * ones, and this class itself is whatever else the OS reports (`EADDRNOTAVAIL`, `EMSGSIZE`, …).
 *
 * `errno` is the positive OS error number, as Python reports it (111 for a refused
 * connection on Linux); `errnoName` its symbolic name.
 *
 * @example The OS's own code, as Python's `e.errno` shows it
 * ```ts
 * import { connect, SocketError } from 'socketkit';
 * const error = await connect('127.0.0.1', 1).catch((e: unknown) => e);
 * if (error instanceof SocketError) console.log(error.syscall, error.errnoName); // connect ECONNREFUSED
 * ```
 */
export class SocketError extends SockitError {
  /** `'SocketError'`, as stack traces show it. */
  override name = 'SocketError';
  /** `'SOCKETKIT_ERR_SOCKET'` here; each subclass has its own. */
  readonly code: SocketErrorCode = 'SOCKETKIT_ERR_SOCKET';
  /** The OS error number for `errnoName` on this platform (111 for `ECONNREFUSED` on Linux), or `undefined`. */
  readonly errno: number | undefined;
  /** The system error name (`ECONNREFUSED`, `EADDRINUSE`, `ENOTFOUND`, …) when the OS or Node reported one. */
  readonly errnoName: string | undefined;

  /**
   * @param message One sentence naming what failed and with which value.
   * @param options Where it happened, the system error name (`errnoName`) and the error underneath.
   */
  constructor(message: string, options: SocketErrorOptions = {}) {
    super(message, options);
    this.errnoName = options.errnoName;
    this.errno = errnoNumber(options.errnoName);
  }
}

/**
 * A host name that does not resolve (Python's `socket.gaierror`), or an address of the wrong
 * family for the call (`errnoName` `EAI_FAMILY`).
 *
 * @example An IPv6 address where IPv4 was asked for
 * ```ts
 * import { getHostByName, NameResolutionError } from 'socketkit';
 * const error = await getHostByName('::1').catch((e: unknown) => e);
 * if (error instanceof NameResolutionError) console.log(error.errnoName); // EAI_FAMILY
 * ```
 */
export class NameResolutionError extends SocketError {
  /** `'NameResolutionError'`, as stack traces show it. */
  override name = 'NameResolutionError';
  /** `'SOCKETKIT_ERR_NAME_RESOLUTION'`. */
  override readonly code = 'SOCKETKIT_ERR_NAME_RESOLUTION' as const;
}

/**
 * A service name or port that is not in the services table (Python's `OSError: service/proto not found`).
 *
 * @example A service nobody registered
 * ```ts
 * import { getServByName, ServiceNotFoundError } from 'socketkit';
 * try {
 *   getServByName('no-such-service');
 * } catch (error) {
 *   if (error instanceof ServiceNotFoundError) console.log(error.code); // SOCKETKIT_ERR_SERVICE_NOT_FOUND
 * }
 * ```
 */
export class ServiceNotFoundError extends SocketError {
  /** `'ServiceNotFoundError'`, as stack traces show it. */
  override name = 'ServiceNotFoundError';
  /** `'SOCKETKIT_ERR_SERVICE_NOT_FOUND'`. */
  override readonly code = 'SOCKETKIT_ERR_SERVICE_NOT_FOUND' as const;
}

/**
 * Nothing listens at that address: the peer answered the SYN with a RST (for UDP, an ICMP port
 * unreachable, reported on the next receive).
 *
 * @example Connecting to a port where nothing listens
 * ```ts
 * import { ConnectionRefusedError, connect } from 'socketkit';
 * const error = await connect('127.0.0.1', 1).catch((e: unknown) => e);
 * if (error instanceof ConnectionRefusedError) console.log(error.message); // Connection refused by 127.0.0.1 port 1 during connect (ECONNREFUSED)
 * ```
 */
export class ConnectionRefusedError extends SocketError {
  /** `'ConnectionRefusedError'`, as stack traces show it. */
  override name = 'ConnectionRefusedError';
  /** `'SOCKETKIT_ERR_CONNECTION_REFUSED'`. */
  override readonly code = 'SOCKETKIT_ERR_CONNECTION_REFUSED' as const;
}

/**
 * The peer aborted the connection (RST) instead of closing it: what a read or write gets after the
 * other side's `abort()`, or after it closed with bytes it never read.
 *
 * @example The server resets the connection
 * ```ts
 * import { ConnectionResetError, connect, listen } from 'socketkit';
 * await using server = await listen();
 * await using client = await connect('127.0.0.1', server.address.port);
 * const [conn] = await server.accept();
 * await conn.abort();
 * const error = await client.recv(1024).catch((e: unknown) => e);
 * console.log(error instanceof ConnectionResetError); // true
 * ```
 */
export class ConnectionResetError extends SocketError {
  /** `'ConnectionResetError'`, as stack traces show it. */
  override name = 'ConnectionResetError';
  /** `'SOCKETKIT_ERR_CONNECTION_RESET'`. */
  override readonly code = 'SOCKETKIT_ERR_CONNECTION_RESET' as const;
}

/**
 * Writing to a connection whose write side is shut down or whose peer has gone (`EPIPE`).
 *
 * @example Sending after shutting down the write half
 * ```ts
 * import { BrokenPipeError, connect, encode, listen } from 'socketkit';
 * await using server = await listen();
 * await using sock = await connect('127.0.0.1', server.address.port);
 * await sock.shutdown('write');
 * const error = await sock.sendAll(encode('too late')).catch((e: unknown) => e);
 * if (error instanceof BrokenPipeError) console.log(error.errnoName); // EPIPE
 * ```
 */
export class BrokenPipeError extends SocketError {
  /** `'BrokenPipeError'`, as stack traces show it. */
  override name = 'BrokenPipeError';
  /** `'SOCKETKIT_ERR_BROKEN_PIPE'`. */
  override readonly code = 'SOCKETKIT_ERR_BROKEN_PIPE' as const;
}

/**
 * A blocked call ran past its timeout (Python's `socket.timeout`). Bytes that arrived are kept
 * and the socket stays usable: the next read starts where this one would have.
 *
 * @example A read from a server that never answers
 * ```ts
 * import { connect, SocketTimeoutError } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 9); // discard (RFC 863) never answers
 * const error = await sock.recv(1024, { timeout: 100 }).catch((e: unknown) => e);
 * console.log(error instanceof SocketTimeoutError, sock.closed); // true false
 * ```
 */
export class SocketTimeoutError extends SocketError {
  /** `'SocketTimeoutError'`, as stack traces show it. */
  override name = 'SocketTimeoutError';
  /** `'SOCKETKIT_ERR_TIMEOUT'`. */
  override readonly code = 'SOCKETKIT_ERR_TIMEOUT' as const;
}

/**
 * Binding to an address and port that another socket already holds (`EADDRINUSE`).
 *
 * @example Two servers on one port
 * ```ts
 * import { AddressInUseError, listen } from 'socketkit';
 * await using first = await listen();
 * const error = await listen({ port: first.address.port }).catch((e: unknown) => e);
 * console.log(error instanceof AddressInUseError); // true
 * ```
 */
export class AddressInUseError extends SocketError {
  /** `'AddressInUseError'`, as stack traces show it. */
  override name = 'AddressInUseError';
  /** `'SOCKETKIT_ERR_ADDRESS_IN_USE'`. */
  override readonly code = 'SOCKETKIT_ERR_ADDRESS_IN_USE' as const;
}

/**
 * The OS refused the operation (`EACCES`, `EPERM`): binding a port below 1024 without the
 * privilege, for one.
 *
 * @example Binding a privileged port
 * ```ts
 * import { isSockitError, listen } from 'socketkit';
 * const outcome = await listen({ port: 80 }).then(
 *   async (server) => {
 *     await server.close();
 *     return 'bound port 80: this process has the privilege';
 *   },
 *   (error: unknown) => (isSockitError(error) ? error.message : Promise.reject(error)),
 * );
 * console.log(outcome); // e.g. Permission denied during bind on 127.0.0.1 port 80 (ports below 1024 need privileges) (EACCES)
 * ```
 */
export class PermissionDeniedError extends SocketError {
  /** `'PermissionDeniedError'`, as stack traces show it. */
  override name = 'PermissionDeniedError';
  /** `'SOCKETKIT_ERR_PERMISSION_DENIED'`. */
  override readonly code = 'SOCKETKIT_ERR_PERMISSION_DENIED' as const;
}

/**
 * No route to the host or its network (`EHOSTUNREACH`, `ENETUNREACH`, `EHOSTDOWN`, `ENETDOWN`).
 *
 * @example Telling "unreachable" from other failures
 * ```ts
 * import { connect, HostUnreachableError } from 'socketkit';
 * async function reachable(host: string, port: number): Promise<boolean> {
 *   try {
 *     await (await connect(host, port, { timeout: 3000 })).close();
 *     return true;
 *   } catch (error) {
 *     if (error instanceof HostUnreachableError) return false;
 *     throw error;
 *   }
 * }
 * console.log(await reachable('127.0.0.1', 13)); // true
 * ```
 */
export class HostUnreachableError extends SocketError {
  /** `'HostUnreachableError'`, as stack traces show it. */
  override name = 'HostUnreachableError';
  /** `'SOCKETKIT_ERR_HOST_UNREACHABLE'`. */
  override readonly code = 'SOCKETKIT_ERR_HOST_UNREACHABLE' as const;
}

/** Why a TLS connection failed: the handshake itself (`'handshake'`), or the peer's certificate was not trusted (`'certificate'`). */
export type TlsFailure = 'handshake' | 'certificate';

/**
 * A TLS handshake failed. `reason` says whether the certificate was not trusted, and the message
 * what OpenSSL said, with a hint for the usual cases (a port that does not speak TLS).
 *
 * @example Speaking TLS to a plain HTTP port
 * ```ts
 * import { connect, TlsError } from 'socketkit';
 * const error = await connect('127.0.0.1', 8080, { tls: true, timeout: 5000 }).catch((e: unknown) => e);
 * if (error instanceof TlsError) console.log(error.reason); // handshake
 * ```
 */
export class TlsError extends SocketError {
  /** `'TlsError'`, as stack traces show it. */
  override name = 'TlsError';
  /** `'SOCKETKIT_ERR_TLS'`. */
  override readonly code = 'SOCKETKIT_ERR_TLS' as const;
  /** `'certificate'` when the peer's certificate was not trusted (curl's exit 60), else `'handshake'` (35). */
  readonly reason: TlsFailure;

  /**
   * @param message One sentence naming what failed and with which value.
   * @param reason Whether the certificate was not trusted, or the handshake failed otherwise.
   * @param options Where it happened, the system error name and the error underneath.
   */
  constructor(message: string, reason: TlsFailure, options: SocketErrorOptions = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * The socket was closed by this side: a read that was waiting, and every later call, gets this.
 *
 * @example Reading from a closed socket
 * ```ts
 * import { connect, listen, SocketClosedError } from 'socketkit';
 * await using server = await listen();
 * const sock = await connect('127.0.0.1', server.address.port);
 * await sock.close();
 * const error = await sock.recv(1024).catch((e: unknown) => e);
 * console.log(error instanceof SocketClosedError); // true
 * ```
 */
export class SocketClosedError extends SocketError {
  /** `'SocketClosedError'`, as stack traces show it. */
  override name = 'SocketClosedError';
  /** `'SOCKETKIT_ERR_CLOSED'`. */
  override readonly code = 'SOCKETKIT_ERR_CLOSED' as const;
}

/**
 * The operation was cancelled through its `AbortSignal`. Bytes that arrived are kept for the
 * next read; `cause` is the signal's reason. Its `name` is `'AbortError'`, as the web platform's.
 *
 * @example Giving up on a read with a signal
 * ```ts
 * import { connect, SocketAbortError } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 9); // discard (RFC 863) never answers
 * const error = await sock.recv(1024, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
 * if (error instanceof SocketAbortError) console.log(error.name); // AbortError
 * ```
 */
export class SocketAbortError extends SockitError {
  /** `'AbortError'`, as the web platform names an aborted operation. */
  override name = 'AbortError';
  /** `'SOCKETKIT_ERR_ABORTED'`. */
  readonly code = 'SOCKETKIT_ERR_ABORTED' as const;
}

/**
 * A second read was started while one was still waiting on the same socket; it touched nothing
 * (neither the buffer nor the waiting read). Await each read before starting the next.
 *
 * @example Two reads at once
 * ```ts
 * import { ConcurrentReadError, connect } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 9); // discard (RFC 863) never answers
 * const first = sock.recv(1024, { timeout: 100 });
 * const second = await sock.recv(1024).catch((e: unknown) => e);
 * console.log(second instanceof ConcurrentReadError); // true
 * await first.catch(() => {}); // the first read times out, untouched by the second
 * ```
 */
export class ConcurrentReadError extends SockitError {
  /** `'ConcurrentReadError'`, as stack traces show it. */
  override name = 'ConcurrentReadError';
  /** `'SOCKETKIT_ERR_CONCURRENT_READ'`. */
  readonly code = 'SOCKETKIT_ERR_CONCURRENT_READ' as const;
}

/**
 * A call the socket cannot take in its present state: `sendTo()` on a connected UDP socket,
 * `recv()` on one that is neither connected nor bound, and the like.
 *
 * @example Receiving on a UDP socket with no peer
 * ```ts
 * import { InvalidStateError, udp } from 'socketkit';
 * await using sock = await udp();
 * const error = await sock.recv().catch((e: unknown) => e);
 * if (error instanceof InvalidStateError) console.log(error.message); // recv() on an unconnected UDP socket: use recvFrom() or connect() first
 * ```
 */
export class InvalidStateError extends SockitError {
  /** `'InvalidStateError'`, as stack traces show it. */
  override name = 'InvalidStateError';
  /** `'SOCKETKIT_ERR_INVALID_STATE'`. */
  readonly code = 'SOCKETKIT_ERR_INVALID_STATE' as const;
}

/**
 * The stream ended before the expected number of bytes arrived, or before a separator
 * (asyncio's `IncompleteReadError`). `partial` holds what did arrive; it is no longer in the socket.
 *
 * @example Asking for more than the server sends
 * ```ts
 * import { connect, IncompleteReadError } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 13); // daytime (RFC 867): one line, then close
 * const error = await sock.recvExactly(100).catch((e: unknown) => e);
 * if (error instanceof IncompleteReadError) console.log(error.partial.length, error.expected); // 40 100
 * ```
 */
export class IncompleteReadError extends SockitError {
  /** `'IncompleteReadError'`, as stack traces show it. */
  override name = 'IncompleteReadError';
  /** `'SOCKETKIT_ERR_INCOMPLETE_READ'`. */
  readonly code = 'SOCKETKIT_ERR_INCOMPLETE_READ' as const;
  /** The bytes that arrived before the end (possibly none). */
  readonly partial: Uint8Array;
  /** The number of bytes that were wanted, or `undefined` when reading up to a separator. */
  readonly expected: number | undefined;

  /**
   * @param message One sentence naming the call and how much arrived.
   * @param partial The bytes that arrived before the end.
   * @param expected The number of bytes wanted, or `undefined` when reading up to a separator.
   * @param options Where it happened.
   */
  constructor(
    message: string,
    partial: Uint8Array,
    expected: number | undefined,
    options: SockitErrorOptions = {},
  ) {
    super(message, options);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * A separator was not found within the length limit (asyncio's `LimitOverrunError`). The bytes
 * stay in the socket's buffer, so the caller can read them another way or close.
 *
 * @example A line longer than the limit
 * ```ts
 * import { connect, LimitOverrunError } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 19); // chargen (RFC 864): 74-byte lines
 * const error = await sock.recvUntil('\n', { maxLength: 16 }).catch((e: unknown) => e);
 * console.log(error instanceof LimitOverrunError); // true
 * const line = await sock.recvExactly(74); // the bytes are still there
 * console.log(line.length, line.at(-1)); // 74 10
 * ```
 */
export class LimitOverrunError extends SockitError {
  /** `'LimitOverrunError'`, as stack traces show it. */
  override name = 'LimitOverrunError';
  /** `'SOCKETKIT_ERR_LIMIT_OVERRUN'`. */
  readonly code = 'SOCKETKIT_ERR_LIMIT_OVERRUN' as const;
  /** How many buffered bytes were looked at: the end of a separator found too late, or all that was buffered when none was found. */
  readonly consumed: number;

  /**
   * @param message One sentence naming the call and the limit.
   * @param consumed How many buffered bytes were looked at.
   * @param options Where it happened.
   */
  constructor(message: string, consumed: number, options: SockitErrorOptions = {}) {
    super(message, options);
    this.consumed = consumed;
  }
}

/**
 * A frame longer than the codec's `maxLength`, detected before it is buffered: a length header
 * that announces too much, or that many bytes with no delimiter.
 *
 * @example A line over the limit
 * ```ts
 * import { encode, FrameTooLongError } from 'socketkit';
 * import { lines } from 'socketkit/framing';
 * try {
 *   lines({ maxLength: 4 }).decoder().push(encode('hello\n'));
 * } catch (error) {
 *   if (error instanceof FrameTooLongError) console.log(error.length, error.maxLength); // 5 4
 * }
 * ```
 */
export class FrameTooLongError extends SockitError {
  /** `'FrameTooLongError'`, as stack traces show it. */
  override name = 'FrameTooLongError';
  /** `'SOCKETKIT_ERR_FRAME_TOO_LONG'`. */
  readonly code = 'SOCKETKIT_ERR_FRAME_TOO_LONG' as const;
  /** How long the frame is, in bytes: what its header announced, or `maxLength + 1` when it was cut off at the limit (it is at least that long). */
  readonly length: number;
  /** The codec's limit, in bytes. */
  readonly maxLength: number;

  /**
   * @param message One sentence naming the length and the limit.
   * @param length How long the frame is, or at least is, in bytes.
   * @param maxLength The codec's limit, in bytes.
   */
  constructor(message: string, length: number, maxLength: number) {
    super(message);
    this.length = length;
    this.maxLength = maxLength;
  }
}

/**
 * A frame header that cannot be parsed: a length that is not digits, a varint over 32 bits.
 *
 * @example A length header that is not digits
 * ```ts
 * import { CorruptedFrameError, encode } from 'socketkit';
 * import { lengthPrefixed } from 'socketkit/framing';
 * try {
 *   lengthPrefixed({ header: { ascii: 5 } }).decoder().push(encode('00x12hello'));
 * } catch (error) {
 *   if (error instanceof CorruptedFrameError) console.log(error.message); // The length header "00x" is not 5 ASCII digits (byte 2 is 0x78)
 * }
 * ```
 */
export class CorruptedFrameError extends SockitError {
  /** `'CorruptedFrameError'`, as stack traces show it. */
  override name = 'CorruptedFrameError';
  /** `'SOCKETKIT_ERR_CORRUPTED_FRAME'`. */
  readonly code = 'SOCKETKIT_ERR_CORRUPTED_FRAME' as const;
}

/**
 * An HTTP message that breaks RFC 9112, with the byte offset where parsing
 * stopped, and the status a server should answer it with (400, 431, 505).
 *
 * @example Two different Content-Lengths (RFC 9112 §6.3: a smuggling attempt)
 * ```ts
 * import { HttpParseError } from 'socketkit';
 * import { HttpParser } from 'socketkit/http';
 * const parser = new HttpParser('request', { onHead() {}, onBody() {}, onComplete() {} });
 * const head = 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n';
 * try {
 *   parser.execute(Buffer.from(head));
 * } catch (error) {
 *   if (error instanceof HttpParseError) console.log(error.status, error.offset); // 400 61
 * }
 * ```
 */
export class HttpParseError extends SockitError {
  /** `'HttpParseError'`, as stack traces show it. */
  override name = 'HttpParseError';
  /** `'SOCKETKIT_ERR_HTTP_PARSE'`. */
  readonly code = 'SOCKETKIT_ERR_HTTP_PARSE' as const;
  /**
   * The byte of the stream (counted from its first byte) where parsing stopped; `NaN` when the
   * fault is in a value the parser took whole (a redirect's unusable Location, say).
   */
  readonly offset: number;
  /** What is wrong, in one sentence without the offset (the message adds it). */
  readonly reason: string;
  /**
   * The status a server should answer with: 400 (malformed), 431 (head too large), 505 (version),
   * 500 (a fault of the parser itself); 502 when it is a reply that a client could not use.
   */
  readonly status: number;

  /**
   * @param reason What is wrong, in one sentence.
   * @param offset The byte of the stream where parsing stopped, or `NaN`.
   * @param status The status to answer with. Default 400.
   */
  constructor(reason: string, offset: number, status = 400) {
    super(Number.isNaN(offset) ? reason : `${reason} at byte ${offset}`);
    this.offset = offset;
    this.reason = reason;
    this.status = status;
  }
}

/**
 * The server closed the connection without sending a single byte of reply (curl's error 52).
 *
 * @example A server that hangs up
 * ```ts
 * import { EmptyReplyError, listen } from 'socketkit';
 * import { request } from 'socketkit/http';
 * await using server = await listen();
 * const hangUp = server.accept().then(async ([conn]) => {
 *   await conn.recvUntil('\r\n\r\n'); // the whole request head, then close without a word
 *   await conn.close();
 * });
 * const error = await request(`http://127.0.0.1:${server.address.port}/`).catch((e: unknown) => e);
 * await hangUp;
 * console.log(error instanceof EmptyReplyError); // true
 * ```
 */
export class EmptyReplyError extends SockitError {
  /** `'EmptyReplyError'`, as stack traces show it. */
  override name = 'EmptyReplyError';
  /** `'SOCKETKIT_ERR_EMPTY_REPLY'`. */
  readonly code = 'SOCKETKIT_ERR_EMPTY_REPLY' as const;
}

/**
 * Following redirects went past `maxRedirects` (curl's error 47).
 *
 * @example A redirect loop
 * ```ts
 * import { TooManyRedirectsError } from 'socketkit';
 * import { request } from 'socketkit/http';
 * const options = { followRedirects: true, maxRedirects: 3 };
 * const error = await request('http://127.0.0.1:8080/loop', options).catch((e: unknown) => e);
 * if (error instanceof TooManyRedirectsError) console.log(error.redirects); // 3
 * ```
 */
export class TooManyRedirectsError extends SockitError {
  /** `'TooManyRedirectsError'`, as stack traces show it. */
  override name = 'TooManyRedirectsError';
  /** `'SOCKETKIT_ERR_TOO_MANY_REDIRECTS'`. */
  readonly code = 'SOCKETKIT_ERR_TOO_MANY_REDIRECTS' as const;
  /** How many redirects were followed before giving up. */
  readonly redirects: number;

  /**
   * @param message One sentence naming the limit and where the last redirect pointed.
   * @param redirects How many redirects were followed.
   * @param options Where it happened.
   */
  constructor(message: string, redirects: number, options: SockitErrorOptions = {}) {
    super(message, options);
    this.redirects = redirects;
  }
}

/**
 * A compressed response body (`Content-Encoding: gzip`, `deflate` or `br`, undone by
 * `request(url, { decompress: true })`) that could not be decoded (curl's error 61): its bytes
 * are not valid for the coding (`reason: 'corrupt'`), or they inflate past the limit
 * (`'too-large'`: a decompression bomb is refused, not held in memory).
 *
 * @example A body that says gzip but is not
 * ```ts
 * import { ContentDecodingError } from 'socketkit';
 * import { request, serve } from 'socketkit/http';
 * await using server = await serve(() => ({
 *   headers: { 'Content-Encoding': 'gzip' },
 *   body: 'not gzip at all',
 * }));
 * const response = await request(`http://127.0.0.1:${server.address.port}/`, { decompress: true });
 * const error = await response.body.text().catch((e: unknown) => e);
 * if (error instanceof ContentDecodingError) console.log(error.reason); // corrupt
 * ```
 */
export class ContentDecodingError extends SockitError {
  /** `'ContentDecodingError'`, as stack traces show it. */
  override name = 'ContentDecodingError';
  /** `'SOCKETKIT_ERR_CONTENT_DECODING'`. */
  readonly code = 'SOCKETKIT_ERR_CONTENT_DECODING' as const;
  /** `'corrupt'`: not valid data for its coding; `'too-large'`: it inflates past the limit. */
  readonly reason: 'corrupt' | 'too-large';

  /**
   * @param message One sentence naming the coding and what is wrong.
   * @param reason Corrupt data, or past the size limit.
   * @param options The zlib error underneath (`cause`).
   */
  constructor(message: string, reason: 'corrupt' | 'too-large', options: SockitErrorOptions = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * An HTTP proxy would not carry the request (curl's errors 5 and 56): its name did not resolve
 * (`reason: 'resolve'`), it refused the `CONNECT` tunnel for https with a status
 * (`'status'`, e.g. 407 when it wants credentials, 403 for a port it does not allow), or it
 * closed the connection or sent something that is not HTTP instead of answering (`'closed'`).
 *
 * @example A proxy that wants a password
 * ```ts
 * import { encode, listen, ProxyError } from 'socketkit';
 * import { request } from 'socketkit/http';
 * // A stand-in proxy that refuses every tunnel until it is given credentials.
 * await using proxy = await listen();
 * const answering = (async () => {
 *   const [conn] = await proxy.accept();
 *   await conn.recvUntil('\r\n\r\n');
 *   await conn.sendAll(encode('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'));
 *   await conn.close();
 * })();
 * const error = await request('https://localhost:8443/', {
 *   proxy: `http://127.0.0.1:${proxy.address.port}`,
 * }).catch((e: unknown) => e);
 * if (error instanceof ProxyError) console.log(error.reason, error.status); // status 407
 * await answering;
 * ```
 */
export class ProxyError extends SockitError {
  /** `'ProxyError'`, as stack traces show it. */
  override name = 'ProxyError';
  /** `'SOCKETKIT_ERR_PROXY'`. */
  readonly code = 'SOCKETKIT_ERR_PROXY' as const;
  /** What went wrong: the proxy's name, its answer, or its silence. */
  readonly reason: 'resolve' | 'status' | 'closed';
  /** The proxy's status for `'status'`, else `null`. */
  readonly status: number | null;

  /**
   * @param message One sentence naming the proxy, the target and what the proxy said.
   * @param reason Why: the proxy's name, its status, or its closing.
   * @param status The status it answered with, for `'status'`.
   * @param options The error underneath (`cause`).
   */
  constructor(
    message: string,
    reason: 'resolve' | 'status' | 'closed',
    status: number | null = null,
    options: SockitErrorOptions = {},
  ) {
    super(message, options);
    this.reason = reason;
    this.status = status;
  }
}

/** Each code and the class that carries it, for {@link isSockitError}. */
export interface SockitErrorByCode {
  /** {@link SocketError} (the base class itself). */
  SOCKETKIT_ERR_SOCKET: SocketError;
  /** {@link NameResolutionError}. */
  SOCKETKIT_ERR_NAME_RESOLUTION: NameResolutionError;
  /** {@link ServiceNotFoundError}. */
  SOCKETKIT_ERR_SERVICE_NOT_FOUND: ServiceNotFoundError;
  /** {@link ConnectionRefusedError}. */
  SOCKETKIT_ERR_CONNECTION_REFUSED: ConnectionRefusedError;
  /** {@link ConnectionResetError}. */
  SOCKETKIT_ERR_CONNECTION_RESET: ConnectionResetError;
  /** {@link BrokenPipeError}. */
  SOCKETKIT_ERR_BROKEN_PIPE: BrokenPipeError;
  /** {@link SocketTimeoutError}. */
  SOCKETKIT_ERR_TIMEOUT: SocketTimeoutError;
  /** {@link AddressInUseError}. */
  SOCKETKIT_ERR_ADDRESS_IN_USE: AddressInUseError;
  /** {@link PermissionDeniedError}. */
  SOCKETKIT_ERR_PERMISSION_DENIED: PermissionDeniedError;
  /** {@link HostUnreachableError}. */
  SOCKETKIT_ERR_HOST_UNREACHABLE: HostUnreachableError;
  /** {@link TlsError}. */
  SOCKETKIT_ERR_TLS: TlsError;
  /** {@link SocketClosedError}. */
  SOCKETKIT_ERR_CLOSED: SocketClosedError;
  /** {@link SocketAbortError}. */
  SOCKETKIT_ERR_ABORTED: SocketAbortError;
  /** {@link ConcurrentReadError}. */
  SOCKETKIT_ERR_CONCURRENT_READ: ConcurrentReadError;
  /** {@link InvalidStateError}. */
  SOCKETKIT_ERR_INVALID_STATE: InvalidStateError;
  /** {@link IncompleteReadError}. */
  SOCKETKIT_ERR_INCOMPLETE_READ: IncompleteReadError;
  /** {@link LimitOverrunError}. */
  SOCKETKIT_ERR_LIMIT_OVERRUN: LimitOverrunError;
  /** {@link FrameTooLongError}. */
  SOCKETKIT_ERR_FRAME_TOO_LONG: FrameTooLongError;
  /** {@link CorruptedFrameError}. */
  SOCKETKIT_ERR_CORRUPTED_FRAME: CorruptedFrameError;
  /** {@link HttpParseError}. */
  SOCKETKIT_ERR_HTTP_PARSE: HttpParseError;
  /** {@link EmptyReplyError}. */
  SOCKETKIT_ERR_EMPTY_REPLY: EmptyReplyError;
  /** {@link TooManyRedirectsError}. */
  SOCKETKIT_ERR_TOO_MANY_REDIRECTS: TooManyRedirectsError;
  /** {@link ContentDecodingError}. */
  SOCKETKIT_ERR_CONTENT_DECODING: ContentDecodingError;
  /** {@link ProxyError}. */
  SOCKETKIT_ERR_PROXY: ProxyError;
}

/**
 * Any error socketkit throws on purpose, as a union that `switch (error.code)` narrows to the
 * class: in the `'SOCKETKIT_ERR_CONNECTION_REFUSED'` case, `error` is a {@link ConnectionRefusedError}.
 *
 * @example One message per kind of failure
 * ```ts
 * import { type AnySockitError, connect, isSockitError } from 'socketkit';
 * function advice(error: AnySockitError): string {
 *   switch (error.code) {
 *     case 'SOCKETKIT_ERR_CONNECTION_REFUSED':
 *       return `nothing listens on port ${error.port}`;
 *     case 'SOCKETKIT_ERR_TIMEOUT':
 *       return 'the peer is slow, or gone';
 *     default:
 *       return error.message;
 *   }
 * }
 * const error = await connect('127.0.0.1', 1).catch((e: unknown) => e);
 * if (isSockitError(error)) console.log(advice(error)); // nothing listens on port 1
 * ```
 */
export type AnySockitError = SockitErrorByCode[SockitErrorCode];

/**
 * Whether `error` is a socketkit error, or one with the given `code`; narrows to its class, so
 * its fields (`port`, `partial`, `status`, …) can be read without a cast.
 *
 * @example Narrowing an error of unknown type
 * ```ts
 * import { isSockitError } from 'socketkit';
 * const error: unknown = new Error('not ours');
 * console.log(isSockitError(error)); // false
 * ```
 */
export function isSockitError(error: unknown): error is AnySockitError;
export function isSockitError<C extends SockitErrorCode>(
  error: unknown,
  code: C,
): error is SockitErrorByCode[C];
export function isSockitError(error: unknown, code?: SockitErrorCode): boolean {
  return error instanceof SockitError && (code === undefined || error.code === code);
}

function errnoNumber(name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  return (constants.errno as Record<string, number>)[name];
}

/** What Python (glibc's strerror / gai_strerror) says for each system error. */
const STRERROR: Record<string, string> = {
  ENOTFOUND: 'Name or service not known',
  EAI_NONAME: 'Name or service not known',
  EAI_NODATA: 'No address associated with hostname',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
  ETIMEDOUT: 'Connection timed out',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EHOSTDOWN: 'Host is down',
  ENETDOWN: 'Network is down',
  EMSGSIZE: 'Message too long',
  ECONNABORTED: 'Software caused connection abort',
};

/** Certificate verification codes from OpenSSL and Node's own host-name check. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** A message on one line, without trailing whitespace. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The reason in an OpenSSL error string: `…:error:0A00010B:SSL routines:ssl3_get_record:wrong
 * version number:../deps/…:350:` is "wrong version number". Anything else comes back on one line.
 */
export function opensslReason(message: string): string {
  const match = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)(?::|$)/.exec(message);
  return match ? match[1]!.trim() : oneLine(message);
}

/** What the usual handshake failures mean, for the person reading them. */
const TLS_HINTS: Record<string, string> = {
  'wrong version number': ' (the server does not seem to speak TLS on this port)',
  'packet length too long': ' (the server does not seem to speak TLS on this port)',
  'unsupported protocol': ' (the two sides share no TLS version)',
  'no shared cipher': ' (the two sides share no cipher)',
  'sslv3 alert handshake failure': ' (the server refused the handshake)',
  'tlsv1 alert protocol version': ' (the server refused the TLS version)',
};

function describeTarget(context: ErrorContext): string {
  if (context.path !== undefined)
    return `the socket ${context.path.startsWith('\0') ? `@${context.path.slice(1)}` : context.path}`;
  if (context.host === undefined) return '';
  return context.port === undefined ? context.host : `${context.host} port ${context.port}`;
}

/** Why the OS may have said EACCES: a privileged port to bind, or a broadcast address to send to. */
function permissionHint(context: ErrorContext, syscall: string | undefined): string {
  const { port, host } = context;
  if ((syscall === 'bind' || syscall === 'listen') && port !== undefined && port > 0 && port < 1024)
    return ' (ports below 1024 need privileges)';
  // An IPv4 address ending in .255 is, on the usual networks, a broadcast address.
  if (
    (syscall === 'send' || syscall === 'sendto' || syscall === 'connect') &&
    host !== undefined &&
    /^\d+\.\d+\.\d+\.255$/.test(host)
  )
    return ' (a broadcast address needs setBroadcast(true) first)';
  return '';
}

/**
 * Turns an error from Node (`ECONNREFUSED`, `ENOTFOUND`, an OpenSSL code, …)
 * into the matching socketkit error, with a one-sentence message that names
 * the address and the OS's own code. socketkit errors pass through unchanged.
 */
export function fromNodeError(error: unknown, context: ErrorContext = {}): Error {
  if (error instanceof SockitError) return error;
  if (!(error instanceof Error)) return new SocketError(String(error), context);
  const nodeCode = (error as NodeJS.ErrnoException).code ?? '';
  const syscall = context.syscall ?? (error as NodeJS.ErrnoException).syscall;
  const options: SocketErrorOptions = { ...context, syscall, errnoName: nodeCode, cause: error };
  const target = describeTarget(context);
  const at = target ? ` ${target}` : '';
  const during = syscall ? ` during ${syscall}` : '';
  const tag = nodeCode ? ` (${nodeCode})` : '';

  switch (nodeCode) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_AGAIN':
    case 'EAI_FAIL': {
      const host = context.host ?? (error as { hostname?: string }).hostname ?? '';
      return new NameResolutionError(
        `Could not resolve host "${host}": ${STRERROR[nodeCode]}${tag}`,
        options,
      );
    }
    case 'ENOENT':
      if (context.path !== undefined)
        return new SocketError(
          `No socket at ${describeTarget(context).slice('the socket '.length)}: the file does not exist${tag}`,
          options,
        );
      break;
    case 'ECONNREFUSED':
      return new ConnectionRefusedError(
        `Connection refused by${at || ' the peer'}${during}${tag}`,
        options,
      );
    case 'ECONNRESET':
      return new ConnectionResetError(
        `Connection reset by${at || ' the peer'}${during}${tag}`,
        options,
      );
    case 'EPIPE':
    case 'ERR_STREAM_WRITE_AFTER_END':
    case 'ERR_STREAM_DESTROYED':
      return new BrokenPipeError(
        `Broken pipe: the connection${at ? ` to${at}` : ''} can no longer be written to${tag}`,
        options,
      );
    case 'ETIMEDOUT':
      return new SocketTimeoutError(
        `Connection${at ? ` to${at}` : ''} timed out${during}${tag}`,
        options,
      );
    case 'EADDRINUSE':
      return new AddressInUseError(`Address${at} is already in use${tag}`, options);
    case 'EACCES':
    case 'EPERM':
      return new PermissionDeniedError(
        `Permission denied${during}${at ? ` on${at}` : ''}${permissionHint(context, syscall)}${tag}`,
        options,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return new HostUnreachableError(
        `${STRERROR[nodeCode]}:${at || ' the peer'} cannot be reached${tag}`,
        options,
      );
  }
  if (CERTIFICATE_CODES.has(nodeCode)) {
    return new TlsError(
      `The TLS certificate of${at || ' the peer'} is not trusted: ${oneLine(error.message)}${tag}`,
      'certificate',
      options,
    );
  }
  if (
    nodeCode.startsWith('ERR_SSL_') ||
    nodeCode.startsWith('ERR_TLS_') ||
    /\b(ssl|tls)\b/i.test(error.message)
  ) {
    const reason = opensslReason(error.message);
    const hint = TLS_HINTS[reason] ?? '';
    return new TlsError(
      `The TLS handshake with${at || ' the peer'} failed: ${reason}${hint}${tag}`,
      'handshake',
      options,
    );
  }
  const reason = STRERROR[nodeCode] ?? error.message;
  return new SocketError(
    `${syscall ?? 'Socket operation'}${at ? ` on${at}` : ''} failed: ${reason}${tag}`,
    options,
  );
}
