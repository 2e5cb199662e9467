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
 * stream and fails with `FrameTooLongError` as soon as `maxLength` is passed
 * (its `length` is then `maxLength + 1`: the message is at least that long).
 *
 * A stream carries exactly one message, possibly empty: a connection that
 * ends without sending anything carries the empty message (as Python's
 * tutorial server, reading until EOF, gets `b''`), so `encode` of an empty
 * message decodes back to one. `finish()` returns it, once.
 *
 *     received:  | Hello, | world! | <FIN>
 *     frame:     | Hello, world!    |
 *
 * @example The message is whatever came before the end
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
  /** finish() has given the stream's one message. */
  #finished = false;

  constructor(maxLength: number) {
    super();
    this.#maxLength = maxLength;
  }

  protected decode(chunk: Buffer, offset: number): number {
    if (this.#gathered.length + chunk.length - offset > this.#maxLength) {
      // The same error however the bytes were cut: the message has at least maxLength + 1.
      throw new FrameTooLongError(
        `The message is longer than maxLength ${this.#maxLength} bytes`,
        this.#maxLength + 1,
        this.#maxLength,
      );
    }
    this.#gathered.append(offset === 0 ? chunk : chunk.subarray(offset));
    return chunk.length;
  }

  protected end(): Uint8Array | undefined {
    if (this.#finished) return undefined;
    this.#finished = true;
    return this.#gathered.takeAll();
  }

  protected giveBack(): Uint8Array {
    this.#finished = false;
    return this.#gathered.takeAll();
  }

  get buffered(): number {
    return this.#gathered.length;
  }
}
