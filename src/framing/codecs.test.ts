import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FrameTooLongError } from '../core/errors.js';
import type { Codec } from './codec.js';
import { delimited, lines } from './index.js';

const text = (s: string) => Buffer.from(s);
const show = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('latin1'));

/** Encodes, concatenates, cuts at `cuts`, decodes piece by piece; returns the frames. */
function roundTrip(codec: Codec, messages: Uint8Array[], cuts: number[]): Uint8Array[] {
  const wire = Buffer.concat(messages.map((m) => codec.encode(m)));
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  const decoder = codec.decoder();
  const frames: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...points, wire.length]) {
    frames.push(...decoder.push(wire.subarray(previous, point)));
    previous = point;
  }
  const last = decoder.finish();
  if (last !== undefined) frames.push(last);
  return frames;
}

const bytesWithout = (forbidden: number[], maxLength = 300) =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a.filter((b) => !forbidden.includes(b))));
const cuts = fc.array(fc.nat(), { maxLength: 40 });

describe('every codec: any messages, cut anywhere, decode to the same messages (fast-check)', () => {
  const cases: Array<[string, Codec, fc.Arbitrary<Uint8Array>]> = [
    [
      'delimited("#*#")',
      delimited('#*#'),
      bytesWithout([]).filter((m) => !Buffer.from(m).includes('#*#')),
    ],
    ['delimited(["\\r\\n", "\\n"])', delimited(['\r\n', '\n']), bytesWithout([0x0a, 0x0d])],
    [
      'delimited("\\0", keepDelimiter)',
      delimited('\0', { keepDelimiter: true }),
      bytesWithout([0]),
    ],
    ['lines()', lines(), bytesWithout([0x0a, 0x0d])],
    ['lines({ newline: "\\n" })', lines({ newline: '\n' }), bytesWithout([0x0a, 0x0d])],
  ];
  for (const [name, codec, message] of cases) {
    test(name, () => {
      fc.assert(
        fc.property(fc.array(message, { maxLength: 12 }), cuts, (messages, points) => {
          const frames = roundTrip(codec, messages, points);
          const expected =
            codec.kind === 'fixed-length' || name.includes('keepDelimiter')
              ? messages.map((m) =>
                  name.includes('keepDelimiter') ? Buffer.concat([m, text('\0')]) : m,
                )
              : messages;
          assert.deepEqual(show(frames), show(expected));
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('delimited()', () => {
  test('several delimiters: the one starting first wins (the shortest frame)', () => {
    const decoder = delimited(['\n', '\r\n']).decoder();
    assert.deepEqual(show(decoder.push(text('a\r\nb\nc\r\n'))), ['a', 'b', 'c']);
  });

  test('waits when a longer delimiter may still start earlier', () => {
    const decoder = delimited(['c', 'abcd']).decoder();
    assert.deepEqual(show(decoder.push(text('xabc'))), [], 'abcd may start at 1, before c at 3');
    assert.deepEqual(show(decoder.push(text('d'))), ['x']);
    const other = delimited(['c', 'abcd']).decoder();
    other.push(text('xabc'));
    assert.deepEqual(show(other.push(text('Z'))), ['xab'], 'not abcd after all: c ends the frame');
    assert.deepEqual(show(other.push(text('c'))), ['Z']);
  });

  test('refuses messages containing a delimiter, or longer than maxLength', () => {
    assert.throws(
      () => delimited('#*#').encode(text('a#*#b')),
      /containing its delimiter "#\*#" \(at byte 1\)/,
    );
    assert.throws(() => delimited(['\n', ';']).encode(text('a;b')), /";"/);
    assert.throws(
      () => delimited('\n', { maxLength: 3 }).encode(text('abcd')),
      /longer than maxLength 3/,
    );
    assert.throws(() => delimited(''), RangeError);
    assert.throws(() => delimited('\n', { maxLength: 0 }), /Invalid maxLength 0/);
  });

  test('fails fast with FrameTooLongError, holding no more than maxLength + delimiter bytes', () => {
    const decoder = delimited('#*#', { maxLength: 10 }).decoder();
    decoder.push(text('0123456789'));
    assert.equal(decoder.buffered, 10);
    assert.throws(
      () => decoder.push(text('abc')),
      (error: unknown) => {
        assert.ok(error instanceof FrameTooLongError);
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

  test('a huge delimiter-less stream never grows the buffer past the limit', () => {
    const decoder = delimited('\n', { maxLength: 1000 }).decoder();
    let thrown = false;
    for (let i = 0; i < 100 && !thrown; i++) {
      try {
        decoder.push(Buffer.alloc(100, 0x41));
      } catch (error) {
        assert.ok(error instanceof FrameTooLongError);
        thrown = true;
      }
      assert.ok(decoder.buffered <= 1001);
    }
    assert.ok(thrown);
  });
});

describe('lines()', () => {
  test('accepts LF and CRLF, encodes with CRLF by default', () => {
    const codec = lines();
    assert.deepEqual(show(codec.decoder().push(text('one\r\ntwo\nthree\r\n'))), [
      'one',
      'two',
      'three',
    ]);
    assert.equal(Buffer.from(codec.encode(text('hi'))).toString(), 'hi\r\n');
    assert.equal(Buffer.from(lines({ newline: '\n' }).encode(text('hi'))).toString(), 'hi\n');
  });

  test('a CR split from its LF across chunks is still one line end', () => {
    const decoder = lines().decoder();
    assert.deepEqual(show(decoder.push(text('QUIT\r'))), []);
    assert.deepEqual(show(decoder.push(text('\n'))), ['QUIT']);
  });

  test('maxLength counts the line without its end; longer lines fail', () => {
    assert.deepEqual(show(lines({ maxLength: 4 }).decoder().push(text('abcd\r\n'))), ['abcd']);
    assert.throws(() => lines({ maxLength: 4 }).decoder().push(text('abcde\n')), FrameTooLongError);
    assert.throws(
      () => lines({ maxLength: 4 }).decoder().push(text('abcdefgh')),
      FrameTooLongError,
    );
  });

  test('refuses CR or LF inside a line', () => {
    assert.throws(() => lines().encode(text('a\nb')), /cannot contain LF \(found at byte 1\)/);
    assert.throws(() => lines().encode(text('a\rb')), /cannot contain CR/);
    assert.throws(() => lines({ newline: '\r' as '\n' }), RangeError);
  });
});
