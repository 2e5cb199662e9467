/**
 * The one HTTP/1.1 writer, for requests and responses alike: head serialisation, and bodies
 * with Content-Length, chunked (with trailers) or until close.
 *
 * Every field is checked before anything is produced: a CR, LF or NUL in a method, target,
 * header name or value would let one header become two (header injection), so it is refused
 * with a `TypeError` and nothing is sent.
 *
 * @module
 */

import type { Bytes } from '../core/bytes.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import { type HeadersInit, HttpHeaders } from './headers.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A header value may hold HTAB, SP, visible ASCII and obs-text; no other control characters. */
// Also anything above U+00FF: heads are written as latin1, one byte per character, and a
// character that is not a byte would be cut to its low byte (U+010D to CR), unchecked.
const BAD_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f\u0100-\uffff]/;
const BAD_TARGET = /[^\u0021-\u007e]/;

function describeChar(text: string, at: number): string {
  const code = text.charCodeAt(at);
  const names: Record<number, string> = {
    0: 'NUL',
    10: 'LF',
    13: 'CR',
    9: 'TAB',
    32: 'space',
    127: 'DEL',
  };
  if (code > 0xff) return `U+${code.toString(16).toUpperCase().padStart(4, '0')} (not a byte)`;
  return names[code] ?? `0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * Throws a `TypeError` naming the field and the character when `value` is not a token
 * (RFC 9110 §5.6.2).
 *
 * @param value The method or header name to check.
 * @param what What it is, for the message: `'method'`, `'header name'`.
 * @throws {TypeError} `value` is empty or holds a character a token may not.
 *
 * @example A header name with a space in it
 * ```ts
 * import { checkToken } from 'socketkit/http';
 * checkToken('X-Trace-Id', 'header name'); // passes
 * try {
 *   checkToken('Bad Name', 'header name');
 * } catch (error) {
 *   console.log((error as Error).message); // Invalid header name "Bad Name": space at position 3 is not allowed
 * }
 * ```
 */
export function checkToken(value: string, what: string): void {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`Invalid ${what}: it must be a non-empty token`);
  if (!TOKEN.test(value)) {
    const at = [...value].findIndex((c) => !TOKEN.test(c));
    throw new TypeError(
      `Invalid ${what} ${JSON.stringify(value)}: ${describeChar(value, at)} at position ${at} is not allowed`,
    );
  }
}

/**
 * Throws a `TypeError` when a header value holds CR, LF, NUL or another control character
 * (HTAB is allowed, RFC 9110 §5.5): a CR LF in a value would end the field and start another
 * (header injection). A character above U+00FF is refused too: a head is bytes, written one
 * byte per character, so such a character could not be sent as it is.
 *
 * @param name The field's name, for the message.
 * @param value The value to check.
 * @throws {TypeError} the value holds a control character other than HTAB.
 *
 * @example A value that would smuggle in a second header
 * ```ts
 * import { checkHeaderValue } from 'socketkit/http';
 * try {
 *   checkHeaderValue('X-A', 'a\r\nX-B: b');
 * } catch (error) {
 *   console.log((error as Error).message); // Invalid value for header "X-A": CR at position 1 would break the header apart
 * }
 * ```
 */
export function checkHeaderValue(name: string, value: string): void {
  const match = BAD_VALUE.exec(value);
  if (match) {
    const notByte = value.charCodeAt(match.index) > 0xff;
    throw new TypeError(
      `Invalid value for header ${JSON.stringify(name)}: ${describeChar(value, match.index)} at position ${match.index} ${notByte ? 'cannot be sent as it is: a header holds bytes (latin1); send text as UTF-8 bytes, e.g. Buffer.from(text).toString("latin1")' : 'would break the header apart'}`,
    );
  }
}

/**
 * Throws a `TypeError` when a request target is empty or holds whitespace, controls or
 * non-ASCII (RFC 9112 §3.2: such characters must be percent-encoded).
 *
 * @throws {TypeError} the target is empty or holds a character outside visible ASCII.
 *
 * @example A space in a path
 * ```ts
 * import { checkTarget } from 'socketkit/http';
 * try {
 *   checkTarget('/a b');
 * } catch (error) {
 *   console.log((error as Error).message); // Invalid request target "/a b": space at position 2 must be percent-encoded
 * }
 * ```
 */
export function checkTarget(target: string): void {
  if (target.length === 0) throw new TypeError('Invalid request target "": it must not be empty');
  const match = BAD_TARGET.exec(target);
  if (match) {
    throw new TypeError(
      `Invalid request target ${JSON.stringify(target)}: ${describeChar(target, match.index)} at position ${match.index} must be percent-encoded`,
    );
  }
}

/**
 * The checked `name: value\r\n` lines of `fields`. `keep(name)` may drop a field (the writer
 * decides framing fields itself); plain objects are walked in place, with no array of pairs
 * built per message.
 */
export function fieldLines(
  fields: HeadersInit | undefined,
  keep?: (name: string) => boolean,
): string {
  let out = '';
  const add = (name: string, value: string): void => {
    checkToken(name, 'header name');
    checkHeaderValue(name, value);
    if (keep === undefined || keep(name)) out += `${name}: ${value}\r\n`;
  };
  if (fields === undefined) return out;
  if (fields instanceof HttpHeaders) {
    for (const [name, value] of fields) add(name, value);
  } else if (Array.isArray(fields)) {
    for (const pair of fields) add(String(pair[0]), String(pair[1]));
  } else {
    for (const name in fields) {
      if (Object.hasOwn(fields, name)) add(name, String((fields as Record<string, unknown>)[name]));
    }
  }
  return out;
}

/**
 * `METHOD target HTTP/1.1` and the header fields, as bytes ending in the empty line (RFC 9112
 * §3), every field checked first. The fields go out as given: no Host or framing field is added.
 *
 * @param method A token: `GET`, `POST`, …
 * @param target The request-target: `/path?query`, or an absolute URL for a proxy.
 * @param headers The fields, in order.
 * @param version Default `'1.1'`.
 * @throws {TypeError} a field holds CR, LF, NUL or another character it may not.
 * @example A request head
 * ```ts
 * import { serializeRequestHead } from 'socketkit/http';
 * const head = serializeRequestHead('GET', '/', { Host: 'localhost' });
 * console.log(JSON.stringify(head.toString('latin1'))); // "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
 * ```
 */
export function serializeRequestHead(
  method: string,
  target: string,
  headers: HeadersInit,
  version = '1.1',
): Buffer {
  checkToken(method, 'method');
  checkTarget(target);
  return Buffer.from(`${method} ${target} HTTP/${version}\r\n${fieldLines(headers)}\r\n`, 'latin1');
}

/**
 * `HTTP/1.1 status reason` and the header fields, as bytes ending in the empty line (RFC 9112
 * §4), every field checked first. The fields go out as given: no Date or framing field is added.
 *
 * @param status Three digits, 100 to 999.
 * @param reason The reason phrase (`STATUS_TEXT[status]` for the standard one).
 * @param headers The fields, in order.
 * @param version Default `'1.1'`.
 * @throws {TypeError} a field holds CR, LF, NUL or another character it may not.
 * @throws {RangeError} the status is not 100–999.
 * @example A response head with no fields
 * ```ts
 * import { serializeResponseHead } from 'socketkit/http';
 * const head = serializeResponseHead(204, 'No Content', []);
 * console.log(JSON.stringify(head.toString('latin1'))); // "HTTP/1.1 204 No Content\r\n\r\n"
 * ```
 */
export function serializeResponseHead(
  status: number,
  reason: string,
  headers: HeadersInit,
  version = '1.1',
): Buffer {
  return Buffer.from(`${statusLine(status, reason, version)}${fieldLines(headers)}\r\n`, 'latin1');
}

/** `HTTP/1.1 200 OK\r\n`, checked. */
export function statusLine(status: number, reason: string, version = '1.1'): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Invalid status ${String(status)}: it must be a three-digit number`);
  }
  checkHeaderValue('reason phrase', reason);
  return `HTTP/${version} ${status} ${reason}\r\n`;
}

// ── bodies ───────────────────────────────────────────────────────────────

/**
 * What a message body may be: bytes or text (sent with a Content-Length), or an async iterable
 * of bytes such as a file's read stream (sent chunked, since its length is not known up front,
 * unless a server handler gives a Content-Length for it); `null` or `undefined` for none.
 */
export type MessageBody = Bytes | string | AsyncIterable<Bytes> | null | undefined;

/** How a body is delimited on the wire (RFC 9112 §6). */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

/** A body sorted into what it is: its bytes when it has them, else its stream. */
export interface PreparedBody {
  bytes: Uint8Array | null;
  text: string | null;
  stream: AsyncIterable<Bytes> | null;
  /** Byte length of `bytes` or `text`; 0 for a stream or no body. */
  length: number;
}

const NO_BODY: PreparedBody = { bytes: null, text: null, stream: null, length: 0 };

/** Sorts a body: text and bytes have a length up front, a stream does not. */
export function prepareBody(body: MessageBody): PreparedBody {
  if (body === null || body === undefined) return NO_BODY;
  if (typeof body === 'string')
    return { bytes: null, text: body, stream: null, length: Buffer.byteLength(body, 'utf8') };
  if (body instanceof Uint8Array)
    return { bytes: body, text: null, stream: null, length: body.length };
  if (typeof (body as AsyncIterable<Bytes>)[Symbol.asyncIterator] === 'function')
    return { bytes: null, text: null, stream: body as AsyncIterable<Bytes>, length: 0 };
  throw new TypeError(
    'Invalid body: it must be bytes (a Uint8Array), a string, or an async iterable of bytes',
  );
}

/** One chunk of a chunked body: size line, data, CRLF (RFC 9112 §7.1). */
function encodeChunk(piece: Uint8Array): Buffer {
  const sizeLine = `${piece.length.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(sizeLine.length + piece.length + 2);
  out.write(sizeLine, 0, 'latin1');
  out.set(piece, sizeLine.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/** The last chunk and the trailer section (RFC 9112 §7.1.2), checked like a head's fields. */
function lastChunk(trailers?: HeadersInit): Buffer {
  return Buffer.from(`0\r\n${fieldLines(trailers)}\r\n`, 'latin1');
}

/** Bodies up to this size go out in the same write as their head. */
const ONE_WRITE_MAX = 64 * 1024;

/** What to do as a message goes out. */
export interface WriteOptions {
  /** Called after each piece of a streamed body the kernel took (a server restarts its write timeout). */
  progressed?: () => void;
  /** Trailer fields after a chunked body. */
  trailers?: HeadersInit;
  /**
   * The Content-Length a streamed body was announced with: more bytes than that are not sent,
   * fewer end the message with an error (the connection must then close, as its framing broke).
   */
  declaredLength?: number;
}

/**
 * Writes a message: `head` (ending in the empty line) and `body` framed as `framing`. Resolves
 * with the body bytes sent. Small bodies go out in one write with their head; when the kernel
 * takes it at once (the usual case) the result is returned as a plain number, without a trip
 * through the microtask queue.
 */
export function writeMessage(
  sock: StreamSocket,
  head: string,
  body: PreparedBody,
  framing: BodyFraming,
  options: WriteOptions = {},
): number | Promise<number> {
  if (framing === 'none' || (body.stream === null && body.length <= ONE_WRITE_MAX)) {
    const length = framing === 'none' ? 0 : body.length;
    const out = Buffer.allocUnsafe(head.length + length);
    out.write(head, 0, 'latin1');
    if (length > 0) {
      if (body.text !== null) out.write(body.text, head.length, 'utf8');
      else out.set(body.bytes!, head.length);
    }
    try {
      sock.send(out);
    } catch (error) {
      return Promise.reject(error);
    }
    if (sock.sendBufferedAmount === 0) return length;
    return sock.drain().then(() => length);
  }
  return writeInParts(sock, head, body, framing, options);
}

async function writeInParts(
  sock: StreamSocket,
  head: string,
  body: PreparedBody,
  framing: BodyFraming,
  options: WriteOptions,
): Promise<number> {
  // The trailers are checked before the head goes out: a bad one is an error while the message
  // can still be answered otherwise, not a reply cut short after its body.
  const last = framing === 'chunked' ? lastChunk(options.trailers) : null;
  await sock.sendAll(Buffer.from(head, 'latin1'));
  if (body.stream === null) {
    await sock.sendAll(body.text !== null ? Buffer.from(body.text, 'utf8') : body.bytes!);
    return body.length;
  }
  const limit = framing === 'length' ? options.declaredLength : undefined;
  let sent = 0;
  for await (const piece of body.stream) {
    if (piece.length === 0) continue;
    if (limit !== undefined && sent + piece.length > limit) {
      await sock.sendAll(piece.subarray(0, limit - sent));
      throw new RangeError(
        `The body is longer than its Content-Length ${limit}: the bytes after it were not sent`,
      );
    }
    await sock.sendAll(framing === 'chunked' ? encodeChunk(piece) : piece);
    sent += piece.length;
    // Each piece the peer took restarts a write timeout: it bounds a stall, not a download.
    options.progressed?.();
  }
  if (limit !== undefined && sent < limit) {
    throw new RangeError(`The body ended after ${sent} of its Content-Length ${limit} bytes`);
  }
  if (last !== null) await sock.sendAll(last);
  return sent;
}
