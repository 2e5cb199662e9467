/**
 * Send-and-close framing: the message is everything the peer sends before
 * it shuts down its side (tutorial 003's fourth method, and HTTP/1.0's).
 *
 * @module
 */

import type { Bytes } from '../core/bytes.js';
import { FrameTooLongError } from '../core/errors.js';
import {
  Accumulator,
  type Codec,
  DEFAULT_MAX_FRAME,
  FrameDecoder,
  messageWithin,
  validateMaxLength,
} from './codec.js';

/** Options for {@link closeDelimited}. */
export interface CloseDelimitedOptions {
  /** The longest message. Default 64 KiB. */
  maxLength?: number;
}

/**
 * One message per connection, ended by FIN. `sendMessage` sends it and
 * shuts down the write half; the decoder gathers until the end of the
 * stream and fails with `FrameTooLongError` as soon as `maxLength` is passed.
 * A connection that ends without sending anything carries no message
 * (`readMessage` returns `null`).
 *
 *     received:  | Hello, | world! | <FIN>
 *     frame:     | Hello, world!    |
 *
 * @example
 * ```ts
 * import { closeDelimited } from 'socketkit/framing';
 * const decoder = closeDelimited({ maxLength: 1024 }).decoder();
 * decoder.push(new TextEncoder().encode('Hello, '));
 * decoder.push(new TextEncoder().encode('world!'));
 * console.log(new TextDecoder().decode(decoder.finish())); // Hello, world!
 * ```
 */
export function closeDelimited(options: CloseDelimitedOptions = {}): Codec {
  const maxLength = validateMaxLength(options.maxLength, DEFAULT_MAX_FRAME, 'closeDelimited');
  return {
    kind: 'close-delimited',
    maxLength,
    encode(message: Bytes): Bytes {
      const bytes = messageWithin(message, maxLength, 'closeDelimited().encode()');
      return bytes;
    },
    decoder: () => new CloseDelimitedDecoder(maxLength),
  };
}

class CloseDelimitedDecoder extends FrameDecoder {
  readonly #maxLength: number;
  readonly #gathered = new Accumulator();
  #received = false;
  #failed: Error | null = null;

  constructor(maxLength: number) {
    super();
    this.#maxLength = maxLength;
  }

  protected decode(chunk: Buffer, offset: number): number {
    if (this.#failed) throw this.#failed;
    const length = chunk.length - offset;
    if (length === 0) return offset;
    this.#received = true;
    if (this.#gathered.length + length > this.#maxLength) {
      const seen = this.#gathered.length + length;
      this.#gathered.clear();
      this.#failed = new FrameTooLongError(
        `The message is longer than maxLength ${this.#maxLength} bytes (${seen} so far)`,
        seen,
        this.#maxLength,
      );
      throw this.#failed;
    }
    this.#gathered.append(offset === 0 ? chunk : chunk.subarray(offset));
    return chunk.length;
  }

  finish(): Uint8Array | undefined {
    if (this.#failed) throw this.#failed;
    if (!this.#received) return undefined;
    this.#received = false;
    return this.#gathered.takeAll();
  }

  release(): Uint8Array {
    this.#received = false;
    return this.#gathered.takeAll();
  }

  get buffered(): number {
    return this.#gathered.length;
  }
}
