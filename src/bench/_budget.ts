/**
 * The work of one engine, shared by its connection loops and claimed a
 * unit at a time, never pre-assigned.
 *
 * With `-n` each claim takes one of the remaining requests, so exactly that
 * many are sent however the loops race; with `-d` claims stop at the
 * deadline. With a rate (`-R`), each claim is a time slot `begin + k / rate`
 * shared by all connections (wrk2's model): a connection that frees up late
 * takes an overdue slot and sends at once, and its latency is counted from
 * the slot's time. That is the coordinated-omission correction: a server
 * stall shows up in every request that should have been sent during it, not
 * only in the few that were in flight.
 *
 * @module
 */

import type { EngineSpec } from './engine.js';

export class WorkBudget {
  /** When the run began (`performance.now()`). */
  readonly begin: number;
  /** When warm-up ends: work claimed for earlier is sent but not measured. */
  readonly measureFrom: number;
  readonly #stopAt: number;
  readonly #requests: number | null;
  /** Milliseconds between rate slots, or `null` for as fast as possible. */
  readonly #interval: number | null;
  #claimed = 0;
  #claimedMeasured = 0;
  #stopped = false;

  constructor(
    spec: Pick<EngineSpec, 'warmupMs' | 'durationMs' | 'requests' | 'rate'>,
    begin = performance.now(),
  ) {
    this.begin = begin;
    this.measureFrom = begin + spec.warmupMs;
    this.#stopAt =
      spec.durationMs === null ? Number.POSITIVE_INFINITY : this.measureFrom + spec.durationMs;
    this.#requests = spec.requests;
    this.#interval = spec.rate === null ? null : 1000 / spec.rate;
  }

  /** No more work: the run was stopped, or the target cannot be reached. */
  get stopped(): boolean {
    return this.#stopped;
  }

  stop(): void {
    this.#stopped = true;
  }

  /**
   * The next unit of work: its intended send time, or `null` when the
   * budget is spent. Warm-up exchanges do not count against `-n`.
   */
  claim(): number | null {
    if (this.#stopped) return null;
    if (this.#interval !== null) {
      const intended = this.begin + this.#claimed * this.#interval;
      if (intended >= this.#stopAt) return null;
      const measured = intended >= this.measureFrom;
      if (measured && this.#requests !== null && this.#claimedMeasured >= this.#requests)
        return null;
      this.#claimed++;
      if (measured) this.#claimedMeasured++;
      return intended;
    }
    const now = performance.now();
    if (now >= this.#stopAt) return null;
    if (now >= this.measureFrom) {
      if (this.#requests !== null && this.#claimedMeasured >= this.#requests) return null;
      this.#claimedMeasured++;
    }
    return now;
  }
}

/**
 * Waits until `time`, or returns `null` when it has passed. Timers fire a
 * millisecond late or so, which at a set rate would count as latency; so
 * the timer wakes a little early and the last stretch is spun in
 * `setImmediate` steps (I/O still runs between them).
 */
export function waitUntil(time: number): Promise<void> | null {
  const ms = time - performance.now();
  if (ms <= 0) return null;
  return new Promise<void>((resolve) => {
    const spin = () => (performance.now() >= time ? resolve() : setImmediate(spin));
    if (ms > 2) setTimeout(spin, ms - 1.5);
    else setImmediate(spin);
  });
}
