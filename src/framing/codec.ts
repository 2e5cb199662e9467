/**
 * What every framing codec is: an encoder that refuses what it cannot
 * frame, and incremental decoders that take chunks of any size.
 *
 * A decoder's one primitive is {@link FrameDecoder.feed}: it consumes bytes
 * up to the end of at most one frame and says how many it took. Everything
 * else is built on it: {@link FrameDecoder.push} for whole chunks, and the
 * socket helpers, which hand back to the socket whatever follows a frame.
 *
 * The laws every codec keeps (its fuzz test checks them): `encode(m)`
 * throws a RangeError, or decoding its bytes gives exactly `[m]` however
 * they are cut; any bytes, cut any way, give the same frames and the same
 * error; only `FrameTooLongError` and `CorruptedFrameError` escape feed and
 * push, and `IncompleteReadError` besides from finish.
 *
 * @module
 */

import { asBuffer, type Bytes } from '../core/bytes.js';
import { IncompleteReadError } from '../core/errors.js';

/** The framing rules socketkit implements, as a {@link Codec}'s `kind` names them. */
export type CodecKind =
  | 'fixed-length'
  | 'delimited'
  | 'length-prefixed'
  | 'lines'
  | 'close-delimited';

/**
 * A framing rule: how to turn a message into bytes on the wire and back. `fixedLength()`,
 * `delimited()`, `lengthPrefixed()`, `lines()` and `closeDelimited()` make one; `sendMessage()`,
 * `readMessage()` and `messages()` use one on a socket.
 *
 * @example Code that works with any framing rule
 * ```ts
 * import { decode, encode } from 'socketkit';
 * import { type Codec, delimited, lengthPrefixed } from 'socketkit/framing';
 * function roundTrip(codec: Codec, text: string): string[] {
 *   return codec.decoder().push(codec.encode(encode(text))).map((frame) => decode(frame));
 * }
 * console.log(roundTrip(delimited('#*#'), 'hi'), roundTrip(lengthPrefixed({ header: 'u8' }), 'hi')); // [ 'hi' ] [ 'hi' ]
 * ```
 */
export interface Codec {
  /** Which rule this is; `sendMessage()` shuts down the write half after a `'close-delimited'` message. */
  readonly kind: CodecKind;
  /** The longest message (frame payload) accepted, in bytes. */
  readonly maxLength: number;
  /**
   * The bytes to send for `message`.
   *
   * @throws {RangeError} the message cannot be framed by this rule (too long, holds the delimiter, …).
   */
  encode(message: Bytes): Bytes;
  /** A new decoder with no state. */
  decoder(): FrameDecoder;
}

/**
 * An incremental decoder. Feed it chunks of any size (one byte, or many
 * frames at once); it returns whole frames.
 *
 * However the bytes are cut, a decoder gives the same frames and, for bad
 * input, the same error (class, message and fields), thrown as soon as the
 * bytes prove it and before an oversize frame is buffered. After an error
 * the decoder stays failed: every later feed, push, finish or release
 * throws that same error, and it holds no bytes.
 *
 * Get one from a codec's `decoder()`; each decoder keeps the state of one stream.
 *
 * @example Feeding a chunk one frame at a time
 * ```ts
 * import { decode, encode } from 'socketkit';
 * import { lines } from 'socketkit/framing';
 * const decoder = lines().decoder();
 * const chunk = encode('one\r\ntwo\r\nthr');
 * const frames: string[] = [];
 * for (let offset = 0; offset < chunk.length; ) {
 *   offset += decoder.feed(chunk.subarray(offset));
 *   const frame = decoder.take();
 *   if (frame !== undefined) frames.push(decode(frame));
 * }
 * console.log(frames, decoder.buffered); // [ 'one', 'two' ] 3
 * ```
 */
export abstract class FrameDecoder {
  #frame: Uint8Array | undefined;
  #failed: Error | null = null;

  /**
   * Consumes bytes from the start of `chunk` up to the end of at most one
   * frame. Returns how many bytes it took; when that completed a frame,
   * {@link take} returns it.
   *
   * One case takes more than a frame: a `delimited()` decoder with several
   * delimiters, waiting to see whether a longer one starts sooner, has taken
   * bytes past the frame's end by the time it knows. It then completes the
   * frame taking nothing of `chunk` (call again with the same bytes), and
   * holds those bytes as the start of the next frame: {@link release} gives
   * them back, so a caller that stops after a frame must put them back too.
   *
   * @throws {FrameTooLongError} the frame would be longer than `maxLength`; nothing of it is buffered.
   * @throws {CorruptedFrameError} a header cannot be parsed.
   */
  feed(chunk: Uint8Array): number {
    const bytes = asBuffer(chunk, 'feed()');
    if (this.#failed !== null) throw this.#failed;
    try {
      return this.decode(bytes, 0);
    } catch (error) {
      throw this.#fail(error);
    }
  }

  /**
   * What {@link feed} does, from `offset` on: returns the offset just past
   * what was consumed. Working at an offset lets {@link push} decode many
   * frames of one chunk without slicing it again for each. Throws for bad
   * input; the base class then holds the decoder failed.
   */
  protected abstract decode(chunk: Buffer, offset: number): number;

  /**
   * The end of the stream: returns a last frame if the rule ends frames
   * with the stream (close-delimited), `undefined` when there is none. It
   * gives a frame once: a second call returns `undefined`.
   *
   * @throws {IncompleteReadError} the stream ended inside a frame; `partial` holds its bytes.
   * @throws {FrameTooLongError} or {@link socketkit!CorruptedFrameError}: the error a {@link push} met after the frames it returned.
   */
  finish(): Uint8Array | undefined {
    if (this.#failed !== null) throw this.#failed;
    try {
      return this.end();
    } catch (error) {
      throw this.#fail(error);
    }
  }

  /** What {@link finish} does on a decoder that has not failed. */
  protected abstract end(): Uint8Array | undefined;

  /**
   * The raw bytes consumed for a frame that is not complete yet, giving
   * them up (the decoder starts over). Socket helpers put them back into
   * the socket when a read is interrupted, and after a frame (see
   * {@link feed}), so no byte is lost.
   *
   * @throws {FrameTooLongError} or {@link socketkit!CorruptedFrameError}: the decoder has failed (its bytes are gone).
   */
  release(): Uint8Array {
    if (this.#failed !== null) throw this.#failed;
    return this.giveBack();
  }

  /** What {@link release} does on a decoder that has not failed. */
  protected abstract giveBack(): Uint8Array;

  /** How many bytes of an unfinished frame are held. */
  abstract get buffered(): number;

  /** The frame completed by the last {@link feed}, once. */
  take(): Uint8Array | undefined {
    const frame = this.#frame;
    this.#frame = undefined;
    return frame;
  }

  /**
   * Feeds a whole chunk and returns every frame it completes; a partial
   * frame at its end is kept for the next chunk.
   *
   * Bad input after some whole frames does not lose them: push returns the
   * frames before the bad one and keeps the error, which the next push()
   * or {@link finish} throws. When no frame came first, it throws at once.
   *
   * @throws {FrameTooLongError} a frame would be longer than `maxLength`.
   * @throws {CorruptedFrameError} a header cannot be parsed.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const bytes = asBuffer(chunk, 'push()');
    if (this.#failed !== null) throw this.#failed;
    const frames: Uint8Array[] = [];
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const next = this.decode(bytes, offset);
        const frame = this.take();
        if (frame !== undefined) frames.push(frame);
        else if (next <= offset) throw new Error(`${this.constructor.name} made no progress`);
        offset = next;
      }
    } catch (error) {
      this.#fail(error);
      if (frames.length === 0) throw error;
    }
    return frames;
  }

  /** Called by subclasses when a frame is complete. */
  protected emit(frame: Uint8Array): void {
    this.#frame = frame;
  }

  /** The error for a stream that ended inside a frame. */
  protected incomplete(what: string, partial: Uint8Array, expected?: number): IncompleteReadError {
    return new IncompleteReadError(
      `The stream ended inside a ${what} after ${partial.length} bytes${expected === undefined ? '' : ` of ${expected}`}`,
      partial,
      expected,
    );
  }

  /** Holds the decoder failed with `error`, buffering nothing more. */
  #fail(error: unknown): unknown {
    this.#failed = error instanceof Error ? error : new Error(String(error));
    this.#frame = undefined;
    this.giveBack();
    return error;
  }
}

/**
 * The bytes of a message to encode, refused (RangeError) when longer than `maxLength`.
 * `call` names the method in a TypeError for a string; `what` the message in the RangeError.
 */
export function messageWithin(
  message: Bytes,
  maxLength: number,
  call: string,
  what = 'message',
): Buffer {
  const bytes = asBuffer(message, call);
  if (bytes.length > maxLength) {
    throw new RangeError(
      `A ${what} of ${bytes.length} bytes is longer than maxLength ${maxLength}`,
    );
  }
  return bytes;
}

/** Checks a `maxLength` option: a positive integer, or the default. */
export function validateMaxLength(value: unknown, fallback: number, codec: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Invalid maxLength ${String(value)} for ${codec}(): it must be a positive integer`,
    );
  }
  return value;
}

/** socketkit's default `maxLength` for codecs: 64 KiB, the stream buffer limit. */
export const DEFAULT_MAX_FRAME = 64 * 1024;

/**
 * The most a decoder reserves ahead of the bytes it has: a header may
 * announce gigabytes, but memory follows what actually arrives.
 */
const MAX_RESERVE = 1024 * 1024;

/**
 * Bytes of an unfinished frame, gathered across chunks: one copy per byte,
 * in a buffer that doubles as needed (or is sized exactly when the frame's
 * length is known). Its contents become the frame without another copy.
 */
export class Accumulator {
  #buffer: Buffer = Buffer.alloc(0);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /**
   * Makes room for `total` bytes in all, exactly, for frames whose length
   * is known, but never more than {@link MAX_RESERVE} (or the size already
   * reached) ahead of the bytes that have arrived.
   */
  reserve(total: number): void {
    if (total <= this.#buffer.length) return;
    // Double as bytes come (no quadratic copying), exact at the end, and never far ahead of them.
    this.#grow(
      Math.min(total, Math.max(this.#buffer.length * 2, this.#length + MAX_RESERVE)),
      true,
    );
  }

  append(bytes: Uint8Array): void {
    const needed = this.#length + bytes.length;
    if (needed > this.#buffer.length) this.#grow(needed, false);
    this.#buffer.set(bytes, this.#length);
    this.#length = needed;
  }

  /** A view of the gathered bytes `[start, end)`. */
  view(start = 0, end = this.#length): Buffer {
    return this.#buffer.subarray(start, end);
  }

  /** Hands over the gathered bytes and starts empty again (the view keeps the memory). */
  takeAll(): Buffer {
    const out = this.#buffer.subarray(0, this.#length);
    this.#buffer = Buffer.alloc(0);
    this.#length = 0;
    return out;
  }

  clear(): void {
    this.#length = 0;
  }

  #grow(needed: number, exact: boolean): void {
    const size = exact ? needed : Math.max(needed, this.#buffer.length * 2, 64);
    const bigger = Buffer.allocUnsafe(size);
    this.#buffer.copy(bigger, 0, 0, this.#length);
    this.#buffer = bigger;
  }
}
