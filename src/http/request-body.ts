/**
 * A request body gathered for the handler, bounded by construction: one buffer that grows
 * as bytes arrive (doubling, never past `maxBodySize`), so its memory follows the bytes that
 * actually came and not how they were cut. A body of a million 1-byte pieces costs its
 * million bytes, not a million buffer objects.
 *
 * @module
 */

import { EMPTY } from '../core/bytes.js';

/** The first allocation for a body of unknown or large length. */
const FIRST_SIZE = 16 * 1024;

/** The body is larger than allowed: the server answers 413 (RFC 9110 §15.5.14). */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes`);
  }
}

/** The bytes of one request body, gathered up to a limit. */
export class RequestBody {
  readonly #max: number;
  #expected = -1;
  #buffer: Buffer = EMPTY;
  #length = 0;

  constructor(maxBodySize: number) {
    this.#max = maxBodySize;
  }

  /**
   * A new body begins: `expected` is its Content-Length, or -1 when chunked.
   *
   * @throws {BodyTooLarge} `expected` is over the limit: refused before a byte is kept.
   */
  begin(expected: number): void {
    if (expected > this.#max) throw new BodyTooLarge(this.#max);
    this.#expected = expected;
    this.#buffer = EMPTY;
    this.#length = 0;
  }

  /**
   * Copies a piece of body (a view the parser lends) in.
   *
   * @throws {BodyTooLarge} the body grew past the limit.
   */
  append(piece: Uint8Array): void {
    const needed = this.#length + piece.length;
    if (needed > this.#max) throw new BodyTooLarge(this.#max);
    if (needed > this.#buffer.length) this.#grow(needed);
    this.#buffer.set(piece, this.#length);
    this.#length = needed;
  }

  /** The gathered body, handed over (the next body starts empty). */
  take(): Uint8Array {
    const body = this.#length === 0 ? EMPTY : this.#buffer.subarray(0, this.#length);
    this.#buffer = EMPTY;
    this.#length = 0;
    return body;
  }

  /** How many bytes are held now. */
  get length(): number {
    return this.#length;
  }

  #grow(needed: number): void {
    // Never more than the announced length or the limit; otherwise double, so copies stay linear.
    const ceiling = this.#expected >= 0 ? this.#expected : this.#max;
    const size = Math.min(ceiling, Math.max(needed, FIRST_SIZE, this.#buffer.length * 2));
    const bigger = Buffer.allocUnsafe(size);
    this.#buffer.copy(bigger, 0, 0, this.#length);
    this.#buffer = bigger;
  }
}
