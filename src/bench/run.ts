/**
 * `bench()`: checks the options, resolves and vets the target, builds the
 * request once, runs the engine on this thread or on worker threads, and
 * merges what they measured into one report.
 *
 * @module
 */

import type { Bytes } from '../core/bytes.js';
import { ConnectionResetError } from '../core/errors.js';
import type { HeadersInit } from '../http/headers.js';
import { plan } from './_plan.js';
import { openConnection } from './_stream-loop.js';
import { mergeResults, runWorkers } from './_workers.js';
import { type BenchMode, runEngine } from './engine.js';
import { type BenchReport, buildReport } from './report.js';

export { BENCH_LIMITS, parseHostPort } from './_plan.js';

/** Options for {@link bench}; the CLI's flags map one to one. */
export interface BenchOptions {
  /**
   * http/oneshot: a URL (`http://127.0.0.1:8080/`, `https://…`, or
   * `host:port/path`). echo/udp: `host:port` or `[v6]:port`. Required, but for echo with a
   * `socketPath`, which takes none.
   */
  target?: string;
  /**
   * Connect to this Unix domain socket instead of the target's host and port (curl's
   * `--unix-socket`, as `request()`'s `socketPath`). http/oneshot: the URL still gives the `Host`
   * header and the path, and with `https://` TLS runs over the socket, the certificate checked
   * against the URL's host. echo: give no `target`. Not for udp. A Unix socket is on this
   * machine, so it needs no `allowRemote`; every worker connects to it too.
   */
  socketPath?: string;
  /** Default `'http'`. */
  mode?: BenchMode;
  /** Connections (or UDP sockets) kept busy at once. Default 10. */
  connections?: number;
  /** Exactly this many measured requests. */
  requests?: number;
  /** Run for this many ms. Default 10 000 when `requests` is not given. */
  duration?: number;
  /** Exchanges for this many ms first, not measured (nor counted against `requests`). Default 0. */
  warmup?: number;
  /**
   * A constant rate in requests per second, latency counted from when each
   * request should have been sent (coordinated omission corrected).
   */
  rate?: number;
  /** Per request (connecting included), in ms. Default 10 000. */
  timeout?: number;
  /** http/oneshot: the method. Default GET, or POST when there is a body. */
  method?: string;
  /** http/oneshot: request headers added to Host, User-Agent and Accept. */
  headers?: HeadersInit;
  /** http/oneshot: a request body (sent with Content-Length). */
  body?: string | Bytes;
  /** echo/udp: payload size in bytes. Default 64. */
  size?: number;
  /**
   * http: send this many requests at once on each connection, then read their responses in
   * order (HTTP/1.1 pipelining, wrk's `--pipeline`/autocannon's `-p`). Each request's latency
   * runs from its batch's send. Default 1; not with `rate`.
   */
  pipelining?: number;
  /** Worker threads, each running its share of the connections. Default 1 (this thread). */
  workers?: number;
  /** Allow a target that is not a loopback address (a `socketPath` never needs it). Default `false`. */
  allowRemote?: boolean;
  /** https: skip certificate verification. */
  insecure?: boolean;
  /** Called about every 100 ms with the completions so far. */
  onProgress?: (completed: number) => void;
  /** Ends the run early; the report covers what finished. */
  signal?: AbortSignal;
}

/**
 * Loads a server and measures it: requests, errors by kind, statuses,
 * throughput, and latency percentiles from an HDR histogram (corrected for
 * coordinated omission when a rate is set). Bounded: it stops after
 * `requests`, or `duration` (10 s by default), by itself.
 *
 * @example A thousand keep-alive GETs over 10 connections
 * ```ts
 * import { bench } from 'socketkit/bench';
 * const report = await bench({ target: 'http://127.0.0.1:8080/', connections: 10, requests: 1000 });
 * console.log(report.requests, report.ok, report.statuses); // 1000 1000 { '200': 1000 }
 * console.log(`p99 ${report.latency?.p99.toFixed(2)} ms`); // e.g. p99 1.84 ms
 * ```
 *
 * @example TCP echo, checked byte for byte
 * ```ts
 * import { bench } from 'socketkit/bench';
 * const report = await bench({ target: '127.0.0.1:7', mode: 'echo', size: 1024, requests: 200 });
 * console.log(report.ok, report.errors.mismatch, report.bytesReceived); // 200 0 204800
 * ```
 *
 * @example Over a Unix domain socket: the URL gives Host and path, the socket file the connection
 * ```ts
 * import { mkdtempSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { bench } from 'socketkit/bench';
 * import { serve } from 'socketkit/http';
 * const dir = mkdtempSync(join(tmpdir(), 'socketkit-doc-'));
 * const socketPath = join(dir, 'web.sock');
 * let seen = 0;
 * const server = await serve(() => {
 *   seen++;
 *   return { body: 'hello' };
 * }, { path: socketPath });
 * const report = await bench({ target: 'http://localhost/', socketPath, connections: 4, requests: 200 });
 * console.log(report.ok, seen, report.socketPath === socketPath); // 200 200 true
 * await server.close();
 * rmSync(dir, { recursive: true });
 * ```
 *
 * @throws {TypeError|RangeError} an option is of the wrong type or out of range (the message names it).
 * @throws {RangeError} the target is not a loopback address and `allowRemote` was not given.
 * @throws {SocketError} the target cannot be reached (a first connection, made before the load,
 * failed); for a `socketPath`, the messages and errors of {@link socketkit!connect}`({ path })`:
 * nothing at the path, not a socket, nobody listening, no permission.
 */
export async function bench(options: BenchOptions): Promise<BenchReport> {
  const { spec, target, address, workers } = await plan(options);
  if (spec.mode !== 'udp') {
    // One connection first, so an unreachable target or a bad certificate is an error, not a count.
    // A reset is neither: something accepted the connection, and the run counts its resets (when
    // the RST beats the end of the handshake, connect() reports it, so the probe sees it too).
    const probe = await openConnection(spec, options.signal).catch((error: unknown) => {
      if (error instanceof ConnectionResetError) return null;
      throw error;
    });
    await probe?.close();
  }
  const startedAt = new Date();
  const result =
    workers === 1
      ? await runEngine(spec, { onProgress: options.onProgress, signal: options.signal })
      : mergeResults(await runWorkers(spec, workers, options));
  return buildReport(result, { target, address, spec, workers, startedAt });
}
