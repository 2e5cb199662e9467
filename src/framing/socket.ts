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
 * Encodes `message` and sends it all, resolving once the kernel has it (as `sendAll()`). With
 * `closeDelimited()`, then shuts down the write half, since the end of the stream ends the
 * message.
 *
 * @throws {RangeError} the codec cannot frame the message (too long, holds the delimiter, …); nothing is sent.
 * @throws {TypeError} `message` is a string or not bytes.
 * @throws {BrokenPipeError} the write half is shut down.
 *
 * @example A two-byte length, then the message
 * ```ts
 * import { connect, encode } from 'socketkit';
 * import { lengthPrefixed, sendMessage } from 'socketkit/framing';
 * await using sock = await connect('127.0.0.1', 7); // echo (RFC 862) sends the bytes back
 * await sendMessage(sock, lengthPrefixed({ header: 'u16be' }), encode('hello'));
 * console.log(await sock.recvExactly(7)); // <Buffer 00 05 68 65 6c 6c 6f>
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
 * @throws {SocketTimeoutError} no whole frame arrived in time; its bytes stay in the socket.
 *
 * @example One line at a time; the rest stays in the socket
 * ```ts
 * import { connect, decode, encode } from 'socketkit';
 * import { lines, readMessage, sendMessage } from 'socketkit/framing';
 * await using sock = await connect('127.0.0.1', 7); // echo (RFC 862)
 * const codec = lines();
 * await sendMessage(sock, codec, encode('first'));
 * await sendMessage(sock, codec, encode('second'));
 * const first = await readMessage(sock, codec);
 * const second = await readMessage(sock, codec);
 * console.log(first && decode(first), second && decode(second)); // first second
 * ```
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
    { ...options, name: 'readMessage()' },
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
 * @throws {IncompleteReadError} the stream ended inside a frame.
 * @throws {FrameTooLongError} a frame is longer than the codec's `maxLength`.
 *
 * @example A server reading lines until the client is done
 * ```ts
 * import { connect, decode, encode, listen } from 'socketkit';
 * import { lines, messages } from 'socketkit/framing';
 * await using server = await listen();
 * await using client = await connect('127.0.0.1', server.address.port);
 * await client.sendAll(encode('HELO example.org\r\nQUIT\r\n'));
 * await client.shutdown('write');
 * const [conn] = await server.accept();
 * const received: string[] = [];
 * for await (const line of messages(conn, lines())) received.push(decode(line));
 * await conn.close();
 * console.log(received); // [ 'HELO example.org', 'QUIT' ]
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
