import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CorruptedFrameError, FrameTooLongError } from '../core/errors.js';
import type { Codec } from './codec.js';
import { delimited, lengthPrefixed } from './index.js';

const text = (s: string) => Buffer.from(s, 'latin1');
const show = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('latin1'));

describe('FrameDecoder.push() and bad input after good frames', () => {
  // Each: a codec, the bytes of two good frames, then bad bytes, and the error they are.
  const cases: Array<
    [string, Codec, string, string, typeof FrameTooLongError | typeof CorruptedFrameError]
  > = [
    ['delimited', delimited('#', { maxLength: 2 }), 'a#b#', 'xyz', FrameTooLongError],
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
