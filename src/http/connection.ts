/**
 * One HTTP/1.1 connection on the server: read a request (through the shared pull loop), hand
 * it to the handler, write the response (through the shared writer), repeat while keep-alive
 * allows. The parser stops after each request and the rest goes back into the socket's
 * bounded buffer, so pipelined requests are answered in order.
 *
 * What the connection is waiting for is its `phase`; each phase has a deadline that the
 * server's sweeper checks (no timer per read):
 *
 *     first ─byte─▶ head ─head─▶ body ─body─▶ handler ─▶ write ─▶ idle ─byte─▶ head …
 *     (headTimeout)  (headTimeout) (bodyTimeout)            (writeTimeout) (idleTimeout)
 *
 * @module
 */

import { type Address, describeAddress as describe } from '../core/address.js';
import { HttpParseError } from '../core/errors.js';
import { pull } from '../socket/pull.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import type { HeadersInit, HttpHeaders } from './headers.js';
import { HttpParser, type RequestHead } from './parser.js';
import { BodyTooLarge, RequestBody } from './request-body.js';
import { errorResponse, type PlannedResponse, planResponse } from './response-head.js';
import { fieldLines, type MessageBody, writeMessage } from './writer.js';

/**
 * A request as a {@link Handler} gets it, whole: the head, and the body already read (up to
 * `maxBodySize`), whatever framing it came in.
 */
export interface ServerRequest {
  /** The method, as sent (methods are case-sensitive): `GET`, `POST`, … */
  method: string;
  /** The request-target as sent: `/path?q`, or `http://host/path?q` (absolute-form). */
  target: string;
  /** The path of the target (still percent-encoded); for an absolute-form target, its path. */
  path: string;
  /** The query, with its `?`, or `''`. */
  query: string;
  /** `"1.1"` or `"1.0"`. */
  version: string;
  /** The header fields, in order, looked up case-insensitively. */
  headers: HttpHeaders;
  /** The body's bytes (de-chunked), empty when there is none. */
  body: Uint8Array;
  /** The head exactly as the client sent it. */
  rawHead: Uint8Array;
  /** The client's address, or `null` when the OS no longer reports it. */
  remoteAddress: Address | null;
}

/**
 * What a {@link Handler} answers. The server frames it: Content-Length for bytes and text,
 * chunked for a stream (until close for an HTTP/1.0 client), no body for HEAD, 1xx, 204 and
 * 304; it sets Connection and Transfer-Encoding itself, and adds Date and Server unless given.
 */
export interface ServerResponse {
  /** Default 200. */
  status?: number;
  /** Default: the standard phrase for the status. */
  reason?: string;
  /**
   * The header fields, in order. A Content-Length given here is kept, and checked against a body
   * of bytes or text (a mismatch is a 500); a stream is trusted to match it.
   */
  headers?: HeadersInit;
  /** Bytes or text (sent with Content-Length), or a stream (chunked; close-delimited for HTTP/1.0). */
  body?: MessageBody;
  /** Trailer fields, sent after a streamed (chunked) body. */
  trailers?: HeadersInit;
}

/**
 * Answers one request with a response; may be async. A handler that throws (or rejects) is
 * answered with 500. Requests on one connection are handled one at a time, in order.
 *
 * @example A handler that routes by method and path
 * ```ts
 * import { type Handler, request, serve } from 'socketkit/http';
 * const handler: Handler = (req) => {
 *   if (req.method !== 'GET') return { status: 405, headers: { Allow: 'GET' } };
 *   if (req.path === '/hello') return { body: `hello ${new URLSearchParams(req.query).get('name')}\n` };
 *   return { status: 404, body: 'Not Found\n' };
 * };
 * await using server = await serve(handler);
 * const response = await request(`http://127.0.0.1:${server.address.port}/hello?name=ada`);
 * console.log(response.status, await response.body.text()); // 200 hello ada
 * ```
 */
export type Handler = (request: ServerRequest) => ServerResponse | Promise<ServerResponse>;

/** The server's limits and timeouts, all in milliseconds and bytes. */
export interface ConnectionSettings {
  headTimeout: number;
  bodyTimeout: number;
  idleTimeout: number;
  writeTimeout: number;
  maxHeadSize: number;
  maxBodySize: number;
  log: ((line: string) => void) | undefined;
  /** Whether the server is shutting down (answer with `Connection: close`, take no new request). */
  closing: () => boolean;
}

/** What a connection waits for now. */
export type Phase = 'first' | 'idle' | 'head' | 'body' | 'handler' | 'write';

/** A request refused before the handler sees it, with the status to answer. */
class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {}
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

/** A Host value: an IP literal, or reg-name characters, and an optional port (RFC 3986 §3.2.2). */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

export class Connection {
  readonly sock: StreamSocket;
  readonly #handler: Handler;
  readonly #settings: ConnectionSettings;
  readonly #parser: HttpParser;
  readonly #body: RequestBody;
  #head: RequestHead | null = null;
  #complete = false;
  #phase: Phase = 'first';
  /** When the current phase began (performance.now()). */
  since = performance.now();
  /** When the current phase must have made progress by; Infinity for none. */
  deadline: number;
  #ended: string | null = null;
  done: Promise<void> = Promise.resolve();

  constructor(sock: StreamSocket, handler: Handler, settings: ConnectionSettings) {
    this.sock = sock;
    this.#handler = handler;
    this.#settings = settings;
    this.deadline = this.since + settings.headTimeout;
    this.#body = new RequestBody(settings.maxBodySize);
    this.#parser = new HttpParser(
      'request',
      {
        onHead: (head) => this.#onHead(head as RequestHead),
        onBody: (piece) => this.#body.append(piece),
        onComplete: () => {
          this.#complete = true;
        },
      },
      { maxHeadSize: settings.maxHeadSize, captureRawHead: true },
    );
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Waiting on the client (not on the handler or a write): may be evicted to make room. */
  get evictable(): boolean {
    return (
      this.#phase === 'first' ||
      this.#phase === 'idle' ||
      this.#phase === 'head' ||
      this.#phase === 'body'
    );
  }

  run(): Promise<void> {
    this.done = this.#loop().catch(() => {});
    return this.done;
  }

  /** Server shutdown: a connection waiting for its next request goes now. */
  closeIfIdle(): void {
    if (this.#phase === 'idle' || this.#phase === 'first') void this.sock.close();
  }

  /**
   * The sweeper saw the deadline pass. A request that did not arrive in time gets 408; an idle
   * keep-alive connection is closed; a client that stopped reading is dropped at once.
   */
  expire(): void {
    this.deadline = Number.POSITIVE_INFINITY;
    const phase = this.#phase;
    if (phase === 'first' || phase === 'head' || phase === 'body') {
      const what =
        phase === 'body' ? 'The request body did not arrive' : 'The request head did not arrive';
      const ms = phase === 'body' ? this.#settings.bodyTimeout : this.#settings.headTimeout;
      this.#end(408, `${what} within ${ms} ms`);
    } else if (phase === 'write') {
      this.#ended = 'stopped reading';
      void this.sock.abort();
    } else {
      this.#ended = phase === 'idle' ? 'idle' : 'sent nothing';
      void this.sock.close();
    }
  }

  /** The server is full and chose this connection to make room: answered 503, or closed if idle. */
  evict(): void {
    this.deadline = Number.POSITIVE_INFINITY;
    if (this.#phase === 'head' || this.#phase === 'body') {
      this.#end(503, 'The server is at its connection limit and this request was the slowest');
    } else {
      this.#ended = 'evicted';
      void this.sock.close();
    }
  }

  #started(): boolean {
    return this.#parser.phase !== 'idle';
  }

  #enter(phase: Phase, ms: number): void {
    this.#phase = phase;
    this.since = performance.now();
    this.deadline = ms === Number.POSITIVE_INFINITY ? ms : this.since + ms;
  }

  /** Answers `status` with a one-line text body and closes, from outside the loop. */
  #end(status: number, reason: string): void {
    this.#ended = reason;
    this.#settings.log?.(`${describe(this.sock.remoteAddress)} ${status} ${reason}`);
    const sock = this.sock;
    void sock
      .sendAll(errorResponse(status, reason), { timeout: 1000 })
      .catch(() => {})
      .finally(() => sock.close());
  }

  async #loop(): Promise<void> {
    const sock = this.sock;
    try {
      for (let first = true; ; first = false) {
        const request = await this.#readRequest(first);
        if (request === null) return;
        const responded = this.#respond(request);
        const keepAlive = typeof responded === 'boolean' ? responded : await responded;
        if (!keepAlive) {
          await lingeringClose(sock);
          return;
        }
      }
    } catch (error) {
      // A client that vanished mid-request, or one the sweeper already answered, needs nothing.
      if (this.#ended !== null) return;
      let refusal: Refusal | null = null;
      if (error instanceof HttpParseError) refusal = new Refusal(error.status, error.reason);
      else if (error instanceof Refusal) refusal = error;
      else if (error instanceof BodyTooLarge) refusal = new Refusal(413, error.message);
      if (refusal === null) return;
      this.#settings.log?.(`${describe(sock.remoteAddress)} ${refusal.status} ${refusal.reason}`);
      try {
        await sock.sendAll(errorResponse(refusal.status, refusal.reason), { timeout: 2000 });
      } catch {
        // Gone already.
      }
      await lingeringClose(sock);
    } finally {
      await sock.close();
    }
  }

  /** The next whole request, or `null` when the client is done (or idled out). */
  async #readRequest(first: boolean): Promise<ServerRequest | null> {
    const sock = this.sock;
    this.#head = null;
    this.#complete = false;
    if (!first) this.#enter('idle', this.#settings.idleTimeout);
    if (this.#settings.closing()) return null;
    const whole = await pull(sock, this, () => this.#complete);
    if (!whole) {
      // The end of the stream: between requests, a normal end; inside one, the client gave up.
      if (this.#started()) this.#parser.finish();
      return null;
    }
    this.#enter('handler', Number.POSITIVE_INFINITY);
    const head = this.#head!;
    const [path, query] = splitTarget(head.target);
    return {
      method: head.method,
      target: head.target,
      path,
      query,
      version: head.version,
      headers: head.headers,
      body: this.#body.take(),
      rawHead: head.rawHead ?? EMPTY,
      remoteAddress: sock.remoteAddress,
    };
  }

  /** The pull loop's decoder: the parser, and the head timeout from a request's first byte. */
  feed(chunk: Buffer, offset: number): number {
    if (this.#phase === 'first' || this.#phase === 'idle') {
      this.#enter('head', this.#settings.headTimeout);
    }
    return this.#parser.execute(chunk, offset);
  }

  /** The head is in: refuse what the handler must not see, then wait for the body. */
  #onHead(head: RequestHead): void {
    this.#head = head;
    const hosts = head.headers.getAll('host');
    if (hosts.length > 1) throw new Refusal(400, 'More than one Host header field');
    if (hosts.length === 0 && head.version !== '1.0')
      throw new Refusal(400, 'An HTTP/1.1 request needs a Host header field');
    if (hosts.length === 1 && !VALID_HOST.test(hosts[0]!))
      throw new Refusal(400, `Invalid Host header field ${quoted(hosts[0]!)}`);
    checkTargetForm(head);
    const chunked = head.headers.has('transfer-encoding');
    const length = chunked ? -1 : Number(head.headers.get('content-length') ?? 0);
    this.#body.begin(length);
    const expect = head.headers.get('expect');
    // RFC 9110 §10.1.1: a server ignores 100-continue from an HTTP/1.0 client.
    if (expect !== null && head.version !== '1.0') {
      // `100-continue, 100-continue` (two fields joined) still asks for nothing else.
      const members = expect
        .split(',')
        .map((member) => member.trim().toLowerCase())
        .filter((member) => member !== '');
      if (members.length === 0 || members.some((member) => member !== '100-continue')) {
        throw new Refusal(417, `Expectation ${quoted(expect)} is not supported`);
      }
      // The body is acceptable (begin() refused an oversize one): ask for it.
      if (chunked || length > 0) this.sock.send(CONTINUE);
    }
    this.#enter('body', this.#settings.bodyTimeout);
  }

  /**
   * Runs the handler and writes its response; gives whether to keep the connection. A handler
   * that answers at once and a response the kernel takes at once need no trip through the
   * microtask queue, so the result is then a plain boolean rather than a promise.
   */
  #respond(request: ServerRequest): boolean | Promise<boolean> {
    const started = this.#settings.log === undefined ? 0 : performance.now();
    let answer: ServerResponse | Promise<ServerResponse>;
    try {
      answer = this.#handler(request);
    } catch (error) {
      answer = internalError(error);
    }
    if (answer instanceof Promise) {
      return answer.then(
        (response) => this.#write(request, response, started),
        (error) => this.#write(request, internalError(error), started),
      );
    }
    return this.#write(request, answer, started);
  }

  #write(
    request: ServerRequest,
    response: ServerResponse,
    started: number,
  ): boolean | Promise<boolean> {
    const head = this.#head!;
    // HTTP stops after CONNECT, an Upgrade or PRI; socketkit answers and closes rather than switch.
    const keepAlive = head.keepAlive && !head.upgrade && !this.#settings.closing();
    this.#enter('write', this.#settings.writeTimeout);
    let planned: PlannedResponse;
    let trailers = response.trailers;
    try {
      planned = planResponse(request, response, keepAlive);
      // Checked with the head: a bad trailer is a 500, not a reply cut short after its body.
      if (trailers !== undefined) fieldLines(trailers);
    } catch (error) {
      planned = planResponse(request, internalError(error), false);
      trailers = undefined;
    }
    const sent = writeMessage(this.sock, planned.head, planned.body, planned.framing, {
      progressed: this.#progressed,
      trailers,
      declaredLength: planned.declaredLength,
    });
    if (typeof sent === 'number') return this.#sent(request, planned, sent, started);
    return sent.then((bytes) => this.#sent(request, planned, bytes, started));
  }

  /** Each piece of a streamed body the client took restarts the write timeout. */
  readonly #progressed = (): void => this.#enter('write', this.#settings.writeTimeout);

  #sent(request: ServerRequest, planned: PlannedResponse, bytes: number, started: number): boolean {
    this.#settings.log?.(
      `${describe(request.remoteAddress)} "${request.method} ${request.target} HTTP/${request.version}" ${planned.status} ${bytes} ${(performance.now() - started).toFixed(1)}ms`,
    );
    return planned.keepAlive;
  }
}

/**
 * A received value in a message, quoted: its bytes above 0x7F as `\xNN`, since the field
 * arrived as bytes (held one per character) and the message goes out as UTF-8, which would
 * otherwise show `é` sent as UTF-8 as two wrong characters.
 */
function quoted(value: string): string {
  return JSON.stringify(value).replace(
    /[\u0080-\u00ff]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/**
 * The forms a request-target may take (RFC 9112 §3.2): origin-form `/path`, absolute-form
 * `http://host/path` (whose host then stands for the Host field, §3.2.2), and `*` for OPTIONS
 * only. CONNECT's authority-form is left to the handler.
 */
function checkTargetForm(head: RequestHead): void {
  const target = head.target;
  if (target.charCodeAt(0) === 0x2f /* / */ || head.method === 'CONNECT') return;
  if (target === '*') {
    if (head.method !== 'OPTIONS')
      throw new Refusal(400, `The target * is for OPTIONS only, not ${head.method}`);
    return;
  }
  const absolute = /^https?:\/\/([^/?#]+)/i.exec(target);
  if (absolute === null)
    throw new Refusal(
      400,
      `Invalid request target ${quoted(target.slice(0, 100))}: it must be /path or http://host/path`,
    );
  const authority = absolute[1]!;
  // RFC 9110 §4.2.4: userinfo in an http URI is to be treated as an error.
  if (authority.includes('@'))
    throw new Refusal(400, 'A request target must not carry user:password@');
  if (!VALID_HOST.test(authority))
    throw new Refusal(400, `Invalid host ${quoted(authority)} in the request target`);
  // §3.2.2: the target's host is the one that counts; the handler sees it as Host.
  head.headers.set('host', authority);
}

/** Path and query of a request-target; an absolute-form target's own path (RFC 9112 §3.2.2). */
function splitTarget(target: string): [string, string] {
  let start = 0;
  if (target.charCodeAt(0) !== 0x2f /* / */ && target !== '*') {
    const scheme = target.indexOf('://');
    if (scheme > 0) {
      const slash = target.indexOf('/', scheme + 3);
      const question = target.indexOf('?', scheme + 3);
      start =
        slash < 0
          ? question < 0
            ? target.length
            : question
          : question >= 0 && question < slash
            ? question
            : slash;
      if (start === target.length || target.charCodeAt(start) === 0x3f) {
        const query = target.slice(start);
        return ['/', query];
      }
    }
  }
  const question = target.indexOf('?', start);
  return question < 0
    ? [start === 0 ? target : target.slice(start), '']
    : [target.slice(start, question), target.slice(question)];
}

/** The response for a handler that threw (or rejected). */
function internalError(error: unknown): ServerResponse {
  return {
    status: 500,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: `Internal Server Error: ${(error as Error)?.message ?? String(error)}\n`,
  };
}

/**
 * Closes after the last response without losing it: half-close, then read and drop what the
 * client still sends for a moment. Closing with unread bytes (a pipelined request, say) would
 * make the kernel send RST, which can destroy the response in flight.
 */
async function lingeringClose(sock: StreamSocket): Promise<void> {
  try {
    await sock.shutdown('write');
    const sink = Buffer.allocUnsafe(16 * 1024);
    const deadline = performance.now() + 2000;
    while (performance.now() < deadline) {
      if ((await sock.recvInto(sink, { timeout: Math.max(1, deadline - performance.now()) })) === 0)
        break;
    }
  } catch {
    // Timed out, reset, or already closed: either way, done.
  }
  await sock.close();
}
