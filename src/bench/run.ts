/**
 * `bench()`: checks the options, resolves and vets the target, builds the
 * request once, runs the engine on this thread or on worker threads, and
 * merges what they measured into one report.
 *
 * @module
 */

import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { asBuffer, type Bytes } from '../core/bytes.js';
import { isLoopback } from '../core/loopback.js';
import { VERSION } from '../core/version.js';
import type { HeadersInit } from '../http/headers.js';
import { HttpHeaders } from '../http/headers.js';
import { serializeRequestHead } from '../http/serializer.js';
import { parseTarget } from '../http/url.js';
import { lookupHost } from '../names/hosts.js';
import { connect } from '../socket/connect.js';
import { newHistogram } from './_recorder.js';
import {
  type BenchMode,
  type EngineResult,
  type EngineSpec,
  type ErrorKind,
  runEngine,
} from './engine.js';
import { type BenchReport, buildReport } from './report.js';
import type { WorkerMessage } from './worker.js';

/** Options for {@link bench}; the CLI's flags map one to one. */
export interface BenchOptions {
  /**
   * http/oneshot: a URL (`http://127.0.0.1:8080/`, `https://…`, or
   * `host:port/path`). echo/udp: `host:port` or `[v6]:port`.
   */
  target: string;
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
  /** Worker threads, each running its share of the connections. Default 1 (this thread). */
  workers?: number;
  /** Allow a target that is not a loopback address. Default `false`. */
  allowRemote?: boolean;
  /** https: skip certificate verification. */
  insecure?: boolean;
  /** Called about every 100 ms with the completions so far. */
  onProgress?: (completed: number) => void;
  /** Ends the run early; the report covers what finished. */
  signal?: AbortSignal;
}

/** The most a run may ask for; beyond these a typo is likelier than intent. */
export const BENCH_LIMITS = {
  connections: 10_000,
  workers: 64,
  size: 64 * 1024 * 1024,
  udpSize: 65_507,
  durationMs: 24 * 3600_000,
} as const;

function positiveInteger(value: unknown, what: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(
      `Invalid ${what} ${JSON.stringify(value) ?? String(value)}: it must be an integer`,
    );
  }
  if (value < 1 || value > max) {
    throw new RangeError(`Invalid ${what} ${value}: it must be from 1 to ${max}`);
  }
  return value;
}

function milliseconds(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(
      `Invalid ${what} ${JSON.stringify(value) ?? String(value)}: it must be a number of milliseconds`,
    );
  }
  if (value < min || value > BENCH_LIMITS.durationMs) {
    throw new RangeError(
      `Invalid ${what} ${value} ms: it must be from ${min} to ${BENCH_LIMITS.durationMs} ms`,
    );
  }
  return value;
}

/** `host:port`, `[v6]:port`: the parts, checked. */
export function parseHostPort(target: string): { host: string; port: number } {
  if (typeof target !== 'string') {
    throw new TypeError(`Invalid target ${String(target)}: it must be "host:port"`);
  }
  const match = /^\[([^\]/]+)\]:([^/]*)$/.exec(target) ?? /^([^:/[\]]+):([^/]*)$/.exec(target);
  if (match === null) {
    throw new TypeError(
      `Invalid target ${JSON.stringify(target)}: it must be "host:port" (or "[v6 address]:port")`,
    );
  }
  const port = match[2]!;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new RangeError(
      `Invalid port in target ${JSON.stringify(target)}: it must be an integer from 1 to 65535`,
    );
  }
  return { host: match[1]!, port: Number(port) };
}

/** Everything about a run that does not depend on the thread running it. */
interface Plan {
  spec: EngineSpec;
  /** The target as given, and the address used. */
  target: string;
  address: string;
  workers: number;
}

async function plan(options: BenchOptions): Promise<Plan> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('bench() needs an options object with at least a target');
  }
  const mode = options.mode ?? 'http';
  if (!['http', 'oneshot', 'echo', 'udp'].includes(mode)) {
    throw new TypeError(`Invalid mode ${JSON.stringify(mode)}: use http, oneshot, echo or udp`);
  }
  const connections = positiveInteger(
    options.connections ?? 10,
    'connection count',
    BENCH_LIMITS.connections,
  );
  const requests =
    options.requests === undefined
      ? null
      : positiveInteger(options.requests, 'request count', Number.MAX_SAFE_INTEGER);
  const durationMs =
    options.duration === undefined
      ? requests === null
        ? 10_000
        : null
      : milliseconds(options.duration, 'duration', 1);
  const warmupMs = options.warmup === undefined ? 0 : milliseconds(options.warmup, 'warm-up', 0);
  const timeoutMs =
    options.timeout === undefined ? 10_000 : milliseconds(options.timeout, 'timeout', 1);
  let rate: number | null = null;
  if (options.rate !== undefined) {
    if (typeof options.rate !== 'number' || !Number.isFinite(options.rate) || options.rate <= 0) {
      throw new RangeError(
        `Invalid rate ${String(options.rate)}: it must be a number of requests per second above 0`,
      );
    }
    rate = options.rate;
  }
  const workers = positiveInteger(options.workers ?? 1, 'worker count', BENCH_LIMITS.workers);
  if (workers > connections) {
    throw new RangeError(
      `Invalid worker count ${workers}: it must not exceed the connections (${connections}); each worker needs one`,
    );
  }
  if (requests !== null && requests < workers) {
    throw new RangeError(
      `Invalid request count ${requests}: it must be at least the worker count (${workers})`,
    );
  }

  // Where to connect, and what to send.
  let host: string;
  let port: number;
  let tls = false;
  let servername: string | undefined;
  let method = 'GET';
  let payload: Buffer;
  if (mode === 'http' || mode === 'oneshot') {
    if (options.size !== undefined) {
      throw new TypeError(
        `Invalid option size in ${mode} mode: it sets the echo and udp payload; use body for HTTP`,
      );
    }
    const target = parseTarget(options.target);
    host = target.host;
    port = target.port;
    tls = target.secure;
    servername = target.host;
    const body =
      options.body === undefined
        ? null
        : typeof options.body === 'string'
          ? Buffer.from(options.body)
          : asBuffer(options.body, 'body');
    method = options.method ?? (body === null ? 'GET' : 'POST');
    const headers = new HttpHeaders([
      ['Host', target.hostHeader],
      ['User-Agent', `socketkit-bench/${VERSION}`],
      ['Accept', '*/*'],
    ]);
    for (const [name, value] of HttpHeaders.from(options.headers ?? [])) {
      if (
        name.toLowerCase() === 'host' ||
        name.toLowerCase() === 'user-agent' ||
        name.toLowerCase() === 'accept'
      )
        headers.set(name, value);
      else headers.append(name, value);
    }
    if (body !== null) headers.set('Content-Length', String(body.length));
    if (mode === 'oneshot') headers.set('Connection', 'close');
    const head = serializeRequestHead(method, target.path, headers);
    payload = body === null ? head : Buffer.concat([head, body]);
  } else {
    if (
      options.body !== undefined ||
      options.method !== undefined ||
      options.headers !== undefined
    ) {
      throw new TypeError(
        `Invalid options for ${mode} mode: method, headers and body are for http and oneshot; use size`,
      );
    }
    ({ host, port } = parseHostPort(options.target));
    const size = positiveInteger(
      options.size ?? 64,
      'size',
      mode === 'udp' ? BENCH_LIMITS.udpSize : BENCH_LIMITS.size,
    );
    // A recognisable, non-repeating-at-small-scale pattern, so a shifted or mixed-up echo shows.
    payload = Buffer.alloc(size);
    for (let i = 0; i < size; i++) payload[i] = 33 + ((i * 7 + (i >> 8)) % 94);
  }

  // Resolve once; every address must be loopback unless the user owns the target and says so.
  const found = await lookupHost(host);
  const remote = found.addresses.filter((a) => !isLoopback(a.address));
  if (remote.length > 0 && options.allowRemote !== true) {
    throw new RangeError(
      `Refusing to load-test ${host} (${remote.map((a) => a.address).join(', ')}): it is not a loopback address; allow it explicitly (--allow-remote) only for a server you run`,
    );
  }
  const address = found.addresses[0]!.address;
  return {
    target: options.target,
    address,
    workers,
    spec: {
      mode,
      host: address,
      port,
      tls,
      servername,
      insecure: options.insecure === true,
      connections,
      requests,
      durationMs,
      warmupMs,
      rate,
      timeoutMs,
      payload,
      method,
    },
  };
}

/** Splits `total` into `parts` integers that differ by at most one and add up to it. */
function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

function workerUrl(): URL {
  // Under a TypeScript runner (tests, benchmarks from source) the worker is the .ts file.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./worker.${ext}`, import.meta.url);
}

function runWorkers(
  spec: EngineSpec,
  workers: number,
  options: BenchOptions,
): Promise<EngineResult[]> {
  const progress = new Array<number>(workers).fill(0);
  const threads = Array.from({ length: workers }, (_, i) => {
    const part: EngineSpec = {
      ...spec,
      connections: share(spec.connections, workers, i),
      requests: spec.requests === null ? null : share(spec.requests, workers, i),
      rate:
        spec.rate === null
          ? null
          : (spec.rate * share(spec.connections, workers, i)) / spec.connections,
    };
    // Node options go to the worker (a TypeScript loader must); --input-type, which only
    // applies to --eval, would stop it from starting.
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
    return new Worker(workerUrl(), { workerData: part, execArgv });
  });
  const onAbort = () => {
    for (const thread of threads) thread.postMessage('stop');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  return Promise.all(
    threads.map(
      (thread, i) =>
        new Promise<EngineResult>((resolve, reject) => {
          let settled = false;
          thread.on('message', (message: WorkerMessage) => {
            if (message.type === 'progress') {
              progress[i] = message.completed;
              options.onProgress?.(progress.reduce((a, b) => a + b, 0));
            } else if (message.type === 'done') {
              settled = true;
              resolve(message.result);
            } else {
              settled = true;
              const error = new Error(message.error.message) as Error & { code?: string };
              error.name = message.error.name;
              if (message.error.code !== undefined) error.code = message.error.code;
              reject(error);
            }
          });
          thread.on('error', (error) => {
            settled = true;
            reject(error);
          });
          thread.on('exit', (code) => {
            if (!settled)
              reject(new Error(`Bench worker ${i + 1} exited with code ${code} before reporting`));
          });
        }),
    ),
  ).finally(() => {
    options.signal?.removeEventListener('abort', onAbort);
    for (const thread of threads) void thread.terminate();
  });
}

/** Adds up what several engines measured. */
export function mergeResults(results: EngineResult[]): EngineResult {
  const histogram = newHistogram();
  const uncorrected = results[0]?.uncorrected == null ? null : newHistogram();
  const errors = {} as Record<ErrorKind, number>;
  const statuses: Record<string, number> = {};
  const timeline: number[] = [];
  let completed = 0;
  let ok = 0;
  let bytesSent = 0;
  let bytesReceived = 0;
  let elapsedMs = 0;
  for (const r of results) {
    completed += r.completed;
    ok += r.ok;
    bytesSent += r.bytesSent;
    bytesReceived += r.bytesReceived;
    elapsedMs = Math.max(elapsedMs, r.elapsedMs);
    for (const [kind, n] of Object.entries(r.errors))
      errors[kind as ErrorKind] = (errors[kind as ErrorKind] ?? 0) + n;
    for (const [status, n] of Object.entries(r.statuses))
      statuses[status] = (statuses[status] ?? 0) + n;
    r.timeline.forEach((n, i) => {
      timeline[i] = (timeline[i] ?? 0) + n;
    });
    const h = hdr.decodeFromCompressedBase64(r.histogram);
    histogram.add(h);
    h.destroy();
    if (uncorrected !== null && r.uncorrected !== null) {
      const u = hdr.decodeFromCompressedBase64(r.uncorrected);
      uncorrected.add(u);
      u.destroy();
    }
  }
  return {
    completed,
    ok,
    errors,
    statuses,
    bytesSent,
    bytesReceived,
    elapsedMs,
    timeline,
    histogram: hdr.encodeIntoCompressedBase64(histogram),
    uncorrected: uncorrected === null ? null : hdr.encodeIntoCompressedBase64(uncorrected),
  };
}

/**
 * Loads a server and measures it: requests, errors by kind, statuses,
 * throughput, and latency percentiles from an HDR histogram (corrected for
 * coordinated omission when a rate is set). Bounded: it stops after
 * `requests`, or `duration` (10 s by default), by itself.
 *
 * @example Ten seconds of keep-alive GETs over 50 connections
 * ```ts
 * import { bench, formatReport } from 'socketkit/bench';
 * const report = await bench({ target: 'http://127.0.0.1:8080/', connections: 50 });
 * console.log(formatReport(report));
 * ```
 *
 * @throws {TypeError|RangeError} an option is of the wrong type or out of range (the message names it).
 * @throws {RangeError} the target is not a loopback address and `allowRemote` was not given.
 * @throws {SocketError} the target cannot be reached (a first connection, made before the load, failed).
 */
export async function bench(options: BenchOptions): Promise<BenchReport> {
  const { spec, target, address, workers } = await plan(options);
  if (spec.mode !== 'udp') {
    // One connection first, so an unreachable target or a bad certificate is an error, not a count.
    const probe = await connect(spec.host, spec.port, {
      timeout: spec.timeoutMs,
      tls: spec.tls ? { insecure: spec.insecure, servername: spec.servername } : undefined,
      signal: options.signal,
    });
    await probe.close();
  }
  const startedAt = new Date();
  const result =
    workers === 1
      ? await runEngine(spec, { onProgress: options.onProgress, signal: options.signal })
      : mergeResults(await runWorkers(spec, workers, options));
  return buildReport(result, { target, address, spec, workers, startedAt });
}
