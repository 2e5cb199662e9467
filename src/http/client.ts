/**
 * An HTTP/1.1 client on socketkit sockets: what tutorials 000–003 do by hand (write
 * `GET / HTTP/1.1`, read until the server closes), done properly.
 *
 * One connection per request (`Connection: close` unless told otherwise), http and https (SNI,
 * certificates verified unless `insecure`), redirects on request (redirect.ts holds the
 * policy), per-phase timings, and a body that streams: it is read through the shared pull loop
 * only as fast as it is consumed, so any size flows in constant memory.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { validateTimeout } from '../core/address.js';
import {
  BrokenPipeError,
  ConnectionResetError,
  EmptyReplyError,
  HttpParseError,
  IncompleteReadError,
  InvalidStateError,
  NameResolutionError,
  ProxyError,
  SocketAbortError,
  SocketError,
  SocketTimeoutError,
  TlsError,
  TooManyRedirectsError,
} from '../core/errors.js';
import { type LongTimer, setLongTimeout } from '../core/timers.js';
import { VERSION } from '../core/version.js';
import { connect } from '../socket/connect.js';
import { type PullTarget, pull } from '../socket/pull.js';
import type { ConnectAttempt, StreamSocket } from '../socket/stream-socket.js';
import type { PeerCertificate, TlsCipher } from '../socket/tls.js';
import type { Agent, Lease } from './agent.js';
import { ACCEPT_ENCODING, decodingSource, parseContentEncoding } from './content-coding.js';
import { type HeadersInit, HttpHeaders } from './headers.js';
import { HttpParser, type ResponseHead } from './parser.js';
import { bypassesProxy, openTunnel, type ProxyTarget, parseProxy } from './proxy.js';
import { REDIRECT_STATUSES, type RequestHop, redirectHop } from './redirect.js';
import { type BodySource, type HttpResponse, ResponseBody, type Timings } from './response.js';
import { parseTarget, type RequestTarget } from './url.js';
import { type MessageBody, prepareBody, serializeRequestHead, writeMessage } from './writer.js';

export type { HttpResponse, Timings } from './response.js';
export { ResponseBody } from './response.js';

/** Options for {@link request}. Every duration is in milliseconds, every size in bytes. */
export interface RequestOptions {
  /** The request method, sent as given (methods are case-sensitive, RFC 9110 §9.1). Default `GET`. */
  method?: string;
  /** Added to, and overriding by name, the defaults: Host, User-Agent, Accept, Connection. */
  headers?: HeadersInit;
  /**
   * Default headers not to send at all (curl's `-H 'Name:'`), by name, any case: for a server
   * that must see a request without, say, `User-Agent`.
   */
  omitHeaders?: readonly string[];
  /** Connect over IPv4 (`4`) or IPv6 (`6`) only (curl's `-4`/`-6`). */
  family?: 4 | 6;
  /**
   * Send every request (redirects too) over this Unix domain socket instead of connecting to the
   * URL's host, which still names the origin (`Host`, redirects): curl's `--unix-socket`. With
   * an `https://` URL, TLS runs over the socket and the certificate must carry the URL's host.
   */
  socketPath?: string;
  /** Bytes or text (sent with Content-Length), or a stream of bytes (sent chunked). */
  body?: MessageBody;
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
  /** A client certificate chain (PEM) for servers that ask for one (curl's `--cert`); needs `key`. */
  cert?: string | Buffer;
  /** The client certificate's private key (PEM; curl's `--key`). */
  key?: string | Buffer;
  /**
   * Go through this HTTP proxy (curl's `-x`): `http://[user:password@]host[:port]` (port 1080
   * when none is given), or a function that picks one per URL (each redirect hop asks again),
   * `null` for none. http requests go to the proxy in absolute form; https goes through a
   * `CONNECT` tunnel, TLS running end to end with the origin, so the proxy sees neither the
   * request nor the certificate check. The URL's credentials become `Proxy-Authorization`, sent
   * to the proxy alone. The environment is not read: `proxy: (url) => proxyFromEnv(url)` does
   * what curl does.
   */
  proxy?: string | URL | null | ((url: URL) => string | URL | null);
  /** Hosts reached without the proxy, curl's `--noproxy` list (see {@link bypassesProxy}). */
  noProxy?: string;
  /**
   * Lend the connection from this {@link Agent} and give it back when the response has been
   * read to its end, for the next request to the same origin (HTTP/1.1 keep-alive). Without
   * one, the request has a connection of its own and says `Connection: close`. Not with
   * `proxy` or `socketPath`, which always open their own.
   */
  agent?: Agent;
  /**
   * How long the body may wait for its reader, in ms: a body nobody reads further within this
   * time is cancelled and its connection closed (a pooled one is not lent again), so a forgotten
   * response never pins a socket. Reset at each read. Default 30 000; `null` for none.
   */
  bodyTimeout?: number | null;
  /** Cancels the request at any point. */
  signal?: AbortSignal;
  /** The largest response head accepted, blank lines before it included. Default 64 KiB. */
  maxHeadSize?: number;
  /**
   * Ask for a compressed body and undo it (curl's `--compressed`): sends
   * `Accept-Encoding: gzip, deflate, br` unless `headers` has one, and streams the body with
   * its `Content-Encoding` undone (a coding it does not know leaves the body as sent). The
   * headers stay as the server sent them. `maxSize` bounds the decoded body (default 1 GiB): past
   * it, reading throws `ContentDecodingError`, as it does for bytes that are not valid for
   * their coding.
   */
  decompress?:
    | boolean
    | {
        /** The most bytes the decoded body may have. Default 1 GiB. */
        maxSize?: number;
      };
  /**
   * Called with every byte received, exactly as it arrived, before it is parsed (for showing
   * the raw reply). The bytes are valid until the call returns or, when it returns a promise,
   * until that settles: reading waits for it (backpressure). Copy them to keep them.
   */
  onRaw?: (chunk: Uint8Array) => void | Promise<void>;
  /**
   * Told of each address tried as its attempt ends, before any TLS handshake or request (each
   * redirect hop's, the proxy's): there even when connecting fails, which `onRequest` is not.
   */
  onConnectAttempt?: (attempt: ConnectAttempt) => void;
  /** Called with each request head just before it is sent (each redirect hop too). */
  onRequest?: (info: {
    /** The URL this hop asks for. */
    url: URL;
    /** The request head's bytes, exactly as they are sent. */
    head: Buffer;
    /** The addresses tried to connect for this hop, and how each ended (empty over a Unix socket). */
    attempts: readonly ConnectAttempt[];
    /** For https, what the handshake settled (what `curl -v` prints); `null` for plain http. */
    tls: TlsSummary | null;
    /** The proxy this hop went through (credentials left out), or `null`. */
    proxy: string | null;
  }) => void;
  /** Called with each 1xx interim response (`100 Continue`, `103 Early Hints`), which is otherwise skipped. */
  onInterim?: (head: ResponseHead) => void;
  /** Called when a redirect is followed. */
  onRedirect?: (info: {
    /** The URL that answered with the redirect. */
    from: URL;
    /** Where it points, resolved against `from`. */
    to: URL;
    /** The redirect's status: 301, 302, 303, 307 or 308. */
    status: number;
  }) => void;
}

/** What a TLS handshake settled, for {@link RequestOptions.onRequest}: version, cipher, ALPN, the server's certificate. */
export interface TlsSummary {
  /** `TLSv1.3`, `TLSv1.2`. */
  protocol: string;
  /** The cipher in use. */
  cipher: TlsCipher;
  /** What ALPN agreed (`http/1.1`), or `null` when the server chose none. */
  alpnProtocol: string | null;
  /** The server's certificate and the issuers above it, its own first. */
  chain: PeerCertificate[];
  /** Whether the certificate was verified (`false` only with `insecure`). */
  authorized: boolean;
  /** With `insecure`, why it would have failed (OpenSSL's code), else `null`. */
  authorizationError: string | null;
  /** Whether the handshake resumed a session an earlier connection saved (through an agent). */
  resumed: boolean;
}

/** What every hop of one `request()` shares: its options, one signal, and how to explain an abort. */
interface Exchange {
  options: RequestOptions;
  signal: AbortSignal;
  /** Ends the request's own timer and listener once the last body byte is read. */
  release: () => void;
  /** An abort closes the connection, so whatever waited fails; this says why. */
  translate: (error: unknown) => unknown;
}

const TIMED_OUT = Symbol('maxTime');

/**
 * Sends an HTTP/1.1 request and resolves with the response once its head has arrived; the body
 * streams after that, read from the socket only as it is consumed, so read it (`text()`,
 * `bytes()`, `for await`) or `cancel()` it to end the exchange and close its connection.
 *
 * One connection per request: the head carries Host, User-Agent (`socketkit/<version>`), Accept
 * (any type) and `Connection: close`, each unless `headers` replaces it. https verifies the
 * server's certificate and sends SNI. Redirects are followed only with `followRedirects`:
 * `Authorization`, `Cookie` and `Proxy-Authorization` are dropped when one changes the origin,
 * and a 303 (or a 301/302 after POST) turns the request into a GET without its body (RFC 9110
 * §15.4); a streamed body cannot be sent again after a 307/308 (a `TypeError`).
 *
 * @param url An `http://` or `https://` URL, or `host[:port]/path` (http is assumed).
 * @param options Method, headers, body, timeouts, redirects, TLS and hooks.
 * @throws {TypeError} a bad URL, or a method, header or target with CR, LF or NUL (nothing is sent).
 * @throws {RangeError} `maxRedirects` or a timeout is out of range.
 * @throws {NameResolutionError} the host does not resolve.
 * @throws {ConnectionRefusedError} nothing listens there ({@link socketkit!ConnectionRefusedError}).
 * @throws {TlsError} the handshake failed or the certificate is not trusted ({@link socketkit!TlsError}).
 * @throws {SocketTimeoutError} `timeout` (connecting) or `maxTime` (the whole exchange) passed.
 * @throws {SocketAbortError} `signal` aborted the request.
 * @throws {EmptyReplyError} the server closed without a reply.
 * @throws {HttpParseError} the reply is not valid HTTP/1.1.
 * @throws {TooManyRedirectsError} more than `maxRedirects` redirects.
 *
 * @example GET a page
 * ```ts
 * import { request } from 'socketkit/http';
 * const response = await request('http://127.0.0.1:8080/', { timeout: 5000 });
 * console.log(response.status, response.headers.get('content-type')); // 200 text/plain
 * console.log(await response.body.text()); // Hello, world!
 * ```
 *
 * @example POST a body, following a redirect
 * ```ts
 * import { request } from 'socketkit/http';
 * const posted = await request('http://127.0.0.1:8080/echo', { method: 'POST', body: 'ping' });
 * console.log(await posted.body.text()); // ping
 * const moved = await request('http://127.0.0.1:8080/old', { followRedirects: true });
 * console.log(moved.redirects, moved.url.pathname, await moved.body.text()); // 1 / Hello, world!
 * ```
 */
export async function request(
  url: string | URL,
  options: RequestOptions = {},
): Promise<HttpResponse> {
  let hop: RequestHop = {
    target: parseTarget(url),
    // As given: methods are case-sensitive (RFC 9110 §9.1); curl sends -X as typed too.
    method: options.method ?? 'GET',
    headers: new HttpHeaders(options.headers),
    body: options.body,
  };
  const maxRedirects = options.maxRedirects ?? 20;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError(`Invalid maxRedirects ${String(maxRedirects)}: it must be an integer ≥ 0`);
  }
  // Flags are true or false, not truthy: `insecure: 'false'` must not turn verification off.
  for (const name of ['followRedirects', 'insecure'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean')
      throw new TypeError(
        `Invalid ${name} ${typeof value === 'string' ? JSON.stringify(value) : String(value)}: expected true or false`,
      );
  }
  const decompress = options.decompress;
  if (
    decompress !== undefined &&
    typeof decompress !== 'boolean' &&
    (typeof decompress !== 'object' || decompress === null || Array.isArray(decompress))
  )
    throw new TypeError(
      `Invalid decompress ${typeof decompress === 'string' ? JSON.stringify(decompress) : String(decompress)}: expected true, false or { maxSize }`,
    );
  const maxSize = typeof decompress === 'object' ? decompress.maxSize : undefined;
  if (maxSize !== undefined && typeof maxSize !== 'number')
    throw new TypeError(
      `Invalid decompress.maxSize ${JSON.stringify(maxSize)}: it must be a number of bytes`,
    );
  if (maxSize !== undefined && (!Number.isInteger(maxSize) || maxSize < 0))
    throw new RangeError(
      `Invalid decompress.maxSize ${String(maxSize)}: it must be an integer ≥ 0`,
    );
  validateTimeout(options.timeout, 'timeout');
  const maxTime = validateTimeout(options.maxTime, 'maxTime');

  // One signal for everything: the caller's, and maxTime.
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer: LongTimer | undefined =
    maxTime === null
      ? undefined
      : setLongTimeout(() => controller.abort(TIMED_OUT), maxTime).unref();
  const exchange: Exchange = {
    options,
    signal: controller.signal,
    release: () => {
      timer?.clear();
      options.signal?.removeEventListener('abort', onOuterAbort);
    },
    translate: (error) => {
      if (!controller.signal.aborted) return error;
      if (controller.signal.reason === TIMED_OUT) {
        return new SocketTimeoutError(
          `The request to ${hop.target.url.href} took longer than maxTime ${maxTime} ms`,
          { host: hop.target.host, port: hop.target.port, syscall: 'maxTime' },
        );
      }
      return error instanceof SocketAbortError
        ? error
        : new SocketAbortError(`The request to ${hop.target.url.href} was aborted`, {
            cause: controller.signal.reason,
          });
    },
  };

  try {
    for (let redirects = 0; ; redirects++) {
      const response = await send(hop, redirects, exchange);
      const location = response.headers.get('location');
      if (!options.followRedirects || !REDIRECT_STATUSES.has(response.status) || location === null)
        return response;
      // Done with this hop: cancelling the body closes its connection.
      await response.body.cancel();
      if (redirects >= maxRedirects) {
        throw new TooManyRedirectsError(
          `Maximum (${maxRedirects}) redirects followed; ${response.url.href} redirects again to ${location}`,
          redirects,
        );
      }
      const next = redirectHop(hop, response.status, location);
      options.onRedirect?.({ from: response.url, to: next.target.url, status: response.status });
      hop = next;
    }
  } catch (error) {
    exchange.release();
    throw exchange.translate(error);
  }
}

/** The head of one hop's request: the defaults, then the caller's headers by name, then framing. */
function requestHead(
  hop: RequestHop,
  body: ReturnType<typeof prepareBody>,
  omit: readonly string[],
  decompress: boolean,
  proxy: ProxyTarget | null = null,
  pooled = false,
): Buffer {
  const defaults: Array<[string, string]> = [
    ['Host', hop.target.hostHeader],
    ['User-Agent', `socketkit/${VERSION}`],
    ['Accept', '*/*'],
    ['Connection', pooled ? 'keep-alive' : 'close'],
  ];
  if (decompress) defaults.push(['Accept-Encoding', ACCEPT_ENCODING]);
  // Plain http through a proxy: the proxy is the one that reads this head, credentials and all.
  const viaProxy = proxy !== null && !hop.target.secure;
  if (viaProxy && proxy.authorization !== null)
    defaults.push(['Proxy-Authorization', proxy.authorization]);
  // The caller's fields replace a default of the same name, in its place; every field the
  // caller gives is sent, repeated names included (two -H 'Cookie: …' are two fields, as curl).
  const headers = new HttpHeaders();
  const replaced = new Set<string>();
  for (const [name, value] of defaults) {
    const given = hop.headers.getAll(name);
    if (given.length === 0) headers.append(name, value);
    else {
      replaced.add(name.toLowerCase());
      for (const v of given) headers.append(name, v);
    }
  }
  for (const [name, value] of hop.headers) {
    if (!replaced.has(name.toLowerCase())) headers.append(name, value);
  }
  for (const name of omit) headers.delete(name);
  if (body.stream !== null) {
    headers.delete('content-length');
    headers.set('Transfer-Encoding', 'chunked');
  } else if (body.text !== null || body.bytes !== null) {
    headers.set('Content-Length', String(body.length));
  }
  // Checked and serialized before connecting: a bad header sends nothing at all. Through a proxy,
  // plain http names the whole URL (absolute form, RFC 9112 §3.2.2), never its fragment.
  const target = viaProxy
    ? `${hop.target.url.protocol}//${hop.target.hostHeader}${hop.target.path}`
    : hop.target.path;
  return serializeRequestHead(hop.method, target, headers);
}

/** The proxy this hop goes through, if any: the option (or what its function says), unless `noProxy` covers the host. */
function proxyFor(hop: RequestHop, options: RequestOptions): ProxyTarget | null {
  const given = typeof options.proxy === 'function' ? options.proxy(hop.target.url) : options.proxy;
  if (given === undefined || given === null || given === '') return null;
  if (options.noProxy !== undefined && bypassesProxy(options.noProxy, hop.target)) return null;
  const proxy = parseProxy(given);
  if (options.socketPath !== undefined)
    throw new TypeError(
      `Cannot use the proxy ${proxy.url.host} and the Unix socket ${options.socketPath} together: give one or the other`,
    );
  return proxy;
}

/**
 * A TLS failure inside a tunnel names the origin, not the proxy whose address the socket has:
 * the certificate that failed is the origin's.
 */
function throughProxy(error: unknown, target: RequestTarget, proxy: ProxyTarget): unknown {
  // Bytes in the clear after the tunnel opened: they came from the proxy, not the origin.
  if (error instanceof InvalidStateError)
    return new ProxyError(
      `The proxy ${proxy.url.host} sent bytes after opening the tunnel to ${target.hostHeader}, before the TLS handshake: it is not a proxy to trust`,
      'closed',
      null,
      { cause: error },
    );
  if (!(error instanceof TlsError) || error.host === undefined) return error;
  const message = error.message.replace(
    `${error.host} port ${error.port}`,
    `${target.host} port ${target.port} (through the proxy ${proxy.url.host})`,
  );
  return new TlsError(message, error.reason, {
    host: target.host,
    port: target.port,
    syscall: error.syscall,
    errnoName: error.errnoName,
    cause: error,
  });
}

/** A connection to the proxy; a proxy whose name does not resolve is curl's error 5, not 6. */
async function connectProxy(
  proxy: ProxyTarget,
  options: RequestOptions,
  signal: AbortSignal,
): Promise<StreamSocket> {
  try {
    return await connect(proxy.host, proxy.port, {
      timeout: options.timeout ?? null,
      family: options.family,
      signal,
      onAttempt: options.onConnectAttempt,
    });
  } catch (error) {
    if (error instanceof NameResolutionError)
      throw new ProxyError(
        `Could not resolve the proxy ${proxy.url.host}: ${error.message}`,
        'resolve',
        null,
        {
          cause: error,
        },
      );
    // Refused, reset, timed out: the same error (and exit code), saying it was the proxy's.
    if (error instanceof SocketError && error.message.indexOf('proxy') < 0)
      error.message = `Could not connect to the proxy ${proxy.url.host}: ${error.message}`;
    throw error;
  }
}

function tlsSummary(sock: StreamSocket): TlsSummary | null {
  const protocol = sock.tlsProtocol;
  const cipher = sock.tlsCipher;
  if (protocol === null || cipher === null) return null;
  return {
    protocol,
    cipher,
    alpnProtocol: sock.alpnProtocol,
    chain: sock.peerCertificateChain(),
    authorized: sock.authorized === true,
    authorizationError: sock.authorizationError,
    resumed: sock.tlsSessionReused === true,
  };
}

/** One request and its response on one connection. */
async function send(
  hop: RequestHop,
  redirects: number,
  exchange: Exchange,
  retry = false,
): Promise<HttpResponse> {
  const { options, signal } = exchange;
  let lease: Lease | null = null;
  const started = performance.now();
  const body = prepareBody(hop.body);
  const proxy = proxyFor(hop, options);
  const agent =
    options.agent !== undefined && proxy === null && options.socketPath === undefined
      ? options.agent
      : null;
  const head = requestHead(
    hop,
    body,
    options.omitHeaders ?? [],
    Boolean(options.decompress),
    proxy,
    agent !== null,
  );
  const tls = hop.target.secure
    ? {
        ca: options.ca,
        insecure: options.insecure,
        servername: isIP(hop.target.host) === 0 ? hop.target.host : undefined,
        // As curl does: say which protocol will follow, so a server that checks ALPN agrees.
        alpnProtocols: ['http/1.1'],
        ...(options.cert === undefined ? {} : { cert: options.cert }),
        ...(options.key === undefined ? {} : { key: options.key }),
      }
    : undefined;
  if (agent !== null)
    lease = await agent.lease(
      poolKey(hop.target, options),
      (session) =>
        connect(hop.target.host, hop.target.port, {
          timeout: options.timeout ?? null,
          family: options.family,
          signal,
          tls: tls === undefined || session === undefined ? tls : { ...tls, session },
          onAttempt: options.onConnectAttempt,
        }),
      { fresh: retry, signal },
    );
  const sock: StreamSocket =
    proxy !== null
      ? await connectProxy(proxy, options, signal)
      : options.socketPath !== undefined
        ? await connect({
            path: options.socketPath,
            timeout: options.timeout ?? null,
            signal,
            // Over a Unix socket the URL's host is still the name the certificate must carry.
            tls:
              tls === undefined
                ? undefined
                : { ...tls, servername: hop.target.host.replace(/^\[|\]$/g, '') },
          })
        : lease !== null
          ? lease.socket
          : await connect(hop.target.host, hop.target.port, {
              timeout: options.timeout ?? null,
              family: options.family,
              signal,
              tls,
              onAttempt: options.onConnectAttempt,
            });
  // From here an abort (the caller's, or maxTime) closes the connection: whatever waits on it
  // fails and `translate` says why. No timer or listener is armed per read.
  const onAbort = () => void sock.close();
  signal.addEventListener('abort', onAbort, { once: true });
  const finish = async (reuse?: { idleMs?: number }): Promise<void> => {
    signal.removeEventListener('abort', onAbort);
    exchange.release();
    if (lease === null) await sock.close();
    else if (reuse !== undefined) lease.release(reuse.idleMs);
    else await lease.discard();
  };
  try {
    if (proxy !== null && tls !== undefined) {
      // What is left of the connect timeout covers the tunnel and the handshake inside it.
      const left =
        options.timeout === undefined || options.timeout === null
          ? null
          : Math.max(1, options.timeout - (performance.now() - started));
      await openTunnel(sock, hop.target, proxy, `socketkit/${VERSION}`, left);
      await sock
        .startTls({ ...tls, servername: hop.target.host, timeout: left ?? 60_000 })
        .catch((error) => {
          throw throughProxy(error, hop.target, proxy);
        });
    }
    options.onRequest?.({
      url: hop.target.url,
      head,
      attempts: sock.timings?.attempts ?? [],
      tls: tlsSummary(sock),
      proxy: proxy === null ? null : proxy.url.href,
    });
    const framing = body.stream !== null ? 'chunked' : body.length > 0 ? 'length' : 'none';
    // The body goes out while the reply is read: a server may answer before it has all of it.
    const sending = Promise.resolve(writeMessage(sock, head.toString('latin1'), body, framing));
    sending.catch(() => {});
    return await receive(sock, hop, redirects, started, sending, finish, exchange, head);
  } catch (error) {
    await finish();
    // A reused connection the server had closed (or closed as the request arrived): once more on
    // a new one, when the request is idempotent and can be sent again (RFC 9112 §9.3.1).
    if (
      lease?.reused === true &&
      !retry &&
      !signal.aborted &&
      IDEMPOTENT.has(hop.method) &&
      body.stream === null &&
      (error instanceof EmptyReplyError ||
        error instanceof ConnectionResetError ||
        error instanceof BrokenPipeError)
    )
      return send(hop, redirects, exchange, true);
    throw error;
  }
}

/** Methods a client may send again after a connection failed under them (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Which pooled connections can carry a request: same scheme, host, port, and TLS settings. */
function poolKey(target: RequestTarget, options: RequestOptions): string {
  if (!target.secure) return `http://${target.hostHeader}|${options.family ?? ''}`;
  // Connections verified differently (another CA, -k, a client certificate) are not shared.
  const identity = [options.insecure === true, options.ca, options.cert, options.key].map(
    (value) =>
      value === undefined ? '' : typeof value === 'boolean' ? String(value) : digest(value),
  );
  return `https://${target.hostHeader}|${options.family ?? ''}|${identity.join('|')}`;
}

function digest(value: string | Buffer | Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of Array.isArray(value) ? value : [value]) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The idle time a response's `Keep-Alive: timeout=N` allows, a second short of it so that this
 * side closes first (as undici does); `undefined` when it says nothing.
 */
function keepAliveHint(header: string | null): number | undefined {
  if (header === null) return undefined;
  const match = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(header);
  if (match === null) return undefined;
  return Math.max(0, Number(match[1]) * 1000 - 1000);
}

/**
 * Whether the connection may carry another exchange after this response (RFC 9112 §9.3):
 * HTTP/1.1 without `Connection: close` (1.0 only with `keep-alive`), a body framed by length or
 * chunks, and a request that did not ask to close either.
 */
function persistent(method: string, head: ResponseHead, requestHead: Buffer): boolean {
  const tokens = (head.headers.get('connection') ?? '').toLowerCase().split(/\s*,\s*/);
  if (tokens.includes('close')) return false;
  if (head.version === '1.0' && !tokens.includes('keep-alive')) return false;
  if (/\r\nconnection:[^\r]*close/i.test(requestHead.toString('latin1'))) return false;
  const bodiless =
    method === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200;
  if (bodiless) return true;
  const te = (head.headers.get('transfer-encoding') ?? '').toLowerCase();
  return (
    te.split(/\s*,\s*/).at(-1) === 'chunked' || (te === '' && head.headers.has('content-length'))
  );
}

/** The pull loop's decoder for responses: the parser, the raw hook, the body pieces. */
class ResponseReader implements PullTarget {
  readonly parser: HttpParser;
  readonly #method: string;
  readonly #onRaw: RequestOptions['onRaw'];
  readonly #started: number;
  finalHead: ResponseHead | null = null;
  /** Body pieces not yet handed out: views of the last chunk read, all handed out before the next read. */
  readonly pending: Buffer[] = [];
  complete = false;
  trailers: HttpHeaders | null = null;
  firstByte = Number.NaN;
  /** The caller's raw hook is still using the last chunk: no read until it is done. */
  rawPending: Promise<void> | null = null;

  /** Bytes of the interim (1xx) heads so far. */
  #interimBytes = 0;

  constructor(method: string, options: RequestOptions, started: number) {
    const maxHeadSize = options.maxHeadSize ?? 64 * 1024;
    this.#method = method;
    this.#onRaw = options.onRaw;
    this.#started = started;
    this.parser = new HttpParser(
      'response',
      {
        onHead: (head) => {
          if (head.kind !== 'response') return;
          if (head.status >= 100 && head.status < 200 && head.status !== 101) {
            // Interim responses are skipped, so they are bounded as one head is: a server
            // sending 100 Continue for ever must not keep the client reading for ever.
            this.#interimBytes += head.rawHead?.length ?? 0;
            if (this.#interimBytes > maxHeadSize)
              throw new HttpParseError(
                `More than ${maxHeadSize} bytes of interim (1xx) responses and still no final one`,
                this.#interimBytes,
                502,
              );
            options.onInterim?.(head);
          } else this.finalHead = head;
        },
        onBody: (piece) => {
          this.pending.push(piece);
        },
        onTrailers: (fields) => {
          this.trailers = fields;
        },
        onComplete: () => {
          if (this.finalHead !== null) this.complete = true;
        },
      },
      { maxHeadSize, captureRawHead: true },
    );
    this.parser.expectResponseTo(method);
  }

  get receivedAny(): boolean {
    return !Number.isNaN(this.firstByte);
  }

  feed(chunk: Buffer, offset: number): number {
    if (offset === 0) {
      if (!this.receivedAny) this.firstByte = performance.now() - this.#started;
      const raw = this.#onRaw?.(chunk);
      if (raw instanceof Promise) this.rawPending = raw;
    }
    // Past an interim response, the next one answers the same request.
    if (this.finalHead === null && this.parser.phase === 'idle')
      this.parser.expectResponseTo(this.#method);
    return this.parser.execute(chunk, offset);
  }
}

/** Reads until the final (non-1xx) response head; the body streams from there. */
async function receive(
  sock: StreamSocket,
  hop: RequestHop,
  redirects: number,
  started: number,
  sending: Promise<unknown>,
  finish: (reuse?: { idleMs?: number }) => Promise<void>,
  exchange: Exchange,
  requestHead: Buffer,
): Promise<HttpResponse> {
  const reader = new ResponseReader(hop.method, exchange.options, started);
  const target = hop.target;
  let headIn: boolean;
  try {
    headIn = await pull(
      sock,
      reader,
      () => reader.finalHead !== null || reader.rawPending !== null,
    );
    while (headIn && reader.finalHead === null) {
      await reader.rawPending;
      reader.rawPending = null;
      headIn = await pull(
        sock,
        reader,
        () => reader.finalHead !== null || reader.rawPending !== null,
      );
    }
  } catch (error) {
    // A reply that is complete and valid matters more than an upload the server stopped reading.
    await sending.catch(() => {});
    throw error;
  }
  if (!headIn) {
    if (!reader.receivedAny) {
      throw new EmptyReplyError(`${target.url.host} closed the connection without replying`, {
        host: target.host,
        port: target.port,
      });
    }
    reader.parser.finish();
    throw new HttpParseError('The reply ended inside its head', Number.NaN, 502);
  }
  const head = reader.finalHead!;
  const socketTimings = sock.timings!;
  const timings: Timings = {
    lookup: socketTimings.lookup,
    connect: socketTimings.connect,
    ...(socketTimings.tls === undefined ? {} : { tls: socketTimings.tls }),
    firstByte: reader.firstByte,
    total: Number.NaN,
  };

  let ended = false;
  // What the body's reading sets on the response. No closure in this function may name
  // `response` itself: its timers and reads would then keep a dropped response alive, and the
  // FinalizationRegistry below could never give its connection back.
  const late: { trailers: HttpHeaders | null } = { trailers: null };
  /** Whether the connection can carry another exchange, now that this one is over. */
  const reusable = async (): Promise<{ idleMs?: number } | undefined> => {
    if (
      !(await sending.then(
        () => true,
        () => false,
      ))
    )
      return undefined;
    if (!persistent(hop.method, head, requestHead)) return undefined;
    if (sock.closed || sock.atEof || sock.bufferedAmount > 0) return undefined;
    return { idleMs: keepAliveHint(head.headers.get('keep-alive')) };
  };
  const end = async (clean = false): Promise<void> => {
    if (ended) return;
    ended = true;
    if (idleTimer !== undefined) clearTimeout(idleTimer);
    forgotten.unregister(token);
    await finish(clean ? await reusable() : undefined);
  };
  // A body nobody reads further within bodyTimeout is cancelled: it must not pin its connection.
  const given = exchange.options.bodyTimeout;
  const bodyTimeout = validateTimeout(given === undefined ? 30_000 : given, 'bodyTimeout');
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let expired = false;
  const waitForReader = () => {
    if (bodyTimeout === null || ended) return;
    idleTimer = setTimeout(() => {
      expired = true;
      void end();
    }, bodyTimeout);
    idleTimer.unref();
  };
  const token = {};
  const wanted = () => reader.pending.length > 0 || reader.complete || reader.rawPending !== null;
  const source: BodySource = {
    async next(into) {
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      if (expired)
        throw new SocketTimeoutError(
          `The body of ${target.url.href} waited over ${bodyTimeout} ms for its reader and was cancelled (bodyTimeout)`,
          { host: target.host, port: target.port, syscall: 'bodyTimeout' },
        );
      try {
        for (;;) {
          const piece = reader.pending.shift();
          if (piece !== undefined) return piece;
          if (reader.complete || ended) break;
          if (reader.rawPending !== null) {
            await reader.rawPending;
            reader.rawPending = null;
          }
          if (!(await pull(sock, reader, wanted, { into }))) {
            endOfBody(reader.parser, target);
            if (reader.pending.length === 0) break;
          }
        }
        if (!ended) {
          timings.total = performance.now() - started;
          late.trailers = reader.trailers;
        }
        await reader.rawPending;
        await end(reader.complete);
        return null;
      } catch (error) {
        await end();
        throw exchange.translate(error);
      } finally {
        waitForReader();
      }
    },
    cancel: () => end(),
  };
  const response: HttpResponse = {
    status: head.status,
    reason: head.reason,
    version: head.version,
    headers: head.headers,
    get trailers() {
      return late.trailers;
    },
    timings,
    rawHead: head.rawHead ?? Buffer.alloc(0),
    remoteAddress: sock.remoteAddress,
    url: target.url,
    redirects,
    body: new ResponseBody(decoded(source, head.headers, exchange.options.decompress)),
  };
  // A reply with nothing after its head (204, 304, HEAD, Content-Length: 0) is done already:
  // its connection closes now, not when someone reads an empty body.
  if (reader.complete && reader.pending.length === 0) {
    timings.total = performance.now() - started;
    late.trailers = reader.trailers;
    await reader.rawPending;
    await end(true);
  } else {
    // A response dropped unread gives its connection up when it is collected.
    forgotten.register(response, releaser(finish), token);
    waitForReader();
  }
  return response;
}

/** Closes the connections of responses that were dropped with their bodies unread. */
const forgotten = new FinalizationRegistry<() => void>((release) => release());

/** The cleanup for one response, made here so that it holds its connection and not the response. */
function releaser(finish: () => Promise<void>): () => void {
  return () => void finish();
}

/** The body with its content codings undone, when asked to and they are ones it knows. */
function decoded(
  source: BodySource,
  headers: HttpHeaders,
  decompress: RequestOptions['decompress'],
): BodySource {
  if (!decompress) return source;
  const codings = parseContentEncoding(headers.get('content-encoding'));
  if (codings === null || codings.length === 0) return source;
  return decodingSource(
    source,
    codings,
    typeof decompress === 'object' ? decompress.maxSize : undefined,
  );
}

/** The connection ended: fine for a body that runs to the close, a short transfer otherwise. */
function endOfBody(parser: HttpParser, target: RequestHop['target']): void {
  try {
    parser.finish();
  } catch (error) {
    if (!(error instanceof HttpParseError)) throw error;
    const remaining = parser.remaining;
    throw new IncompleteReadError(
      `Transfer closed with ${remaining > 0 && Number.isFinite(remaining) ? `${remaining} bytes` : 'part of the body'} still to come from ${target.url.host}`,
      Buffer.alloc(0),
      undefined,
      { host: target.host, port: target.port },
    );
  }
}
