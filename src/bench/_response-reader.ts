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
import type { PullTarget } from '../socket/pull.js';
import { ExchangeError } from './_exchange-error.js';
import type { Recorder } from './_recorder.js';
import type { EngineSpec } from './engine.js';

const HTTP_PREFIX = Buffer.from('HTTP/');

/** Whether a reply's first bytes could be an HTTP status line (a 1-byte chunk "H" counts). */
function startsLikeHttp(chunk: Buffer): boolean {
  const n = Math.min(5, chunk.length);
  return chunk.compare(HTTP_PREFIX, 0, n, 0, n) === 0;
}

/** Reads one HTTP response per exchange through the shared pull loop. */
export class ResponseReader implements PullTarget {
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

  /** Whether the response is complete: the pull loop's stop condition (bound, no closure per request). */
  readonly ready = (): boolean => this.#complete;

  /** Whether the connection may carry another request, once the response is complete. */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  /** The pull loop's decoder: the parser, or in oneshot mode a reply that is not HTTP taken whole. */
  feed(chunk: Buffer, offset: number): number {
    if (!this.#any) {
      this.#any = true;
      this.#raw = this.#oneshot && !startsLikeHttp(chunk.subarray(offset));
    }
    const next = this.#raw ? chunk.length : this.#parser!.execute(chunk, offset);
    this.#recorder.bytesReceived += next - offset;
    return next;
  }

  /**
   * The server closed before the response was complete: fine for a body that runs to the close
   * (and a oneshot reply that is not HTTP), an error otherwise. The connection is done either way.
   *
   * @throws {ExchangeError} the server closed before or inside the response.
   * @throws {HttpParseError} the response is malformed.
   */
  ended(): void {
    if (!this.#any) throw new ExchangeError('reset', 'the server closed without replying');
    if (this.#raw) return;
    this.#parser!.finish(); // completes a close-delimited body, or throws for a cut one
    if (!this.#complete) throw new ExchangeError('reset', 'the server closed inside the response');
  }
}
