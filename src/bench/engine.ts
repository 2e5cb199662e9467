/**
 * The load engine of one thread: N connection loops pulling work from one
 * shared budget, recording latency into HDR histograms.
 *
 * The pieces, each in its own file: the {@link WorkBudget} (exact `-n`
 * counts, the `-d` deadline, `-R` rate slots with coordinated-omission
 * correction), the {@link Recorder} (histograms, timeline, errors by kind,
 * statuses), the connection loops (TCP or a Unix socket for http, oneshot and echo; UDP),
 * and the {@link TimeoutSweeper} (one timer for every request's deadline).
 *
 * @module
 */

import type { RecordableHistogram } from 'node:perf_hooks';
import { WorkBudget } from './_budget.js';
import { Recorder } from './_recorder.js';
import { streamLoop } from './_stream-loop.js';
import { TimeoutSweeper } from './_sweeper.js';
import { udpLoop } from './_udp-loop.js';

/**
 * What a run sends: `'http'`, keep-alive requests (as ab -k, wrk); `'oneshot'`, a connection per
 * request (`Connection: close`); `'echo'`, a payload over TCP that must come back byte for byte;
 * `'udp'`, a datagram that must be answered.
 */
export type BenchMode = 'http' | 'oneshot' | 'echo' | 'udp';

/**
 * The kinds of error counted (non-2xx statuses are counted per status apart): `connect` (could
 * not connect), `reset` (the connection broke), `timeout` (no answer within `timeout`), `parse`
 * (a reply that is not valid HTTP), `mismatch` (an echo that differs from what was sent).
 */
export type ErrorKind = 'connect' | 'reset' | 'timeout' | 'parse' | 'mismatch';

/** Everything an engine needs, plain data so it can cross to a worker thread. */
export interface EngineSpec {
  mode: BenchMode;
  /** The address to connect to (resolved once, up front); `''` over a Unix socket. */
  host: string;
  /** The port to connect to; 0 over a Unix socket. */
  port: number;
  /** A Unix domain socket to connect to instead of `host` and `port`, or `null`. */
  path: string | null;
  tls: boolean;
  /** With `tls`: the name for SNI and the certificate check. */
  servername?: string;
  insecure: boolean;
  connections: number;
  /** Requests for this engine, or `null` to run until `durationMs`. */
  requests: number | null;
  durationMs: number | null;
  warmupMs: number;
  /** Requests per second for this engine, or `null` for as fast as possible. */
  rate: number | null;
  timeoutMs: number;
  /** http/oneshot: the request bytes; echo/udp: the payload. */
  payload: Uint8Array;
  /** http mode: the method (responses to HEAD have no body). */
  method: string;
  /** http mode: requests sent at once on a connection before their responses are read (1: none). */
  pipelining: number;
}

/** What an engine measured; it crosses threads in `postMessage` (Node clones histograms). */
export interface EngineResult {
  /** Exchanges finished after warm-up: answered, or failed with an error. */
  completed: number;
  /** Exchanges answered well: a 2xx response, a reply in oneshot/udp, an exact echo. */
  ok: number;
  errors: Record<ErrorKind, number>;
  /** Complete HTTP responses by status. */
  statuses: Record<string, number>;
  bytesSent: number;
  bytesReceived: number;
  /** Measurement time: from the end of warm-up to the last completion. */
  elapsedMs: number;
  /** Completions per whole second of measurement, in order. */
  timeline: number[];
  /** Latency of every answered exchange in microseconds, corrected when a rate was set. */
  histogram: RecordableHistogram;
  /** Latency from the actual send, when a rate was set. */
  uncorrected: RecordableHistogram | null;
}

/** Callbacks and cancellation for {@link runEngine}. */
export interface EngineHooks {
  /** Gets the completions so far, about every 100 ms. */
  onProgress?: (completed: number) => void;
  /**
   * Ends the run early: no new exchanges start, those in flight are cut
   * off and not counted, and the result covers what finished.
   */
  signal?: AbortSignal;
}

/** What the connection loops of one run share. */
export interface EngineRun {
  readonly spec: EngineSpec;
  readonly budget: WorkBudget;
  readonly recorder: Recorder;
  readonly sweeper: TimeoutSweeper;
  readonly reachability: Reachability;
}

/**
 * Whether the target can be reached at all: when every connection's first
 * attempt failed to connect before any connection ever succeeded, the run
 * stops, since counting connect errors against a closed port would only
 * measure the refusal.
 */
class Reachability {
  /** Why the target is unreachable, once it is known to be. */
  error: unknown = null;
  #everConnected = false;
  #failedFirstTries = 0;
  readonly #connections: number;
  readonly #budget: WorkBudget;

  constructor(connections: number, budget: WorkBudget) {
    this.#connections = connections;
    this.#budget = budget;
  }

  connected(): void {
    this.#everConnected = true;
  }

  connectFailed(error: unknown, firstTry: boolean): void {
    if (this.#everConnected || !firstTry) return;
    this.#failedFirstTries++;
    if (this.#failedFirstTries >= this.#connections) {
      this.error = error;
      this.#budget.stop();
    }
  }
}

/**
 * Runs the load described by `spec`.
 *
 * @throws {SocketError} the target could not be reached at all (see {@link Reachability}).
 */
export async function runEngine(spec: EngineSpec, hooks: EngineHooks = {}): Promise<EngineResult> {
  const { onProgress, signal } = hooks;
  const budget = new WorkBudget(spec);
  const recorder = new Recorder(budget.measureFrom, spec.rate !== null, spec.durationMs);
  const sweeper = new TimeoutSweeper(Math.max(5, Math.min(100, spec.timeoutMs / 4)), () =>
    onProgress?.(recorder.completed),
  );
  const run: EngineRun = {
    spec,
    budget,
    recorder,
    sweeper,
    reachability: new Reachability(spec.connections, budget),
  };
  const stop = () => {
    budget.stop();
    sweeper.abortActive();
  };
  if (signal?.aborted) budget.stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const loop = spec.mode === 'udp' ? udpLoop : streamLoop;
    await Promise.all(Array.from({ length: spec.connections }, () => loop(run)));
  } finally {
    sweeper.close();
    signal?.removeEventListener('abort', stop);
  }
  if (run.reachability.error !== null) throw run.reachability.error;
  onProgress?.(recorder.completed);
  return recorder.result();
}
