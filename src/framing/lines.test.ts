import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameTooLongError } from '../core/errors.js';
import { checkCase, type FuzzCase, fuzzTest } from './_fuzz.test.helpers.js';
import { lines } from './lines.js';

const text = (s: string) => Buffer.from(s, 'latin1');
const show = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('latin1'));

describe('lines()', () => {
  test('lines() accepts LF and CRLF, encodes with CRLF by default', () => {
    const codec = lines();
    assert.deepEqual(show(codec.decoder().push(text('one\r\ntwo\nthree\r\n'))), [
      'one',
      'two',
      'three',
    ]);
    assert.equal(Buffer.from(codec.encode(text('hi'))).toString(), 'hi\r\n');
    assert.equal(Buffer.from(lines({ newline: '\n' }).encode(text('hi'))).toString(), 'hi\n');
  });

  test('lines() a CR split from its LF across chunks is still one line end', () => {
    const decoder = lines().decoder();
    assert.deepEqual(show(decoder.push(text('QUIT\r'))), []);
    assert.deepEqual(show(decoder.push(text('\n'))), ['QUIT']);
  });

  test('lines() maxLength counts the line without its end; longer lines fail', () => {
    assert.deepEqual(show(lines({ maxLength: 4 }).decoder().push(text('abcd\r\n'))), ['abcd']);
    assert.throws(() => lines({ maxLength: 4 }).decoder().push(text('abcde\n')), FrameTooLongError);
    assert.throws(
      () => lines({ maxLength: 4 }).decoder().push(text('abcdefgh')),
      FrameTooLongError,
    );
  });

  test('lines() a CR after maxLength bytes may still end the line; anything else fails there', () => {
    const decoder = lines({ maxLength: 4 }).decoder();
    assert.deepEqual(show(decoder.push(text('abcd\r'))), []);
    assert.equal(decoder.buffered, 5);
    assert.deepEqual(show(decoder.push(text('\n'))), ['abcd']);
    const long = lines({ maxLength: 4 }).decoder();
    long.push(text('abcd'));
    assert.throws(
      () => long.push(text('e')),
      (error: unknown) =>
        error instanceof FrameTooLongError &&
        error.message === 'No line end within maxLength 4 bytes: the line is longer than that' &&
        error.length === 5,
    );
    // A CR that is not followed by LF is part of the line: too long too.
    const cr = lines({ maxLength: 4 }).decoder();
    cr.push(text('abcd\r'));
    assert.throws(() => cr.push(text('x')), FrameTooLongError);
  });

  test('lines().encode() refuses CR or LF inside a line', () => {
    assert.throws(() => lines().encode(text('a\nb')), /cannot contain LF \(found at byte 1\)/);
    assert.throws(() => lines().encode(text('a\rb')), /cannot contain CR/);
    assert.throws(() => lines({ newline: '\n' }).encode(text('a\r')), /cannot contain CR/);
    assert.throws(() => lines({ newline: '\r' as '\n' }), RangeError);
  });

  /** Cases the fuzzer found; each failed on the code before it. */
  const found: FuzzCase[] = [
    // A push() that met a line too long after an empty line lost the empty line.
    {
      codec: { kind: 'lines', maxLength: 8, newline: '\r\n' },
      messages: [],
      input: '\nb \rb\ra\ra\r\r',
      cuts: [],
      releaseAfter: 0,
    },
    // Too long, by the LF found in one chunk or by the bytes held: two different errors.
    {
      codec: { kind: 'lines', maxLength: 5, newline: '\n' },
      messages: [],
      input: 'aba  \xdeb\n',
      cuts: [],
      releaseAfter: 0,
    },
  ];
  for (const [i, c] of found.entries()) {
    test(`lines() decodes fuzz case ${i + 1} by the laws`, () => {
      assert.equal(checkCase(c), null);
    });
  }

  test('lines() keeps the codec laws on generated input (fuzz)', fuzzTest('lines', 4));
});
