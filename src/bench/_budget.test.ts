import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkBudget } from './_budget.js';

const spec = { warmupMs: 0, durationMs: null, requests: null, rate: null };

describe('WorkBudget', () => {
  test('claim() with -n hands out exactly that many measured units, then null', () => {
    const budget = new WorkBudget({ ...spec, requests: 5 });
    const claims = Array.from({ length: 8 }, () => budget.claim());
    assert.equal(claims.filter((c) => c !== null).length, 5);
    assert.deepEqual(claims.slice(5), [null, null, null]);
  });

  test('claim() with a rate hands out slots begin + k / rate, overdue ones at once', () => {
    const begin = performance.now() - 1000;
    const budget = new WorkBudget({ ...spec, rate: 100, durationMs: 50 }, begin);
    const slots: number[] = [];
    for (let slot = budget.claim(); slot !== null; slot = budget.claim()) slots.push(slot);
    // 50 ms at 100/s: slots at 0, 10, 20, 30 and 40 ms, though all of them are already past.
    assert.deepEqual(
      slots.map((s) => Math.round(s - begin)),
      [0, 10, 20, 30, 40],
    );
  });

  test('claim() does not count warm-up slots against -n', () => {
    const begin = performance.now();
    const budget = new WorkBudget({ ...spec, rate: 1000, warmupMs: 5, requests: 3 }, begin);
    const slots: number[] = [];
    for (let slot = budget.claim(); slot !== null; slot = budget.claim()) slots.push(slot);
    const measured = slots.filter((s) => s >= budget.measureFrom);
    assert.equal(measured.length, 3);
    assert.equal(slots.length - measured.length, 5, 'the five warm-up slots at 0–4 ms');
  });

  test('claim() returns null once the budget is stopped', () => {
    const budget = new WorkBudget(spec);
    assert.notEqual(budget.claim(), null);
    budget.stop();
    assert.equal(budget.stopped, true);
    assert.equal(budget.claim(), null);
  });
});
