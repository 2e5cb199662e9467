import assert from 'node:assert/strict';
import type { RecordableHistogram } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { newHistogram } from './_histogram.js';
import { mergeResults } from './_workers.js';
import type { EngineResult } from './engine.js';
import { latencyStats } from './report.js';

/** An engine result holding `latencies`, as an engine would report them. */
function resultOf(histogram: RecordableHistogram, uncorrected: RecordableHistogram | null) {
  return {
    completed: histogram.count,
    ok: histogram.count,
    errors: { connect: 0, reset: 0, timeout: 1, parse: 0, mismatch: 0 },
    statuses: { 200: histogram.count },
    bytesSent: 10,
    bytesReceived: 20,
    elapsedMs: 1000,
    timeline: [histogram.count],
    histogram,
    uncorrected,
  } satisfies EngineResult;
}

/** A worker thread that records 1..count µs (three times over for the uncorrected) and posts it. */
function fromWorker(count: number): Promise<EngineResult> {
  const source = `
    const { parentPort } = require('node:worker_threads');
    const { createHistogram } = require('node:perf_hooks');
    const h = createHistogram({ lowest: 1, highest: 3600000000, figures: 3 });
    const u = createHistogram({ lowest: 1, highest: 3600000000, figures: 3 });
    for (let us = 1; us <= ${count}; us++) { h.record(us); u.record(us * 3); }
    parentPort.postMessage({ histogram: h, uncorrected: u });
  `;
  const worker = new Worker(source, { eval: true });
  return new Promise<EngineResult>((resolve, reject) => {
    worker.once(
      'message',
      (message: { histogram: RecordableHistogram; uncorrected: RecordableHistogram }) =>
        resolve(resultOf(message.histogram, message.uncorrected)),
    );
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

describe('mergeResults()', () => {
  test('merges histograms that came from a worker thread, after the worker has gone', async () => {
    const remote = await fromWorker(50_000);
    const local = newHistogram();
    const localUncorrected = newHistogram();
    const all = newHistogram();
    const allUncorrected = newHistogram();
    for (let us = 1; us <= 50_000; us++) {
      all.record(us);
      allUncorrected.record(us * 3);
    }
    for (let us = 50_001; us <= 80_000; us++) {
      local.record(us);
      localUncorrected.record(us * 3);
      all.record(us);
      allUncorrected.record(us * 3);
    }
    const merged = mergeResults([remote, resultOf(local, localUncorrected)]);
    assert.equal(merged.histogram.count, 80_000);
    assert.deepEqual(latencyStats(merged.histogram), latencyStats(all));
    assert.deepEqual(latencyStats(merged.uncorrected), latencyStats(allUncorrected));
    assert.equal(merged.completed, 80_000);
    assert.deepEqual(merged.errors, { connect: 0, reset: 0, timeout: 2, parse: 0, mismatch: 0 });
    assert.deepEqual(merged.timeline, [80_000]);
  });
});
