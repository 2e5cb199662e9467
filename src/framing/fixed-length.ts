/**
 * Fixed-length framing: every message is exactly `size` bytes, shorter
 * ones padded (tutorial 003's first method).
 *
 * @module
 */

import { asBuffer, type Bytes } from '../core/bytes.js';
import { Accumulator, type Codec, FrameDecoder } from './codec.js';

/** Options for {@link fixedLength}. */
export interface FixedLengthOptions {
  /**
   * Pads shorter messages with this byte (a number, or a one-character
   * string such as `'#'`) and strips trailing pad bytes when decoding. Without
   * it, every message must be exactly `size` bytes.
   */
  pad?: number | string;
}

/**
 * Frames of exactly `size` bytes, as Netty's `FixedLengthFrameDecoder`.
 * However the bytes are cut in transit, the decoder hands out `size`-byte
 * frames:
 *
 *     received:  | He | llo, world!###### | #########Bye####### | ####### |
 *     frames:    | Hello, world!                | Bye                    |
 *                  (size 20, pad '#': the padding is stripped)
 *
 * With `pad`, a message that itself ends in the pad byte cannot survive the
 * trip, so `encode` refuses it; every other message up to `size` bytes
 * (pad bytes inside it included) decodes back as itself.
 *
 * @example Thirty-byte messages padded with '#', as in tutorial 003
 * ```ts
 * import { fixedLength } from 'socketkit/framing';
 * const codec = fixedLength(30, { pad: '#' });
 * const wire = codec.encode(new TextEncoder().encode('Hello, world!'));
 * console.log(wire.length); // 30
 * const decoder = codec.decoder();
 * const frames = [...decoder.push(wire.subarray(0, 7)), ...decoder.push(wire.subarray(7))];
 * console.log(new TextDecoder().decode(frames[0])); // Hello, world!
 * ```
 */
export function fixedLength(size: number, options: FixedLengthOptions = {}): Codec {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(
      `Invalid frame size ${String(size)} for fixedLength(): it must be a positive integer`,
    );
  }
  const pad = padByte(options.pad);
  return {
    kind: 'fixed-length',
    maxLength: size,
    encode(message: Bytes): Bytes {
      const bytes = asBuffer(message, 'fixedLength().encode()');
      if (bytes.length > size) {
        throw new RangeError(
          `A message of ${bytes.length} bytes does not fit a ${size}-byte fixed-length frame`,
        );
      }
      if (pad === undefined) {
        if (bytes.length !== size) {
          throw new RangeError(
            `A message of ${bytes.length} bytes is not ${size} bytes long, and fixedLength(${size}) has no pad byte to fill it`,
          );
        }
        return bytes;
      }
      if (bytes.length > 0 && bytes[bytes.length - 1] === pad) {
        throw new RangeError(
          `A message that ends with the pad byte 0x${pad.toString(16).padStart(2, '0')} cannot be framed: decoding would strip it`,
        );
      }
      const frame = Buffer.alloc(size, pad);
      bytes.copy(frame);
      return frame;
    },
    decoder: () => new FixedLengthDecoder(size, pad),
  };
}

function padByte(pad: number | string | undefined): number | undefined {
  if (pad === undefined) return undefined;
  if (typeof pad === 'string') {
    if (pad.length !== 1 || pad.charCodeAt(0) > 0xff) {
      throw new RangeError(
        `Invalid pad ${JSON.stringify(pad)}: it must be a single byte, such as '#'`,
      );
    }
    return pad.charCodeAt(0);
  }
  if (!Number.isInteger(pad) || pad < 0 || pad > 255) {
    throw new RangeError(`Invalid pad ${String(pad)}: it must be a byte value from 0 to 255`);
  }
  return pad;
}

class FixedLengthDecoder extends FrameDecoder {
  readonly #size: number;
  readonly #pad: number | undefined;
  readonly #gathered = new Accumulator();

  constructor(size: number, pad: number | undefined) {
    super();
    this.#size = size;
    this.#pad = pad;
  }

  protected decode(chunk: Buffer, offset: number): number {
    const size = this.#size;
    if (this.#gathered.length === 0 && chunk.length - offset >= size) {
      this.emit(this.#strip(chunk.subarray(offset, offset + size)));
      return offset + size;
    }
    const taken = Math.min(size - this.#gathered.length, chunk.length - offset);
    this.#gathered.reserve(size);
    this.#gathered.append(chunk.subarray(offset, offset + taken));
    if (this.#gathered.length === size) this.emit(this.#strip(this.#gathered.takeAll()));
    return offset + taken;
  }

  protected end(): Uint8Array | undefined {
    if (this.#gathered.length === 0) return undefined;
    throw this.incomplete('fixed-length frame', this.#gathered.takeAll(), this.#size);
  }

  protected giveBack(): Uint8Array {
    return this.#gathered.takeAll();
  }

  get buffered(): number {
    return this.#gathered.length;
  }

  #strip(frame: Uint8Array): Uint8Array {
    if (this.#pad === undefined) return frame;
    let end = frame.length;
    while (end > 0 && frame[end - 1] === this.#pad) end--;
    return frame.subarray(0, end);
  }
}
