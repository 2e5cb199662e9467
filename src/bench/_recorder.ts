/**
 * What one engine measured, recorded as exchanges finish: latency into HDR
 * histograms, completions per second, errors by kind, responses by status,
 * bytes each way.
 *
 * @module
 */

import type { RecordableHistogram } from 'node:perf_hooks';
import { newHistogram, recordLatency } from './_histogram.js';
import type { EngineResult, ErrorKind } from './engine.js';

const ERROR_KINDS: ErrorKind[] = ['connect', 'reset', 'timeout', 'parse', 'mismatch'];

export class Recorder {
  /** Exchanges finished after warm-up: answered, or failed. */
  completed = 0;
  /** Warm-up included, as the load the server saw. */
  bytesSent = 0;
  bytesReceived = 0;
  #ok = 0;
  readonly #errors = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<
    ErrorKind,
    number
  >;
  readonly #statuses: Record<string, number> = {};
  readonly #timeline: number[] = [];
  readonly #histogram = newHistogram();
  /** With a rate: latency from the actual send, beside the corrected one. */
  readonly #uncorrected: RecordableHistogram | null;
  readonly #measureFrom: number;
  /** The last one-second slot of a timed run; `Infinity` for a run counted in requests. */
  readonly #lastSlot: number;
  #lastCompletion: number;

  /**
   * @param durationMs the measured window of a timed run, or `null`: exchanges that were in
   *   flight at the deadline and finish after it (on a busy machine, up to a timeout later)
   *   count in the window's last second, so a `-d 1` run has one second of timeline.
   */
  constructor(measureFrom: number, paced: boolean, durationMs: number | null = null) {
    this.#measureFrom = measureFrom;
    this.#lastSlot =
      durationMs === null
        ? Number.POSITIVE_INFINITY
        : Math.max(0, Math.ceil(durationMs / 1000) - 1);
    this.#lastCompletion = measureFrom;
    this.#uncorrected = paced ? newHistogram() : null;
  }

  /** A complete HTTP response, measured. */
  status(code: number): void {
    this.#statuses[code] = (this.#statuses[code] ?? 0) + 1;
  }

  /**
   * An answered exchange, measured: its latency goes into the histograms,
   * counted from when it was due (`intended`) or, if it went out before
   * that, from when it was sent.
   */
  answered(intended: number, sentAt: number, doneAt: number, good: boolean): void {
    if (good) this.#ok++;
    // Timers are coarse: a request may go out up to a millisecond before it was due. Then
    // the send is the start; otherwise the due time is.
    const from = sentAt < intended ? sentAt : intended;
    recordLatency(this.#histogram, (doneAt - from) * 1000);
    if (this.#uncorrected !== null) recordLatency(this.#uncorrected, (doneAt - sentAt) * 1000);
    this.#track(doneAt);
  }

  /** A failed exchange, measured. */
  failed(kind: ErrorKind): void {
    this.#errors[kind]++;
    this.#track(performance.now());
  }

  #track(doneAt: number): void {
    this.completed++;
    const second = Math.min(
      this.#lastSlot,
      Math.max(0, Math.floor((doneAt - this.#measureFrom) / 1000)),
    );
    while (this.#timeline.length <= second) this.#timeline.push(0);
    this.#timeline[second]!++;
    if (doneAt > this.#lastCompletion) this.#lastCompletion = doneAt;
  }

  result(): EngineResult {
    return {
      completed: this.completed,
      ok: this.#ok,
      errors: this.#errors,
      statuses: this.#statuses,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      elapsedMs: Math.max(0, this.#lastCompletion - this.#measureFrom),
      timeline: this.#timeline,
      histogram: this.#histogram,
      uncorrected: this.#uncorrected,
    };
  }
}
