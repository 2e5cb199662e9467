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
  /** The OS call or socketkit operation that failed (`connect`, `getaddrinfo`, `recv`, …). */
  syscall?: string;
  host?: string;
  port?: number;
}

/** Options shared by every {@link SockitError} constructor. */
export interface SockitErrorOptions extends ErrorContext {
  cause?: unknown;
}

/** Options for {@link SocketError} constructors. */
export interface SocketErrorOptions extends SockitErrorOptions {
  /** The system error name, such as `ECONNREFUSED`, when the OS reported one. */
  errnoName?: string;
}

/** The codes of OS-level failures: {@link SocketError} and its subclasses. */
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
  | 'SOCKETKIT_ERR_TOO_MANY_REDIRECTS';

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
  abstract readonly code: SockitErrorCode;
  readonly syscall: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;

  constructor(message: string, options: SockitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.syscall = options.syscall;
    this.host = options.host;
    this.port = options.port;
  }
}

/**
 * An OS-level socket failure (Python's `OSError` for sockets).
 *
 * `errno` is the positive OS error number, as Python reports it (111 for a refused
 * connection on Linux); `errnoName` its symbolic name.
 */
export class SocketError extends SockitError {
  override name = 'SocketError';
  readonly code: SocketErrorCode = 'SOCKETKIT_ERR_SOCKET';
  readonly errno: number | undefined;
  readonly errnoName: string | undefined;

  constructor(message: string, options: SocketErrorOptions = {}) {
    super(message, options);
    this.errnoName = options.errnoName;
    this.errno = errnoNumber(options.errnoName);
  }
}

/** A host name that does not resolve (Python's `socket.gaierror`). */
export class NameResolutionError extends SocketError {
  override name = 'NameResolutionError';
  override readonly code = 'SOCKETKIT_ERR_NAME_RESOLUTION' as const;
}

/** A service name or port that is not in the services table (Python's `OSError: service/proto not found`). */
export class ServiceNotFoundError extends SocketError {
  override name = 'ServiceNotFoundError';
  override readonly code = 'SOCKETKIT_ERR_SERVICE_NOT_FOUND' as const;
}

/** Nothing listens at that address (RST in answer to SYN, or ICMP port unreachable for UDP). */
export class ConnectionRefusedError extends SocketError {
  override name = 'ConnectionRefusedError';
  override readonly code = 'SOCKETKIT_ERR_CONNECTION_REFUSED' as const;
}

/** The peer aborted the connection (RST). */
export class ConnectionResetError extends SocketError {
  override name = 'ConnectionResetError';
  override readonly code = 'SOCKETKIT_ERR_CONNECTION_RESET' as const;
}

/** Writing to a connection whose write side is shut down or whose peer has gone. */
export class BrokenPipeError extends SocketError {
  override name = 'BrokenPipeError';
  override readonly code = 'SOCKETKIT_ERR_BROKEN_PIPE' as const;
}

/** A blocked call ran past its timeout (Python's `socket.timeout`). Bytes that arrived are kept. */
export class SocketTimeoutError extends SocketError {
  override name = 'SocketTimeoutError';
  override readonly code = 'SOCKETKIT_ERR_TIMEOUT' as const;
}

/** Binding to an address and port that another socket already holds. */
export class AddressInUseError extends SocketError {
  override name = 'AddressInUseError';
  override readonly code = 'SOCKETKIT_ERR_ADDRESS_IN_USE' as const;
}

/** The OS refused the operation (a port below 1024 without privileges, for one). */
export class PermissionDeniedError extends SocketError {
  override name = 'PermissionDeniedError';
  override readonly code = 'SOCKETKIT_ERR_PERMISSION_DENIED' as const;
}

/** No route to the host or its network. */
export class HostUnreachableError extends SocketError {
  override name = 'HostUnreachableError';
  override readonly code = 'SOCKETKIT_ERR_HOST_UNREACHABLE' as const;
}

/** Why a TLS connection failed: the handshake itself, or the peer's certificate. */
export type TlsFailure = 'handshake' | 'certificate';

/** A TLS handshake failed. `reason` says whether the certificate was not trusted. */
export class TlsError extends SocketError {
  override name = 'TlsError';
  override readonly code = 'SOCKETKIT_ERR_TLS' as const;
  readonly reason: TlsFailure;

  constructor(message: string, reason: TlsFailure, options: SocketErrorOptions = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/** The socket was closed by this side; no further reads or writes. */
export class SocketClosedError extends SocketError {
  override name = 'SocketClosedError';
  override readonly code = 'SOCKETKIT_ERR_CLOSED' as const;
}

/** The operation was cancelled through its `AbortSignal`. Bytes that arrived are kept. */
export class SocketAbortError extends SockitError {
  override name = 'AbortError';
  readonly code = 'SOCKETKIT_ERR_ABORTED' as const;
}

/** A second read was started while one was still waiting on the same socket; it touched nothing. */
export class ConcurrentReadError extends SockitError {
  override name = 'ConcurrentReadError';
  readonly code = 'SOCKETKIT_ERR_CONCURRENT_READ' as const;
}

/**
 * A call the socket cannot take in its present state: `sendTo()` on a connected UDP socket,
 * `recv()` on one that is neither connected nor bound, and the like.
 */
export class InvalidStateError extends SockitError {
  override name = 'InvalidStateError';
  readonly code = 'SOCKETKIT_ERR_INVALID_STATE' as const;
}

/**
 * The stream ended before the expected number of bytes arrived
 * (asyncio's `IncompleteReadError`). `partial` holds what did arrive.
 */
export class IncompleteReadError extends SockitError {
  override name = 'IncompleteReadError';
  readonly code = 'SOCKETKIT_ERR_INCOMPLETE_READ' as const;
  readonly partial: Uint8Array;
  /** The number of bytes that were wanted, or `undefined` when reading up to a separator. */
  readonly expected: number | undefined;

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
 * A separator was not found within the length limit (asyncio's
 * `LimitOverrunError`). The bytes stay in the socket's buffer; `consumed`
 * says how many were looked at.
 */
export class LimitOverrunError extends SockitError {
  override name = 'LimitOverrunError';
  readonly code = 'SOCKETKIT_ERR_LIMIT_OVERRUN' as const;
  readonly consumed: number;

  constructor(message: string, consumed: number, options: SockitErrorOptions = {}) {
    super(message, options);
    this.consumed = consumed;
  }
}

/** A frame longer than the codec's `maxLength`, detected before it is buffered. */
export class FrameTooLongError extends SockitError {
  override name = 'FrameTooLongError';
  readonly code = 'SOCKETKIT_ERR_FRAME_TOO_LONG' as const;
  readonly length: number;
  readonly maxLength: number;

  constructor(message: string, length: number, maxLength: number) {
    super(message);
    this.length = length;
    this.maxLength = maxLength;
  }
}

/** A frame header that cannot be parsed. */
export class CorruptedFrameError extends SockitError {
  override name = 'CorruptedFrameError';
  readonly code = 'SOCKETKIT_ERR_CORRUPTED_FRAME' as const;
}

/**
 * An HTTP message that breaks RFC 9112, with the byte offset where parsing
 * stopped, and the status a server should answer it with (400, 431, 501, 505).
 */
export class HttpParseError extends SockitError {
  override name = 'HttpParseError';
  readonly code = 'SOCKETKIT_ERR_HTTP_PARSE' as const;
  readonly offset: number;
  readonly reason: string;
  readonly status: number;

  constructor(reason: string, offset: number, status = 400) {
    super(`${reason} at byte ${offset}`);
    this.offset = offset;
    this.reason = reason;
    this.status = status;
  }
}

/** The server closed the connection without sending a single byte of reply (curl's error 52). */
export class EmptyReplyError extends SockitError {
  override name = 'EmptyReplyError';
  readonly code = 'SOCKETKIT_ERR_EMPTY_REPLY' as const;
}

/** Following redirects went past `maxRedirects`. */
export class TooManyRedirectsError extends SockitError {
  override name = 'TooManyRedirectsError';
  readonly code = 'SOCKETKIT_ERR_TOO_MANY_REDIRECTS' as const;
  readonly redirects: number;

  constructor(message: string, redirects: number, options: SockitErrorOptions = {}) {
    super(message, options);
    this.redirects = redirects;
  }
}

/** Each code and the class that carries it, for {@link isSockitError}. */
export interface SockitErrorByCode {
  SOCKETKIT_ERR_SOCKET: SocketError;
  SOCKETKIT_ERR_NAME_RESOLUTION: NameResolutionError;
  SOCKETKIT_ERR_SERVICE_NOT_FOUND: ServiceNotFoundError;
  SOCKETKIT_ERR_CONNECTION_REFUSED: ConnectionRefusedError;
  SOCKETKIT_ERR_CONNECTION_RESET: ConnectionResetError;
  SOCKETKIT_ERR_BROKEN_PIPE: BrokenPipeError;
  SOCKETKIT_ERR_TIMEOUT: SocketTimeoutError;
  SOCKETKIT_ERR_ADDRESS_IN_USE: AddressInUseError;
  SOCKETKIT_ERR_PERMISSION_DENIED: PermissionDeniedError;
  SOCKETKIT_ERR_HOST_UNREACHABLE: HostUnreachableError;
  SOCKETKIT_ERR_TLS: TlsError;
  SOCKETKIT_ERR_CLOSED: SocketClosedError;
  SOCKETKIT_ERR_ABORTED: SocketAbortError;
  SOCKETKIT_ERR_CONCURRENT_READ: ConcurrentReadError;
  SOCKETKIT_ERR_INVALID_STATE: InvalidStateError;
  SOCKETKIT_ERR_INCOMPLETE_READ: IncompleteReadError;
  SOCKETKIT_ERR_LIMIT_OVERRUN: LimitOverrunError;
  SOCKETKIT_ERR_FRAME_TOO_LONG: FrameTooLongError;
  SOCKETKIT_ERR_CORRUPTED_FRAME: CorruptedFrameError;
  SOCKETKIT_ERR_HTTP_PARSE: HttpParseError;
  SOCKETKIT_ERR_EMPTY_REPLY: EmptyReplyError;
  SOCKETKIT_ERR_TOO_MANY_REDIRECTS: TooManyRedirectsError;
}

/** Any error socketkit throws on purpose, as a union that `switch (error.code)` narrows. */
export type AnySockitError = SockitErrorByCode[SockitErrorCode];

/**
 * Whether `error` is a socketkit error, or one with the given `code`; narrows to its class.
 *
 * @example
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
function opensslReason(message: string): string {
  const match = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message);
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
  if (context.host === undefined) return '';
  return context.port === undefined ? context.host : `${context.host} port ${context.port}`;
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
        `Permission denied${during}${at ? ` on${at}` : ''}${at.includes('port') ? ' (ports below 1024 need privileges)' : ''}${tag}`,
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
