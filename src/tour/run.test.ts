import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { RunningExample } from './harness.js';
import { runStep } from './run.js';
import type { TourStep } from './step-tools.js';

const step = (run: TourStep['run']): TourStep => ({
  name: 'planted',
  tutorial: '001',
  title: 'A step made to fail',
  what: 'fails on purpose',
  examples: [],
  run,
});

describe('runStep()', () => {
  test('an example that crashes makes the step fail with one sentence naming it', async () => {
    const result = await runStep(
      step(async (t) => {
        const child = spawn(process.execPath, ['-e', "throw new TypeError('a planted crash')"]);
        const run = await new RunningExample(child, 'node dist/examples/001-planted.js').finished();
        t.runs.push(run);
        t.expect(run.code === 0, 'exits 0', run.stderr);
      }),
    );
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /^001-planted crashed: TypeError: a planted crash/);
    assert.doesNotMatch(result.error!, /\n/);
    assert.equal(result.runs[0]!.stderr, '');
    assert.equal(result.checks[0]!.seen, '');
  });

  test('an error the step throws is reported by its first line only', async () => {
    const result = await runStep(
      step(async () => {
        throw new Error('the stand-in would not start\n    at start (file:///x.js:1:1)');
      }),
    );
    assert.equal(result.ok, false);
    assert.equal(result.error, 'the stand-in would not start');
  });
});
