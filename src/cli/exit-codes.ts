/**
 * Exit codes, curl's where curl has one, and the mapping from socketkit's
 * errors to them.
 *
 * @module
 */

import {
  ConnectionRefusedError,
  ConnectionResetError,
  ContentDecodingError,
  EmptyReplyError,
  HostUnreachableError,
  HttpParseError,
  IncompleteReadError,
  NameResolutionError,
  ProxyError,
  SocketError,
  SocketTimeoutError,
  TlsError,
  TooManyRedirectsError,
} from '../core/errors.js';

export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  RESOLVE_PROXY: 5,
  RESOLVE: 6,
  CONNECT: 7,
  MALFORMED_REPLY: 8,
  PARTIAL: 18,
  HTTP_ERROR: 22,
  WRITE_ERROR: 23,
  TIMEOUT: 28,
  TLS_HANDSHAKE: 35,
  TOO_MANY_REDIRECTS: 47,
  EMPTY_REPLY: 52,
  RESET: 56,
  CLIENT_CERTIFICATE: 58,
  CERTIFICATE: 60,
  BAD_CONTENT_ENCODING: 61,
  CA_FILE: 77,
} as const;

/** An error the CLI reports with a specific exit code and no stack. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The exit code for an error thrown while a command ran. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof TypeError || error instanceof RangeError) return ExitCode.USAGE;
  if (error instanceof NameResolutionError) return ExitCode.RESOLVE;
  if (error instanceof ConnectionRefusedError || error instanceof HostUnreachableError)
    return ExitCode.CONNECT;
  if (error instanceof HttpParseError) return ExitCode.MALFORMED_REPLY;
  if (error instanceof IncompleteReadError) return ExitCode.PARTIAL;
  if (error instanceof SocketTimeoutError) return ExitCode.TIMEOUT;
  if (error instanceof TlsError)
    return error.reason === 'certificate' ? ExitCode.CERTIFICATE : ExitCode.TLS_HANDSHAKE;
  if (error instanceof TooManyRedirectsError) return ExitCode.TOO_MANY_REDIRECTS;
  if (error instanceof ConnectionResetError) return ExitCode.RESET;
  if (error instanceof EmptyReplyError) return ExitCode.EMPTY_REPLY;
  if (error instanceof ContentDecodingError) return ExitCode.BAD_CONTENT_ENCODING;
  // curl: 5 for a proxy whose name does not resolve, 56 for a tunnel the proxy refused.
  if (error instanceof ProxyError)
    return error.reason === 'resolve' ? ExitCode.RESOLVE_PROXY : ExitCode.RESET;
  // No socket at a Unix path, or not a socket: curl's --unix-socket says "could not connect".
  if (error instanceof SocketError && error.syscall === 'connect' && error.path !== undefined)
    return ExitCode.CONNECT;
  return ExitCode.FAILURE;
}
