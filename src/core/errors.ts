/**
 * Every error socketkit throws on purpose, in one module (as undici keeps its
 * `core/errors.js`): callers switch on the stable string `code`, which is a
 * literal type on each class.
 *
 * Wrong argument types are the built-in `TypeError`, out-of-range numbers
 * `RangeError`; everything that went wrong on the wire or in the OS is a
 * {@link SocketError} subclass.
 *
 * @module
 */

import { constants } from 'node:os';

/** Where a socket error happened: which call, against which host and port. */
export interface ErrorContext {
  /** The OS call or socketkit operation that failed (`connect`, `getaddrinfo`, `recv`, …). */
  syscall?: string;
  host?: string;
  port?: number;
}

/** Options shared by every {@link SocketError} constructor. */
export interface SocketErrorOptions extends ErrorContext {
  /** The system error name, such as `ECONNREFUSED`, when the OS reported one. */
  errnoName?: string;
  cause?: unknown;
}

/**
 * Base class of socketkit's socket errors (Python's `OSError` for sockets).
 *
 * `errno` is the positive OS error number, as Python reports it (111 for
 * a refused connection on Linux); `errnoName` its symbolic name.
 */
export class SocketError extends Error {
  override name = 'SocketError';
  readonly code: string = 'SOCKETKIT_ERR_SOCKET';
  readonly errno: number | undefined;
  readonly errnoName: string | undefined;
  readonly syscall: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;

  constructor(message: string, options: SocketErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errnoName = options.errnoName;
    this.errno = errnoNumber(options.errnoName);
    this.syscall = options.syscall;
    this.host = options.host;
    this.port = options.port;
  }
}

/** A host name that does not resolve (Python's `socket.gaierror`). */
export class NameResolutionError extends SocketError {
  override name = 'NameResolutionError';
  override readonly code = 'SOCKETKIT_ERR_NAME_RESOLUTION' as const;
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

/** The operation was cancelled through its `AbortSignal`. Bytes that arrived are kept. */
export class SocketAbortError extends SocketError {
  override name = 'AbortError';
  override readonly code = 'SOCKETKIT_ERR_ABORTED' as const;
}

/** A second read was started while one was still waiting on the same socket. */
export class ConcurrentReadError extends SocketError {
  override name = 'ConcurrentReadError';
  override readonly code = 'SOCKETKIT_ERR_CONCURRENT_READ' as const;
}

/** The socket was closed by this side; no further reads or writes. */
export class SocketClosedError extends SocketError {
  override name = 'SocketClosedError';
  override readonly code = 'SOCKETKIT_ERR_CLOSED' as const;
}

/**
 * The stream ended before the expected number of bytes arrived
 * (asyncio's `IncompleteReadError`). `partial` holds what did arrive.
 */
export class IncompleteReadError extends SocketError {
  override name = 'IncompleteReadError';
  override readonly code = 'SOCKETKIT_ERR_INCOMPLETE_READ' as const;
  readonly partial: Uint8Array;
  /** The number of bytes that were wanted, or `undefined` when reading up to a separator. */
  readonly expected: number | undefined;

  constructor(
    message: string,
    partial: Uint8Array,
    expected: number | undefined,
    options: SocketErrorOptions = {},
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
export class LimitOverrunError extends SocketError {
  override name = 'LimitOverrunError';
  override readonly code = 'SOCKETKIT_ERR_LIMIT_OVERRUN' as const;
  readonly consumed: number;

  constructor(message: string, consumed: number, options: SocketErrorOptions = {}) {
    super(message, options);
    this.consumed = consumed;
  }
}

/** A service name or port that is not in the services table (Python's `OSError: service/proto not found`). */
export class ServiceNotFoundError extends SocketError {
  override name = 'ServiceNotFoundError';
  override readonly code = 'SOCKETKIT_ERR_SERVICE_NOT_FOUND' as const;
}

/** A frame longer than the codec's `maxLength`, detected before it is buffered. */
export class FrameTooLongError extends SocketError {
  override name = 'FrameTooLongError';
  override readonly code = 'SOCKETKIT_ERR_FRAME_TOO_LONG' as const;
  readonly length: number;
  readonly maxLength: number;

  constructor(message: string, length: number, maxLength: number) {
    super(message);
    this.length = length;
    this.maxLength = maxLength;
  }
}

/** A frame header that cannot be parsed. */
export class CorruptedFrameError extends SocketError {
  override name = 'CorruptedFrameError';
  override readonly code = 'SOCKETKIT_ERR_CORRUPTED_FRAME' as const;
}

/**
 * An HTTP message that breaks RFC 9112, with the byte offset where parsing
 * stopped, and the status a server should answer it with (400, 431, 505…).
 */
export class HttpParseError extends SocketError {
  override name = 'HttpParseError';
  override readonly code = 'SOCKETKIT_ERR_HTTP_PARSE' as const;
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
export class EmptyReplyError extends SocketError {
  override name = 'EmptyReplyError';
  override readonly code = 'SOCKETKIT_ERR_EMPTY_REPLY' as const;
}

/** Following redirects went past `maxRedirects`. */
export class TooManyRedirectsError extends SocketError {
  override name = 'TooManyRedirectsError';
  override readonly code = 'SOCKETKIT_ERR_TOO_MANY_REDIRECTS' as const;
  readonly redirects: number;

  constructor(message: string, redirects: number) {
    super(message);
    this.redirects = redirects;
  }
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
  if (error instanceof SocketError) return error;
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
      `The TLS certificate of${at || ' the peer'} is not trusted: ${error.message}${tag}`,
      'certificate',
      options,
    );
  }
  if (
    nodeCode.startsWith('ERR_SSL_') ||
    nodeCode.startsWith('ERR_TLS_') ||
    /\b(ssl|tls)\b/i.test(error.message)
  ) {
    return new TlsError(
      `The TLS handshake with${at || ' the peer'} failed: ${error.message}`,
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
