import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CorruptedFrameError, FrameTooLongError, IncompleteReadError } from '../core/errors.js';
import { checkCase, type FuzzCase, fuzzTest } from './_fuzz.test.helpers.js';
import { lengthPrefixed } from './length-prefixed.js';

const text = (s: string) => Buffer.from(s, 'latin1');
const show = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString('latin1'));

describe('lengthPrefixed()', () => {
  test('lengthPrefixed() the tutorial zfill(5) header', () => {
    const codec = lengthPrefixed({ header: { ascii: 5 } });
    assert.equal(Buffer.from(codec.encode(text('Hello, world'))).toString(), '00012Hello, world');
  });

  test('lengthPrefixed() headers of every kind put the length where expected', () => {
    const m = Buffer.alloc(300, 1);
    assert.deepEqual(
      [...lengthPrefixed({ header: 'u16be' }).encode(m).subarray(0, 2)],
      [0x01, 0x2c],
    );
    assert.deepEqual(
      [...lengthPrefixed({ header: 'u32be' }).encode(m).subarray(0, 4)],
      [0, 0, 0x01, 0x2c],
    );
    assert.deepEqual(
      [...lengthPrefixed({ header: 'u32le' }).encode(m).subarray(0, 4)],
      [0x2c, 0x01, 0, 0],
    );
    assert.deepEqual(
      [...lengthPrefixed({ header: 'varint' }).encode(m).subarray(0, 2)],
      [0xac, 0x02],
    );
    assert.deepEqual(
      [...lengthPrefixed({ header: 'u16be', lengthIncludesHeader: true }).encode(m).subarray(0, 2)],
      [0x01, 0x2e],
    );
  });

  test("refuses a message beyond maxLength or the header's range", () => {
    assert.throws(
      () => lengthPrefixed({ header: 'u8' }).encode(Buffer.alloc(256)),
      /more than a u8 header holds \(255\)/,
    );
    assert.throws(
      () => lengthPrefixed({ header: { ascii: 2 } }).encode(Buffer.alloc(100)),
      /2 ASCII digits header holds \(99\)/,
    );
    assert.throws(
      () => lengthPrefixed({ header: 'u32be', maxLength: 10 }).encode(Buffer.alloc(11)),
      /longer than maxLength 10/,
    );
    assert.throws(() => lengthPrefixed({ header: 'u64' as 'u8' }), /Invalid header "u64"/);
    assert.throws(() => lengthPrefixed({ header: { ascii: 0 } }), RangeError);
  });

  test('lengthPrefixed() a length over maxLength fails right after the header, before any payload is buffered', () => {
    const decoder = lengthPrefixed({ header: 'u32be', maxLength: 100 }).decoder();
    assert.throws(
      () => decoder.push(Buffer.from([0, 0, 0, 101, 1, 2, 3])),
      (error: unknown) => {
        assert.ok(error instanceof FrameTooLongError);
        assert.equal(error.length, 101);
        assert.match(error.message, /announces 101 bytes, more than maxLength 100/);
        return true;
      },
    );
    assert.equal(decoder.buffered, 0);
  });

  test('lengthPrefixed() a 4 GiB length header costs no memory', () => {
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(
      () =>
        lengthPrefixed({ header: 'u32be' })
          .decoder()
          .push(Buffer.from([0xff, 0xff, 0xff, 0xff])),
      FrameTooLongError,
    );
    // Even when maxLength allows it, memory follows the bytes that arrive, not the header.
    const generous = lengthPrefixed({ header: 'u32be', maxLength: 2 ** 33 }).decoder();
    generous.push(Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(1000)]));
    assert.equal(generous.buffered, 1004);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 8 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
  });

  test('lengthPrefixed() corrupt headers are CorruptedFrameError: non-digits, varints past 5 bytes or 32 bits, length under the header', () => {
    assert.throws(
      () =>
        lengthPrefixed({ header: { ascii: 5 } })
          .decoder()
          .push(text('00x12hello')),
      (error: unknown) => {
        assert.ok(error instanceof CorruptedFrameError);
        assert.match(error.message, /"00x" is not 5 ASCII digits \(byte 2 is 0x78\)/);
        return true;
      },
    );
    assert.throws(
      () =>
        lengthPrefixed({ header: 'varint' })
          .decoder()
          .push(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
      /longer than 5 bytes/,
    );
    assert.throws(
      () =>
        lengthPrefixed({ header: 'varint' })
          .decoder()
          .push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])),
      /does not fit 32 bits/,
    );
    assert.throws(
      () =>
        lengthPrefixed({ header: 'u16be', lengthIncludesHeader: true })
          .decoder()
          .push(Buffer.from([0, 1])),
      /shorter than its own 2-byte header/,
    );
  });

  test('lengthPrefixed() EOF inside the header or the payload is IncompleteReadError with the raw bytes', () => {
    const inHeader = lengthPrefixed({ header: 'u32be' }).decoder();
    inHeader.push(Buffer.from([0, 0]));
    assert.throws(
      () => inHeader.finish(),
      (e: unknown) => e instanceof IncompleteReadError && e.partial.length === 2,
    );
    const inPayload = lengthPrefixed({ header: 'u8' }).decoder();
    inPayload.push(Buffer.from([5, 65, 66]));
    assert.throws(
      () => inPayload.finish(),
      (e: unknown) =>
        e instanceof IncompleteReadError && Buffer.from(e.partial).equals(Buffer.from([5, 65, 66])),
    );
  });
});

describe('lengthPrefixed() on generated input', () => {
  test('lengthPrefixed() CorruptedFrameError is the same whole and byte by byte', () => {
    const codec = lengthPrefixed({ header: { ascii: 5 } });
    const messages = [text('00x12hello'), text('00x')].map((wire) => {
      const bytewise = codec.decoder();
      try {
        for (const byte of wire) bytewise.push(Buffer.from([byte]));
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    });
    assert.throws(
      () => codec.decoder().push(text('00x12hello')),
      (e: unknown) => e instanceof CorruptedFrameError && e.message === messages[0],
    );
    assert.equal(messages[0], messages[1]);
  });

  test('lengthPrefixed() decodes every header kind back, with and without the header counted', () => {
    const headers = ['u8', 'u16be', 'u32be', 'u32le', 'varint', { ascii: 3 }] as const;
    for (const header of headers) {
      for (const lengthIncludesHeader of [false, true]) {
        const codec = lengthPrefixed({ header, lengthIncludesHeader, maxLength: 300 });
        for (const size of [0, 1, 125, 126, 127, 128, 250, 252, 253, 254, 255, 300]) {
          const message = Buffer.alloc(size, 'm');
          let wire: Uint8Array;
          try {
            wire = codec.encode(message);
          } catch (error) {
            assert.ok(error instanceof RangeError);
            assert.match(error.message, /more than a .* header holds/);
            continue;
          }
          const frames = codec.decoder().push(wire);
          assert.deepEqual(
            show(frames),
            [message.toString()],
            `${JSON.stringify(header)} ${lengthIncludesHeader} ${size}`,
          );
        }
      }
    }
  });

  /** Cases the fuzzer found; each failed on the code before it. */
  const found: FuzzCase[] = [
    // An empty frame, then a header over maxLength in the same push(): the frame was lost.
    {
      codec: {
        kind: 'length-prefixed',
        header: 'u32be',
        maxLength: 127,
        lengthIncludesHeader: false,
      },
      messages: [],
      input: '\0\0\0\0\x0100',
      cuts: [],
      releaseAfter: 0,
    },
    {
      codec: {
        kind: 'length-prefixed',
        header: 'varint',
        maxLength: 300,
        lengthIncludesHeader: false,
      },
      messages: [],
      input: '\x03\0x1x',
      cuts: [],
      releaseAfter: 0,
    },
    // The ascii header's error quoted the digits that happened to have arrived.
    {
      codec: {
        kind: 'length-prefixed',
        header: { ascii: 5 },
        maxLength: 100,
        lengthIncludesHeader: false,
      },
      messages: [],
      input: '00x12hello',
      cuts: [3],
      releaseAfter: 0,
    },
  ];
  for (const [i, c] of found.entries()) {
    test(`lengthPrefixed() decodes fuzz case ${i + 1} by the laws`, () => {
      assert.equal(checkCase(c), null);
    });
  }

  test(
    'lengthPrefixed() keeps the codec laws on generated input (fuzz)',
    fuzzTest('length-prefixed', 3),
  );
});
