/**
 * Delimiter-based framing: each message ends with a delimiter that never
 * occurs inside a message (tutorial 003's second method).
 *
 * @module
 */

import { asBuffer, type Bytes } from '../core/bytes.js';
import { FrameTooLongError } from '../core/errors.js';
import {
  Accumulator,
  type Codec,
  DEFAULT_MAX_FRAME,
  FrameDecoder,
  messageWithin,
  validateMaxLength,
} from './codec.js';

/** Options for {@link delimited}. */
export interface DelimitedOptions {
  /** The longest message, delimiter not counted. Default 64 KiB. */
  maxLength?: number;
  /** Keep the delimiter at the end of each decoded frame. Default `false`. */
  keepDelimiter?: boolean;
}

/**
 * Frames ended by a delimiter, as Netty's `DelimiterBasedFrameDecoder`.
 * A delimiter split across two arrivals is still found, and two messages in
 * one arrival are two frames:
 *
 *     received:  | Hello, world!# | *#Bye#*#Ag | ain#*# |
 *     frames:    | Hello, world!    | Bye  | Again      |
 *                  (delimiter "#*#", not kept)
 *
 * With several delimiters, the one that starts first wins (the shortest
 * frame), so `['\r\n', '\n']` splits `"a\r\n"` into `"a"`. The first one is
 * what `encode` appends, and it refuses a message containing any of them.
 * Decoding looks at each byte once, and fails with `FrameTooLongError` as
 * soon as no delimiter can end the frame within `maxLength`.
 *
 * @example The tutorial's "#*#" delimiter
 * ```ts
 * import { delimited } from 'socketkit/framing';
 * const codec = delimited(new TextEncoder().encode('#*#'), { maxLength: 1024 });
 * const decoder = codec.decoder();
 * const frames = [
 *   ...decoder.push(new TextEncoder().encode('Hello, world!#')),
 *   ...decoder.push(new TextEncoder().encode('*#Bye#*#')),
 * ];
 * console.log(frames.map((f) => new TextDecoder().decode(f))); // [ 'Hello, world!', 'Bye' ]
 * ```
 */
export function delimited(
  delimiter: Bytes | string | Array<Bytes | string>,
  options: DelimitedOptions = {},
): Codec {
  const delimiters = (Array.isArray(delimiter) ? delimiter : [delimiter]).map((d, i) => {
    const bytes =
      typeof d === 'string' ? Buffer.from(d) : asBuffer(d, `delimited() delimiter ${i}`);
    if (bytes.length === 0) throw new RangeError('delimited() needs non-empty delimiters');
    return bytes;
  });
  if (delimiters.length === 0) throw new RangeError('delimited() needs at least one delimiter');
  const maxLength = validateMaxLength(options.maxLength, DEFAULT_MAX_FRAME, 'delimited');
  const keep = options.keepDelimiter ?? false;
  return {
    kind: 'delimited',
    maxLength,
    encode(message: Bytes): Bytes {
      const bytes = messageWithin(message, maxLength, 'delimited().encode()');
      for (const d of delimiters) {
        const at = bytes.indexOf(d);
        if (at >= 0) {
          throw new RangeError(
            `A message containing its delimiter ${JSON.stringify(d.toString('latin1'))} (at byte ${at}) cannot be framed by it`,
          );
        }
      }
      return Buffer.concat([bytes, delimiters[0]!]);
    },
    decoder: () => new DelimitedDecoder(delimiters, maxLength, keep, false),
  };
}

/**
 * The decoder behind {@link delimited} and `lines()`. With `stripCr`, a CR
 * right before the delimiter (LF) is dropped from the frame, so CRLF and LF
 * both end a line; `maxLength` then counts the line without its end.
 */
export class DelimitedDecoder extends FrameDecoder {
  readonly #delimiters: Buffer[];
  readonly #maxLength: number;
  readonly #keep: boolean;
  readonly #stripCr: boolean;
  readonly #longest: number;
  /** The delimiter, when there is just one (the usual case, searched without ceremony). */
  readonly #only: Buffer | null;
  /** The most bytes held while looking for a delimiter: a full frame, a CR, and a delimiter but one byte. */
  readonly #holdLimit: number;
  readonly #gathered = new Accumulator();
  /** Positions of #gathered before this one cannot start a delimiter. */
  #scanned = 0;

  constructor(delimiters: Buffer[], maxLength: number, keep: boolean, stripCr: boolean) {
    super();
    this.#delimiters = delimiters;
    this.#maxLength = maxLength;
    this.#keep = keep;
    this.#stripCr = stripCr;
    this.#longest = Math.max(...delimiters.map((d) => d.length));
    this.#only = delimiters.length === 1 ? delimiters[0]! : null;
    this.#holdLimit = maxLength + (stripCr ? 1 : 0) + this.#longest;
  }

  protected decode(chunk: Buffer, offset: number): number {
    if (this.#gathered.length === 0) {
      // Common case: the whole frame is in this chunk; hand out a view, copy nothing.
      const only = this.#only;
      if (only !== null) {
        const at =
          only.length === 1 ? chunk.indexOf(only[0]!, offset) : chunk.indexOf(only, offset);
        if (at >= 0) {
          this.#complete(chunk.subarray(offset, this.#keep ? at + only.length : at), at - offset);
          return at + only.length;
        }
      }
      const found = only === null ? this.#find(chunk, offset) : null;
      if (found !== null && found !== 'wait') {
        this.#complete(
          chunk.subarray(offset, found.start + (this.#keep ? found.length : 0)),
          found.start - offset,
        );
        return found.start + found.length;
      }
    }
    // Gather (no more than could still end a legal frame) and search what is new.
    const before = this.#gathered.length;
    const room = Math.max(this.#holdLimit - before, 0);
    this.#gathered.append(chunk.subarray(offset, Math.min(chunk.length, offset + room)));
    const data = this.#gathered.view();
    const found = this.#find(data, this.#scanned);
    if (found !== null && found !== 'wait') {
      const end = found.start + found.length;
      const frameEnd = found.start + (this.#keep ? found.length : 0);
      if (end >= before) {
        const frame = this.#gathered.view(0, frameEnd);
        this.#gathered.takeAll();
        this.#scanned = 0;
        this.#complete(frame, found.start);
        return offset + end - before;
      }
      // The frame ended inside bytes gathered earlier (a longer delimiter that might have
      // started sooner had to be ruled out first): keep those later bytes as the start of
      // the next frame, and take nothing from this chunk.
      const frame = Buffer.from(this.#gathered.view(0, frameEnd));
      const rest = Buffer.from(this.#gathered.view(end, before));
      this.#gathered.clear();
      this.#gathered.append(rest);
      this.#scanned = 0;
      this.#complete(frame, found.start);
      return offset;
    }
    if (found === null && data.length >= this.#holdLimit) {
      // No delimiter can start within maxLength any more: fail before buffering the rest.
      throw new FrameTooLongError(
        `No delimiter within maxLength ${this.#maxLength} bytes: the frame is longer than that`,
        data.length,
        this.#maxLength,
      );
    }
    // Every delimiter that could still complete starts at or after this point.
    this.#scanned = Math.max(0, data.length - this.#longest + 1);
    return offset + this.#gathered.length - before;
  }

  protected end(): Uint8Array | undefined {
    if (this.#gathered.length === 0) return undefined;
    this.#scanned = 0;
    throw this.incomplete(
      'delimited frame (no delimiter before the end)',
      this.#gathered.takeAll(),
    );
  }

  protected giveBack(): Uint8Array {
    this.#scanned = 0;
    return this.#gathered.takeAll();
  }

  get buffered(): number {
    return this.#gathered.length;
  }

  /** Emits a frame whose payload (before its delimiter) is `payloadLength` long. */
  #complete(frame: Uint8Array, payloadLength: number): void {
    let out = frame;
    let length = payloadLength;
    if (this.#stripCr && length > 0 && frame[length - 1] === 0x0d) {
      length--;
      if (!this.#keep) out = frame.subarray(0, length);
    }
    if (length > this.#maxLength) {
      throw new FrameTooLongError(
        `A frame of ${length} bytes is longer than maxLength ${this.#maxLength}`,
        length,
        this.#maxLength,
      );
    }
    this.emit(out);
  }

  /**
   * The earliest delimiter starting at or after `from`; `'wait'` when a
   * longer delimiter could still start earlier once more bytes arrive.
   */
  #find(data: Buffer, from: number): { start: number; length: number } | 'wait' | null {
    let best: { start: number; length: number } | null = null;
    for (const d of this.#delimiters) {
      const at = d.length === 1 ? data.indexOf(d[0]!, from) : data.indexOf(d, from);
      if (at >= 0 && (best === null || at < best.start)) best = { start: at, length: d.length };
    }
    // With one delimiter the first match is final; with several, a longer one whose
    // beginning is all that has arrived so far may yet start before the match.
    if (best === null || this.#delimiters.length === 1) return best;
    for (const d of this.#delimiters) {
      for (let s = Math.max(from, data.length - d.length + 1); s < best.start; s++) {
        if (data.subarray(s).equals(d.subarray(0, data.length - s))) return 'wait';
      }
    }
    return best;
  }
}
