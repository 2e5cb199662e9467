/**
 * Connection reuse for HTTP/1.1: an {@link Agent} keeps the connections of finished exchanges
 * open, per origin, and lends them to the next request to the same origin; a {@link Client} is
 * an agent bound to one origin. `request()` lends and gives back through the agent in its
 * options; without one, every request has a connection of its own (`Connection: close`).
 *
 * The rules a lent connection follows, as undici and Node's http.Agent apply them:
 * - it goes back only when its response was read to the end, was framed by length or chunks
 *   (not by the close), said nothing of `Connection: close`, and left no byte unread;
 * - an idle one is closed after `keepAliveTimeout` ms, or sooner when the server's
 *   `Keep-Alive: timeout=N` says so (a second less, so the server is not the first to close);
 *   one the server has closed meanwhile is never lent;
 * - at most `connections` per origin are open at once; more requests wait their turn;
 * - an idle connection does not keep the process alive;
 * - over TLS, the session the server gave the last connection to an origin is offered when the
 *   next one opens, so a new connection resumes it (an abbreviated handshake) instead of a full one.
 *
 * @module
 */

import { InvalidStateError } from '../core/errors.js';
import type { StreamSocket } from '../socket/stream-socket.js';

/** Options for an {@link Agent} or a {@link Client}. Durations in milliseconds. */
export interface AgentOptions {
  /** Most connections open at once to one origin; further requests wait. Default 16. */
  connections?: number;
  /** How long an idle connection is kept. Default 4000 (undici's); lowered by a server's `Keep-Alive: timeout=`. */
  keepAliveTimeout?: number;
  /** Most idle connections kept per origin. Default: `connections`. */
  maxIdle?: number;
}

/** What an {@link Agent} has done and holds, for tests and dashboards. */
export interface AgentStats {
  /** Connections opened. */
  opened: number;
  /** Requests sent on a connection that an earlier request had used. */
  reused: number;
  /** Connections lent out now. */
  active: number;
  /** Connections idle in the pool now. */
  idle: number;
  /** Requests waiting for a connection. */
  queued: number;
}

/** One connection lent to one request: give it back (`release`) or throw it away (`discard`). */
export interface Lease {
  /** The connection, to send the request on and read the response from. */
  readonly socket: StreamSocket;
  /** Whether an earlier request used this connection (a failure before any reply may be retried). */
  readonly reused: boolean;
  /** Back to the pool, idle for at most `idleMs` (the server's say), or the agent's timeout. */
  release(idleMs?: number): void;
  /** Closed, and its slot freed. */
  discard(): Promise<void>;
}

interface Idle {
  socket: StreamSocket;
  timer: ReturnType<typeof setTimeout>;
}

interface Origin {
  active: number;
  idle: Idle[];
  waiting: Array<() => void>;
}

/** TLS sessions kept for resumption, one per origin (undici keeps 100 too). */
const SESSIONS_KEPT = 100;

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !(value > 0) ||
    (value !== Number.POSITIVE_INFINITY && !Number.isInteger(value))
  )
    throw new RangeError(`Invalid ${name} ${String(value)}: it must be a whole number above 0`);
  return value;
}

/**
 * Keeps HTTP/1.1 connections open between requests, per origin (scheme, host, port and the TLS
 * settings), and lends them out again: `request(url, { agent })`. Close it when done; idle
 * connections never hold the process open meanwhile.
 *
 * @example Three requests, one connection
 * ```ts
 * import { Agent, request } from 'socketkit/http';
 * await using agent = new Agent();
 * for (let i = 0; i < 3; i++) {
 *   const response = await request('http://127.0.0.1:8080/', { agent });
 *   await response.body.text();
 * }
 * console.log(agent.stats.opened, agent.stats.reused); // 1 2
 * ```
 */
export class Agent {
  readonly #connections: number;
  readonly #keepAlive: number;
  readonly #maxIdle: number;
  readonly #origins = new Map<string, Origin>();
  /** The latest TLS session per origin, oldest first, at most {@link SESSIONS_KEPT}. */
  readonly #sessions = new Map<string, Buffer>();
  #opened = 0;
  #reused = 0;
  #closed = false;

  /**
   * @param options The per-origin connection cap, the idle timeout, the most idle connections kept.
   * @throws {RangeError} a limit that is not a whole number above 0.
   */
  constructor(options: AgentOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Invalid agent options ${String(options)}: expected an object`);
    this.#connections = positive(options.connections, 'connections', 16);
    this.#keepAlive = positive(options.keepAliveTimeout, 'keepAliveTimeout', 4000);
    this.#maxIdle = positive(options.maxIdle, 'maxIdle', this.#connections);
  }

  /** What it has done and holds now. */
  get stats(): AgentStats {
    let active = 0;
    let idle = 0;
    let queued = 0;
    for (const origin of this.#origins.values()) {
      active += origin.active;
      idle += origin.idle.length;
      queued += origin.waiting.length;
    }
    return { opened: this.#opened, reused: this.#reused, active, idle, queued };
  }

  /**
   * A connection to `key`'s origin: an idle one that is still open, or a new one from `open`
   * once the origin is below its cap (waiting until then); `open` is given the TLS session saved
   * from the origin's last connection, if any. `fresh` skips the idle ones (a retry after a
   * reused connection failed).
   *
   * @throws {InvalidStateError} the agent is closed.
   */
  async lease(
    key: string,
    open: (session: Buffer | undefined) => Promise<StreamSocket>,
    options: { fresh?: boolean; signal?: AbortSignal } = {},
  ): Promise<Lease> {
    const origin = this.#origin(key);
    for (;;) {
      if (this.#closed)
        throw new InvalidStateError('The agent is closed: it lends no more connections');
      if (!options.fresh) {
        for (let idle = origin.idle.pop(); idle !== undefined; idle = origin.idle.pop()) {
          clearTimeout(idle.timer);
          const { socket } = idle;
          // Closed by the server while idle (its FIN arrived), or bytes nobody asked for: not lent.
          if (socket.closed || socket.atEof || socket.bufferedAmount > 0) {
            void socket.close();
            continue;
          }
          socket.ref();
          origin.active++;
          this.#reused++;
          return this.#leaseOf(key, origin, socket, true);
        }
      }
      if (origin.active < this.#connections) break;
      await this.#wait(origin, options.signal);
    }
    origin.active++;
    let socket: StreamSocket;
    try {
      socket = await open(this.#sessions.get(key));
    } catch (error) {
      origin.active--;
      this.#wake(origin);
      throw error;
    }
    this.#opened++;
    return this.#leaseOf(key, origin, socket, false);
  }

  /** Closes every idle connection and refuses new leases; lent ones close as their requests end. */
  async close(): Promise<void> {
    this.#closed = true;
    const closing: Array<Promise<void>> = [];
    for (const origin of this.#origins.values()) {
      for (const idle of origin.idle.splice(0)) {
        clearTimeout(idle.timer);
        closing.push(idle.socket.close());
      }
      for (const wake of origin.waiting.splice(0)) wake();
    }
    await Promise.all(closing);
  }

  /** `await using agent = new Agent()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #origin(key: string): Origin {
    let origin = this.#origins.get(key);
    if (origin === undefined) {
      origin = { active: 0, idle: [], waiting: [] };
      this.#origins.set(key, origin);
    }
    return origin;
  }

  #leaseOf(key: string, origin: Origin, socket: StreamSocket, reused: boolean): Lease {
    let done = false;
    const free = () => {
      this.#saveSession(key, socket);
      origin.active--;
      this.#wake(origin);
      if (origin.active === 0 && origin.idle.length === 0 && origin.waiting.length === 0)
        this.#origins.delete(key);
    };
    return {
      socket,
      reused,
      release: (idleMs?: number) => {
        if (done) return;
        done = true;
        const ms = Math.min(this.#keepAlive, idleMs ?? Number.POSITIVE_INFINITY);
        if (this.#closed || ms <= 0 || origin.idle.length >= this.#maxIdle || socket.closed) {
          void socket.close().then(() => this.#saveSession(key, socket));
          free();
          return;
        }
        const timer = setTimeout(() => {
          const at = origin.idle.findIndex((i) => i.socket === socket);
          if (at >= 0) origin.idle.splice(at, 1);
          void socket.close().then(() => this.#saveSession(key, socket));
          if (origin.active === 0 && origin.idle.length === 0 && origin.waiting.length === 0)
            this.#origins.delete(key);
        }, ms);
        timer.unref();
        socket.unref();
        origin.idle.push({ socket, timer });
        free();
      },
      discard: async () => {
        if (done) return;
        done = true;
        free();
        await socket.close();
        // A TLS 1.3 server's session can arrive after the response; closing reads what is left.
        this.#saveSession(key, socket);
      },
    };
  }

  #wait(origin: Origin, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = origin.waiting.indexOf(wake);
        if (at >= 0) origin.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      origin.waiting.push(wake);
    });
  }

  /** Keeps the session `socket` was given, if any, as its origin's newest. */
  #saveSession(key: string, socket: StreamSocket): void {
    const session = socket.tlsSession();
    if (session === null || this.#sessions.get(key) === session) return;
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    if (this.#sessions.size > SESSIONS_KEPT) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
  }

  #wake(origin: Origin): void {
    origin.waiting.shift()?.();
  }
}
