import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameTooLongError } from '../core/errors.js';
import { checkCase, type FuzzCase, fuzzTest } from './_fuzz.test.helpers.js';
import { closeDelimited } from './close-delimited.js';

const text = (s: string) => Buffer.from(s, 'latin1');

describe('closeDelimited()', () => {
  test('closeDelimited() gathers everything until finish()', () => {
    const decoder = closeDelimited().decoder();
    assert.deepEqual(decoder.push(text('Hello, ')), []);
    assert.deepEqual(decoder.push(text('world!')), []);
    assert.equal(Buffer.from(decoder.finish()!).toString(), 'Hello, world!');
    assert.equal(decoder.finish(), undefined, 'the one message, once');
  });

  test('closeDelimited() fails fast past maxLength, with the same error however cut', () => {
    const decoder = closeDelimited({ maxLength: 8 }).decoder();
    decoder.push(text('12345'));
    let split: unknown;
    assert.throws(
      () => decoder.push(text('6789')),
      (error: unknown) => {
        split = error;
        return error instanceof FrameTooLongError;
      },
    );
    assert.equal(decoder.buffered, 0);
    assert.throws(
      () => closeDelimited({ maxLength: 8 }).decoder().push(text('123456789')),
      (whole: unknown) =>
        whole instanceof FrameTooLongError &&
        split instanceof FrameTooLongError &&
        whole.message === split.message &&
        whole.message === 'The message is longer than maxLength 8 bytes' &&
        whole.length === 9 &&
        split.length === 9,
    );
    assert.throws(() => closeDelimited({ maxLength: 2 }).encode(text('abc')), RangeError);
  });

  test('closeDelimited() a stream that ends with nothing carries the empty message', () => {
    const codec = closeDelimited();
    assert.equal(Buffer.from(codec.encode(text(''))).length, 0);
    const decoder = codec.decoder();
    const message = decoder.finish();
    assert.ok(message !== undefined, 'one message, empty');
    assert.equal(message.length, 0);
    assert.equal(decoder.finish(), undefined);
  });

  test('closeDelimited() release() gives back the bytes and starts over', () => {
    const decoder = closeDelimited().decoder();
    decoder.push(text('abc'));
    assert.equal(Buffer.from(decoder.release()).toString(), 'abc');
    assert.equal(decoder.buffered, 0);
    decoder.push(text('xyz'));
    assert.equal(Buffer.from(decoder.finish()!).toString(), 'xyz');
  });

  /** Cases the fuzzer found; each failed on the code before it. */
  const found: FuzzCase[] = [
    // encode('') was '' and decoded as no message at all.
    {
      codec: { kind: 'close-delimited', maxLength: 1 },
      messages: [''],
      input: '',
      cuts: [],
      releaseAfter: 0,
    },
    // FrameTooLongError said "11 so far" byte by byte, "12 so far" whole.
    {
      codec: { kind: 'close-delimited', maxLength: 10 },
      messages: [],
      input: '\0b\0\0\0\0aab\0\0a',
      cuts: [],
      releaseAfter: 0,
    },
  ];
  for (const [i, c] of found.entries()) {
    test(`closeDelimited() decodes fuzz case ${i + 1} by the laws`, () => {
      assert.equal(checkCase(c), null);
    });
  }

  test(
    'closeDelimited() keeps the codec laws on generated input (fuzz)',
    fuzzTest('close-delimited', 5),
  );
});
