import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameTooLongError, IncompleteReadError } from '../core/errors.js';
import { checkCase, type FuzzCase, fuzzTest } from './_fuzz.test.helpers.js';
import { delimited } from './delimited.js';

const text = (s: string) => Buffer.from(s, 'latin1');
const show = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('latin1'));

/** Frames and the error of `wire` pushed in the pieces `cuts` makes (finish() included). */
function decodeCut(codec: ReturnType<typeof delimited>, wire: Buffer, cuts: number[]) {
  const decoder = codec.decoder();
  const frames: Uint8Array[] = [];
  let previous = 0;
  try {
    for (const point of [...cuts, wire.length]) {
      frames.push(...decoder.push(wire.subarray(previous, point)));
      previous = point;
    }
    const last = decoder.finish();
    if (last !== undefined) frames.push(last);
    return { frames: show(frames), error: null };
  } catch (error) {
    return { frames: show(frames), error: (error as Error).message };
  }
}

describe('delimited().encode()', () => {
  test('delimited().encode() appends the first delimiter', () => {
    assert.equal(Buffer.from(delimited('#*#').encode(text('Hello'))).toString(), 'Hello#*#');
    assert.equal(Buffer.from(delimited(['\r\n', '\n']).encode(text('a'))).toString(), 'a\r\n');
  });

  test('delimited().encode() refuses messages containing a delimiter, or longer than maxLength', () => {
    assert.throws(
      () => delimited('#*#').encode(text('a#*#b')),
      /^RangeError: A message containing its delimiter "#\*#" \(at byte 1\) cannot be framed by it$/,
    );
    assert.throws(() => delimited(['\n', ';']).encode(text('a;b')), /";"/);
    assert.throws(
      () => delimited('\n', { maxLength: 3 }).encode(text('abcd')),
      /longer than maxLength 3/,
    );
    assert.throws(() => delimited(''), RangeError);
    assert.throws(() => delimited('\n', { maxLength: 0 }), /Invalid maxLength 0/);
  });

  test('delimited().encode() refuses a message whose end and the delimiter hold the delimiter sooner', () => {
    const codec = delimited('#*#');
    // Framed naively, "x#*" + "#*#" = "x#*#*#" decodes as "x" and leaves "*#" over.
    assert.deepEqual(show(codec.decoder().push(text('x#*#*#'))), ['x']);
    assert.throws(
      () => codec.encode(text('x#*')),
      (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.equal(
          error.message,
          'A message ending in "#*" cannot be framed: with "#*#" after it, the decoder finds "#*#" at byte 1, inside the message',
        );
        return true;
      },
    );
    assert.throws(() => codec.encode(text('#*')), /ending in "#\*"/);
    // What the decoder frames back is accepted: "x#" + "#*#" = "x##*#" ends at byte 2.
    for (const fine of ['x#', '*#', '*', '#x', '', 'ab#']) {
      const wire = codec.encode(text(fine));
      assert.deepEqual(show(codec.decoder().push(wire)), [fine], fine);
    }
  });

  test('delimited().encode() refuses, with several delimiters, a message another one would end sooner', () => {
    // "a\r" + "\n": the decoder finds "\r\n" starting at byte 1, inside the message.
    assert.throws(
      () => delimited(['\n', '\r\n']).encode(text('a\r')),
      /ending in "\\r" cannot be framed: with "\\n" after it, the decoder finds "\\r\\n" at byte 1/,
    );
    assert.throws(() => delimited(['b', 'ab']).encode(text('xa')), /finds "ab" at byte 1/);
  });

  test('delimited().encode() refuses a message ending in the beginning of a longer delimiter', () => {
    // "xa" + "b": the next bytes could make "abcd", starting at byte 1, end the frame there.
    const codec = delimited(['b', 'abcd']);
    assert.throws(
      () => codec.encode(text('xa')),
      /^RangeError: A message ending in "a" cannot be framed: with "b" after it, the decoder cannot tell it from the start of "abcd"$/,
    );
    assert.deepEqual(show(codec.decoder().push(text('xabcdb'))), ['x', ''], 'what would happen');
    assert.deepEqual(show(codec.decoder().push(codec.encode(text('xc')))), ['xc']);
  });
});

describe('delimited() decoder', () => {
  test('delimited() with several delimiters: the one starting first wins (the shortest frame)', () => {
    const decoder = delimited(['\n', '\r\n']).decoder();
    assert.deepEqual(show(decoder.push(text('a\r\nb\nc\r\n'))), ['a', 'b', 'c']);
  });

  test('delimited() with two delimiters starting at one byte: the one listed first wins, whole or split', () => {
    const longFirst = delimited(['ab', 'a']);
    assert.deepEqual(decodeCut(longFirst, text('xabyab'), []), { frames: ['x', 'y'], error: null });
    assert.deepEqual(decodeCut(longFirst, text('xabyab'), [2]), {
      frames: ['x', 'y'],
      error: null,
    });
    assert.deepEqual(decodeCut(longFirst, text('xabyab'), [2, 5]), {
      frames: ['x', 'y'],
      error: null,
    });
    const shortFirst = delimited(['a', 'ab']);
    assert.deepEqual(decodeCut(shortFirst, text('xabya'), [2]), {
      frames: ['x', 'by'],
      error: null,
    });
  });

  test('delimited() waits when a longer delimiter may still start earlier', () => {
    const decoder = delimited(['c', 'abcd']).decoder();
    assert.deepEqual(show(decoder.push(text('xabc'))), [], 'abcd may start at 1, before c at 3');
    assert.deepEqual(show(decoder.push(text('d'))), ['x']);
    const other = delimited(['c', 'abcd']).decoder();
    other.push(text('xabc'));
    assert.deepEqual(show(other.push(text('Z'))), ['xab'], 'not abcd after all: c ends the frame');
    assert.deepEqual(show(other.push(text('c'))), ['Z']);
  });

  test('delimited() finish() while a longer delimiter may still start is IncompleteReadError with every held byte', () => {
    const decoder = delimited(['b', 'abcd']).decoder();
    assert.deepEqual(show(decoder.push(text('xab'))), []);
    assert.throws(
      () => decoder.finish(),
      (error: unknown) =>
        error instanceof IncompleteReadError &&
        Buffer.from(error.partial).toString() === 'xab' &&
        error.message === 'The stream ended inside a delimited frame after 3 bytes',
    );
  });

  test('delimited() feed() may end a frame inside bytes it took before; release() gives back the rest', () => {
    const decoder = delimited(['b', 'abcd']).decoder();
    assert.equal(decoder.feed(text('xabc')), 4);
    assert.equal(decoder.take(), undefined, 'abcd may still start at 1');
    assert.equal(decoder.feed(text('Z')), 0, 'b ends the frame at 2: nothing of "Z" is taken');
    assert.deepEqual(show([decoder.take()!]), ['xa']);
    assert.equal(Buffer.from(decoder.release()).toString(), 'c', 'the byte after the frame');
  });

  test('delimited() fails fast with FrameTooLongError, holding no more than maxLength + delimiter bytes', () => {
    const decoder = delimited('#*#', { maxLength: 10 }).decoder();
    decoder.push(text('0123456789'));
    assert.equal(decoder.buffered, 10);
    assert.throws(
      () => decoder.push(text('abc')),
      (error: unknown) => {
        assert.ok(error instanceof FrameTooLongError);
        assert.equal(
          error.message,
          'No delimiter within maxLength 10 bytes: the frame is longer than that',
        );
        assert.equal(error.length, 11);
        assert.equal(error.maxLength, 10);
        return true;
      },
    );
    assert.equal(decoder.buffered, 0);
    assert.throws(
      () => decoder.push(text('#*#')),
      FrameTooLongError,
      'a failed decoder stays failed',
    );
    const atLimit = delimited('#*#', { maxLength: 10 }).decoder();
    assert.deepEqual(
      show(atLimit.push(text('0123456789#*#'))),
      ['0123456789'],
      'exactly maxLength is fine',
    );
  });

  test('delimited() FrameTooLongError is the same whole, split and byte by byte', () => {
    const codec = delimited('*aab', { maxLength: 3 });
    const wire = text('xb***aab');
    const whole = decodeCut(codec, wire, []);
    assert.equal(
      whole.error,
      'No delimiter within maxLength 3 bytes: the frame is longer than that',
    );
    for (let k = 1; k < wire.length; k++) assert.deepEqual(decodeCut(codec, wire, [k]), whole);
    assert.deepEqual(
      decodeCut(
        codec,
        wire,
        Array.from({ length: wire.length - 1 }, (_, i) => i + 1),
      ),
      whole,
    );
  });

  test('delimited() fails at the byte that leaves no delimiter room, not later', () => {
    // maxLength 3: "xyz" may still be followed by "#*#"; "xyz#" too; "xyz#x" cannot.
    const decoder = delimited('#*#', { maxLength: 3 }).decoder();
    for (const byte of 'xyz#') decoder.push(text(byte));
    assert.throws(() => decoder.push(text('x')), FrameTooLongError);
    const bare = delimited('#*#', { maxLength: 3 }).decoder();
    bare.push(text('xyz'));
    assert.throws(() => bare.push(text('w')), FrameTooLongError, 'w cannot start #*#');
  });

  test('delimited() never stalls when a longer delimiter may start past maxLength', () => {
    // Today's code looped for ever on the second push: "abc" might begin "abcd" at byte 2,
    // though a frame ending there is too long anyway.
    const decoder = delimited(['c', 'abcd'], { maxLength: 1 }).decoder();
    assert.throws(() => {
      decoder.push(text('xxabc'));
      decoder.push(text('Z'));
    }, FrameTooLongError);
  });

  test('delimited() holds no more than maxLength + the longest delimiter on an endless stream', () => {
    // "#*x" over and over: every "#*" a near miss of "#*#".
    const stream = Buffer.alloc(12_000, '#*x');
    for (const chunk of [1, 100, 4096]) {
      const decoder = delimited(['#*#', '\n'], { maxLength: 1000 }).decoder();
      let error: unknown;
      for (let sent = 0; error === undefined && sent < stream.length; sent += chunk) {
        try {
          decoder.push(stream.subarray(sent, sent + chunk));
        } catch (e) {
          error = e;
        }
        assert.ok(decoder.buffered <= 1000 + 3 - 1, `buffered ${decoder.buffered}`);
      }
      assert.ok(error instanceof FrameTooLongError, `chunks of ${chunk}`);
    }
  });
});

describe('delimited() on generated input', () => {
  /** Cases the fuzzer found; each failed on the code before it. */
  const found: FuzzCase[] = [
    // The tutorial's own delimiter: "x#*" was framed as "x#*#*#".
    {
      codec: { kind: 'delimited', delimiters: ['#*#'], maxLength: 65536, keepDelimiter: false },
      messages: ['x#*', 'y'],
      input: '',
      cuts: [],
      releaseAfter: 0,
    },
    // Too long by the delimiter found in one chunk, or by the bytes held: two different errors.
    {
      codec: { kind: 'delimited', delimiters: ['*aab'], maxLength: 3, keepDelimiter: false },
      messages: [],
      input: 'xb***aab',
      cuts: [],
      releaseAfter: 0,
    },
    {
      codec: {
        kind: 'delimited',
        delimiters: ['b###', 'a\x13'],
        maxLength: 1,
        keepDelimiter: false,
      },
      messages: [],
      input: 'axb###',
      cuts: [],
      releaseAfter: 0,
    },
    // A frame, then a bad one in the same push: the frame was lost.
    {
      codec: { kind: 'delimited', delimiters: ['#'], maxLength: 2, keepDelimiter: false },
      messages: [],
      input: 'a#xyz',
      cuts: [],
      releaseAfter: 0,
    },
  ];
  for (const [i, c] of found.entries()) {
    test(`delimited() decodes fuzz case ${i + 1} by the laws`, () => {
      assert.equal(checkCase(c), null);
    });
  }

  test('delimited() keeps the codec laws on generated input (fuzz)', fuzzTest('delimited', 1));
});
