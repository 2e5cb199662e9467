/**
 * Timers for durations of any length. Node's `setTimeout` holds at most 2^31 − 1 ms
 * (about 24.8 days); a longer delay fires after 1 ms with a warning, which would turn a
 * generous timeout into an instant one. These timers re-arm until the whole delay has passed.
 *
 * @module
 */

/** The longest delay Node's own timers can hold. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A running timer: `clear()` stops it, `unref()` lets the process exit while it waits. */
export interface LongTimer {
  clear(): void;
  unref(): LongTimer;
}

/**
 * Calls `callback` once `ms` milliseconds have passed, for any finite `ms` ≥ 0.
 *
 * @example A timeout of a month, cancelled
 * ```ts
 * import { setLongTimeout } from './timers.js';
 * let fired = false;
 * const timer = setLongTimeout(() => {
 *   fired = true;
 * }, 30 * 24 * 3600 * 1000);
 * timer.clear();
 * console.log(fired); // false
 * ```
 */
export function setLongTimeout(callback: () => void, ms: number): LongTimer {
  const due = performance.now() + ms;
  let unref = false;
  let handle: NodeJS.Timeout;
  const arm = (delay: number): void => {
    handle = setTimeout(
      () => {
        const left = due - performance.now();
        if (left > 1) arm(left);
        else callback();
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    if (unref) handle.unref();
  };
  arm(ms);
  const timer: LongTimer = {
    clear: () => clearTimeout(handle),
    unref: () => {
      unref = true;
      handle.unref();
      return timer;
    },
  };
  return timer;
}
