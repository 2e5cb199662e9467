import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CorruptedFrameError, FrameTooLongError } from '../core/errors.js';
import type { Codec } from './codec.js';
import {
  closeDelimited,
  DEFAULT_MAX_FRAME,
  delimited,
  fixedLength,
  lengthPrefixed,
  lines,
} from './index.js';

const text = (s: string) => Buffer.from(s, 'latin1');
const show = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('latin1'));

describe('FrameDecoder.push() and bad input after good frames', () => {
  // Each: a codec, the bytes of two good frames, then bad bytes, and the error they are.
  const cases: Array<
    [string, Codec, string, string, typeof FrameTooLongError | typeof CorruptedFrameError]
  > = [
    ['delimited', delimited('#', { maxLength: 2 }), 'a#b#', 'xyz', FrameTooLongError],
    ['lines', lines({ maxLength: 2 }), 'a\nb\r\n', 'xyz', FrameTooLongError],
    [
      'lengthPrefixed',
      lengthPrefixed({ header: 'u8', maxLength: 2 }),
      '\x01a\x01b',
      '\x03',
      FrameTooLongError,
    ],
    [
      'lengthPrefixed ascii',
      lengthPrefixed({ header: { ascii: 2 } }),
      '01a01b',
      '0x',
      CorruptedFrameError,
    ],
  ];
  for (const [name, codec, good, bad, kind] of cases) {
    test(`push() of ${name} frames then bad bytes returns the frames; the next push() throws`, () => {
      const decoder = codec.decoder();
      assert.deepEqual(show(decoder.push(text(good + bad))), ['a', 'b']);
      let first: unknown;
      assert.throws(
        () => decoder.push(text('more')),
        (error: unknown) => {
          first = error;
          return error instanceof kind;
        },
      );
      assert.throws(
        () => decoder.finish(),
        (error: unknown) => error === first,
        'the same error',
      );
      assert.throws(
        () => decoder.release(),
        (error: unknown) => error === first,
      );
      assert.throws(
        () => decoder.feed(text('x')),
        (error: unknown) => error === first,
      );
      assert.equal(decoder.buffered, 0);
    });

    test(`push() of ${name} frames then bad bytes keeps the error for finish()`, () => {
      const decoder = codec.decoder();
      assert.deepEqual(show(decoder.push(text(good + bad))), ['a', 'b']);
      assert.throws(() => decoder.finish(), kind);
    });

    test(`push() of ${name} bad bytes with no frame before them throws at once`, () => {
      const decoder = codec.decoder();
      assert.deepEqual(show(decoder.push(text(good))), ['a', 'b']);
      assert.throws(() => decoder.push(text(bad)), kind);
    });

    test(`feed() of ${name} gives a frame before meeting the next one's error`, () => {
      const decoder = codec.decoder();
      const wire = text(good + bad);
      const frames: Uint8Array[] = [];
      let offset = 0;
      assert.throws(() => {
        // Each feed() takes bytes or gives a frame, so this ends; a decoder that does neither fails.
        for (let calls = 0; calls <= wire.length; calls++) {
          const used = decoder.feed(wire.subarray(offset));
          const frame = decoder.take();
          if (frame !== undefined) frames.push(frame);
          else assert.ok(used > 0, 'feed() took nothing and gave no frame');
          offset += used;
        }
      }, kind);
      assert.deepEqual(show(frames), ['a', 'b']);
    });
  }

  test('push() with an error in a later chunk returns every earlier frame', () => {
    const decoder = lengthPrefixed({ header: 'u8', maxLength: 3 }).decoder();
    assert.deepEqual(show(decoder.push(text('\x02ab\x01'))), ['ab']);
    assert.deepEqual(show(decoder.push(text('c\x09'))), ['c']);
    assert.throws(() => decoder.finish(), /announces 9 bytes, more than maxLength 3/);
  });
});

describe('every codec at its maxLength', () => {
  /**
   * Each row: a codec with maxLength `max`, the wire bytes of a frame `length` long (built by
   * hand: encode refuses one too long), and the index of the byte that proves a frame of
   * max + 1 too long.
   */
  const rows: Array<{
    name: string;
    codec: (max: number) => Codec;
    wire: (length: number) => Buffer;
    proof: (max: number) => number;
  }> = [
    {
      name: 'delimited("\\n")',
      codec: (max) => delimited('\n', { maxLength: max }),
      wire: (n) => Buffer.concat([Buffer.alloc(n, 'a'), text('\n')]),
      proof: (max) => max, // the byte after maxLength is not "\n"
    },
    {
      name: 'delimited("#*#")',
      codec: (max) => delimited('#*#', { maxLength: max }),
      wire: (n) => Buffer.concat([Buffer.alloc(n, 'a'), text('#*#')]),
      proof: (max) => max,
    },
    {
      name: 'delimited(["\\r\\n", "\\n"])',
      codec: (max) => delimited(['\r\n', '\n'], { maxLength: max }),
      wire: (n) => Buffer.concat([Buffer.alloc(n, 'a'), text('\r\n')]),
      proof: (max) => max,
    },
    {
      name: 'lines() with CRLF',
      codec: (max) => lines({ maxLength: max }),
      wire: (n) => Buffer.concat([Buffer.alloc(n, 'a'), text('\r\n')]),
      proof: (max) => max, // "a" where only CR or LF may come
    },
    {
      name: 'lengthPrefixed u8',
      codec: (max) => lengthPrefixed({ header: 'u8', maxLength: max }),
      wire: (n) => Buffer.concat([Buffer.from([n]), Buffer.alloc(n, 'a')]),
      proof: () => 0, // the header itself
    },
    {
      name: 'lengthPrefixed u32be',
      codec: (max) => lengthPrefixed({ header: 'u32be', maxLength: max }),
      wire: (n) => {
        const header = Buffer.alloc(4);
        header.writeUInt32BE(n);
        return Buffer.concat([header, Buffer.alloc(n, 'a')]);
      },
      proof: () => 3,
    },
    {
      name: 'lengthPrefixed varint, length includes header',
      codec: (max) =>
        lengthPrefixed({ header: 'varint', maxLength: max, lengthIncludesHeader: true }),
      wire: (n) => Buffer.concat([Buffer.from([n + 1]), Buffer.alloc(n, 'a')]), // n + 1 < 128 here
      proof: () => 0,
    },
    {
      name: 'lengthPrefixed { ascii: 5 }',
      codec: (max) => lengthPrefixed({ header: { ascii: 5 }, maxLength: max }),
      wire: (n) => Buffer.concat([text(String(n).padStart(5, '0')), Buffer.alloc(n, 'a')]),
      proof: () => 4,
    },
    {
      name: 'closeDelimited',
      codec: (max) => closeDelimited({ maxLength: max }),
      wire: (n) => Buffer.alloc(n, 'a'),
      proof: (max) => max,
    },
  ];

  /** The frames and error of `wire` fed one byte at a time, and the index of the byte that threw. */
  function byteByByte(codec: Codec, wire: Buffer) {
    const decoder = codec.decoder();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < wire.length; i++) {
      try {
        frames.push(...decoder.push(wire.subarray(i, i + 1)));
      } catch (error) {
        return { frames, error: error as Error, at: i };
      }
    }
    const last = decoder.finish();
    if (last !== undefined) frames.push(last);
    return { frames, error: null, at: -1 };
  }

  for (const row of rows) {
    for (const max of [1, 5, 100]) {
      test(`${row.name} with maxLength ${max}: ${max} bytes pass, ${max + 1} fail at the same byte whole and split`, () => {
        const codec = row.codec(max);
        const message = Buffer.alloc(max, 'a');
        // maxLength bytes: encoded, and decoded whole and byte by byte.
        assert.deepEqual(Buffer.from(codec.encode(message)), row.wire(max));
        const fits = byteByByte(codec, row.wire(max));
        assert.equal(fits.error, null);
        assert.deepEqual(show(fits.frames), [message.toString()]);
        // maxLength + 1: refused by encode, and FrameTooLongError at the same byte however cut.
        assert.throws(() => codec.encode(Buffer.alloc(max + 1, 'a')), RangeError);
        const wire = row.wire(max + 1);
        const proof = row.proof(max);
        const split = byteByByte(codec, wire);
        assert.ok(split.error instanceof FrameTooLongError, String(split.error));
        assert.equal(split.at, proof, 'the byte that proves it');
        assert.equal(split.error.maxLength, max);
        const before = codec.decoder();
        assert.deepEqual(before.push(wire.subarray(0, proof)), [], 'not a byte earlier');
        assert.throws(
          () => codec.decoder().push(wire),
          (error: unknown) =>
            error instanceof FrameTooLongError &&
            error.message === split.error!.message &&
            error.length === (split.error as FrameTooLongError).length,
          'whole: the same error',
        );
        assert.throws(() => codec.decoder().push(wire.subarray(0, proof + 1)), FrameTooLongError);
      });
    }
  }

  test('fixedLength(size): size bytes pass, size + 1 are refused', () => {
    const codec = fixedLength(5);
    assert.deepEqual(show(codec.decoder().push(codec.encode(text('abcde')))), ['abcde']);
    assert.throws(() => codec.encode(text('abcdef')), /6 bytes does not fit a 5-byte/);
    assert.equal(codec.maxLength, 5);
  });
});

describe('every codec on an endless frame', () => {
  // The stream never ends a frame; the byte pattern keeps some delimiter half-matched.
  const rows: Array<[string, Codec, string, number]> = [
    ['delimited("#*#")', delimited('#*#'), '#*x', DEFAULT_MAX_FRAME + 2],
    ['delimited(["\\r\\n", "\\n"])', delimited(['\r\n', '\n']), 'a\r', DEFAULT_MAX_FRAME + 1],
    ['lines()', lines(), 'a\r', DEFAULT_MAX_FRAME + 1],
    ['closeDelimited()', closeDelimited(), 'x', DEFAULT_MAX_FRAME],
    // A length header announcing maxLength, then payload for ever: frames, never more held.
    [
      'lengthPrefixed u32be',
      lengthPrefixed({ header: 'u32be' }),
      '\0\x01\0\0',
      DEFAULT_MAX_FRAME + 4,
    ],
  ];
  for (const [name, codec, pattern, bound] of rows) {
    test(`${name} never holds more than maxLength plus a few bytes, one byte at a time or 64 KiB at once`, () => {
      const stream = Buffer.alloc(3 * DEFAULT_MAX_FRAME, text(pattern));
      for (const chunk of [1, 64 * 1024]) {
        const decoder = codec.decoder();
        let most = 0;
        let error: unknown;
        for (let at = 0; error === undefined && at < stream.length; at += chunk) {
          try {
            decoder.push(stream.subarray(at, at + chunk));
          } catch (e) {
            error = e;
          }
          most = Math.max(most, decoder.buffered);
        }
        assert.ok(most <= bound, `${chunk}-byte chunks: held ${most} > ${bound}`);
        if (codec.kind !== 'length-prefixed') {
          assert.ok(error instanceof FrameTooLongError, `${chunk}-byte chunks: ${String(error)}`);
        }
      }
    });
  }
});
