/**
 * Turning what a user types into an http(s) URL: `example.com`,
 * `example.com:8080`, `[::1]:8080`, `http://…`, `https://…`.
 *
 * @module
 */

import { isIP } from 'node:net';

/** The parts of a URL a request needs, as {@link parseTarget} gives them. */
export interface RequestTarget {
  /** The whole URL, scheme added when it was missing. */
  url: URL;
  /** Whether it is https. */
  secure: boolean;
  /** The host to connect to, without IPv6 brackets. */
  host: string;
  /** The port to connect to: the URL's, or the scheme's default (80, 443). */
  port: number;
  /** The request-target: path and query, never the fragment. */
  path: string;
  /** The Host header: the authority, port included only when it is not the scheme's default. */
  hostHeader: string;
}

/**
 * Parses what a user types as a URL (`example.com`, `example.com:8080/path`, `[::1]:8080`,
 * `https://…`) into what a request needs, adding `http://` when the scheme is missing.
 *
 * @throws {TypeError} not an http or https URL, no host, whitespace or control characters, or a bad port.
 *
 * @example A host and port without a scheme
 * ```ts
 * import { parseTarget } from 'socketkit/http';
 * const target = parseTarget('[::1]:8080/search?q=sockets#results');
 * console.log(target.host, target.port, target.path, target.hostHeader); // ::1 8080 /search?q=sockets [::1]:8080
 * ```
 */
export function parseTarget(input: string | URL): RequestTarget {
  let url: URL;
  if (input instanceof URL) {
    url = input;
  } else {
    if (typeof input !== 'string' || input.trim() === '') {
      throw new TypeError(`Invalid URL ${JSON.stringify(input)}: it is empty`);
    }
    if (/[\s\u0000-\u001f\u007f]/.test(input)) {
      throw new TypeError(
        `Invalid URL ${JSON.stringify(input)}: it contains whitespace or control characters`,
      );
    }
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `http://${input}`;
    try {
      url = new URL(withScheme);
    } catch {
      throw new TypeError(`Invalid URL ${JSON.stringify(input)}: it cannot be parsed`);
    }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(
      `Invalid URL ${JSON.stringify(url.href)}: only http:// and https:// are supported, not ${url.protocol}//`,
    );
  }
  if (url.hostname === '')
    throw new TypeError(`Invalid URL ${JSON.stringify(url.href)}: it has no host`);
  const secure = url.protocol === 'https:';
  const defaultPort = secure ? 443 : 80;
  const port = url.port === '' ? defaultPort : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const authority = isIP(host) === 6 ? `[${host}]` : host;
  return {
    url,
    secure,
    host,
    port,
    path: `${url.pathname || '/'}${url.search}`,
    hostHeader: port === defaultPort ? authority : `${authority}:${port}`,
  };
}
