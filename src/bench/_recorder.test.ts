import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Recorder } from './_recorder.js';

describe('Recorder', () => {
  test('a timed run: exchanges that finish after the deadline count in its last second', () => {
    const recorder = new Recorder(0, false, 2000);
    // Within the window: 0.1 s and 1.9 s. Late: 2.05 s and 3.7 s (a busy machine, a slow peer).
    for (const doneAt of [100, 1900, 2050, 3700]) recorder.answered(doneAt, doneAt, doneAt, true);
    const result = recorder.result();
    assert.deepEqual(result.timeline, [1, 3]);
    assert.equal(result.completed, 4);
    // The elapsed time still says when the last one finished.
    assert.equal(result.elapsedMs, 3700);
  });

  test('a 1.5 s run has two slots; a run counted in requests is not clamped', () => {
    const timed = new Recorder(0, false, 1500);
    const counted = new Recorder(0, false);
    for (const r of [timed, counted]) for (const t of [200, 1400, 2600]) r.answered(t, t, t, true);
    assert.deepEqual(timed.result().timeline, [1, 2]);
    assert.deepEqual(counted.result().timeline, [1, 1, 1]);
  });
});
