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
 * frame), so `['\r\n', '\n']` splits `"a\r\n"` into `"a"`; of two starting
 * at the same byte, the one listed first wins. When a longer delimiter may
 * still start before the one found, the decoder waits for the bytes that
 * tell; should the stream end first, that is an `IncompleteReadError`.
 *
 * `encode` appends the first delimiter, and refuses (RangeError) a message
 * that would not decode back as itself: one containing a delimiter, and
 * one whose last bytes and the delimiter after them would hold a delimiter
 * sooner (`"x#*"` with `"#*#"`: `"x#*#*#"` ends at `"x"`) or the beginning
 * of a longer one.
 *
 * Decoding looks at each byte once, and fails with `FrameTooLongError` at
 * the first byte that leaves no delimiter able to end the frame within
 * `maxLength`, having held at most `maxLength` plus the longest delimiter
 * (its `length` is then `maxLength + 1`: the frame is at least that long).
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
  const appended = delimiters[0]!;
  return {
    kind: 'delimited',
    maxLength,
    encode(message: Bytes): Bytes {
      const bytes = messageWithin(message, maxLength, 'delimited().encode()');
      const framed = Buffer.concat([bytes, appended]);
      // Decode the frame as the decoder will: it must end right after the message.
      const found = firstDelimiter(delimiters, framed, 0)!;
      if (found.start < bytes.length) {
        const d = delimiters[found.index]!;
        throw new RangeError(
          found.start + d.length <= bytes.length
            ? `A message containing its delimiter ${quote(d)} (at byte ${found.start}) cannot be framed by it`
            : `A message ending in ${quote(bytes.subarray(found.start))} cannot be framed: with ${quote(appended)} after it, the decoder finds ${quote(d)} at byte ${found.start}, inside the message`,
        );
      }
      const longer = pendingDelimiter(delimiters, framed, 0, found);
      if (longer !== null) {
        throw new RangeError(
          `A message ending in ${quote(bytes.subarray(longer.start))} cannot be framed: with ${quote(appended)} after it, the decoder cannot tell it from the start of ${quote(delimiters[longer.index]!)}`,
        );
      }
      return framed;
    },
    decoder: () => new DelimitedDecoder(delimiters, maxLength, keep, false),
  };
}

const quote = (bytes: Uint8Array) => JSON.stringify(Buffer.from(bytes).toString('latin1'));

/** A delimiter in the bytes searched: where it starts, and which of the list it is. */
interface DelimiterAt {
  start: number;
  index: number;
}

/**
 * The delimiter complete in `data` that ends a frame searched from `from`:
 * the one starting first, and of those starting at one byte the one listed
 * first. `null` when none is complete yet.
 */
function firstDelimiter(delimiters: Buffer[], data: Buffer, from: number): DelimiterAt | null {
  let found: DelimiterAt | null = null;
  for (let index = 0; index < delimiters.length; index++) {
    const d = delimiters[index]!;
    const start = d.length === 1 ? data.indexOf(d[0]!, from) : data.indexOf(d, from);
    if (start >= 0 && (found === null || start < found.start)) found = { start, index };
  }
  return found;
}

/**
 * A delimiter whose beginning is all that `data` holds (it runs past the
 * end), starting at `from` or later and before `found` (or at the same
 * byte and listed earlier): the bytes to come may make it win over `found`.
 * The earliest such, or `null`.
 */
function pendingDelimiter(
  delimiters: Buffer[],
  data: Buffer,
  from: number,
  found: DelimiterAt,
): DelimiterAt | null {
  const end = data.length;
  let pending: DelimiterAt | null = null;
  for (let index = 0; index < delimiters.length; index++) {
    const d = delimiters[index]!;
    const last = index < found.index ? found.start : found.start - 1;
    for (let start = Math.max(from, end - d.length + 1); start <= last; start++) {
      if (pending !== null && start >= pending.start) break;
      if (data.compare(d, 0, end - start, start, end) === 0) {
        pending = { start, index };
        break;
      }
    }
  }
  return pending;
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
  /** Bytes enough to tell how any frame within maxLength ends: a full frame, a CR, a delimiter. */
  readonly #holdLimit: number;
  /** What the frames are, for the error: "frame", or "line" for lines(). */
  readonly #unit: string;
  readonly #gathered = new Accumulator();
  /** Positions of #gathered before this one cannot start a delimiter. */
  #scanned = 0;

  constructor(
    delimiters: Buffer[],
    maxLength: number,
    keep: boolean,
    stripCr: boolean,
    unit = 'frame',
  ) {
    super();
    this.#delimiters = delimiters;
    this.#maxLength = maxLength;
    this.#keep = keep;
    this.#stripCr = stripCr;
    this.#unit = unit;
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
          this.#complete(chunk, offset, at, only.length);
          return at + only.length;
        }
      } else {
        const found = firstDelimiter(this.#delimiters, chunk, offset);
        if (found !== null && pendingDelimiter(this.#delimiters, chunk, offset, found) === null) {
          const length = this.#delimiters[found.index]!.length;
          this.#complete(chunk, offset, found.start, length);
          return found.start + length;
        }
      }
    }
    // Gather (no more than it takes to tell how a legal frame ends) and search what is new.
    const before = this.#gathered.length;
    const taken = Math.min(chunk.length - offset, this.#holdLimit - before);
    this.#gathered.append(chunk.subarray(offset, offset + taken));
    const data = this.#gathered.view();
    const found = firstDelimiter(this.#delimiters, data, this.#scanned);
    if (
      found !== null &&
      (this.#only !== null ||
        pendingDelimiter(this.#delimiters, data, this.#scanned, found) === null)
    ) {
      const end = found.start + this.#delimiters[found.index]!.length;
      const gathered = this.#gathered.takeAll();
      this.#scanned = 0;
      this.#complete(gathered, 0, found.start, end - found.start);
      if (end >= before) return offset + end - before;
      // The frame ended inside bytes gathered earlier (a longer delimiter that might have
      // started sooner had to be ruled out first): those later bytes begin the next frame,
      // and nothing of this chunk is taken yet.
      this.#gathered.append(gathered.subarray(end, before));
      return offset;
    }
    if (!this.#mayEnd(data, found)) throw this.#tooLong();
    // Every delimiter that could still complete starts at or after this point.
    this.#scanned = Math.max(this.#scanned, data.length - this.#longest + 1);
    return offset + taken;
  }

  protected end(): Uint8Array | undefined {
    if (this.#gathered.length === 0) return undefined;
    this.#scanned = 0;
    throw this.incomplete(`delimited ${this.#unit}`, this.#gathered.takeAll());
  }

  protected giveBack(): Uint8Array {
    this.#scanned = 0;
    return this.#gathered.takeAll();
  }

  get buffered(): number {
    return this.#gathered.length;
  }

  /**
   * Emits the frame of `data` from `start` to the delimiter at `at`, or
   * throws when its payload is longer than maxLength.
   */
  #complete(data: Buffer, start: number, at: number, delimiterLength: number): void {
    if (!this.#fits(data, start, at)) throw this.#tooLong();
    let end = this.#keep ? at + delimiterLength : at;
    if (this.#stripCr && !this.#keep && at > start && data[at - 1] === 0x0d) end--;
    this.emit(data.subarray(start, end));
  }

  /** Whether a delimiter starting at `at` would end a frame (from `start`) within maxLength. */
  #fits(data: Buffer, start: number, at: number): boolean {
    const cr = this.#stripCr && at > start && data[at - 1] === 0x0d ? 1 : 0;
    return at - start - cr <= this.#maxLength;
  }

  /**
   * Whether a delimiter may still end the gathered frame within maxLength:
   * at the next byte, at a complete delimiter not yet settled on, or at the
   * beginning of one that runs past what has arrived.
   */
  #mayEnd(data: Buffer, found: DelimiterAt | null): boolean {
    const end = data.length;
    if (this.#fits(data, 0, end)) return true;
    if (found !== null && this.#fits(data, 0, found.start)) return true;
    for (let at = Math.max(this.#scanned, end - this.#longest + 1); at < end; at++) {
      if (!this.#fits(data, 0, at)) return false; // nor can any later byte
      for (const d of this.#delimiters) {
        if (end - at < d.length && data.compare(d, 0, end - at, at, end) === 0) return true;
      }
    }
    return false;
  }

  #tooLong(): FrameTooLongError {
    const unit = this.#unit;
    return new FrameTooLongError(
      `No ${unit === 'line' ? 'line end' : 'delimiter'} within maxLength ${this.#maxLength} bytes: the ${unit} is longer than that`,
      this.#maxLength + 1,
      this.#maxLength,
    );
  }
}
