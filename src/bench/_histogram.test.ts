/**
 * Node's HDR histogram against hdr-histogram-js, the library socketkit used before (kept as a dev
 * dependency for this test only): the same latencies recorded into both, through the same path a
 * run takes (one engine, or two merged as --workers 2 does), must give the same report.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { RecordableHistogram } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import {
  LATENCY_HIGHEST_US,
  newHistogram,
  recordLatency,
  valueAtPercentile,
} from './_histogram.js';
import { type LatencyStats, latencyStats, PLOT_PERCENTILES } from './report.js';

// A fixed seed locally; a fresh one on CI, printed so that a failure can be replayed here.
const SEED = process.env.CI === 'true' ? (Math.random() * 2 ** 31) | 0 : 20261202;

/** xorshift32: a small seeded generator of floats in [0, 1). */
function randomFrom(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** A standard normal deviate (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Latencies near bucket edges and at the ends of the range, in microseconds. */
const EDGES = [
  0.2,
  0.5,
  1,
  1.49,
  1.5,
  2,
  1023,
  1024,
  1025,
  2047,
  2048,
  2049,
  2050,
  4095,
  4096,
  4097,
  999_999,
  1_000_000,
  1_000_001,
  ...Array.from({ length: 31 }, (_, k) => [
    2 ** (k + 1) - 1,
    2 ** (k + 1),
    2 ** (k + 1) + 1,
  ]).flat(),
  LATENCY_HIGHEST_US - 1,
  LATENCY_HIGHEST_US,
];

/**
 * Latencies a loaded server gives, in microseconds as the engine computes them (fractional): a
 * lognormal body around 0.8 ms, a slower lognormal shoulder around 20 ms, and one in a thousand
 * spread evenly in log scale from 100 ms to 5 minutes; then every edge value, three times.
 */
function latencies(count: number, random: () => number): Float64Array {
  const values = new Float64Array(count + EDGES.length * 3);
  for (let i = 0; i < count; i++) {
    const u = random();
    values[i] =
      u < 0.97
        ? Math.exp(Math.log(800) + 0.5 * normal(random))
        : u < 0.999
          ? Math.exp(Math.log(20_000) + normal(random))
          : Math.exp(Math.log(100_000) + random() * Math.log(3000));
  }
  for (let i = 0; i < EDGES.length * 3; i++) values[count + i] = EDGES[i % EDGES.length]!;
  return values;
}

/** What socketkit reported before: hdr-histogram-js, encoded as an engine sent it, decoded to report. */
function reference(parts: Float64Array[]): LatencyStats {
  const encoded = parts.map((values) => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: LATENCY_HIGHEST_US,
      numberOfSignificantValueDigits: 3,
    });
    for (const us of values) h.recordValue(Math.max(1, Math.round(us)));
    return hdr.encodeIntoCompressedBase64(h);
  });
  let h = hdr.decodeFromCompressedBase64(encoded[0]!);
  if (parts.length > 1) {
    const merged = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: LATENCY_HIGHEST_US,
      numberOfSignificantValueDigits: 3,
    });
    for (const e of encoded) merged.add(hdr.decodeFromCompressedBase64(e));
    h = hdr.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(merged));
  }
  const ms = (us: number) => us / 1000;
  return {
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    stdev: ms(h.stdDeviation),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    distribution: PLOT_PERCENTILES.map((p) => [p, ms(h.getValueAtPercentile(p))]),
  };
}

/** The same through Node's histogram, merged with add() when there are several parts. */
function measured(parts: Float64Array[]): LatencyStats {
  const histograms = parts.map((values) => {
    const h = newHistogram();
    for (const us of values) recordLatency(h, us);
    return h;
  });
  let h: RecordableHistogram = histograms[0]!;
  if (parts.length > 1) {
    h = newHistogram();
    for (const part of histograms) h.add(part);
  }
  return latencyStats(h)!;
}

const relative = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(a, b));

describe('latencyStats() of a Node histogram against hdr-histogram-js', () => {
  test('three million latencies, 1 µs to minutes: the same min, max, percentiles and plot', (t) => {
    t.diagnostic(`seed ${SEED}`);
    const values = latencies(3_000_000, randomFrom(SEED));
    const half = values.length >> 1;
    for (const parts of [[values], [values.subarray(0, half), values.subarray(half)]]) {
      const expected = reference(parts);
      const actual = measured(parts);
      const label = parts.length === 1 ? 'one engine' : 'two engines merged';
      t.diagnostic(
        `${label}: mean differs by ${relative(actual.mean, expected.mean).toExponential(2)}, stdev by ${relative(actual.stdev, expected.stdev).toExponential(2)} (relative); p50 ${actual.p50} ms, p99.9 ${actual.p999} ms, max ${actual.max} ms`,
      );
      // Both are HDR histograms with the same buckets, so the bucket-derived values are identical.
      for (const key of ['min', 'max', 'p50', 'p90', 'p99', 'p999'] as const) {
        assert.equal(actual[key], expected[key], `${label}: ${key}`);
      }
      assert.deepEqual(actual.distribution, expected.distribution, `${label}: plot`);
      // The mean and deviation are sums over the buckets, in another order and type.
      assert.ok(relative(actual.mean, expected.mean) < 1e-9, `${label}: mean`);
      assert.ok(relative(actual.stdev, expected.stdev) < 1e-9, `${label}: stdev`);
    }
  });

  test('every percentile is the recorded value at its rank to three significant digits', (t) => {
    t.diagnostic(`seed ${SEED}`);
    const values = latencies(1_000_000, randomFrom(SEED + 1)).map((us) =>
      Math.min(LATENCY_HIGHEST_US, Math.max(1, Math.round(us))),
    );
    const h = newHistogram();
    for (const us of values) h.record(us);
    values.sort();
    let worst = 0;
    for (const p of [...PLOT_PERCENTILES, 12.3, 33.3, 66.6, 99.99, 99.9999]) {
      const exact = values[Math.max(1, Math.ceil((p / 100) * values.length)) - 1]!;
      const value = valueAtPercentile(h, p);
      worst = Math.max(worst, relative(value, exact));
      assert.ok(relative(value, exact) < 1e-3, `p${p}: ${value} µs, recorded ${exact} µs`);
    }
    t.diagnostic(`largest difference from the recorded value: ${worst.toExponential(2)}`);
  });

  test('small histograms, where one rank is a large step, agree at every plotted percentile (fast-check)', (t) => {
    t.diagnostic(`seed ${SEED}`);
    const latency = fc.oneof(
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 1, max: LATENCY_HIGHEST_US }),
      fc.constantFrom(...EDGES),
    );
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 120 }),
        fc.boolean(),
        (list, split) => {
          const values = Float64Array.from(list);
          const at = values.length >> 1;
          const parts = split && at > 0 ? [values.subarray(0, at), values.subarray(at)] : [values];
          assert.deepEqual(measured(parts), reference(parts));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('valueAtPercentile()', () => {
  test('ranks by ceiling: the 12th percentile of 1..10 is 2 (Node rounds the rank to 1)', () => {
    const h = newHistogram();
    for (let us = 1; us <= 10; us++) h.record(us);
    assert.equal(valueAtPercentile(h, 12), 2);
    assert.equal(valueAtPercentile(h, 10), 1);
    assert.equal(valueAtPercentile(h, 0), 1);
    assert.equal(valueAtPercentile(h, 100), 10);
  });

  test('the 55th percentile of 1..100 is 55, though 55 / 100 × 100 is a little over 55 in floating point', () => {
    const h = newHistogram();
    for (let us = 1; us <= 100; us++) h.record(us);
    assert.ok((55 / 100) * 100 > 55);
    assert.equal(valueAtPercentile(h, 55), 55);
  });
});

describe('hdr-histogram-js', () => {
  test('is imported by no file of the library, only by this test', () => {
    const src = new URL('..', import.meta.url);
    const importers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .filter((file) => readFileSync(new URL(file, src), 'utf8').includes("'hdr-histogram-js'"));
    assert.deepEqual(importers, []);
  });
});

describe('recordLatency()', () => {
  test('counts a latency beyond an hour as an hour, and one under 1 µs as 1 µs', () => {
    const h = newHistogram();
    recordLatency(h, LATENCY_HIGHEST_US * 10);
    recordLatency(h, 0.1);
    assert.equal(h.count, 2);
    assert.equal(h.exceeds, 0);
    assert.equal(h.min, 1);
    assert.ok(h.max >= LATENCY_HIGHEST_US && h.max < LATENCY_HIGHEST_US * 1.001);
  });
});
