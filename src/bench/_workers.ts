/**
 * Running the engine on worker threads, each with its share of the
 * connections, requests and rate, and adding up what they measured.
 *
 * @module
 */

import { Worker } from 'node:worker_threads';
import { newHistogram } from './_histogram.js';
import type { EngineResult, EngineSpec, ErrorKind } from './engine.js';
import type { BenchOptions } from './run.js';
import type { WorkerMessage } from './worker.js';

/** Splits `total` into `parts` integers that differ by at most one and add up to it. */
function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

function workerUrl(): URL {
  // Under a TypeScript runner (tests, benchmarks from source) the worker is the .ts file.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./worker.${ext}`, import.meta.url);
}

export function runWorkers(
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
    histogram.add(r.histogram);
    if (uncorrected !== null && r.uncorrected !== null) uncorrected.add(r.uncorrected);
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
    histogram,
    uncorrected,
  };
}
