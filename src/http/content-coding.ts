/**
 * Content codings (RFC 9110 §8.4): undoing `Content-Encoding: gzip`, `deflate` and `br` on a
 * response body as it streams, with node:zlib, and a bound on what it inflates to.
 *
 * The body is pulled, not pushed: each compressed piece read from the socket is fed to zlib in
 * slices of {@link SLICE} bytes, and the next slice waits until what the last one inflated to
 * has been taken. Deflate can expand about 1,000-fold, so at most about 1 MiB of inflated bytes
 * is ever held at once, however small and dense the compressed reply is.
 *
 * @module
 */

import type { Transform } from 'node:stream';
import {
  constants,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createInflateRaw,
} from 'node:zlib';
import { ContentDecodingError } from '../core/errors.js';
import type { BodySource } from './response.js';

/** The codings {@link decodingSource} undoes, as `Accept-Encoding` offers them. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** The largest decoded body accepted by default: 1 GiB. */
const DEFAULT_MAX_DECODED_SIZE = 1024 * 1024 * 1024;

/** Compressed bytes given to zlib at a time. */
const SLICE = 1024;

const KNOWN = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity']);

/**
 * The codings of a `Content-Encoding` value, in the order they were applied (lowercased,
 * `identity` left out); `null` when one of them is a coding this module cannot undo, in which
 * case the body is best passed on as it is.
 */
export function parseContentEncoding(value: string | null): string[] | null {
  if (value === null) return [];
  const codings = value
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  if (!codings.every((coding) => KNOWN.has(coding))) return null;
  return codings.filter((coding) => coding !== 'identity');
}

/**
 * A body source that yields `inner`'s bytes with `codings` undone (the last applied is undone
 * first).
 *
 * @throws {ContentDecodingError} (from `next()`) the bytes are not valid for their coding, or
 *   they inflate past `maxSize`.
 */
export function decodingSource(
  inner: BodySource,
  codings: readonly string[],
  maxSize = DEFAULT_MAX_DECODED_SIZE,
): BodySource {
  let source = inner;
  for (let i = codings.length - 1; i >= 0; i--) {
    source = new Inflater(source, codings[i]!, maxSize);
  }
  return source;
}

function decompressor(coding: string): Transform {
  // Lenient about a stream cut after its last whole block, as curl and browsers are: the end of
  // the body is decided by HTTP's framing, which the parser has already checked.
  const flush = { finishFlush: constants.Z_SYNC_FLUSH };
  switch (coding) {
    case 'br':
      return createBrotliDecompress({ finishFlush: constants.BROTLI_OPERATION_FLUSH });
    case 'deflate':
      return createInflate(flush);
    default:
      return createGunzip(flush);
  }
}

/** One coding undone over a pulled source. */
class Inflater implements BodySource {
  readonly #inner: BodySource;
  readonly #coding: string;
  readonly #maxSize: number;
  #zlib: Transform;
  /** Inflated pieces not yet taken. */
  readonly #out: Buffer[] = [];
  #produced = 0;
  #firstByte: number | null = null;
  #innerDone = false;
  #zlibDone = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  /** Ends the wait for the slice being written. */
  #written: (() => void) | null = null;

  constructor(inner: BodySource, coding: string, maxSize: number) {
    this.#inner = inner;
    this.#coding = coding;
    this.#maxSize = maxSize;
    this.#zlib = this.#attach(decompressor(coding));
  }

  #attach(zlib: Transform): Transform {
    zlib.on('data', (piece: Buffer) => {
      this.#produced += piece.length;
      if (this.#produced > this.#maxSize) {
        this.#fail(
          new ContentDecodingError(
            `The ${this.#coding} body inflates to more than ${this.#maxSize} bytes (the limit): refused as a decompression bomb`,
            'too-large',
          ),
        );
        return;
      }
      this.#out.push(piece);
      this.#notify();
    });
    zlib.once('end', () => {
      this.#zlibDone = true;
      this.#notify();
    });
    zlib.once('error', (error: Error) => {
      this.#fail(
        new ContentDecodingError(
          `The body is not valid ${this.#coding} data: ${error.message}`,
          'corrupt',
          { cause: error },
        ),
      );
    });
    return zlib;
  }

  #fail(error: ContentDecodingError): void {
    if (this.#error !== null) return;
    // What decoded before the bad bytes is still handed out first, then the error: nothing
    // that was good is dropped (curl writes it too).
    this.#error = error;
    this.#zlib.destroy();
    this.#written?.();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Feeds one compressed piece in slices, each after the last has been inflated. */
  async #feed(piece: Uint8Array): Promise<void> {
    for (let at = 0; at < piece.length && this.#error === null; at += SLICE) {
      // A copy: the piece may be a view of a buffer the next read reuses.
      const slice = Buffer.from(piece.subarray(at, at + SLICE));
      if (this.#firstByte === null) {
        this.#firstByte = slice[0]!;
        // A "deflate" body should be zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send a
        // raw deflate stream; the first byte tells them apart, as browsers do.
        if (this.#coding === 'deflate' && (this.#firstByte & 0x0f) !== 0x08) {
          this.#zlib.removeAllListeners().destroy();
          this.#zlib = this.#attach(createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH }));
        }
      }
      // zlib may fail this slice without calling back: the failure ends the wait too.
      await new Promise<void>((resolve) => {
        this.#written = resolve;
        this.#zlib.write(slice, () => resolve());
      });
      this.#written = null;
      // What that slice inflated to is taken before the next one goes in.
      if (at + SLICE < piece.length && this.#out.length > 0)
        return this.#feedLater(piece, at + SLICE);
    }
  }

  /** The rest of a piece, kept until the inflated bytes ahead of it are taken. */
  #rest: { piece: Uint8Array; at: number } | null = null;

  #feedLater(piece: Uint8Array, at: number): void {
    this.#rest = { piece: Buffer.from(piece.subarray(at)), at: 0 };
  }

  async next(): Promise<Uint8Array | null> {
    for (;;) {
      const piece = this.#out.shift();
      if (piece !== undefined) return piece;
      if (this.#error !== null) {
        await this.#inner.cancel();
        throw this.#error;
      }
      if (this.#zlibDone) return null;
      if (this.#rest !== null) {
        const { piece: rest } = this.#rest;
        this.#rest = null;
        await this.#feed(rest);
        continue;
      }
      if (this.#innerDone) {
        // Everything was fed: wait for zlib's last bytes and its end.
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          if (this.#out.length > 0 || this.#zlibDone || this.#error !== null) this.#notify();
        });
        continue;
      }
      const compressed = await this.#inner.next();
      if (compressed === null) {
        this.#innerDone = true;
        this.#zlib.end();
      } else if (compressed.length > 0) {
        await this.#feed(compressed);
      }
    }
  }

  async cancel(): Promise<void> {
    this.#zlib.destroy();
    await this.#inner.cancel();
  }
}
