/**
 * `socketkit/framing`: giving a byte stream message boundaries.
 *
 * TCP delivers bytes, not messages: one `recv` may return half a message or
 * two of them. A codec is a rule for where messages end — the four ways of
 * tutorial 003 and Netty's line rule:
 *
 * | rule | codec | on the wire |
 * |---|---|---|
 * | fixed length, padded | `fixedLength(30, { pad: '#' })` | `Hello, world!#################` |
 * | delimiter | `delimited('#*#')` | `Hello, world!#*#` |
 * | length prefix | `lengthPrefixed({ header: { ascii: 5 } })` | `00012Hello, world` |
 * | lines | `lines()` | `Hello, world!\r\n` |
 * | send and close | `closeDelimited()` | `Hello, world!` then FIN |
 *
 * Each codec encodes (refusing what it cannot frame) and decodes chunks of
 * any size with a `maxLength` it enforces before buffering.
 * `sendMessage`, `readMessage` and `messages` use them on a socket.
 *
 * @example Length-prefixed messages over a socket
 * ```ts
 * import { connect, decode, encode } from 'socketkit';
 * import { lengthPrefixed, readMessage, sendMessage } from 'socketkit/framing';
 * const codec = lengthPrefixed({ header: 'u32be', maxLength: 1 << 20 });
 * await using sock = await connect('127.0.0.1', 7); // echo (RFC 862) sends the frame back
 * await sendMessage(sock, codec, encode('ping'));
 * const reply = await readMessage(sock, codec);
 * console.log(reply && decode(reply)); // ping
 * ```
 *
 * @module
 */

export type { CloseDelimitedOptions } from './close-delimited.js';
export { closeDelimited } from './close-delimited.js';
export type { Codec, CodecKind } from './codec.js';
export { DEFAULT_MAX_FRAME, FrameDecoder } from './codec.js';
export type { DelimitedOptions } from './delimited.js';
export { delimited } from './delimited.js';
export type { FixedLengthOptions } from './fixed-length.js';
export { fixedLength } from './fixed-length.js';
export type { LengthHeader, LengthPrefixedOptions } from './length-prefixed.js';
export { lengthPrefixed } from './length-prefixed.js';
export type { LinesOptions } from './lines.js';
export { lines } from './lines.js';
export { messages, readMessage, sendMessage } from './socket.js';
