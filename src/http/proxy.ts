/**
 * HTTP proxies, as curl uses them: which proxy a URL goes through (`http_proxy`, `https_proxy`,
 * `all_proxy`, `no_proxy`), the proxy's address and credentials, and the `CONNECT` tunnel that
 * https goes through (RFC 9110 §9.3.6), after which TLS runs end to end with the origin.
 *
 * @module
 */

import { BlockList, isIP } from 'node:net';
import { encode } from '../core/bytes.js';
import { LimitOverrunError, ProxyError, SocketTimeoutError } from '../core/errors.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import type { RequestTarget } from './url.js';

/** A proxy to go through: where it is, and the `Proxy-Authorization` its URL's credentials make. */
export interface ProxyTarget {
  /** The proxy's URL, scheme and port filled in. */
  url: URL;
  /** Its host, without IPv6 brackets. */
  host: string;
  /** Its port: the URL's, or 1080, curl's default. */
  port: number;
  /** `Basic …` from the URL's user and password, or `null`. */
  authorization: string | null;
}

/**
 * Parses a proxy as curl's `-x` takes it: `[http://][user:password@]host[:port]`, port 1080 when
 * none is given. Only plain-http proxies are supported (an `https://` or `socks` proxy is a
 * `TypeError` that says so).
 *
 * @example What `-x alice:secret@proxy.corp.test` means
 * ```ts
 * import { parseProxy } from 'socketkit/http';
 * const proxy = parseProxy('alice:secret@proxy.corp.test');
 * console.log(proxy.url.href, proxy.port); // http://proxy.corp.test:1080/ 1080
 * console.log(proxy.authorization); // Basic YWxpY2U6c2VjcmV0
 * ```
 */
export function parseProxy(input: string | URL): ProxyTarget {
  if (typeof input !== 'string' && !(input instanceof URL))
    throw new TypeError(
      `Invalid proxy ${String(input)}: expected a URL such as http://127.0.0.1:3128`,
    );
  const text = String(input);
  if (text.trim() === '' || /[\s\u0000-\u001f\u007f]/.test(text))
    throw new TypeError(
      `Invalid proxy ${JSON.stringify(text)}: expected a URL such as http://127.0.0.1:3128`,
    );
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TypeError(`Invalid proxy ${JSON.stringify(text)}: it cannot be parsed as a URL`);
  }
  if (url.protocol !== 'http:')
    throw new TypeError(
      `Invalid proxy ${JSON.stringify(text)}: only http:// proxies are supported, not ${url.protocol}//`,
    );
  if (url.hostname === '')
    throw new TypeError(`Invalid proxy ${JSON.stringify(text)}: it has no host`);
  // new URL() drops the scheme's default port; curl's default for a proxy is 1080.
  const explicitPort = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)/i.exec(
    withScheme,
  )?.[1];
  const port = explicitPort !== undefined ? Number(explicitPort) : 1080;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new TypeError(
      `Invalid proxy ${JSON.stringify(shownWithoutPassword(url))}: its user or password has a bad percent-escape`,
    );
  }
  const authorization =
    url.username === '' && url.password === ''
      ? null
      : `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  if (shown.port === '') shown.port = String(port);
  return { url: shown, host, port, authorization };
}

/** A proxy URL for a message, its password left out. */
function shownWithoutPassword(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href;
}

/**
 * Whether `target` is reached directly under `noProxy`, curl's `--noproxy` and `no_proxy`:
 * a comma-separated list where `*` matches everything, a name matches itself and every name
 * under it (`example.com` and `.example.com` both match `www.example.com`), an address matches
 * itself, a CIDR block (`10.0.0.0/8`, `fd00::/8`) the addresses in it, and `:PORT` after an
 * entry limits it to that port.
 *
 * @example A no_proxy list
 * ```ts
 * import { bypassesProxy } from 'socketkit/http';
 * const list = 'localhost,.internal,10.0.0.0/8';
 * console.log(bypassesProxy(list, { host: 'db.internal', port: 5432 })); // true
 * console.log(bypassesProxy(list, { host: '10.1.2.3', port: 80 })); // true
 * console.log(bypassesProxy(list, { host: 'example.com', port: 443 })); // false
 * ```
 */
export function bypassesProxy(
  noProxy: string,
  target: Pick<RequestTarget, 'host' | 'port'>,
): boolean {
  const host = target.host.toLowerCase().replace(/\.$/, '');
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let port: number | null = null;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort !== null) {
      entry = withPort[1]!;
      port = Number(withPort[2]);
    }
    if (port !== null && port !== target.port) continue;
    entry = entry.replace(/^\[|\]$/g, '').replace(/\.$/, '');
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr !== null && isIP(cidr[1]!) !== 0 && isIP(host) !== 0) {
      const family = isIP(cidr[1]!) === 4 ? 'ipv4' : 'ipv6';
      const prefix = Number(cidr[2]);
      if (prefix > (family === 'ipv4' ? 32 : 128)) continue;
      const list = new BlockList();
      list.addSubnet(cidr[1]!, prefix, family);
      if (list.check(host, isIP(host) === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    if (isIP(entry) !== 0 || isIP(host) !== 0) {
      if (entry === host) return true;
      continue;
    }
    const domain = entry.startsWith('.') ? entry.slice(1) : entry;
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/**
 * The proxy the environment names for `url`, as curl reads it: `http_proxy` for http (lower
 * case only: a CGI program's `HTTP_PROXY` can come from a request's `Proxy:` header),
 * `https_proxy` or `HTTPS_PROXY` for https, `all_proxy` or `ALL_PROXY` for either, and none when
 * `no_proxy` (or `NO_PROXY`) covers the host. `request()` never reads the environment itself:
 * pass `proxy: (url) => proxyFromEnv(url)` for curl's behaviour.
 *
 * @example Which proxy a URL would use
 * ```ts
 * import { proxyFromEnv } from 'socketkit/http';
 * const env = { https_proxy: 'http://proxy.corp.test:3128', no_proxy: 'localhost,.internal' };
 * console.log(proxyFromEnv(new URL('https://example.com/'), env)); // http://proxy.corp.test:3128
 * console.log(proxyFromEnv(new URL('https://db.internal/'), env)); // null
 * console.log(proxyFromEnv(new URL('http://example.com/'), env)); // null
 * ```
 */
export function proxyFromEnv(
  url: URL,
  env: Record<string, string | undefined> = process.env,
): string | null {
  const pick = (...names: string[]) => {
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value.trim() !== '') return value.trim();
    }
    return null;
  };
  const proxy =
    url.protocol === 'https:'
      ? pick('https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY')
      : pick('http_proxy', 'all_proxy', 'ALL_PROXY');
  if (proxy === null) return null;
  const noProxy = pick('no_proxy', 'NO_PROXY');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (noProxy !== null && bypassesProxy(noProxy, { host, port })) return null;
  return proxy;
}

/** The most bytes a proxy's answer to CONNECT may have before its blank line. */
const MAX_CONNECT_HEAD = 64 * 1024;

/**
 * Asks the proxy on `sock` for a tunnel to `target` (`CONNECT host:port`) and waits for its
 * answer; resolves once a 2xx says the tunnel is open. The bytes after the answer's blank line
 * stay in the socket (a proxy should send none: TLS starts with the client).
 *
 * @throws {ProxyError} the proxy answered with another status, or closed, or did not speak HTTP.
 */
export async function openTunnel(
  sock: StreamSocket,
  target: Pick<RequestTarget, 'host' | 'port'>,
  proxy: ProxyTarget,
  userAgent: string,
  timeout: number | null,
): Promise<void> {
  const authority = `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
  const lines = [
    `CONNECT ${authority} HTTP/1.1`,
    `Host: ${authority}`,
    `User-Agent: ${userAgent}`,
    ...(proxy.authorization === null ? [] : [`Proxy-Authorization: ${proxy.authorization}`]),
  ];
  await sock.sendAll(encode(`${lines.join('\r\n')}\r\n\r\n`));
  const where = `The proxy ${proxy.url.host}`;
  // One deadline for the whole answer, so a proxy that trickles it byte by byte is still bounded;
  // without a connect timeout, curl's default of 5 minutes would be long: one minute.
  const deadline = performance.now() + (timeout ?? 60_000);
  let status: RegExpExecArray | null = null;
  let taken = 0;
  for (;;) {
    // Lines end in CRLF, or a lone LF, as RFC 9112 §2.2 lets a recipient accept.
    const head: string[] = [];
    for (;;) {
      let line: string | null;
      try {
        line = await sock.readLine({
          maxLength: Math.max(1, MAX_CONNECT_HEAD - taken),
          timeout: Math.max(1, deadline - performance.now()),
        });
      } catch (error) {
        if (error instanceof LimitOverrunError)
          throw new ProxyError(
            `${where} answered CONNECT ${authority} with a head over ${MAX_CONNECT_HEAD} bytes`,
            'closed',
            null,
            { cause: error },
          );
        if (error instanceof SocketTimeoutError)
          throw new ProxyError(
            `${where} did not answer CONNECT ${authority} within ${Math.round(timeout ?? 60_000)} ms`,
            'closed',
            null,
            { cause: error },
          );
        throw error;
      }
      if (line === null)
        throw new ProxyError(
          `${where} closed the connection instead of answering CONNECT ${authority}`,
          'closed',
        );
      taken += line.length + 2;
      if (line === '') break;
      head.push(line);
    }
    status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(head[0] ?? '');
    if (status === null)
      throw new ProxyError(
        `${where} did not answer CONNECT ${authority} in HTTP: ${JSON.stringify((head[0] ?? '').slice(0, 40))}`,
        'closed',
      );
    // An interim answer (100 Continue) comes before the real one.
    if (!status[1]!.startsWith('1')) break;
  }
  const code = Number(status[1]);
  if (code >= 200 && code <= 299 && sock.bufferedAmount > 0)
    throw new ProxyError(
      `${where} sent ${sock.bufferedAmount} bytes after opening the tunnel to ${authority}, before the TLS handshake: it is not a proxy to trust`,
      'closed',
    );
  if (code < 200 || code > 299)
    throw new ProxyError(
      `${where} refused the tunnel to ${authority}: ${code}${status[2] ? ` ${status[2]}` : ''}${code === 407 ? ' (it wants credentials: http://user:password@proxy)' : ''}`,
      'status',
      code,
    );
}
