import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { interleave } from './connect.js';

const v6 = (n: number) => ({ address: `::${n}`, family: 6 });
const v4 = (n: number) => ({ address: `127.0.0.${n}`, family: 4 });

describe('interleave() (RFC 8305 §4)', () => {
  test('alternates families, starting with the resolver’s first, each family in its own order', () => {
    assert.deepEqual(interleave([v6(1), v6(2), v4(1), v4(2), v4(3)]), [
      v6(1),
      v4(1),
      v6(2),
      v4(2),
      v4(3),
    ]);
    assert.deepEqual(interleave([v4(1), v6(1), v6(2)]), [v4(1), v6(1), v6(2)]);
  });

  test('one family, or none, is left as it is', () => {
    assert.deepEqual(interleave([v4(3), v4(1)]), [v4(3), v4(1)]);
    assert.deepEqual(interleave([]), []);
  });
});
