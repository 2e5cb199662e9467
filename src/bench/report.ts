/**
 * A run's report: the numbers (plain data, what `--json` prints) and the
 * human table.
 *
 * @module
 */

import type { RecordableHistogram } from 'node:perf_hooks';
import { describeUnixPath } from '../core/address.js';
import { valueAtPercentile } from './_histogram.js';
import type { BenchMode, EngineResult, EngineSpec, ErrorKind } from './engine.js';

/** Latency statistics in milliseconds, from an HDR histogram (three significant digits). */
export interface LatencyStats {
  /** The fastest answer. */
  min: number;
  /** The arithmetic mean. */
  mean: number;
  /** The standard deviation. */
  stdev: number;
  /** The median: half the answers took at most this long. */
  p50: number;
  /** 90% took at most this long. */
  p90: number;
  /** 99% took at most this long. */
  p99: number;
  /** 99.9% took at most this long. */
  p999: number;
  /** The slowest answer. */
  max: number;
  /** (percentile, ms) pairs from 0 to 100, for plotting. */
  distribution: Array<[number, number]>;
}

/**
 * What a run measured: plain data (what `socketkit bench --json` prints), for
 * {@link formatReport} and {@link plotReport}. Rates are per second, sizes in bytes, durations in
 * seconds, latencies in milliseconds.
 *
 * @example The numbers of a run
 * ```ts
 * import { bench } from 'socketkit/bench';
 * const report = await bench({ target: 'http://127.0.0.1:8080/', connections: 2, requests: 100 });
 * console.log(report.mode, report.connections, report.requests, report.non2xx); // http 2 100 0
 * console.log(report.requestsPerSecond > 0, report.latency!.p50 <= report.latency!.max); // true true
 * ```
 */
export interface BenchReport {
  /** The target as given; for echo over a Unix socket, which takes none, the socket's path. */
  target: string;
  /** The address the load went to: an IP address, or the Unix socket's path. */
  address: string;
  /** The port the load went to; 0 over a Unix socket. */
  port: number;
  /** The Unix domain socket the load went to (the `socketPath` option), or `null` over TCP and UDP. */
  socketPath: string | null;
  /** What was sent. */
  mode: BenchMode;
  /** Connections (or UDP sockets) kept busy at once. */
  connections: number;
  /** Threads that ran the connections. */
  workers: number;
  /** The requested rate (requests/s), or `null`. */
  rate: number | null;
  /** http: requests in flight per connection (1: no pipelining). */
  pipelining: number;
  /** When the run started, as an ISO 8601 date. */
  startedAt: string;
  /** Seconds from the end of warm-up to the last completion. */
  duration: number;
  /** Exchanges finished: answered or failed. */
  requests: number;
  /** Answered well: 2xx, a reply (oneshot/udp), an exact echo. */
  ok: number;
  /** Failed exchanges by kind of error. */
  errors: Record<ErrorKind, number>;
  /** Complete HTTP responses whose status was not 2xx. */
  non2xx: number;
  /** Complete HTTP responses by status. */
  statuses: Record<string, number>;
  /** Exchanges finished per second of the run. */
  requestsPerSecond: number;
  /** Bytes written to the target. */
  bytesSent: number;
  /** Bytes read from the target. */
  bytesReceived: number;
  /** Bytes per second, each way. */
  throughput: {
    /** Written per second. */
    sent: number;
    /** Read per second. */
    received: number;
  };
  /**
   * Latency of answered exchanges. With a rate, measured from when each
   * request should have been sent (coordinated-omission corrected).
   */
  latency: LatencyStats | null;
  /** With a rate: latency from when each request was actually sent (what wrk reports). */
  uncorrectedLatency: LatencyStats | null;
  /** Completions in each second of the run. */
  timeline: number[];
}

export const PLOT_PERCENTILES = [
  0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5, 80, 82.5, 85, 87.5, 90, 91.25, 92.5, 93.75, 95,
  96, 97, 97.5, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9, 99.95, 99.99, 99.995, 99.999, 100,
];

/** A histogram's statistics in milliseconds, or `null` when it holds nothing. */
export function latencyStats(h: RecordableHistogram | null): LatencyStats | null {
  if (h === null || h.count === 0) return null;
  const ms = (us: number) => us / 1000;
  return {
    min: ms(h.min),
    mean: ms(h.mean),
    stdev: ms(h.stddev),
    p50: ms(valueAtPercentile(h, 50)),
    p90: ms(valueAtPercentile(h, 90)),
    p99: ms(valueAtPercentile(h, 99)),
    p999: ms(valueAtPercentile(h, 99.9)),
    max: ms(h.max),
    distribution: PLOT_PERCENTILES.map((p) => [p, ms(valueAtPercentile(h, p))]),
  };
}

export function buildReport(
  result: EngineResult,
  run: { target: string; address: string; spec: EngineSpec; workers: number; startedAt: Date },
): BenchReport {
  const seconds = result.elapsedMs / 1000;
  const per = (n: number) => (seconds > 0 ? n / seconds : 0);
  let non2xx = 0;
  for (const [status, n] of Object.entries(result.statuses))
    if (!status.startsWith('2')) non2xx += n;
  return {
    target: run.target,
    address: run.address,
    port: run.spec.port,
    socketPath: run.spec.path,
    mode: run.spec.mode,
    connections: run.spec.connections,
    workers: run.workers,
    rate: run.spec.rate,
    pipelining: run.spec.pipelining,
    startedAt: run.startedAt.toISOString(),
    duration: seconds,
    requests: result.completed,
    ok: result.ok,
    errors: result.errors,
    non2xx,
    statuses: result.statuses,
    requestsPerSecond: per(result.completed),
    bytesSent: result.bytesSent,
    bytesReceived: result.bytesReceived,
    throughput: { sent: per(result.bytesSent), received: per(result.bytesReceived) },
    latency: latencyStats(result.histogram),
    uncorrectedLatency: latencyStats(result.uncorrected),
    timeline: result.timeline,
  };
}

/**
 * A duration in milliseconds as people read it: at most three significant figures, in µs, ms or
 * s, trailing zeros dropped.
 *
 * @example Durations in the unit that suits
 * ```ts
 * import { formatMs } from 'socketkit/bench';
 * console.log(formatMs(0.85), formatMs(1.234), formatMs(45.6), formatMs(1200)); // 850µs 1.23ms 45.6ms 1.2s
 * ```
 */
export function formatMs(ms: number): string {
  if (ms < 1) return `${Number((ms * 1000).toPrecision(3))}µs`;
  if (ms < 1000) return `${Number(ms.toPrecision(3))}ms`;
  return `${Number((ms / 1000).toPrecision(3))}s`;
}

/**
 * A byte count as people read it, in binary units: `512 B`, `1.5 KiB`, `23.4 MiB`.
 *
 * @example Sizes in binary units
 * ```ts
 * import { formatBytes } from 'socketkit/bench';
 * console.log(formatBytes(512), formatBytes(1536), formatBytes(24_536_678)); // 512 B 1.5 KiB 23.4 MiB
 * ```
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function grid(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function latencyRows(label: string, s: LatencyStats): string[] {
  return [label, ...[s.min, s.p50, s.p90, s.p99, s.p999, s.max, s.mean, s.stdev].map(formatMs)];
}

/**
 * The report as a table for people, in the spirit of wrk's and ab's: what ran (and where: the
 * address and port, or `http://localhost/ via /tmp/web.sock` over a Unix socket), the counts, the
 * latency percentiles (corrected and uncorrected when a rate was set), rates, and the errors and
 * non-2xx statuses when there were any. Ends with a newline.
 *
 * @example The table's counts line
 * ```ts
 * import { bench, formatReport } from 'socketkit/bench';
 * const report = await bench({ target: '127.0.0.1:7', mode: 'echo', requests: 50 });
 * const counts = formatReport(report).split('\n')[1]!;
 * console.log(counts.replace(/ in [\d.]+s/, '')); // 50 requests: 50 ok, 0 errors
 * ```
 */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  const unit = report.mode === 'udp' ? 'socket' : 'connection';
  const shape = [
    `${report.connections} ${unit}${report.connections === 1 ? '' : 's'}`,
    `${report.workers} thread${report.workers === 1 ? '' : 's'}`,
    report.rate === null ? null : `${report.rate} req/s asked`,
    report.pipelining > 1 ? `pipelining ${report.pipelining}` : null,
  ].filter((x) => x !== null);
  // Where the load went: `(127.0.0.1 port 8080)`, or `via /tmp/web.sock` for a URL over a Unix
  // socket; an echo run over one names only the socket.
  const where =
    report.socketPath === null
      ? `${report.target} (${report.address} port ${report.port})`
      : report.mode === 'echo'
        ? `${describeUnixPath(report.socketPath)} (a Unix socket)`
        : `${report.target} via ${describeUnixPath(report.socketPath)}`;
  lines.push(`${report.mode} ${where}, ${shape.join(', ')}`);
  const failures = Object.values(report.errors).reduce((a, b) => a + b, 0);
  const http = report.mode === 'http' || report.mode === 'oneshot';
  lines.push(
    `${report.requests} requests in ${report.duration.toFixed(2)}s: ${report.ok} ok, ${http ? `${report.non2xx} non-2xx, ` : ''}${failures} errors`,
  );
  lines.push('');
  const header = ['Latency', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'stdev'];
  if (report.latency === null) {
    lines.push('Latency     no request was answered');
  } else if (report.uncorrectedLatency === null) {
    lines.push(grid([header, latencyRows('', report.latency)]));
  } else {
    lines.push(
      grid([
        header,
        latencyRows('corrected', report.latency),
        latencyRows('uncorrected', report.uncorrectedLatency),
      ]),
    );
    lines.push(
      '(corrected: from when each request was due at the asked rate; uncorrected: from when it was sent)',
    );
  }
  lines.push('');
  lines.push(`Requests/s  ${report.requestsPerSecond.toFixed(1)}`);
  lines.push(
    `Sent        ${formatBytes(report.bytesSent)} (${formatBytes(report.throughput.sent)}/s)`,
  );
  lines.push(
    `Received    ${formatBytes(report.bytesReceived)} (${formatBytes(report.throughput.received)}/s)`,
  );
  if (failures > 0) {
    const kinds = Object.entries(report.errors)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${n}`);
    lines.push(`Errors      ${kinds.join(', ')}`);
  }
  if (report.non2xx > 0) {
    const byStatus = Object.entries(report.statuses)
      .filter(([status]) => !status.startsWith('2'))
      .map(([status, n]) => `${status} ×${n}`);
    lines.push(`Non-2xx     ${byStatus.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
