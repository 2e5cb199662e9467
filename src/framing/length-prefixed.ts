/**
 * Length-prefixed framing: a header says how long the message is (tutorial
 * 003's third method; `{ ascii: 5 }` is its `str(len(msg)).zfill(5)`).
 *
 * @module
 */

import { type Bytes, EMPTY } from '../core/bytes.js';
import { CorruptedFrameError, FrameTooLongError } from '../core/errors.js';
import {
  Accumulator,
  type Codec,
  DEFAULT_MAX_FRAME,
  FrameDecoder,
  messageWithin,
  validateMaxLength,
} from './codec.js';

/** How the length is written: binary integers, a varint (LEB128, as protobuf), or N ASCII digits. */
export type LengthHeader =
  | 'u8'
  | 'u16be'
  | 'u32be'
  | 'u32le'
  | 'varint'
  | {
      /** How many decimal digits, zero-filled: `{ ascii: 5 }` writes 12 as `00012`. 1 to 15. */
      ascii: number;
    };

/** Options for {@link lengthPrefixed}. */
export interface LengthPrefixedOptions {
  /** How the length is written: `'u8'`, `'u16be'`, `'u32be'`, `'u32le'`, `'varint'` or `{ ascii: digits }`. */
  header: LengthHeader;
  /** The longest message, header not counted. Default 64 KiB. */
  maxLength?: number;
  /** The length counts the header's own bytes too (some protocols do). Default `false`. */
  lengthIncludesHeader?: boolean;
}

const MAX_U32 = 0xffff_ffff;

interface HeaderFormat {
  /** Header size in bytes; for varint, the most it may take. */
  size: number;
  /** The largest value the header can say. */
  max: number;
  name: string;
  write(value: number): Buffer;
  /**
   * How many bytes the header at `bytes[start, end)` takes, or 0 while it
   * is incomplete. Reads in place: no copy, no allocation.
   *
   * @throws {CorruptedFrameError} the bytes cannot be such a header.
   */
  measure(bytes: Buffer, start: number, end: number): number;
  /** The value of the complete header at `bytes[start…]`. */
  value(bytes: Buffer, start: number): number;
}

function headerFormat(header: LengthHeader): HeaderFormat {
  if (typeof header === 'object' && header !== null && 'ascii' in header) {
    const digits = header.ascii;
    if (!Number.isInteger(digits) || digits < 1 || digits > 15) {
      throw new RangeError(
        `Invalid header { ascii: ${String(digits)} }: it must be 1 to 15 digits`,
      );
    }
    return {
      size: digits,
      max: 10 ** digits - 1,
      name: `${digits} ASCII digits`,
      write: (value) => Buffer.from(String(value).padStart(digits, '0'), 'latin1'),
      measure(bytes, start, end) {
        const available = Math.min(end - start, digits);
        for (let i = 0; i < available; i++) {
          const b = bytes[start + i]!;
          if (b < 0x30 || b > 0x39) {
            // Quote the header only up to the bad byte: all that a split arrival may have shown.
            throw new CorruptedFrameError(
              `The length header ${JSON.stringify(bytes.subarray(start, start + i + 1).toString('latin1'))} is not ${digits} ASCII digits (byte ${i} is 0x${b.toString(16).padStart(2, '0')})`,
            );
          }
        }
        return available === digits ? digits : 0;
      },
      value(bytes, start) {
        let value = 0;
        for (let i = 0; i < digits; i++) value = value * 10 + (bytes[start + i]! - 0x30);
        return value;
      },
    };
  }
  switch (header) {
    case 'u8':
      return fixedHeader(
        1,
        0xff,
        'u8',
        (b, v) => b.writeUInt8(v),
        (b, at) => b[at]!,
      );
    case 'u16be':
      return fixedHeader(
        2,
        0xffff,
        'u16be',
        (b, v) => b.writeUInt16BE(v),
        (b, at) => b.readUInt16BE(at),
      );
    case 'u32be':
      return fixedHeader(
        4,
        MAX_U32,
        'u32be',
        (b, v) => b.writeUInt32BE(v),
        (b, at) => b.readUInt32BE(at),
      );
    case 'u32le':
      return fixedHeader(
        4,
        MAX_U32,
        'u32le',
        (b, v) => b.writeUInt32LE(v),
        (b, at) => b.readUInt32LE(at),
      );
    case 'varint':
      return {
        size: 5,
        max: MAX_U32,
        name: 'varint',
        write(value) {
          const out: number[] = [];
          let rest = value;
          do {
            const low = rest % 128;
            rest = Math.floor(rest / 128);
            out.push(rest > 0 ? low | 0x80 : low);
          } while (rest > 0);
          return Buffer.from(out);
        },
        measure(bytes, start, end) {
          for (let i = 0; i < 5 && start + i < end; i++) {
            const b = bytes[start + i]!;
            if (i === 4 && (b & 0x80) !== 0) {
              throw new CorruptedFrameError('The varint length header is longer than 5 bytes');
            }
            if (i === 4 && b > 0x0f) {
              throw new CorruptedFrameError(
                `The varint length header does not fit 32 bits (fifth byte 0x${b.toString(16)})`,
              );
            }
            if ((b & 0x80) === 0) return i + 1;
          }
          return 0;
        },
        value(bytes, start) {
          let value = 0;
          for (let i = 0; ; i++) {
            const b = bytes[start + i]!;
            value += (b & 0x7f) * 128 ** i;
            if ((b & 0x80) === 0) return value;
          }
        },
      };
  }
  throw new TypeError(
    `Invalid header ${JSON.stringify(header)}: use 'u8', 'u16be', 'u32be', 'u32le', 'varint' or { ascii: digits }`,
  );
}

function fixedHeader(
  size: number,
  max: number,
  name: string,
  write: (b: Buffer, v: number) => void,
  value: (b: Buffer, at: number) => number,
): HeaderFormat {
  return {
    size,
    max,
    name,
    write(v) {
      const b = Buffer.allocUnsafe(size);
      write(b, v);
      return b;
    },
    measure: (_bytes, start, end) => (end - start >= size ? size : 0),
    value,
  };
}

/**
 * Frames that start with their length, as Netty's
 * `LengthFieldBasedFrameDecoder`. The header may itself arrive in pieces;
 * a length over `maxLength` fails with `FrameTooLongError` right after the
 * header, before any of the payload is buffered (a 4 GiB header costs
 * nothing); a header that cannot be parsed is a `CorruptedFrameError`.
 *
 *     received:  | 000 | 12Hello, wo | rld00003Bye |
 *     frames:    | Hello, world        | Bye        |
 *                  (header { ascii: 5 }: "00012", then 12 bytes)
 *
 * @example The tutorial's zero-filled five-digit length
 * ```ts
 * import { lengthPrefixed } from 'socketkit/framing';
 * const codec = lengthPrefixed({ header: { ascii: 5 }, maxLength: 99999 });
 * const wire = codec.encode(new TextEncoder().encode('Hello, world'));
 * console.log(new TextDecoder().decode(wire)); // 00012Hello, world
 * console.log(codec.decoder().push(wire).length); // 1
 * ```
 */
export function lengthPrefixed(options: LengthPrefixedOptions): Codec {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('lengthPrefixed() needs options with a header, e.g. { header: "u32be" }');
  }
  const format = headerFormat(options.header);
  const maxLength = validateMaxLength(options.maxLength, DEFAULT_MAX_FRAME, 'lengthPrefixed');
  const includes = options.lengthIncludesHeader ?? false;
  return {
    kind: 'length-prefixed',
    maxLength,
    encode(message: Bytes): Bytes {
      const bytes = messageWithin(message, maxLength, 'lengthPrefixed().encode()');
      let value = bytes.length;
      if (includes) {
        // A varint's own size depends on the value it holds: find the size that agrees.
        let size = format.name === 'varint' ? 1 : format.size;
        while (format.name === 'varint' && format.write(bytes.length + size).length !== size)
          size++;
        value += size;
      }
      if (value > format.max) {
        throw new RangeError(
          `A message of ${bytes.length} bytes needs a length of ${value}, more than a ${format.name} header holds (${format.max})`,
        );
      }
      return Buffer.concat([format.write(value), bytes]);
    },
    decoder: () => new LengthPrefixedDecoder(format, maxLength, includes),
  };
}

class LengthPrefixedDecoder extends FrameDecoder {
  readonly #format: HeaderFormat;
  readonly #maxLength: number;
  readonly #includes: boolean;
  /** Header bytes gathered when a header arrives split across chunks, or kept for release(). */
  readonly #header = Buffer.allocUnsafe(16);
  #headerLength = 0;
  /** The payload length once the header is read, else -1. */
  #payloadLength = -1;
  readonly #payload = new Accumulator();

  constructor(format: HeaderFormat, maxLength: number, includes: boolean) {
    super();
    this.#format = format;
    this.#maxLength = maxLength;
    this.#includes = includes;
  }

  protected decode(chunk: Buffer, offset: number): number {
    let at = offset;
    if (this.#payloadLength < 0) {
      if (this.#headerLength === 0) {
        // Common case: the whole header is in this chunk; read it where it is.
        const size = this.#format.measure(chunk, at, chunk.length);
        if (size > 0) {
          const wanted = this.#lengthOf(this.#format.value(chunk, at), size);
          const payloadStart = at + size;
          if (chunk.length - payloadStart >= wanted) {
            this.emit(wanted === 0 ? EMPTY : chunk.subarray(payloadStart, payloadStart + wanted));
            return payloadStart + wanted;
          }
          chunk.copy(this.#header, 0, at, payloadStart);
          this.#headerLength = size;
          this.#payloadLength = wanted;
          at = payloadStart;
        }
      }
      // A header split across chunks: gather it byte by byte.
      while (this.#payloadLength < 0) {
        if (at === chunk.length) return at;
        this.#header[this.#headerLength++] = chunk[at++]!;
        const size = this.#format.measure(this.#header, 0, this.#headerLength);
        if (size > 0)
          this.#payloadLength = this.#lengthOf(this.#format.value(this.#header, 0), size);
      }
    }
    const wanted = this.#payloadLength;
    if (wanted === 0) {
      this.#reset();
      this.emit(EMPTY);
      return at;
    }
    const available = chunk.length - at;
    if (this.#payload.length === 0 && available >= wanted) {
      this.#reset();
      this.emit(chunk.subarray(at, at + wanted));
      return at + wanted;
    }
    const taken = Math.min(wanted - this.#payload.length, available);
    this.#payload.reserve(wanted);
    this.#payload.append(chunk.subarray(at, at + taken));
    if (this.#payload.length === wanted) {
      const frame = this.#payload.takeAll();
      this.#reset();
      this.emit(frame);
    }
    return at + taken;
  }

  protected end(): Uint8Array | undefined {
    if (this.#headerLength === 0) return undefined;
    const inHeader = this.#payloadLength < 0;
    const partial = this.giveBack();
    throw this.incomplete(
      inHeader ? `${this.#format.name} length header` : 'length-prefixed frame',
      partial,
    );
  }

  protected giveBack(): Uint8Array {
    const raw = Buffer.concat([
      this.#header.subarray(0, this.#headerLength),
      this.#payload.takeAll(),
    ]);
    this.#reset();
    return raw;
  }

  get buffered(): number {
    return this.#headerLength + this.#payload.length;
  }

  #reset(): void {
    this.#headerLength = 0;
    this.#payloadLength = -1;
  }

  /** The payload length a header value of a `headerSize`-byte header announces, checked. */
  #lengthOf(value: number, headerSize: number): number {
    const length = this.#includes ? value - headerSize : value;
    if (length < 0) {
      throw new CorruptedFrameError(
        `The length ${value} is shorter than its own ${headerSize}-byte header`,
      );
    }
    if (length > this.#maxLength) {
      throw new FrameTooLongError(
        `The length header announces ${length} bytes, more than maxLength ${this.#maxLength}`,
        length,
        this.#maxLength,
      );
    }
    return length;
  }
}
