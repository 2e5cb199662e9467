/**
 * How a failed exchange is counted: the engine's own failures carry their
 * kind; anything else thrown while connecting, sending or reading is sorted
 * by its error code.
 *
 * @module
 */

import { HttpParseError } from '../core/errors.js';
import type { ErrorKind } from './engine.js';

/** An exchange that failed, and how it should be counted. */
export class ExchangeError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The kind to count `error` under (a reset when nothing more specific fits). */
export function classify(error: unknown): ErrorKind {
  if (error instanceof ExchangeError) return error.kind;
  if (error instanceof HttpParseError) return 'parse';
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SOCKETKIT_ERR_TIMEOUT') return 'timeout';
  if (
    code === 'SOCKETKIT_ERR_CONNECTION_REFUSED' ||
    code === 'SOCKETKIT_ERR_NAME_RESOLUTION' ||
    code === 'SOCKETKIT_ERR_HOST_UNREACHABLE' ||
    code === 'SOCKETKIT_ERR_TLS'
  ) {
    return 'connect';
  }
  return 'reset';
}
