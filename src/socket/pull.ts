/**
 * The one pull loop: read from a socket, feed a decoder, put back what it did not use, until
 * the decoder has what its caller wants. Framing's `readMessage`, the HTTP server's requests,
 * the HTTP client's responses, the load generator and the `reverse` service all read through
 * it, so the rules below hold everywhere:
 *
 * - bytes after the unit the caller wanted stay in the socket for the next read, in order;
 * - a read interrupted by a timeout or an abort gives the decoder's held bytes back to the
 *   socket (`release`), so nothing is lost;
 * - bytes read into a caller's reused buffer (`into`) are copied before they are put back,
 *   since that buffer is overwritten by the next read.
 *
 * @module
 */

import { READ_HOLD } from '../core/receive-buffer.js';
import type { WaitOptions } from '../core/waiter.js';
import type { StreamSocket } from './stream-socket.js';

/** What {@link pull} feeds. */
export interface PullTarget {
  /**
   * Takes bytes of `chunk` from `offset` on, up to the end of at most one unit, and returns
   * the offset just past what it took. Must take at least one byte unless its caller is ready.
   *
   * @throws whatever the decoder throws for bad input; the loop lets it through.
   */
  feed(chunk: Buffer, offset: number): number;
  /** Gives up the bytes of an unfinished unit, for the socket to keep when a read is interrupted. */
  release?(): Uint8Array;
}

/** Options for {@link pull}: the wait for each read, and an optional buffer to read into. */
export interface PullOptions extends WaitOptions {
  /**
   * Read into this buffer instead of a fresh one per read: what `feed` sees is a view of it,
   * valid until the next read. For bulk transfers in constant memory.
   */
  into?: Buffer;
  /** What this read is called in a refused concurrent read's message: `readMessage()`. */
  name?: string;
}

/** How many bytes each read asks for when not reading into a given buffer. */
const READ_SIZE = 64 * 1024;

/**
 * Feeds `target` from `sock` until `ready()` is true. Resolves `true` once it is, `false` when
 * the stream ended first (the caller decides what an end there means). `ready()` is asked
 * before the first read, so a unit already buffered costs no wait.
 *
 * @example Reading one line with a decoder of its own; the next stays in the socket
 * ```ts
 * import { connect, decode, encode } from 'socketkit';
 * import { pull } from './pull.js';
 * await using sock = await connect('127.0.0.1', 7); // echo (RFC 862)
 * await sock.sendAll(encode('one\ntwo\n'));
 * const parts: Buffer[] = [];
 * let line: Buffer | undefined;
 * await pull(
 *   sock,
 *   {
 *     feed(chunk, offset) {
 *       const end = chunk.indexOf(0x0a, offset);
 *       if (end < 0) {
 *         parts.push(Buffer.from(chunk.subarray(offset)));
 *         return chunk.length;
 *       }
 *       line = Buffer.concat([...parts, chunk.subarray(offset, end)]);
 *       return end + 1;
 *     },
 *   },
 *   () => line !== undefined,
 * );
 * console.log(String(line), JSON.stringify(decode(await sock.recvExactly(4)))); // one "two\n"
 * ```
 */
export async function pull(
  sock: StreamSocket,
  target: PullTarget,
  ready: () => boolean,
  options?: PullOptions,
): Promise<boolean> {
  if (ready()) return true;
  // One read, made of several: no other read may slip in between them and take bytes the
  // decoder is owed (it is refused with ConcurrentReadError instead).
  const token = sock._hold(options?.name ?? 'a decoder’s read');
  try {
    const readOptions = { ...options, [READ_HOLD]: token } as WaitOptions;
    return await pullHeld(sock, target, ready, options, readOptions);
  } finally {
    sock._letGo(token);
  }
}

async function pullHeld(
  sock: StreamSocket,
  target: PullTarget,
  ready: () => boolean,
  options: PullOptions | undefined,
  readOptions: WaitOptions,
): Promise<boolean> {
  const into = options?.into;
  while (!ready()) {
    let chunk: Buffer;
    try {
      chunk =
        into === undefined
          ? ((await sock.recv(READ_SIZE, readOptions)) as Buffer)
          : into.subarray(0, await sock.recvInto(into, readOptions));
    } catch (error) {
      const held = target.release?.();
      if (held !== undefined && held.length > 0) sock.unshift(held);
      throw error;
    }
    if (chunk.length === 0) return false;
    let at = 0;
    do {
      const next = target.feed(chunk, at);
      if (next <= at && !ready()) {
        throw new Error(`pull(): the decoder took no bytes at offset ${at} and is not done`);
      }
      at = next;
    } while (at < chunk.length && !ready());
    if (at < chunk.length) {
      const rest = chunk.subarray(at);
      sock.unshift(into === undefined ? rest : Buffer.from(rest));
    }
  }
  return true;
}
