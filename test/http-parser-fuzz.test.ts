/**
 * HttpParser fuzzed, bounded by time (see test/_parser-fuzz.ts for the inputs and what is
 * checked): SOCKETKIT_FUZZ_SECONDS per parser kind (10 by default), seeded by
 * SOCKETKIT_FUZZ_SEED when given, else a fixed seed locally and a fresh one under CI=true.
 * `npm run fuzz` runs the same checks over a million inputs per kind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, fuzz, runSeed } from './_parser-fuzz.js';

const seconds = Number(process.env.SOCKETKIT_FUZZ_SECONDS ?? 10);
if (!(seconds > 0))
  throw new RangeError(
    `Invalid SOCKETKIT_FUZZ_SECONDS ${JSON.stringify(process.env.SOCKETKIT_FUZZ_SECONDS)}: it must be a positive number`,
  );
const seed = runSeed();

for (const kind of ['request', 'response'] as const) {
  test(`HttpParser (${kind}s) gives the same events and error whole, byte by byte and cut anywhere (seeded fuzz)`, (t) => {
    const report = fuzz({ kind, seed, seconds });
    const line = `${kind}s: seed ${seed}, ${report.inputs} inputs in ${report.seconds.toFixed(1)} s (${Math.round(report.inputs / report.seconds)}/s); replay with SOCKETKIT_FUZZ_SEED=${seed}`;
    t.diagnostic(line);
    // A run that checked almost nothing proves nothing: the budget must buy real inputs.
    assert.ok(report.inputs >= 100, `only ${report.inputs} inputs in ${seconds} s`);
    const failure = report.failures[0];
    assert.equal(failure, undefined, failure && describeFailure(failure));
  });
}
