import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { asBuffer, bytesRepr, decode, encode } from './bytes.js';

describe('asBuffer()', () => {
  test('passes Buffers through and views Uint8Arrays without copying', () => {
    const buf = Buffer.from('abc');
    assert.equal(asBuffer(buf, 'x'), buf);
    const array = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    const view = asBuffer(array, 'x');
    assert.equal(view.buffer, array.buffer);
    assert.equal(view.byteOffset, 1);
    assert.deepEqual([...view], [2, 3]);
  });

  test('a string is a TypeError that says to encode() it, naming the call', () => {
    assert.throws(() => asBuffer('hello', 'sendAll()'), {
      name: 'TypeError',
      message: 'sendAll() needs bytes, not a string: encode it first, e.g. encode("hello")',
    });
  });

  test('other types are a TypeError naming the type', () => {
    assert.throws(() => asBuffer(null, 'send()'), /got null/);
    assert.throws(() => asBuffer([1, 2], 'send()'), /got an array/);
    assert.throws(() => asBuffer({}, 'send()'), /got an object \(Object\)/);
  });
});

describe('encode() and decode()', () => {
  test('round-trip UTF-8 text', () => {
    const text = 'héllo wörld ✓';
    assert.equal(decode(encode(text)), text);
    assert.equal(encode('abc').length, 3);
  });

  test('encode() refuses non-strings', () => {
    assert.throws(() => encode(42 as unknown as string), TypeError);
  });
});

describe('bytesRepr()', () => {
  const samples = [
    Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n'),
    Buffer.from("it's"),
    Buffer.from('say "hi"'),
    Buffer.from(`both ' and "`),
    Buffer.from([0, 1, 9, 10, 13, 27, 0x5c, 0x7f, 0x80, 0xff]),
    Buffer.from(''),
  ];

  test('matches the examples in tutorial 000 and Python conventions', () => {
    assert.equal(bytesRepr(Buffer.from('GET / HTTP/1.1\r\n')), "b'GET / HTTP/1.1\\r\\n'");
    assert.equal(bytesRepr(Buffer.from("it's")), `b"it's"`);
  });

  test("is identical to Python 3's repr() for every byte value and quoting case", (t) => {
    const python = spawnSync(
      'python3',
      ['-c', 'import sys, json\nfor h in json.load(sys.stdin): print(repr(bytes.fromhex(h)))'],
      {
        input: JSON.stringify(
          [...samples, Buffer.from(Array.from({ length: 256 }, (_, i) => i))].map((b) =>
            b.toString('hex'),
          ),
        ),
      },
    );
    if (python.error) {
      if (process.env.CI === 'true') throw new Error('python3 is required under CI=true');
      t.skip('python3 is not installed; it is needed to compare with repr()');
      return;
    }
    const expected = python.stdout.toString().trimEnd().split('\n');
    const ours = [...samples, Buffer.from(Array.from({ length: 256 }, (_, i) => i))].map(bytesRepr);
    assert.deepEqual(ours, expected);
  });
});
