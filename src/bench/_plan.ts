/**
 * Checking a run's options and turning them into an engine spec: limits,
 * the target resolved once and vetted (loopback unless allowed; a Unix
 * socket is local by nature), the request or payload built once.
 *
 * @module
 */

import { validateUnixPath } from '../core/address.js';
import { asBuffer } from '../core/bytes.js';
import { isLoopback } from '../core/loopback.js';
import { VERSION } from '../core/version.js';
import { HttpHeaders } from '../http/headers.js';
import { parseTarget } from '../http/url.js';
import { serializeRequestHead } from '../http/writer.js';
import { lookupHost } from '../names/hosts.js';
import type { EngineSpec } from './engine.js';
import type { BenchOptions } from './run.js';

/** The most a run may ask for; beyond these a typo is likelier than intent. */
export const BENCH_LIMITS = {
  /** Connections (or UDP sockets): 10,000. */
  connections: 10_000,
  /** Worker threads: 64. */
  workers: 64,
  /** An echo payload, in bytes: 64 MiB. */
  size: 64 * 1024 * 1024,
  /** A UDP payload, in bytes: 65,507, the most an IPv4 datagram carries. */
  udpSize: 65_507,
  /** A duration, warm-up or timeout, in milliseconds: 24 hours. */
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

/**
 * The host and port of an echo or udp target, `host:port` or `[v6]:port`, checked (the port
 * from 1 to 65535). The host is not looked up.
 *
 * @throws {TypeError} the target is not `host:port` or `[v6 address]:port`.
 * @throws {RangeError} the port is not an integer from 1 to 65535.
 *
 * @example An IPv6 target
 * ```ts
 * import { parseHostPort } from 'socketkit/bench';
 * console.log(parseHostPort('[::1]:7')); // { host: '::1', port: 7 }
 * ```
 */
export function parseHostPort(target: string): {
  /** The host, without IPv6 brackets. */
  host: string;
  /** The port. */
  port: number;
} {
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
export interface Plan {
  spec: EngineSpec;
  /** The target as given (the socket's path for echo over a Unix socket), and the address used. */
  target: string;
  address: string;
  workers: number;
}

export async function plan(options: BenchOptions): Promise<Plan> {
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
  const pipelining = positiveInteger(options.pipelining ?? 1, 'pipelining depth', 256);
  if (pipelining > 1 && mode !== 'http')
    throw new RangeError(
      `Invalid pipelining depth ${pipelining} in ${mode} mode: only http keeps a connection to pipeline on`,
    );
  if (pipelining > 1 && rate !== null)
    throw new RangeError(
      `Invalid pipelining depth ${pipelining} with a rate: requests sent in batches cannot keep a constant rate (as in wrk2, which does not pipeline)`,
    );
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

  // A Unix socket replaces the host and port: the URL still names the site (Host, the path).
  const path = options.socketPath === undefined ? null : validateUnixPath(options.socketPath);
  if (path !== null && mode === 'udp') {
    throw new TypeError(
      `Invalid option socketPath in udp mode: the Unix socket ${path} is a stream socket; use echo mode`,
    );
  }

  if (options.target === undefined && !(path !== null && mode === 'echo')) {
    throw new TypeError(
      mode === 'http' || mode === 'oneshot'
        ? `bench() needs a target in ${mode} mode: a URL${path === null ? '' : ' (over a Unix socket too: it gives the Host header and the path)'}`
        : `bench() needs a target in ${mode} mode: host:port${mode === 'echo' ? ', or a socketPath' : ''}`,
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
    const target = parseTarget(options.target as string);
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
    if (path === null) ({ host, port } = parseHostPort(options.target as string));
    else if (options.target !== undefined) {
      throw new TypeError(
        `Invalid target ${JSON.stringify(options.target)} with socketPath ${path}: an echo run over a Unix socket takes no host:port; give one or the other`,
      );
    } else {
      host = '';
      port = 0;
    }
    const size = positiveInteger(
      options.size ?? 64,
      'size',
      mode === 'udp' ? BENCH_LIMITS.udpSize : BENCH_LIMITS.size,
    );
    // A recognisable, non-repeating-at-small-scale pattern, so a shifted or mixed-up echo shows.
    payload = Buffer.alloc(size);
    for (let i = 0; i < size; i++) payload[i] = 33 + ((i * 7 + (i >> 8)) % 94);
  }

  let address: string;
  if (path !== null) {
    // A Unix socket is on this machine by nature: nothing to resolve, nothing to vet.
    address = path;
  } else {
    // Resolve once; every address must be loopback unless the user owns the target and says so.
    const found = await lookupHost(host);
    const remote = found.addresses.filter((a) => !isLoopback(a.address));
    if (remote.length > 0 && options.allowRemote !== true) {
      throw new RangeError(
        `Refusing to load-test ${host} (${remote.map((a) => a.address).join(', ')}): it is not a loopback address; allow it explicitly (--allow-remote) only for a server you run`,
      );
    }
    address = found.addresses[0]!.address;
  }
  return {
    target: options.target ?? address,
    address,
    workers,
    spec: {
      mode,
      host: path === null ? address : '',
      port: path === null ? port : 0,
      path,
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
      pipelining,
    },
  };
}
