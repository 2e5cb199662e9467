/**
 * One blocked call: a promise plus its optional timer and AbortSignal, so
 * every waiting method in socketkit times out and aborts the same way.
 *
 * The timer is only armed when a call actually has to wait, and nothing is
 * allocated for calls that can be answered from buffered data.
 *
 * @module
 */

import { validateTimeout } from './address.js';
import { SocketAbortError, SocketTimeoutError } from './errors.js';
import { type LongTimer, setLongTimeout } from './timers.js';

/** Options every call that can wait accepts. */
export interface WaitOptions {
  /** Milliseconds this call may wait; overrides the socket's `setTimeout()`. `null` waits forever. */
  timeout?: number | null;
  /** Cancels the wait. Bytes that already arrived stay in the socket's buffer. */
  signal?: AbortSignal;
}

/**
 * The wait a call gets: its own `timeout` option when given (checked), else the socket's.
 *
 * @throws {TypeError|RangeError} the option is not a number of milliseconds ≥ 0 or null.
 */
export function timeoutFor(
  options: WaitOptions | undefined,
  fallback: number | null,
): number | null {
  return options?.timeout === undefined ? fallback : validateTimeout(options.timeout);
}

/**
 * Checks a call's wait options before it does anything: `timeout` a number of ms ≥ 0 or
 * `null`, `signal` an AbortSignal. Returns the error to reject with, or `null`.
 */
export function badWaitOptions(options: WaitOptions | undefined, call: string): Error | null {
  if (options === undefined || options === null) return null;
  if (typeof options !== 'object')
    return new TypeError(`Invalid options for ${call}: expected an object, got ${typeof options}`);
  try {
    if (options.timeout !== undefined) validateTimeout(options.timeout);
  } catch (error) {
    return error as Error;
  }
  const signal = options.signal as unknown;
  if (
    signal !== undefined &&
    (signal === null ||
      typeof signal !== 'object' ||
      typeof (signal as AbortSignal).addEventListener !== 'function' ||
      typeof (signal as AbortSignal).aborted !== 'boolean')
  ) {
    return new TypeError(
      `Invalid signal for ${call}: it must be an AbortSignal (from new AbortController().signal)`,
    );
  }
  return null;
}

/** What a waiter needs to say, if it ends early, what was waiting and on what. */
export interface WaitDescription {
  /** The call that waited, as in the message: `recvExactly(5)`. */
  call: string;
  /** `on 127.0.0.1 port 7342`, or empty. */
  target: string;
  /** Called first when the wait ends by timeout or abort, to detach the waiter from its owner. */
  detach: () => void;
  /** Extra words for the timeout message, such as how much is buffered. */
  detail?: () => string;
  host?: string;
  port?: number;
}

/** A promise that a timeout, an abort, or its owner settles, whichever comes first. */
export class Waiter<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  #timer: LongTimer | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #done = false;

  constructor(timeoutMs: number | null, signal: AbortSignal | undefined, what: WaitDescription) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (signal?.aborted) {
      this.#done = true;
      this.#reject(abortError(what, signal));
      return;
    }
    if (timeoutMs !== null) {
      this.#timer = setLongTimeout(() => {
        if (this.#done) return;
        what.detach();
        const detail = what.detail ? `; ${what.detail()}` : '';
        this.reject(
          new SocketTimeoutError(
            `${what.call} timed out after ${timeoutMs} ms${what.target}${detail}`,
            {
              syscall: what.call,
              host: what.host,
              port: what.port,
            },
          ),
        );
      }, timeoutMs);
    }
    if (signal) {
      this.#signal = signal;
      this.#onAbort = () => {
        if (this.#done) return;
        what.detach();
        this.reject(abortError(what, signal));
      };
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** True once resolved or rejected. */
  get settled(): boolean {
    return this.#done;
  }

  resolve(value: T): void {
    if (this.#done) return;
    this.#cleanup();
    this.#resolve(value);
  }

  reject(reason: unknown): void {
    if (this.#done) return;
    this.#cleanup();
    this.#reject(reason);
  }

  #cleanup(): void {
    this.#done = true;
    this.#timer?.clear();
    if (this.#signal && this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
  }
}

function abortError(what: WaitDescription, signal: AbortSignal): Error {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new SocketAbortError(`${what.call} was aborted${what.target}${reason}`, {
    syscall: what.call,
    host: what.host,
    port: what.port,
    cause: signal.reason,
  });
}
