import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IncompleteReadError } from '../core/errors.js';
import { fuzzTest } from './_fuzz.test.helpers.js';
import { fixedLength } from './fixed-length.js';

const text = (s: string) => Buffer.from(s, 'latin1');
const show = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('latin1'));

describe('fixedLength()', () => {
  test('fixedLength() pads with the pad byte and strips it when decoding (tutorial 003)', () => {
    const codec = fixedLength(30, { pad: '#' });
    const wire = codec.encode(text('Hello, world!'));
    assert.equal(Buffer.from(wire).toString(), 'Hello, world!#################');
    assert.deepEqual(show(codec.decoder().push(wire)), ['Hello, world!']);
  });

  test('fixedLength().encode() refuses a message that is too long, one ending in the pad byte, or the wrong size without pad', () => {
    assert.throws(
      () => fixedLength(5, { pad: '#' }).encode(text('too long')),
      /8 bytes does not fit a 5-byte/,
    );
    assert.throws(
      () => fixedLength(5, { pad: '#' }).encode(text('ab#')),
      /ends with the pad byte 0x23/,
    );
    assert.throws(() => fixedLength(5).encode(text('abc')), /not 5 bytes long/);
    assert.throws(() => fixedLength(0), RangeError);
    assert.throws(() => fixedLength(4, { pad: 'ab' }), /single byte/);
    assert.throws(() => fixedLength(4, { pad: 300 }), /0 to 255/);
    assert.throws(() => fixedLength(4).encode('text' as unknown as Uint8Array), /encode it first/);
  });

  test('fixedLength() with pad decodes back every message it accepts: empty, full, pad bytes inside', () => {
    const codec = fixedLength(4, { pad: 0 });
    for (const message of ['', 'a', '\0a', 'a\0\0b', 'abcd', '\0\0\0a']) {
      const wire = codec.encode(text(message));
      assert.equal(wire.length, 4);
      assert.deepEqual(show(codec.decoder().push(wire)), [message], JSON.stringify(message));
    }
  });

  test('fixedLength() EOF inside a frame is IncompleteReadError with the partial bytes', () => {
    const decoder = fixedLength(10).decoder();
    decoder.push(text('abcd'));
    assert.throws(
      () => decoder.finish(),
      (error: unknown) =>
        error instanceof IncompleteReadError &&
        Buffer.from(error.partial).toString() === 'abcd' &&
        error.expected === 10,
    );
  });

  test('fixedLength() release() gives back the bytes of the unfinished frame', () => {
    const decoder = fixedLength(4).decoder();
    assert.deepEqual(show(decoder.push(text('abcdef'))), ['abcd']);
    assert.equal(Buffer.from(decoder.release()).toString(), 'ef');
    assert.equal(decoder.buffered, 0);
    assert.deepEqual(show(decoder.push(text('wxyz'))), ['wxyz'], 'and starts over');
  });

  test('fixedLength() keeps the codec laws on generated input (fuzz)', fuzzTest('fixed-length', 2));
});
