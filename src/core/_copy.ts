/**
 * Copying bytes out of a buffer that is about to be reused (the shared read buffer every
 * socket reads into), in the two shapes the receive buffer needs.
 *
 * @module
 */

/**
 * Chunks handed straight to a waiting reader are carved from a slab, as Node carves small
 * Buffers from its 8 KiB pool: one allocation serves several reads. A slab region is written
 * once and never reused, so a chunk stays valid however long its reader keeps it. Only those
 * chunks: bytes that wait in a buffer are stored apart (see `ReceiveBuffer`), so a peer cannot
 * make unread bytes pin whole slabs.
 */
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_CHUNK = 16 * 1024;
let slab = Buffer.allocUnsafe(SLAB_SIZE);
let slabUsed = 0;

/** A copy of `source[0, length)` carved from the slab (for `length` ≤ 16 KiB) or allocated. */
export function copyForReader(source: Buffer, length: number): Buffer {
  if (length > SLAB_MAX_CHUNK) return copyExact(source, length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = Buffer.allocUnsafe(SLAB_SIZE);
    slabUsed = 0;
  }
  const chunk = slab.subarray(slabUsed, slabUsed + length);
  source.copy(chunk, 0, 0, length);
  slabUsed = (slabUsed + length + 7) & ~7;
  return chunk;
}

/** An exact-size copy of `source[0, length)`; small ones come from Node's own pool. */
export function copyExact(source: Buffer, length: number): Buffer {
  const chunk = Buffer.allocUnsafe(length);
  source.copy(chunk, 0, 0, length);
  return chunk;
}
