import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CorruptedFrameError, FrameTooLongError, IncompleteReadError } from '../core/errors.js';
import type { Codec } from './codec.js';
import { closeDelimited, delimited, fixedLength, lengthPrefixed, lines } from './index.js';

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
      'fixedLength(40, pad "#")',
      fixedLength(40, { pad: '#' }),
      fc.uint8Array({ maxLength: 40 }).filter((a) => a.at(-1) !== 0x23),
    ],
    ['fixedLength(8) without pad', fixedLength(8), fc.uint8Array({ minLength: 8, maxLength: 8 })],
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
    ['lengthPrefixed u8', lengthPrefixed({ header: 'u8' }), fc.uint8Array({ maxLength: 255 })],
    [
      'lengthPrefixed u16be',
      lengthPrefixed({ header: 'u16be' }),
      fc.uint8Array({ maxLength: 1000 }),
    ],
    [
      'lengthPrefixed u32be',
      lengthPrefixed({ header: 'u32be' }),
      fc.uint8Array({ maxLength: 1000 }),
    ],
    [
      'lengthPrefixed u32le',
      lengthPrefixed({ header: 'u32le' }),
      fc.uint8Array({ maxLength: 1000 }),
    ],
    [
      'lengthPrefixed varint',
      lengthPrefixed({ header: 'varint', maxLength: 70000 }),
      fc.uint8Array({ maxLength: 400 }),
    ],
    [
      'lengthPrefixed ascii 5',
      lengthPrefixed({ header: { ascii: 5 } }),
      fc.uint8Array({ maxLength: 1000 }),
    ],
    [
      'lengthPrefixed u16be includes header',
      lengthPrefixed({ header: 'u16be', lengthIncludesHeader: true }),
      fc.uint8Array({ maxLength: 500 }),
    ],
    [
      'lengthPrefixed varint includes header',
      lengthPrefixed({ header: 'varint', lengthIncludesHeader: true }),
      fc.uint8Array({ maxLength: 300 }),
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

  test('closeDelimited(): one message per stream', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), cuts, (message, points) => {
        assert.deepEqual(show(roundTrip(closeDelimited(), [message], points)), show([message]));
      }),
      { numRuns: 300 },
    );
  });

  test('one byte at a time and everything at once give the same frames', () => {
    const codec = lengthPrefixed({ header: 'varint' });
    const wire = Buffer.concat(
      [text('a'), text(''), Buffer.alloc(300, 7)].map((m) => codec.encode(m)),
    );
    const bytewise = codec.decoder();
    const one: Uint8Array[] = [];
    for (const byte of wire) one.push(...bytewise.push(Buffer.from([byte])));
    assert.deepEqual(show(one), show(codec.decoder().push(wire)));
    assert.equal(one.length, 3);
  });
});

describe('fixedLength()', () => {
  test('pads with the pad byte and strips it when decoding (tutorial 003)', () => {
    const codec = fixedLength(30, { pad: '#' });
    const wire = codec.encode(text('Hello, world!'));
    assert.equal(Buffer.from(wire).toString(), 'Hello, world!#################');
    assert.deepEqual(show(codec.decoder().push(wire)), ['Hello, world!']);
  });

  test('refuses a message that is too long, one ending in the pad byte, or the wrong size without pad', () => {
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

  test('EOF inside a frame is IncompleteReadError with the partial bytes', () => {
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

describe('lengthPrefixed()', () => {
  test('the tutorial zfill(5) header', () => {
    const codec = lengthPrefixed({ header: { ascii: 5 } });
    assert.equal(Buffer.from(codec.encode(text('Hello, world'))).toString(), '00012Hello, world');
  });

  test('headers of every kind put the length where expected', () => {
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

  test('a length over maxLength fails right after the header, before any payload is buffered', () => {
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

  test('a 4 GiB length header costs no memory', () => {
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

  test('corrupt headers are CorruptedFrameError: non-digits, varints past 5 bytes or 32 bits, length under the header', () => {
    assert.throws(
      () =>
        lengthPrefixed({ header: { ascii: 5 } })
          .decoder()
          .push(text('00x12hello')),
      (error: unknown) => {
        assert.ok(error instanceof CorruptedFrameError);
        assert.match(error.message, /"00x12" is not 5 ASCII digits \(byte 2 is 0x78\)/);
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

  test('EOF inside the header or the payload is IncompleteReadError with the raw bytes', () => {
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

describe('closeDelimited()', () => {
  test('fails fast past maxLength', () => {
    const decoder = closeDelimited({ maxLength: 8 }).decoder();
    decoder.push(text('12345'));
    assert.throws(() => decoder.push(text('6789')), FrameTooLongError);
    assert.throws(() => closeDelimited({ maxLength: 2 }).encode(text('abc')), RangeError);
  });

  test('a stream that ends with nothing carries no message', () => {
    assert.equal(closeDelimited().decoder().finish(), undefined);
  });
});
