/**
 * Line framing: each message is a line, ended by LF or CRLF.
 *
 * @module
 */

import type { Bytes } from '../core/bytes.js';
import { type Codec, DEFAULT_MAX_FRAME, messageWithin, validateMaxLength } from './codec.js';
import { DelimitedDecoder } from './delimited.js';

/** Options for {@link lines}. */
export interface LinesOptions {
  /** The longest line, line end not counted. Default 64 KiB. */
  maxLength?: number;
  /** The line end `encode` appends: `'\r\n'` (default, as network protocols want) or `'\n'`. */
  newline?: '\r\n' | '\n';
}

/**
 * Lines, as Netty's `LineBasedFrameDecoder`: LF and CRLF both end a line on
 * the way in; `encode` ends lines with the chosen newline, and refuses a
 * line holding CR or LF. Frames are the line's bytes without its end.
 * `maxLength` counts the line without its end, so after `maxLength` bytes
 * only a CR (then LF) or an LF may come; any other byte is the
 * `FrameTooLongError` (its `length` is `maxLength + 1`).
 *
 *     received:  | HELO exa | mple.org\r\nMAIL FROM:<a@b>\n | QUIT\r | \n |
 *     frames:    | HELO example.org   | MAIL FROM:<a@b>      | QUIT      |
 *
 * @example SMTP-style commands, CRLF or LF
 * ```ts
 * import { lines } from 'socketkit/framing';
 * const codec = lines({ maxLength: 512 });
 * const decoder = codec.decoder();
 * const frames = decoder.push(new TextEncoder().encode('HELO example.org\r\nQUIT\n'));
 * console.log(frames.map((f) => new TextDecoder().decode(f))); // [ 'HELO example.org', 'QUIT' ]
 * ```
 */
export function lines(options: LinesOptions = {}): Codec {
  const maxLength = validateMaxLength(options.maxLength, DEFAULT_MAX_FRAME, 'lines');
  const newline = options.newline ?? '\r\n';
  if (newline !== '\r\n' && newline !== '\n') {
    throw new RangeError(
      `Invalid newline ${JSON.stringify(newline)} for lines(): use '\\r\\n' or '\\n'`,
    );
  }
  const lineEnd = Buffer.from(newline);
  const lf = Buffer.from('\n');
  return {
    kind: 'lines',
    maxLength,
    encode(message: Bytes): Bytes {
      const bytes = messageWithin(message, maxLength, 'lines().encode()', 'line');
      const at = bytes.findIndex((b) => b === 0x0a || b === 0x0d);
      if (at >= 0) {
        throw new RangeError(
          `A line cannot contain ${bytes[at] === 0x0a ? 'LF' : 'CR'} (found at byte ${at})`,
        );
      }
      return Buffer.concat([bytes, lineEnd]);
    },
    decoder: () => new DelimitedDecoder([lf], maxLength, false, true, 'line'),
  };
}
