/**
 * Messages over a `StreamSocket`: encode and send, or read exactly one frame through the
 * shared pull loop (socket/pull.ts), so bytes after a frame stay in the socket for the next
 * read, and bytes of a frame interrupted by a timeout or an abort go back there too: nothing
 * is lost.
 *
 * @module
 */

import type { Bytes } from '../core/bytes.js';
import type { WaitOptions } from '../core/waiter.js';
import { pull } from '../socket/pull.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import type { Codec } from './codec.js';

/**
 * Encodes `message` and sends it all. With `closeDelimited()`, then shuts
 * down the write half, since the end of the stream ends the message.
 *
 * @example
 * ```ts
 * import { connect, encode } from 'socketkit';
 * import { lengthPrefixed, sendMessage } from 'socketkit/framing';
 * const sock = await connect('127.0.0.1', 7342);
 * await sendMessage(sock, lengthPrefixed({ header: 'u32be' }), encode('hello'));
 * ```
 */
export async function sendMessage(
  sock: StreamSocket,
  codec: Codec,
  message: Bytes,
  options?: WaitOptions,
): Promise<void> {
  const frame = codec.encode(message);
  await sock.sendAll(frame, options);
  if (codec.kind === 'close-delimited') await sock.shutdown('write');
}

/**
 * Reads one message. Returns `null` at a clean end of stream between
 * frames; with `closeDelimited()` the stream is the message, so its end gives the message
 * (empty if nothing came). `timeout` and `signal` apply to each wait for data; when one ends
 * the wait, the bytes of the unfinished frame go back into the socket.
 *
 * @throws {IncompleteReadError} the stream ended inside a frame; `partial` holds its bytes.
 * @throws {FrameTooLongError} a frame is longer than the codec's `maxLength` (the stream is then out of step: close it).
 * @throws {CorruptedFrameError} a header cannot be parsed (likewise).
 */
export async function readMessage(
  sock: StreamSocket,
  codec: Codec,
  options?: WaitOptions,
): Promise<Uint8Array | null> {
  const decoder = codec.decoder();
  let frame: Uint8Array | undefined;
  const complete = await pull(
    sock,
    {
      feed: (chunk, offset) => offset + decoder.feed(chunk.subarray(offset)),
      release: () => decoder.release(),
    },
    () => {
      frame ??= decoder.take();
      return frame !== undefined;
    },
    options,
  );
  if (!complete) return decoder.finish() ?? null;
  // A decoder waiting on a longer delimiter may hold bytes past the frame it completed; they go
  // back in front of the rest of the chunk, which the pull loop has already put back.
  const held = decoder.release();
  if (held.length > 0) sock.unshift(held);
  return frame!;
}

/**
 * Iterates over the messages of a socket until a clean end of stream (one
 * message for `closeDelimited()`). Breaking out of the loop leaves every
 * byte after the last message in the socket.
 *
 * @example
 * ```ts
 * import { listen } from 'socketkit';
 * import { lines, messages } from 'socketkit/framing';
 * const server = await listen({ port: 7342 });
 * const [conn] = await server.accept();
 * for await (const line of messages(conn, lines())) console.log(new TextDecoder().decode(line));
 * ```
 */
export async function* messages(
  sock: StreamSocket,
  codec: Codec,
  options?: WaitOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (;;) {
    const message = await readMessage(sock, codec, options);
    if (message === null) return;
    yield message;
    if (codec.kind === 'close-delimited') return;
  }
}
