/**
 * What `request()` resolves with: the response head, and a body that streams from the socket
 * only as fast as it is consumed.
 *
 * @module
 */

import type { Address } from '../core/address.js';
import type { HttpHeaders } from './headers.js';

/**
 * When each phase of the exchange that produced the response ended, in milliseconds from its
 * start (curl's `-w` times): each is at least the one before it.
 */
export interface Timings {
  /** The host's name was resolved. */
  lookup: number;
  /** The TCP connection was established. */
  connect: number;
  /** TLS handshake done (https only). */
  tls?: number;
  /** First byte of the reply received. */
  firstByte: number;
  /** The whole body received; until then, `NaN`. */
  total: number;
}

/** Pulls the next piece of body: into `buffer` when given, else in a buffer of its own; `null` at the end. */
export interface BodySource {
  next(buffer?: Buffer): Promise<Uint8Array | null>;
  cancel(): Promise<void>;
}

/**
 * The body of a response: iterate it, or gather it with `bytes()` / `text()`. Readable once.
 * Nothing is read from the socket until asked for, so a body of any size streams in constant
 * memory.
 *
 * Break out of a `for await` loop, or call `cancel()`, to stop early: the connection closes and
 * the rest is never read.
 *
 * @example Counting a body's bytes as they stream in
 * ```ts
 * import { request } from 'socketkit/http';
 * const response = await request('http://127.0.0.1:8080/');
 * let bytes = 0;
 * for await (const piece of response.body) bytes += piece.length;
 * console.log(bytes, response.body.received); // 14 14
 * ```
 */
export class ResponseBody implements AsyncIterable<Uint8Array> {
  readonly #source: BodySource;
  #taken = false;
  #received = 0;

  /** @internal */
  constructor(source: BodySource) {
    this.#source = source;
  }

  /** Body bytes received so far. */
  get received(): number {
    return this.#received;
  }

  /** `for await (const piece of response.body)`: the pieces as they arrive, as {@link chunks} gives them. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.chunks();
  }

  /**
   * Iterates over the body. With `buffer`, every piece is a view into that one buffer, valid
   * until the next step: nothing is allocated per read, for bulk transfers where each piece is
   * written out before the next.
   *
   * @throws {TypeError} the body was already read (or cancelled).
   * @throws {IncompleteReadError} the connection closed before the body was complete.
   */
  chunks(buffer?: Uint8Array): AsyncIterableIterator<Uint8Array> {
    if (this.#taken) throw new TypeError('The response body was already read');
    this.#taken = true;
    const into =
      buffer === undefined
        ? undefined
        : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next: async () => {
        const piece = await this.#source.next(into);
        if (piece === null) return { value: undefined, done: true };
        this.#received += piece.length;
        return { value: piece, done: false };
      },
      return: async () => {
        await this.#source.cancel();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * The whole body in one buffer.
   *
   * @throws {TypeError} the body was already read (or cancelled).
   * @throws {IncompleteReadError} the connection closed before the body was complete.
   */
  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  /**
   * The whole body decoded as UTF-8 (invalid sequences become U+FFFD).
   *
   * @throws {TypeError} the body was already read (or cancelled).
   */
  async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString('utf8');
  }

  /**
   * The whole body parsed as JSON (`JSON.parse` of its UTF-8 text).
   *
   * @throws {SyntaxError} the body is not JSON.
   * @throws {TypeError} the body was already read (or cancelled).
   */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /**
   * Reads the body and throws it away, so that a kept-alive connection can carry the next
   * request (`cancel()` would close it). Past `limit` bytes (default 128 KiB, as undici's
   * `dump()`) it stops and closes the connection instead: reading a large body only to drop it
   * costs more than a new connection. Resolves with the bytes read.
   *
   * @throws {TypeError} the body was already read (or cancelled).
   */
  async dump(limit = 128 * 1024): Promise<number> {
    if (typeof limit !== 'number' || !(limit >= 0))
      throw new RangeError(`Invalid dump limit ${String(limit)}: it must be a number of bytes ≥ 0`);
    let read = 0;
    const iterator = this.chunks();
    for (;;) {
      if (read > limit) {
        await iterator.return?.();
        return read;
      }
      const { done, value } = await iterator.next();
      if (done) return read;
      read += value.length;
    }
  }

  /** Stops reading and closes the connection; the rest of the body is never read. */
  cancel(): Promise<void> {
    this.#taken = true;
    return this.#source.cancel();
  }
}

/**
 * What {@link request} resolves with: the status line, the headers, a body that streams, and how
 * long each phase took.
 *
 * @example Everything but the body
 * ```ts
 * import { request } from 'socketkit/http';
 * const response = await request('http://127.0.0.1:8080/', { method: 'HEAD' });
 * console.log(response.version, response.status, response.reason); // 1.1 200 OK
 * console.log(response.headers.get('content-length'), response.timings.connect >= 0); // 14 true
 * await response.body.cancel();
 * ```
 */
export interface HttpResponse {
  /** The status code: 200, 404, … */
  status: number;
  /** The reason phrase as the server sent it (`OK`), possibly empty. */
  reason: string;
  /** The HTTP version of the reply: `"1.1"` or `"1.0"`. */
  version: string;
  /** The header fields, in order, looked up case-insensitively. */
  headers: HttpHeaders;
  /** The body: read it once, or cancel it. */
  body: ResponseBody;
  /** Trailer fields of a chunked body, once it has been read to the end; until then `null`. */
  trailers: HttpHeaders | null;
  /** When each phase ended, in ms from the start; `total` once the body has been read. */
  timings: Timings;
  /** The head's bytes as received. */
  rawHead: Uint8Array;
  /** The address that answered: host, port and family (curl's `%{remote_ip}`), or a Unix socket's path. */
  remoteAddress: Address | null;
  /** The URL that answered (after redirects). */
  url: URL;
  /** How many redirects were followed. */
  redirects: number;
}
