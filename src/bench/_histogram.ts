/**
 * Latency histograms: Node's own HDR histogram (`perf_hooks`), in
 * microseconds from 1 µs to an hour at three significant digits, the same
 * buckets HdrHistogram uses everywhere. A histogram crosses to another
 * thread in `postMessage` and merges with `add()`.
 *
 * @module
 */

import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** The longest latency told apart from longer ones: an hour, in microseconds. */
export const LATENCY_HIGHEST_US = 3_600_000_000;

export function newHistogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: LATENCY_HIGHEST_US, figures: 3 });
}

/**
 * Records a latency in microseconds, rounded, at least 1 µs; a latency
 * beyond the histogram's range counts as its highest value rather than
 * being dropped (Node drops it silently, and the count would disagree with
 * the requests answered).
 */
export function recordLatency(histogram: RecordableHistogram, us: number): void {
  histogram.record(Math.min(LATENCY_HIGHEST_US, Math.max(1, Math.round(us))));
}

/**
 * The value at `percentile` (0–100) as HdrHistogram's reference
 * implementation defines it: the highest value equivalent to the recorded
 * value at rank ⌈percentile × count⌉ (at least 1); at 0, the lowest value
 * equivalent to the smallest.
 *
 * Node's `percentile()` ranks by rounding, not by ceiling (in a histogram of
 * 1..10 its 12th percentile is 1, not 2), so the rank is computed here and
 * asked for as `rank - ¼` over the count, which both rounding and ceiling
 * turn back into that rank.
 */
export function valueAtPercentile(histogram: RecordableHistogram, percentile: number): number {
  const count = histogram.count;
  if (count === 0) return 0;
  if (percentile <= 0) return histogram.min;
  const exact = (Math.min(percentile, 100) / 100) * count;
  // The product can come out one unit in the last place above a whole rank: do not round that up.
  const ulp = exact > 0 ? 2 ** (Math.floor(Math.log2(exact)) - 52) : 0;
  const rank = Math.max(1, Math.ceil(exact - ulp));
  return histogram.percentile((100 * (rank - 0.25)) / count);
}
