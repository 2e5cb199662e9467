/**
 * Timeouts as deadlines that one timer checks: an exchange that overran has
 * its socket aborted, which fails it. No timer is armed per request, which
 * at tens of thousands of requests a second would cost more than the
 * requests.
 *
 * @module
 */

/** One loop's exchange, as the sweeper sees it: registered once, active while in flight. */
export interface InFlight {
  deadline: number;
  abort: () => void;
  timedOut: boolean;
  active: boolean;
}

export class TimeoutSweeper {
  readonly #entries: InFlight[] = [];
  readonly #timer: ReturnType<typeof setInterval>;

  /** Checks every `periodMs`, calling `onTick` after each check (progress reports ride on it). */
  constructor(periodMs: number, onTick: () => void) {
    this.#timer = setInterval(() => {
      const now = performance.now();
      for (const entry of this.#entries) {
        if (entry.active && entry.deadline < now && !entry.timedOut) {
          entry.timedOut = true;
          entry.abort();
        }
      }
      onTick();
    }, periodMs);
  }

  /** Registers a loop's exchange; the loop sets its deadline and marks it active while in flight. */
  watch(abort: () => void, deadline = 0, active = false): InFlight {
    const entry: InFlight = { deadline, abort, timedOut: false, active };
    this.#entries.push(entry);
    return entry;
  }

  /** Cuts off every exchange in flight (the run is being stopped). */
  abortActive(): void {
    for (const entry of this.#entries) if (entry.active) entry.abort();
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
