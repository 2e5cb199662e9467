/**
 * What `request()` resolves with: the response head, and a body that streams from the socket
 * only as fast as it is consumed.
 *
 * @module
 */

import type { HttpHeaders } from './headers.js';

/** Milliseconds from the start of the exchange that produced the response. */
export interface Timings {
  lookup: number;
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
 * @example
 * ```ts
 * import { request } from 'socketkit/http';
 * const response = await request('http://127.0.0.1:8080/');
 * for await (const piece of response.body) process.stdout.write(piece);
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

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.chunks();
  }

  /**
   * Iterates over the body. With `buffer`, every piece is a view into that one buffer, valid
   * until the next step: nothing is allocated per read, for bulk transfers where each piece is
   * written out before the next.
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

  /** The whole body in one buffer. */
  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  /** The whole body decoded as UTF-8. */
  async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString('utf8');
  }

  /** Stops reading and closes the connection; the rest of the body is never read. */
  cancel(): Promise<void> {
    this.#taken = true;
    return this.#source.cancel();
  }
}

/** A response: status line, headers, a streaming body, and how long each phase took. */
export interface HttpResponse {
  status: number;
  reason: string;
  version: string;
  headers: HttpHeaders;
  body: ResponseBody;
  /** Trailer fields of a chunked body, once it has been read. */
  trailers: HttpHeaders | null;
  timings: Timings;
  /** The head's bytes as received. */
  rawHead: Uint8Array;
  /** The URL that answered (after redirects). */
  url: URL;
  /** How many redirects were followed. */
  redirects: number;
}
