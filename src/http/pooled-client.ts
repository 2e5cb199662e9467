/**
 * A {@link Client}: requests to one origin over a pool of kept-alive connections, as undici's
 * `Client`/`Pool` and Python's `http.client.HTTPConnection` reused across requests.
 *
 * @module
 */

import { Agent, type AgentOptions, type AgentStats } from './agent.js';
import { type HttpResponse, type RequestOptions, request } from './client.js';
import { parseTarget } from './url.js';

/**
 * Requests to one origin (`http://127.0.0.1:8080`) over connections it keeps open between them:
 * `client.request('/path')`. At most `connections` at once (default 16), idle ones closed after
 * `keepAliveTimeout`; a request whose reused connection the server had closed is sent again on
 * a new one when it is idempotent. Read or `cancel()` each body: a connection goes back to the
 * pool only once its response has been read to the end.
 *
 * @example Keep-alive to one origin
 * ```ts
 * import { Client } from 'socketkit/http';
 * await using client = new Client('http://127.0.0.1:8080');
 * const first = await client.request('/');
 * console.log(await first.body.text()); // Hello, world!
 * const second = await client.request('/', { method: 'HEAD' });
 * await second.body.cancel();
 * console.log(second.status, client.stats.opened, client.stats.reused); // 200 1 1
 * ```
 */
export class Client {
  /** The origin every request goes to: scheme, host and port. */
  readonly origin: URL;
  readonly #agent: Agent;

  /**
   * @param origin `http://host:port` or `https://host:port` (a path is refused: requests name theirs).
   * @param options The connection cap and idle timeout (see {@link AgentOptions}).
   * @throws {TypeError} not an http(s) origin, or one with a path, query or credentials.
   */
  constructor(origin: string | URL, options: AgentOptions = {}) {
    const target = parseTarget(origin);
    const url = target.url;
    if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
      throw new TypeError(
        `Invalid origin ${JSON.stringify(String(origin))}: a Client is for scheme, host and port alone; give the path to request()`,
      );
    if (url.username !== '' || url.password !== '')
      throw new TypeError(
        `Invalid origin ${JSON.stringify(url.origin)}: credentials go in an Authorization header, not in the origin`,
      );
    this.origin = new URL(url.origin);
    this.#agent = new Agent(options);
  }

  /**
   * Sends a request for `path` (`/search?q=x`) to the origin, over a kept-alive connection when
   * one is idle; the options are `request()`'s (a redirect to another origin is followed over
   * a connection of its own from the same pool).
   *
   * @throws {TypeError} `path` does not start with `/`.
   */
  request(path: string, options: Omit<RequestOptions, 'agent'> = {}): Promise<HttpResponse> {
    if (typeof path !== 'string' || !path.startsWith('/'))
      return Promise.reject(
        new TypeError(`Invalid path ${JSON.stringify(path)}: it must start with "/"`),
      );
    return request(new URL(path, this.origin), { ...options, agent: this.#agent });
  }

  /** What its pool has done and holds. */
  get stats(): AgentStats {
    return this.#agent.stats;
  }

  /** Closes the idle connections and refuses further requests. */
  close(): Promise<void> {
    return this.#agent.close();
  }

  /** `await using client = new Client(…)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
