/**
 * Reading one HTTP response per exchange on a connection that may carry
 * many: the body consumed exactly (so keep-alive stays in step), the
 * status and whether the server keeps the connection noted. In oneshot
 * mode a reply that does not look like HTTP (a tutorial echo server) is
 * taken whole, up to the server's close.
 *
 * @module
 */

import { HttpParser, type RequestHead, type ResponseHead } from '../http/parser.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import { ExchangeError } from './_exchange-error.js';
import type { Recorder } from './_recorder.js';
import type { EngineSpec } from './engine.js';

const HTTP_PREFIX = Buffer.from('HTTP/');

/** Whether a reply's first bytes could be an HTTP status line (a 1-byte chunk "H" counts). */
function startsLikeHttp(chunk: Buffer): boolean {
  const n = Math.min(5, chunk.length);
  return chunk.compare(HTTP_PREFIX, 0, n, 0, n) === 0;
}

export class ResponseReader {
  /** The final (non-1xx) status of the response being read; 0 until its head arrived. */
  status = 0;
  #keepAlive = true;
  #complete = false;
  /** Some of the reply has arrived. */
  #any = false;
  /** oneshot: the reply is not HTTP; it ends when the server closes. */
  #raw = false;
  #parser: HttpParser | null = null;
  readonly #oneshot: boolean;
  readonly #method: string;
  readonly #recorder: Recorder;
  readonly #handler = {
    onHead: (head: RequestHead | ResponseHead) => {
      if (head.kind === 'response' && head.status >= 200) {
        this.status = head.status;
        this.#keepAlive = head.keepAlive;
      }
    },
    onBody() {},
    onComplete: () => {
      if (this.status !== 0) this.#complete = true;
    },
  };

  constructor(spec: Pick<EngineSpec, 'mode' | 'method'>, recorder: Recorder) {
    this.#oneshot = spec.mode === 'oneshot';
    this.#method = spec.method;
    this.#recorder = recorder;
  }

  /** A new connection: a fresh parser, told the method so a HEAD reply has no body. */
  attach(): void {
    this.#parser = new HttpParser('response', this.#handler, { fields: 'framing' });
    this.#parser.expectResponseTo(this.#method);
  }

  /** Before each request. */
  begin(): void {
    this.status = 0;
    this.#keepAlive = true;
    this.#complete = false;
    this.#any = false;
    this.#raw = false;
  }

  /**
   * Takes one received chunk of the response (empty at EOF). Returns `null`
   * while more is needed, else whether the connection may carry another
   * request. Synchronous, so reading a response costs one await per chunk
   * and no more.
   *
   * @throws {ExchangeError} the server closed before or inside the response.
   * @throws {HttpParseError} the response is malformed.
   */
  take(sock: StreamSocket, chunk: Buffer): boolean | null {
    const parser = this.#parser!;
    if (chunk.length === 0) {
      if (!this.#any) throw new ExchangeError('reset', 'the server closed without replying');
      if (this.#raw) return false;
      parser.finish(); // completes a close-delimited body, or throws for a cut one
      if (!this.#complete)
        throw new ExchangeError('reset', 'the server closed inside the response');
      return false;
    }
    this.#recorder.bytesReceived += chunk.length;
    if (!this.#any) {
      this.#any = true;
      this.#raw = this.#oneshot && !startsLikeHttp(chunk);
    }
    if (this.#raw) return null;
    let at = 0;
    while (at < chunk.length && !this.#complete) at = parser.execute(chunk, at);
    if (!this.#complete) return null;
    // Bytes after the response (the server sent more than asked): keep them for the next read.
    if (at < chunk.length) sock.unshift(chunk.subarray(at));
    return this.#keepAlive;
  }
}
