/**
 * Where a receive buffer keeps its bytes: a queue of chunks read from the front without
 * copying, with small pieces gathered into shared blocks so that memory follows the bytes and
 * not how they were cut (64 KiB arriving a byte at a time is a handful of 16 KiB blocks, not
 * 64 K buffer objects). A block region is written once and never reused, so a chunk handed out
 * stays valid however long its reader keeps it.
 *
 * @module
 */

import { copyExact } from './_copy.js';
import { EMPTY } from './bytes.js';

/** Pieces smaller than this are gathered into a shared block instead of kept one by one. */
const GATHER_BELOW = 4 * 1024;
const BLOCK_SIZE = 16 * 1024;

/** A FIFO of bytes. */
export class ByteQueue {
  /** How many bytes are queued. */
  length = 0;
  // #chunks from #head on. The last chunk may be a view of #block ending at #blockUsed
  // (#lastInBlock), which small pieces extend in place.
  #chunks: Buffer[] = [];
  #head = 0;
  #block: Buffer = EMPTY;
  #blockUsed = 0;
  #lastInBlock = false;

  /** Keeps a chunk the caller gives up: gathered into the block when small, else as it is. */
  add(chunk: Buffer): void {
    if (chunk.length < GATHER_BELOW) this.#gather(chunk, chunk.length);
    else this.#append(chunk);
  }

  /** Keeps a copy of `source[0, length)`: gathered into the block when small, else its own copy. */
  keep(source: Buffer, length: number): void {
    if (length < GATHER_BELOW) this.#gather(source, length);
    else this.#append(copyExact(source, length));
  }

  #append(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.length += chunk.length;
    this.#lastInBlock = false;
  }

  /** Copies a small piece onto the end of the last chunk when it is the block's, else starts one there. */
  #gather(source: Buffer, length: number): void {
    if (this.#blockUsed + length > this.#block.length) {
      this.#block = Buffer.allocUnsafe(BLOCK_SIZE);
      this.#blockUsed = 0;
      this.#lastInBlock = false;
    }
    const start = this.#blockUsed;
    source.copy(this.#block, start, 0, length);
    this.#blockUsed = start + length;
    this.length += length;
    if (this.#lastInBlock) {
      const last = this.#chunks.length - 1;
      const view = this.#chunks[last]!;
      this.#chunks[last] = this.#block.subarray(
        view.byteOffset - this.#block.byteOffset,
        this.#blockUsed,
      );
    } else {
      this.#chunks.push(this.#block.subarray(start, this.#blockUsed));
      this.#lastInBlock = true;
    }
  }

  /** Drops every byte. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.length = 0;
    this.#lastInBlock = false;
  }

  /** Takes up to `size` bytes from the first chunk (no copy). */
  take(size: number): Buffer {
    const first = this.#chunks[this.#head]!;
    let out: Buffer;
    if (first.length <= size) {
      out = first;
      this.#chunks[this.#head++] = EMPTY;
      if (this.#head === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#head = 0;
        this.#lastInBlock = false;
      }
    } else {
      out = first.subarray(0, size);
      this.#chunks[this.#head] = first.subarray(size);
    }
    this.length -= out.length;
    return out;
  }

  /** Takes exactly `size` bytes (`size <= #buffered`), copying only when they span chunks. */
  takeExactly(size: number): Buffer {
    if (size === 0) return EMPTY;
    const first = this.#chunks[this.#head]!;
    if (first.length >= size) return this.take(size);
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const part = this.take(size - filled);
      part.copy(out, filled);
      filled += part.length;
    }
    return out;
  }

  /** Absolute offset of `sep` in the buffered bytes at or after `from`, or -1. */
  indexOf(sep: Buffer, from: number): number {
    let base = 0;
    for (let i = this.#head; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      const end = base + chunk.length;
      if (from < end) {
        const start = from > base ? from - base : 0;
        const hit = sep.length === 1 ? chunk.indexOf(sep[0]!, start) : chunk.indexOf(sep, start);
        if (hit >= 0) return base + hit;
        // A separator may begin in this chunk's tail and end in a later chunk.
        if (sep.length > 1 && i + 1 < this.#chunks.length) {
          for (let s = Math.max(start, chunk.length - sep.length + 1); s < chunk.length; s++) {
            if (this.#matchesAt(sep, i, s)) return base + s;
          }
        }
      }
      base = end;
    }
    return -1;
  }

  #matchesAt(sep: Buffer, chunkIndex: number, offset: number): boolean {
    let i = chunkIndex;
    let at = offset;
    for (let k = 0; k < sep.length; k++) {
      let chunk = this.#chunks[i]!;
      while (at >= chunk.length) {
        i++;
        at = 0;
        if (i >= this.#chunks.length) return false;
        chunk = this.#chunks[i]!;
      }
      if (chunk[at] !== sep[k]) return false;
      at++;
    }
    return true;
  }

  /** Puts `buf` back at the front (the queue keeps it). */
  unshift(buf: Buffer): void {
    if (this.#head > 0) this.#chunks[--this.#head] = buf;
    else this.#chunks.unshift(buf);
    if (this.#chunks.length === 1) this.#lastInBlock = false;
    this.length += buf.length;
  }
}
