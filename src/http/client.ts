/**
 * An HTTP/1.1 client on socketkit sockets: what tutorials 000–003 do by hand
 * (write `GET / HTTP/1.1`, read until the server closes), done properly.
 *
 * One connection per request (`Connection: close` unless told otherwise),
 * http and https (SNI, certificates verified unless `insecure`), redirects
 * on request, per-phase timings, and a body that streams: it is read from
 * the socket only as fast as it is consumed, so any size flows in constant
 * memory.
 *
 * @module
 */

import { isIP } from 'node:net';
import type { Bytes } from '../core/bytes.js';
import {
  EmptyReplyError,
  HttpParseError,
  IncompleteReadError,
  SocketAbortError,
  SocketTimeoutError,
  TooManyRedirectsError,
} from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { connect } from '../socket/connect.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import { type HeadersInit, HttpHeaders } from './headers.js';
import { HttpParser, type ResponseHead } from './parser.js';
import { serializeRequestHead } from './serializer.js';
import { parseTarget, type RequestTarget } from './url.js';

/** Options for {@link request}. */
export interface RequestOptions {
  /** Default `GET`. */
  method?: string;
  /** Added to, and overriding by name, the defaults: Host, User-Agent, Accept, Connection. */
  headers?: HeadersInit;
  /** Bytes or text (sent with Content-Length), or a stream of bytes (sent chunked). */
  body?: Bytes | string | AsyncIterable<Bytes>;
  /** Milliseconds for name lookup, connect and TLS handshake together (curl's --connect-timeout). */
  timeout?: number | null;
  /** Milliseconds for the whole exchange, body and redirects included (curl's -m). */
  maxTime?: number | null;
  /** Follow 301, 302, 303, 307 and 308 (curl's -L). Default `false`. */
  followRedirects?: boolean;
  /** The most redirects to follow. Default 20. */
  maxRedirects?: number;
  /** Do not verify the server's certificate. */
  insecure?: boolean;
  /** Trusted CA certificates (PEM) instead of the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Cancels the request at any point. */
  signal?: AbortSignal;
  /** The largest response head accepted. Default 64 KiB. */
  maxHeadSize?: number;
  /** Called with every byte received, exactly as it arrived (for showing the raw reply). */
  onRaw?: (chunk: Uint8Array) => void;
  /** Called with each request head just before it is sent (each redirect hop too). */
  onRequest?: (info: { url: URL; head: Buffer }) => void;
  /** Called with each 1xx interim response, which is otherwise skipped. */
  onInterim?: (head: ResponseHead) => void;
  /** Called when a redirect is followed. */
  onRedirect?: (info: { from: URL; to: URL; status: number }) => void;
}

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

/** Pulls the next piece of body: into `buffer` when given, else in a buffer of its own. `null` at the end. */
type BodySource = {
  next(buffer?: Buffer): Promise<Uint8Array | null>;
  cancel(): Promise<void>;
};

/**
 * The body of a response: iterate it, or gather it with `bytes()` /
 * `text()`. Readable once. Nothing is read from the socket until asked for,
 * so a body of any size streams in constant memory.
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
   * Iterates over the body. With `buffer`, every piece is a view into that
   * one buffer, valid until the next step: nothing is allocated per read,
   * for bulk transfers where each piece is written out before the next.
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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TIMED_OUT = Symbol('maxTime');

/**
 * Sends an HTTP request and resolves with the response once its head has
 * arrived; the body streams after that.
 *
 * @throws {TypeError} a bad URL, or a method, header or target with CR, LF or NUL (nothing is sent).
 * @throws {NameResolutionError} {@link ConnectionRefusedError} {@link TlsError} connecting failed.
 * @throws {SocketTimeoutError} `timeout` or `maxTime` passed.
 * @throws {EmptyReplyError} the server closed without a reply.
 * @throws {HttpParseError} the reply is not valid HTTP/1.1.
 * @throws {TooManyRedirectsError} more than `maxRedirects` redirects.
 *
 * @example
 * ```ts
 * import { request } from 'socketkit/http';
 * const response = await request('http://127.0.0.1:8080/', { timeout: 5000 });
 * console.log(response.status, response.headers.get('content-type'));
 * console.log(await response.body.text());
 * ```
 */
export async function request(
  url: string | URL,
  options: RequestOptions = {},
): Promise<HttpResponse> {
  let target = parseTarget(url);
  let method = (options.method ?? 'GET').toUpperCase();
  let body = options.body;
  const maxRedirects = options.maxRedirects ?? 20;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError(`Invalid maxRedirects ${String(maxRedirects)}: it must be an integer ≥ 0`);
  }

  // One signal for everything: the caller's, and maxTime.
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const maxTime = options.maxTime ?? null;
  const timer =
    maxTime === null ? undefined : setTimeout(() => controller.abort(TIMED_OUT), maxTime);
  timer?.unref();
  const release = () => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  };
  // An abort closes the connection, so whatever was waiting fails; say why.
  const translate = (error: unknown): unknown => {
    if (!controller.signal.aborted) return error;
    if (controller.signal.reason === TIMED_OUT) {
      return new SocketTimeoutError(
        `The request to ${target.url.href} took longer than maxTime ${maxTime} ms`,
        {
          host: target.host,
          port: target.port,
        },
      );
    }
    return error instanceof SocketAbortError
      ? error
      : new SocketAbortError(`The request to ${target.url.href} was aborted`, {
          cause: controller.signal.reason,
        });
  };

  try {
    for (let redirects = 0; ; redirects++) {
      const response = await exchange(
        target,
        method,
        body,
        options,
        controller.signal,
        redirects,
        release,
        translate,
      );
      const location = response.headers.get('location');
      if (!options.followRedirects || !REDIRECTS.has(response.status) || location === null)
        return response;
      if (redirects >= maxRedirects) {
        await response.body[Symbol.asyncIterator]().return?.(undefined);
        throw new TooManyRedirectsError(
          `Maximum (${maxRedirects}) redirects followed; ${response.url.href} redirects again to ${location}`,
          redirects,
        );
      }
      // Done with this hop: closing the body closes its connection.
      await response.body[Symbol.asyncIterator]().return?.(undefined);
      const next = parseTarget(new URL(location, response.url));
      options.onRedirect?.({ from: response.url, to: next.url, status: response.status });
      // 303 becomes GET; so do 301/302 after a POST (as curl and browsers do); 307/308 keep both.
      if (
        response.status === 303
          ? method !== 'HEAD'
          : (response.status === 301 || response.status === 302) && method === 'POST'
      ) {
        method = 'GET';
        body = undefined;
      } else if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot follow a ${response.status} redirect: a streamed request body cannot be sent again`,
        );
      }
      target = next;
    }
  } catch (error) {
    release();
    throw translate(error);
  }
}

function defaultHeaders(target: RequestTarget, bodyLength: number | 'chunked' | null): HttpHeaders {
  const headers = new HttpHeaders([
    ['Host', target.hostHeader],
    ['User-Agent', `socketkit/${VERSION}`],
    ['Accept', '*/*'],
    ['Connection', 'close'],
  ]);
  if (bodyLength === 'chunked') headers.append('Transfer-Encoding', 'chunked');
  else if (bodyLength !== null) headers.append('Content-Length', String(bodyLength));
  return headers;
}

/** One request and its response on one connection. */
async function exchange(
  target: RequestTarget,
  method: string,
  body: RequestOptions['body'],
  options: RequestOptions,
  signal: AbortSignal,
  redirects: number,
  release: () => void,
  translate: (error: unknown) => unknown,
): Promise<HttpResponse> {
  const started = performance.now();
  const bytes =
    typeof body === 'string' ? Buffer.from(body, 'utf8') : body instanceof Uint8Array ? body : null;
  const streamed = body !== undefined && bytes === null ? (body as AsyncIterable<Bytes>) : null;
  const headers = defaultHeaders(
    target,
    bytes !== null ? bytes.length : streamed ? 'chunked' : null,
  );
  for (const [name, value] of HttpHeaders.from(options.headers)) headers.set(name, value);
  // Checked and serialized before connecting: a bad header sends nothing at all.
  const head = serializeRequestHead(method, target.path, headers);

  const sock = await connect(target.host, target.port, {
    timeout: options.timeout ?? null,
    signal,
    tls: target.secure
      ? {
          ca: options.ca,
          insecure: options.insecure,
          servername: isIP(target.host) === 0 ? target.host : undefined,
        }
      : undefined,
  });
  // From here an abort (the caller's, or maxTime) closes the connection: whatever waits on it fails
  // and `translate` says why. No timer or listener is armed per read.
  const onAbort = () => void sock.close();
  signal.addEventListener('abort', onAbort, { once: true });
  const finish = async (): Promise<void> => {
    signal.removeEventListener('abort', onAbort);
    release();
    await sock.close();
  };

  try {
    options.onRequest?.({ url: target.url, head });
    await sock.sendAll(head);
    const sending = sendBody(sock, bytes, streamed);
    sending.catch(() => {});
    return await readResponse(
      sock,
      target,
      method,
      options,
      started,
      redirects,
      sending,
      finish,
      translate,
    );
  } catch (error) {
    await finish();
    throw error;
  }
}

async function sendBody(
  sock: StreamSocket,
  bytes: Uint8Array | null,
  streamed: AsyncIterable<Bytes> | null,
): Promise<void> {
  if (bytes !== null && bytes.length > 0) await sock.sendAll(bytes);
  if (streamed !== null) {
    for await (const piece of streamed) {
      if (piece.length === 0) continue;
      await sock.sendAll(
        Buffer.concat([
          Buffer.from(`${piece.length.toString(16)}\r\n`),
          piece,
          Buffer.from('\r\n'),
        ]),
      );
    }
    await sock.sendAll(Buffer.from('0\r\n\r\n'));
  }
}

/** Reads until the final (non-1xx) response head; the body streams from there. */
async function readResponse(
  sock: StreamSocket,
  target: RequestTarget,
  method: string,
  options: RequestOptions,
  started: number,
  redirects: number,
  sending: Promise<void>,
  finish: () => Promise<void>,
  translate: (error: unknown) => unknown,
): Promise<HttpResponse> {
  let finalHead: ResponseHead | null = null;
  const pending: Buffer[] = [];
  let complete = false;
  let trailers: HttpHeaders | null = null;
  const parser = new HttpParser(
    'response',
    {
      onHead(head) {
        if (head.kind !== 'response') return;
        if (head.status >= 100 && head.status < 200 && head.status !== 101)
          options.onInterim?.(head);
        else finalHead = head;
      },
      onBody(chunk) {
        pending.push(chunk);
      },
      onTrailers(fields) {
        trailers = fields;
      },
      onComplete() {
        if (finalHead !== null) complete = true;
      },
    },
    { maxHeadSize: options.maxHeadSize ?? 64 * 1024, captureRawHead: true },
  );
  parser.expectResponseTo(method);

  let receivedAny = false;
  let firstByte = Number.NaN;
  /** Reads one chunk (into `into` when given) and parses it; false at the end of the stream. */
  const readMore = async (into?: Buffer): Promise<boolean> => {
    let chunk: Buffer;
    if (into === undefined) {
      chunk = (await sock.recv(64 * 1024)) as Buffer;
    } else {
      chunk = into.subarray(0, await sock.recvInto(into));
    }
    if (chunk.length === 0) return false;
    if (!receivedAny) {
      receivedAny = true;
      firstByte = performance.now() - started;
    }
    options.onRaw?.(chunk);
    // Parse the whole chunk: past an interim response, and into the body after the head.
    for (let at = 0; at < chunk.length && !complete; ) {
      if (finalHead === null && parser.phase === 'idle') parser.expectResponseTo(method);
      at = parser.execute(chunk, at);
    }
    return true;
  };

  while (finalHead === null) {
    let more: boolean;
    try {
      more = await readMore();
    } catch (error) {
      // A reply that is complete and valid matters more than an upload the server stopped reading.
      await sending.catch(() => {});
      throw error;
    }
    if (!more) {
      if (!receivedAny) {
        throw new EmptyReplyError(`${target.url.host} closed the connection without replying`, {
          host: target.host,
          port: target.port,
        });
      }
      throw new HttpParseError('The reply ended inside its head', 0, 502);
    }
  }
  const head: ResponseHead = finalHead;
  const socketTimings = sock.timings!;
  const timings: Timings = {
    lookup: socketTimings.lookup,
    connect: socketTimings.connect,
    ...(socketTimings.tls === undefined ? {} : { tls: socketTimings.tls }),
    firstByte,
    total: Number.NaN,
  };

  let ended = false;
  const end = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    await finish();
  };
  const source: BodySource = {
    async next(into) {
      try {
        for (;;) {
          const piece = pending.shift();
          // Pieces are views of the last chunk read; all are handed out before the next read.
          if (piece !== undefined) return piece;
          if (complete || ended) break;
          if (!(await readMore(into))) {
            try {
              parser.finish();
            } catch (error) {
              if (!(error instanceof HttpParseError)) throw error;
              throw new IncompleteReadError(
                `Transfer closed with ${parser.remaining > 0 ? `${parser.remaining} bytes` : 'part of the body'} still to come from ${target.url.host}`,
                Buffer.alloc(0),
                undefined,
                { host: target.host, port: target.port },
              );
            }
            if (pending.length === 0) break;
          }
        }
        if (!ended) {
          timings.total = performance.now() - started;
          response.trailers = trailers;
        }
        await end();
        return null;
      } catch (error) {
        await end();
        throw translate(error);
      }
    },
    cancel: end,
  };

  const response: HttpResponse = {
    status: head.status,
    reason: head.reason,
    version: head.version,
    headers: head.headers,
    trailers: null,
    timings,
    rawHead: head.rawHead ?? Buffer.alloc(0),
    url: target.url,
    redirects,
    body: new ResponseBody(source),
  };
  return response;
}
