/**
 * socketkit/bench: a load generator that tells the truth. Keep-alive HTTP,
 * a connection per request, TCP echo and UDP request/response; a constant
 * rate with coordinated-omission-corrected latency; HDR-histogram
 * percentiles; reports as a table, JSON or an SVG plot.
 *
 * @example Load a server, then print and plot the report
 * ```ts
 * import { writeFileSync, rmSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { bench, formatReport, plotReport } from 'socketkit/bench';
 * const report = await bench({ target: 'http://127.0.0.1:8080/', connections: 10, requests: 500 });
 * console.log(formatReport(report)); // e.g. http http://127.0.0.1:8080/ (127.0.0.1 port 8080), 10 connections, 1 thread …
 * const plot = join(tmpdir(), `bench-${process.pid}.svg`);
 * writeFileSync(plot, plotReport(report));
 * rmSync(plot);
 * ```
 *
 * @module
 */

export type { BenchMode, ErrorKind } from './engine.js';
export { plotReport } from './plot.js';
export type { BenchReport, LatencyStats } from './report.js';
export { formatBytes, formatMs, formatReport } from './report.js';
export type { BenchOptions } from './run.js';
export { BENCH_LIMITS, bench, parseHostPort } from './run.js';
