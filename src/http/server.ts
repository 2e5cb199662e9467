/**
 * An HTTP/1.1 server on socketkit sockets, with the defences a server facing
 * browsers and load generators needs.
 *
 * Each connection is one loop: read a request (head, then body), hand it to
 * the handler, write the response, repeat while keep-alive allows. The
 * parser stops after each request and the rest goes back into the socket's
 * buffer, so pipelined requests are answered in order and a client cannot
 * queue more than the socket's 64 KiB ahead.
 *
 * Defences: a head over `maxHeadSize` (16 KiB) is 431; a malformed request is
 * 400, then close; a head not complete within `headTimeout` (10 s) of its
 * first byte is 408, then close (slowloris); an idle keep-alive connection
 * is closed after `idleTimeout` (5 s); a body over `maxBodySize` is 413; over
 * `maxConnections` a new connection gets 503; a client that stops reading
 * gets `writeTimeout` (30 s), then close.
 *
 * @module
 */

import type { SocketAddress } from '../core/address.js';
import type { Bytes } from '../core/bytes.js';
import { HttpParseError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { listen, type TlsListenOptions } from '../socket/server-socket.js';
import { RESOLVED, type StreamSocket } from '../socket/stream-socket.js';
import { type HeadersInit, HttpHeaders } from './headers.js';
import { HttpParser, type RequestHead } from './parser.js';
import { checkHeaderValue, checkToken, serializeResponseHead } from './serializer.js';

/** A request, whole: head and body. */
export interface ServerRequest {
  method: string;
  /** The request-target as sent. */
  target: string;
  /** The path part of the target (still percent-encoded). */
  path: string;
  /** The query, with its `?`, or `''`. */
  query: string;
  /** `"1.1"` or `"1.0"`. */
  version: string;
  headers: HttpHeaders;
  body: Uint8Array;
  /** The head exactly as the client sent it. */
  rawHead: Uint8Array;
  remoteAddress: SocketAddress | null;
}

/** What a handler answers. */
export interface ServerResponse {
  /** Default 200. */
  status?: number;
  /** Default: the standard phrase for the status. */
  reason?: string;
  headers?: HeadersInit;
  /** Bytes or text (sent with Content-Length), or a stream (chunked; close-delimited for HTTP/1.0). */
  body?: Bytes | string | AsyncIterable<Bytes> | null;
}

export type Handler = (request: ServerRequest) => ServerResponse | Promise<ServerResponse>;

/** Options for {@link serve}. */
export interface ServeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (the OS picks). */
  port?: number;
  backlog?: number;
  tls?: TlsListenOptions;
  /** Default 1024. */
  maxConnections?: number;
  /** Milliseconds from a request's first byte to the end of its head. Default 10 s. */
  headTimeout?: number;
  /** Milliseconds an idle keep-alive connection is kept. Default 5 s. */
  idleTimeout?: number;
  /** Milliseconds a response may wait for the client to read. Default 30 s. */
  writeTimeout?: number;
  /** Default 16 KiB. */
  maxHeadSize?: number;
  /** Default 1 MiB. */
  maxBodySize?: number;
  /** One line per request (and per refused connection). */
  log?: (line: string) => void;
}

/** A running server. */
export interface HttpServer {
  readonly address: SocketAddress;
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stops accepting, closes idle connections, lets requests in flight
   * finish (answered with `Connection: close`) for up to `graceMs`, then
   * closes the rest.
   */
  close(graceMs?: number): Promise<void>;
}

export const STATUS_TEXT: Record<number, string> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** The Date header, recomputed at most once a second. */
let dateCache = { second: -1, value: '' };
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateCache.second) dateCache = { second, value: new Date(now).toUTCString() };
  return dateCache.value;
}

const SERVER = `socketkit/${VERSION}`;

/**
 * Starts an HTTP server.
 *
 * @example Hello, world
 * ```ts
 * import { serve } from 'socketkit/http';
 * const server = await serve(() => ({ headers: { 'Content-Type': 'text/html' }, body: '<h1>Hello, world!</h1>' }), { port: 8080 });
 * console.log(`http://127.0.0.1:${server.address.port}/`);
 * ```
 */
export async function serve(handler: Handler, options: ServeOptions = {}): Promise<HttpServer> {
  const settings = {
    maxConnections: options.maxConnections ?? 1024,
    headTimeout: options.headTimeout ?? 10_000,
    idleTimeout: options.idleTimeout ?? 5_000,
    writeTimeout: options.writeTimeout ?? 30_000,
    maxHeadSize: options.maxHeadSize ?? 16 * 1024,
    maxBodySize: options.maxBodySize ?? 1024 * 1024,
    log: options.log,
  };
  const listener = await listen({
    host: options.host,
    port: options.port ?? 0,
    backlog: options.backlog,
    tls: options.tls,
  });
  const open = new Map<StreamSocket, Connection>();
  let closing = false;
  // Timeouts are deadlines that one sweeper checks, rather than a timer armed and cleared on
  // every read: a connection only records when it must have made progress by.
  const sweepEvery = Math.min(
    1000,
    Math.max(10, Math.min(settings.headTimeout, settings.idleTimeout, settings.writeTimeout) / 4),
  );
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const connection of open.values()) if (connection.deadline < now) connection.expire();
  }, sweepEvery);
  sweeper.unref();

  const accepting = (async () => {
    for await (const sock of listener) {
      if (open.size >= settings.maxConnections) {
        settings.log?.(
          `${describe(sock.remoteAddress)} refused: ${settings.maxConnections} connections already open`,
        );
        void refuse(sock);
        continue;
      }
      // Each response goes out in one write; Nagle's algorithm would only hold back the
      // last segment of a large one. node:http sets this too.
      sock.setNoDelay(true);
      const connection = new Connection(sock, handler, settings, () => closing);
      open.set(sock, connection);
      void connection.run().finally(() => open.delete(sock));
    }
  })();

  return {
    address: listener.address,
    get connections() {
      return open.size;
    },
    async close(graceMs = 5000) {
      closing = true;
      clearInterval(sweeper);
      await listener.close();
      await accepting;
      for (const connection of open.values()) connection.closeIfIdle();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.all([...open.values()].map((c) => c.done)), deadline]);
      await Promise.all([...open.keys()].map((s) => s.close()));
    },
  };
}

/** Over the connection cap: a 503 and close, without reading anything. */
async function refuse(sock: StreamSocket): Promise<void> {
  try {
    await sock.sendAll(errorResponse(503, 'Too many connections; try again shortly.\n'), {
      timeout: 1000,
    });
    await sock.shutdown('write');
  } catch {
    // The client is gone; nothing to tell it.
  }
  await sock.close();
}

function describe(address: SocketAddress | null): string {
  if (address === null) return '?';
  return address.family === 'AF_INET6'
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** The response for a handler that threw (or rejected). */
function internalError(error: unknown): ServerResponse {
  return {
    status: 500,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: `Internal Server Error: ${(error as Error).message}\n`,
  };
}

function errorResponse(status: number, text: string): Buffer {
  const body = Buffer.from(text);
  const head = serializeResponseHead(status, STATUS_TEXT[status] ?? 'Error', [
    ['Date', httpDate()],
    ['Server', SERVER],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(body.length)],
    ['Connection', 'close'],
  ]);
  return Buffer.concat([head, body]);
}

type Settings = {
  maxConnections: number;
  headTimeout: number;
  idleTimeout: number;
  writeTimeout: number;
  maxHeadSize: number;
  maxBodySize: number;
  log: ((line: string) => void) | undefined;
};

class Connection {
  readonly #sock: StreamSocket;
  readonly #handler: Handler;
  readonly #settings: Settings;
  readonly #closing: () => boolean;
  readonly #parser: HttpParser;
  #head: RequestHead | null = null;
  #body: Buffer[] = [];
  #bodyLength = 0;
  #complete = false;
  #idle = true;
  /** What the connection is waiting for, which decides what its deadline means. */
  #phase: 'first' | 'idle' | 'head' | 'body' | 'handler' | 'write' = 'first';
  /** When the current phase must have made progress (performance.now() time); Infinity for none. */
  deadline = Number.POSITIVE_INFINITY;
  #expired: HttpParseError | null = null;
  done: Promise<void> = Promise.resolve();

  constructor(sock: StreamSocket, handler: Handler, settings: Settings, closing: () => boolean) {
    this.#sock = sock;
    this.#handler = handler;
    this.#settings = settings;
    this.#closing = closing;
    this.#parser = new HttpParser(
      'request',
      {
        onHead: (head) => {
          this.#head = head as RequestHead;
        },
        onBody: (chunk) => {
          this.#bodyLength += chunk.length;
          if (this.#bodyLength > settings.maxBodySize) {
            throw new HttpParseError(
              `The request body is larger than ${settings.maxBodySize} bytes`,
              0,
              413,
            );
          }
          this.#body.push(Buffer.from(chunk));
        },
        onComplete: () => {
          this.#complete = true;
        },
      },
      { maxHeadSize: settings.maxHeadSize, captureRawHead: true },
    );
  }

  /** Server shutdown: a connection waiting for its next request goes now. */
  closeIfIdle(): void {
    if (this.#idle) void this.#sock.close();
  }

  #await(phase: 'first' | 'idle' | 'head' | 'body' | 'handler' | 'write', ms: number): void {
    this.#phase = phase;
    this.deadline = ms === Number.POSITIVE_INFINITY ? ms : performance.now() + ms;
  }

  /**
   * The deadline passed (the sweeper says so). A client that never finished its head gets 408;
   * an idle keep-alive connection, or one that stopped reading, is simply closed. Closing the
   * socket ends whatever the connection's loop was waiting for.
   */
  expire(): void {
    this.deadline = Number.POSITIVE_INFINITY;
    const sock = this.#sock;
    if (this.#phase === 'first' || this.#phase === 'head' || this.#phase === 'body') {
      const what =
        this.#phase === 'body' ? 'The request body stalled' : 'The request head did not arrive';
      this.#expired = new HttpParseError(`${what} within ${this.#settings.headTimeout} ms`, 0, 408);
      this.#settings.log?.(`${describe(sock.remoteAddress)} 408 ${this.#expired.reason}`);
      void sock
        .sendAll(errorResponse(408, `${STATUS_TEXT[408]}: ${this.#expired.reason}\n`))
        .catch(() => {})
        .finally(() => sock.close());
    } else if (this.#phase === 'write') {
      // The client stopped reading: drop what is queued for it rather than linger.
      void sock.abort();
    } else {
      void sock.close();
    }
  }

  run(): Promise<void> {
    this.done = this.#loop().catch(() => {});
    return this.done;
  }

  async #loop(): Promise<void> {
    const sock = this.#sock;
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
      // A client that vanished mid-request, or one the sweeper timed out, needs no more answer.
      if (!(error instanceof HttpParseError) || this.#expired !== null) return;
      const status = error.status;
      this.#settings.log?.(`${describe(sock.remoteAddress)} ${status} ${error.reason}`);
      try {
        await sock.sendAll(
          errorResponse(status, `${STATUS_TEXT[status] ?? 'Error'}: ${error.reason}\n`),
          { timeout: 2000 },
        );
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
    const sock = this.#sock;
    this.#head = null;
    this.#body = [];
    this.#bodyLength = 0;
    this.#complete = false;
    this.#idle = true;
    // Before a request's first byte: the idle timeout (the head timeout on a new connection).
    this.#await(
      first ? 'first' : 'idle',
      first ? this.#settings.headTimeout : this.#settings.idleTimeout,
    );
    let started = false;
    while (!this.#complete) {
      if (this.#closing() && !started) return null;
      const chunk = (await sock.recv(64 * 1024)) as Buffer;
      if (chunk.length === 0) {
        if (this.#expired !== null) throw this.#expired;
        // EOF: between requests, a normal end; inside one, the client gave up.
        if (started) this.#parser.finish();
        return null;
      }
      if (!started) {
        started = true;
        this.#idle = false;
        // The head must be complete within headTimeout of its first byte (slowloris).
        this.#await('head', this.#settings.headTimeout);
      }
      const used = this.#parser.execute(chunk);
      if (used < chunk.length) sock.unshift(chunk.subarray(used));
      // Once the head is in, the body's pace is bounded per gap, not in total.
      if (this.#head !== null && !this.#complete) this.#await('body', this.#settings.headTimeout);
    }
    this.#await('handler', Number.POSITIVE_INFINITY);
    const head = this.#head!;
    const question = head.target.indexOf('?');
    return {
      method: head.method,
      target: head.target,
      path: question < 0 ? head.target : head.target.slice(0, question),
      query: question < 0 ? '' : head.target.slice(question),
      version: head.version,
      headers: head.headers,
      body:
        this.#body.length === 0
          ? EMPTY_BODY
          : this.#body.length === 1
            ? this.#body[0]!
            : Buffer.concat(this.#body),
      rawHead: head.rawHead ?? EMPTY_BODY,
      remoteAddress: sock.remoteAddress,
    };
  }

  /**
   * Runs the handler and writes its response; gives whether to keep the connection. A handler
   * that answers at once and a response the kernel takes at once need no trip through the
   * microtask queue, so the result is then a plain boolean rather than a promise.
   */
  #respond(request: ServerRequest): boolean | Promise<boolean> {
    // Only the log line needs the handler's time.
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
    const keepAlive = head.keepAlive && !head.upgrade && !this.#closing();
    // A client that stops reading is closed by the sweeper after writeTimeout.
    this.#await('write', this.#settings.writeTimeout);
    const sent = writeResponse(this.#sock, request, response, keepAlive, this.#progressed);
    if (sent instanceof Promise)
      return sent.then((s) => this.#sent(request, s, keepAlive, started));
    return this.#sent(request, sent, keepAlive, started);
  }

  /** Each piece of a streamed body the client took restarts the write timeout. */
  readonly #progressed = (): void => this.#await('write', this.#settings.writeTimeout);

  #sent(request: ServerRequest, sent: Sent, keepAlive: boolean, started: number): boolean {
    this.#settings.log?.(
      `${describe(request.remoteAddress)} "${request.method} ${request.target} HTTP/${request.version}" ${sent.status} ${sent.bytes} ${(performance.now() - started).toFixed(1)}ms`,
    );
    return keepAlive && sent.keepAlive;
  }
}

/** Whether `name` is `lower` in any case; told apart by length first. */
function isName(name: string, lower: string): boolean {
  return name.length === lower.length && (name === lower || name.toLowerCase() === lower);
}

/**
 * Writes a response. Bytes and text go out with Content-Length, encoded
 * with the head into one buffer (one write, one packet) when small;
 * streams go chunked (HTTP/1.1) or until close (HTTP/1.0). Responses to
 * HEAD, and 1xx/204/304, carry no body.
 */
function writeResponse(
  sock: StreamSocket,
  request: ServerRequest,
  response: ServerResponse,
  keepAlive: boolean,
  progressed: () => void,
): Sent | Promise<Sent> {
  const status = response.status ?? 200;
  const reason = response.reason ?? STATUS_TEXT[status] ?? 'Unknown';
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Invalid status ${String(status)}: it must be a three-digit number`);
  }
  checkHeaderValue('reason phrase', reason);
  const noBody =
    request.method === 'HEAD' ||
    status === 204 ||
    status === 304 ||
    (status >= 100 && status < 200);
  const raw = response.body ?? null;
  const text = typeof raw === 'string' ? raw : null;
  const bytes = raw instanceof Uint8Array ? raw : null;
  const stream =
    raw !== null && text === null && bytes === null ? (raw as AsyncIterable<Bytes>) : null;

  // The head as one string: the handler's headers checked once, the ones socketkit adds appended.
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  let hasDate = false;
  let hasServer = false;
  let hasLength = false;
  const addField = (name: string, value: string): void => {
    checkToken(name, 'header name');
    checkHeaderValue(name, value);
    if (isName(name, 'date')) hasDate = true;
    else if (isName(name, 'server')) hasServer = true;
    else if (isName(name, 'content-length')) hasLength = true;
    else if (isName(name, 'connection') || isName(name, 'transfer-encoding')) return; // socketkit decides these
    head += `${name}: ${value}\r\n`;
  };
  const fields = response.headers;
  if (fields instanceof HttpHeaders || Array.isArray(fields)) {
    for (const [name, value] of fields as Iterable<[string, string]>) addField(name, value);
  } else if (fields !== undefined) {
    // A plain object, the usual case: walked in place, no array of pairs built per response.
    for (const name in fields) {
      if (Object.hasOwn(fields, name)) addField(name, String(fields[name]));
    }
  }
  if (!hasDate) head += `Date: ${httpDate()}\r\n`;
  if (!hasServer) head += `Server: ${SERVER}\r\n`;
  let keep = keepAlive;
  let chunked = false;
  const bodyLength =
    text !== null ? Buffer.byteLength(text, 'utf8') : bytes !== null ? bytes.length : 0;
  if (stream === null) {
    if (status !== 204 && status !== 304 && !hasLength) head += `Content-Length: ${bodyLength}\r\n`;
  } else if (!hasLength) {
    if (request.version === '1.1') {
      head += 'Transfer-Encoding: chunked\r\n';
      chunked = true;
    } else {
      keep = false; // HTTP/1.0 without a length: the body ends at close.
    }
  }
  if (!keep) head += 'Connection: close\r\n';
  else if (request.version === '1.0') head += 'Connection: keep-alive\r\n';
  head += '\r\n';

  if (noBody || (stream === null && bodyLength <= 64 * 1024)) {
    // Head and body encoded into one buffer: one allocation, one write. When the kernel takes
    // it at once (the usual case), the result is returned without awaiting anything.
    const length = noBody ? 0 : bodyLength;
    const out = Buffer.allocUnsafe(head.length + length);
    out.write(head, 0, 'latin1');
    if (length > 0) {
      if (text !== null) out.write(text, head.length, 'utf8');
      else out.set(bytes!, head.length);
    }
    const result: Sent = { status, bytes: length, keepAlive: keep };
    const written = sock.sendAll(out);
    return written === RESOLVED ? result : written.then(() => result);
  }
  return writeInParts(sock, head, text, bytes, stream, chunked, bodyLength, progressed).then(
    (bytesSent) => ({ status, bytes: bytesSent, keepAlive: keep }),
  );
}

/** What {@link writeResponse} sent: the status, the body bytes, and whether to keep the connection. */
interface Sent {
  status: number;
  bytes: number;
  keepAlive: boolean;
}

/** A body over 64 KiB, or a stream: the head, then the body as it comes. Resolves with the body bytes sent. */
async function writeInParts(
  sock: StreamSocket,
  head: string,
  text: string | null,
  bytes: Uint8Array | null,
  stream: AsyncIterable<Bytes> | null,
  chunked: boolean,
  bodyLength: number,
  progressed: () => void,
): Promise<number> {
  let sent = 0;
  if (stream === null) {
    await sock.sendAll(Buffer.from(head, 'latin1'));
    await sock.sendAll(text !== null ? Buffer.from(text, 'utf8') : bytes!);
    sent = bodyLength;
  } else {
    await sock.sendAll(Buffer.from(head, 'latin1'));
    for await (const piece of stream) {
      if (piece.length === 0) continue;
      await sock.sendAll(
        chunked
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, CRLF])
          : piece,
      );
      sent += piece.length;
      // Each piece the client took restarts the write timeout: it bounds a stall, not a download.
      progressed();
    }
    if (chunked) await sock.sendAll(LAST_CHUNK);
  }
  return sent;
}

const EMPTY_BODY = Buffer.alloc(0);

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * Closes after the last response without losing it: half-close, then read
 * and drop what the client still sends for a moment. Closing with unread
 * bytes (a pipelined request, say) would make the kernel send RST, which
 * can destroy the response in flight.
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
