/**
 * Bytes in, bytes out: sockets carry `Uint8Array`s, never strings. These
 * helpers convert at the edges, and refuse a string where bytes belong
 * (as Python's `send()` does) with a message that says how to fix it.
 *
 * @module
 */

/**
 * The bytes sockets read and write: a `Uint8Array`. Node's `Buffer` is one, and passes through
 * without a copy. A string is not: every call that sends refuses one with a `TypeError` that
 * says to {@link encode} it first, as Python's `send()` refuses `str`.
 *
 * @example Text goes out as bytes
 * ```ts
 * import { type Bytes, decode, encode } from 'socketkit';
 * const line: Bytes = encode('HELO example.org\r\n');
 * console.log(line.length, JSON.stringify(decode(line))); // 18 "HELO example.org\r\n"
 * ```
 */
export type Bytes = Uint8Array;

/** An empty byte string, shared: it is what a read returns at end of stream. */
export const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Views `data` as a `Buffer` without copying it, or throws a `TypeError`
 * naming `where` when it is not bytes.
 *
 * @param data The value given where bytes are required.
 * @param where The call that needs it, for the message (`"sendAll()"`).
 */
export function asBuffer(data: unknown, where: string): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') {
    throw new TypeError(
      `${where} needs bytes, not a string: encode it first, e.g. encode(${JSON.stringify(abridge(data))})`,
    );
  }
  throw new TypeError(`${where} needs bytes (a Uint8Array), got ${describeType(data)}`);
}

/**
 * Encodes text as bytes (Python's `str.encode()`), in UTF-8 unless told another of Node's
 * encodings (`'latin1'`, `'ascii'`, …).
 *
 * @param text The text to send.
 * @param encoding How to encode it. Default `'utf8'`.
 * @throws {TypeError} `text` is not a string.
 *
 * @example Encoding a request line
 * ```ts
 * import { encode } from 'socketkit';
 * const line = encode('GET / HTTP/1.1\r\n');
 * console.log(line.length); // 16
 * ```
 */
export function encode(text: string, encoding: BufferEncoding = 'utf8'): Bytes {
  if (typeof text !== 'string') {
    throw new TypeError(`encode() needs a string, got ${describeType(text)}`);
  }
  return Buffer.from(text, encoding);
}

/**
 * Decodes bytes as text (Python's `bytes.decode()`). Invalid UTF-8
 * sequences become U+FFFD rather than throwing.
 *
 * @param bytes What was received.
 * @param encoding How it is encoded. Default `'utf8'`.
 * @throws {TypeError} `bytes` is not a `Uint8Array` (a string, say: it needs no decoding).
 *
 * @example Decoding a reply
 * ```ts
 * import { decode } from 'socketkit';
 * console.log(decode(new Uint8Array([104, 105]))); // hi
 * ```
 */
export function decode(bytes: Bytes, encoding: BufferEncoding = 'utf8'): string {
  return asBuffer(bytes, 'decode()').toString(encoding);
}

/**
 * Shows bytes as a Python bytes literal, `b'HTTP/1.1 200 OK\r\n'`, exactly
 * as Python's `repr()` does: printable ASCII as is, `\t \n \r` escaped,
 * other bytes as `\xNN`, and single quotes unless the bytes hold a single
 * quote and no double quote. The CLI's `--repr` prints replies this way.
 *
 * @throws {TypeError} `bytes` is not a `Uint8Array`.
 *
 * @example What crossed the wire, as Python shows it
 * ```ts
 * import { bytesRepr, encode } from 'socketkit';
 * console.log(bytesRepr(encode("it's\r\n"))); // b"it's\r\n"
 * ```
 */
export function bytesRepr(bytes: Bytes): string {
  const data = asBuffer(bytes, 'bytesRepr()');
  const quote = data.includes(0x27) && !data.includes(0x22) ? 0x22 : 0x27;
  const q = String.fromCharCode(quote);
  return `b${q}${reprBody(data, quote)}${q}`;
}

/** How each byte looks inside a Python bytes literal, for each quote character. */
const ESCAPED: Record<number, string[]> = { 39: escapes(0x27), 34: escapes(0x22) };

function escapes(quote: number): string[] {
  return Array.from({ length: 256 }, (_, byte) => {
    if (byte === 0x5c) return '\\\\';
    if (byte === 0x09) return '\\t';
    if (byte === 0x0a) return '\\n';
    if (byte === 0x0d) return '\\r';
    if (byte === quote) return `\\${String.fromCharCode(quote)}`;
    if (byte < 0x20 || byte >= 0x7f) return `\\x${byte.toString(16).padStart(2, '0')}`;
    return String.fromCharCode(byte);
  });
}

/**
 * The inside of a Python bytes literal for `data` quoted with `quote` (0x27 `'` or 0x22 `"`):
 * what goes between `b'` and `'`. Pieces of a long stream can be escaped one at a time.
 */
export function reprBody(data: Uint8Array, quote: 0x27 | 0x22 = 0x27): string {
  const table = ESCAPED[quote]!;
  let out = '';
  for (let i = 0; i < data.length; i++) out += table[data[i]!];
  return out;
}

/** A short, safe description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `a string (${JSON.stringify(abridge(value))})`;
  return `${typeof value} ${String(value)}`;
}

function abridge(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
