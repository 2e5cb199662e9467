import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TIMER_MS, setLongTimeout } from './timers.js';

test('setLongTimeout() with a delay past 2^31 ms does not fire early (Node would fire it after 1 ms)', async () => {
  let fired = false;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on('warning', onWarning);
  const timer = setLongTimeout(() => {
    fired = true;
  }, MAX_TIMER_MS * 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  timer.clear();
  process.off('warning', onWarning);
  assert.equal(fired, false);
  assert.deepEqual(warnings, []);
});

test('setLongTimeout() fires once its delay has passed', async () => {
  const started = performance.now();
  const elapsed = await new Promise<number>((resolve) => {
    setLongTimeout(() => resolve(performance.now() - started), 30);
  });
  assert.ok(elapsed >= 29, `fired after ${elapsed} ms`);
});
