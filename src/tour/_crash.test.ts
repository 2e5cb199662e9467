import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { summarizeCrash } from './_crash.js';

/** What Node writes to stderr when `source` (an ES module) crashes. */
function crashOf(source: string): string {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    encoding: 'utf8',
  });
  assert.notEqual(run.status, 0, `the program did not crash: ${run.stderr}`);
  return run.stderr;
}

const NO_STACK = /^ {4}at |Node\.js v\d|^\s*\^\s*$/m;

describe('summarizeCrash()', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a thrown TypeError', "throw new TypeError('boom');", /^TypeError: boom \(at /],
    [
      'an error with properties, thrown after an await',
      "await null; throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });",
      /^Error: connect ECONNREFUSED 127\.0\.0\.1:1( \(at .*\))?$/,
    ],
    [
      'a promise rejected with a string',
      "Promise.reject('just a string');",
      /^a promise was rejected with "just a string" and nothing caught it$/,
    ],
    [
      'a message of two lines, thrown in a timer',
      "setTimeout(() => { throw new RangeError('line one\\nline two'); }, 1);",
      /^RangeError: line one line two/,
    ],
    [
      'a stack overflow',
      'function f() { f(); } f();',
      /^RangeError: Maximum call stack size exceeded/,
    ],
    ['something not an Error', 'throw { weird: true };', /^it threw \{ weird: true \}$/],
  ];
  for (const [what, source, expected] of cases) {
    test(`says ${what} in one sentence and drops Node's report`, () => {
      const stderr = crashOf(`console.error('before the crash'); ${source}`);
      const { output, crash } = summarizeCrash(stderr);
      assert.match(crash ?? '', expected, stderr);
      assert.doesNotMatch(crash!, /\n/);
      assert.equal(output, 'before the crash\n');
    });
  }

  test('a stack the program printed itself is cut from its output, what follows is kept', () => {
    const stderr =
      'working\nError: handled, but printed\n    at connect (file:///x/dist/socket/connect.js:40:9)\n    at async main (node:internal/x:1:1)\nstill working\n';
    const { output, crash } = summarizeCrash(stderr);
    assert.equal(output, 'working\nstill working\n');
    assert.equal(crash, 'Error: handled, but printed (at dist/socket/connect.js:40)');
    assert.doesNotMatch(output, NO_STACK);
  });

  test('output without an error report is left as it is', () => {
    const stderr = 'Cannot find no..such..host: Name or service not known\n';
    assert.deepEqual(summarizeCrash(stderr), { output: stderr });
    assert.deepEqual(summarizeCrash(''), { output: '' });
  });
});
