import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ConcurrentReadError,
  IncompleteReadError,
  LimitOverrunError,
  SocketClosedError,
  SocketTimeoutError,
} from './errors.js';
import { ReceiveBuffer } from './receive-buffer.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const bytes = (s: string) => Buffer.from(s, 'latin1');

/** The fast-check seed of this run: fixed locally, fresh under CI, replayable by env. */
const SEED = Number(
  process.env.SOCKETKIT_FUZZ_SEED ?? (process.env.CI === 'true' ? Date.now() % 2 ** 31 : 20261202),
);

describe('ReceiveBuffer reads', () => {
  test('recv() returns what has arrived, up to size; empty at the end', async () => {
    const buffer = new ReceiveBuffer();
    buffer.feed(bytes('hello world'));
    assert.equal(text(await buffer.recv(5)), 'hello');
    assert.equal(text(await buffer.recv()), ' world');
    buffer.feedEof();
    assert.equal((await buffer.recv()).length, 0);
  });

  test('recvExactly() waits across pieces, and at the end rejects with IncompleteReadError holding the partial bytes', async () => {
    const buffer = new ReceiveBuffer();
    const five = buffer.recvExactly(5);
    buffer.feed(bytes('ab'));
    buffer.feed(bytes('cdefg'));
    assert.equal(text(await five), 'abcde');
    const rest = buffer.recvExactly(5);
    buffer.feedEof();
    await assert.rejects(rest, (error: unknown) => {
      assert.ok(error instanceof IncompleteReadError);
      assert.equal(text(error.partial), 'fg');
      assert.equal(error.expected, 5);
      return true;
    });
  });

  test('recvUntil() finds a separator split across pieces; past maxLength it is LimitOverrunError and the bytes stay', async () => {
    const buffer = new ReceiveBuffer();
    const line = buffer.recvUntil('#*#');
    buffer.feed(bytes('Hello#'));
    buffer.feed(bytes('*'));
    buffer.feed(bytes('#Bye'));
    assert.equal(text(await line), 'Hello#*#');
    await assert.rejects(buffer.recvUntil('#*#', { maxLength: 3 }), LimitOverrunError);
    assert.equal(buffer.buffered, 3);
    assert.equal(text(await buffer.recv()), 'Bye');
  });

  test('readLine() strips LF or CRLF, returns a last unterminated line at the end, then null', async () => {
    const buffer = new ReceiveBuffer();
    buffer.feed(bytes('one\r\ntwo\nthree'));
    buffer.feedEof();
    assert.equal(await buffer.readLine(), 'one');
    assert.equal(await buffer.readLine(), 'two');
    assert.equal(await buffer.readLine(), 'three');
    assert.equal(await buffer.readLine(), null);
  });

  test('feedShared() copies out of a buffer the transport reuses at once', async () => {
    const buffer = new ReceiveBuffer();
    const shared = Buffer.from('first');
    buffer.feedShared(shared, 5);
    shared.write('XXXXX');
    const into = Buffer.alloc(3);
    const waiting = buffer.recvInto(Buffer.alloc(1));
    assert.equal(await waiting, 1);
    assert.equal(await buffer.recvInto(into), 3);
    assert.equal(text(into), 'irs');
    assert.equal(text(await buffer.recv()), 't');
    // A recv() waiting on an empty buffer gets its own copy too.
    const pending = buffer.recv(10);
    shared.write('again');
    buffer.feedShared(shared, 5);
    shared.write('ZZZZZ');
    assert.equal(text(await pending), 'again');
  });

  test('an error is reported after the bytes that arrived before it', async () => {
    const buffer = new ReceiveBuffer();
    buffer.feed(bytes('last words'));
    buffer.feedError(new Error('reset'));
    assert.equal(text(await buffer.recv()), 'last words');
    await assert.rejects(buffer.recv(), /reset/);
  });

  test('unshift() puts bytes back in front, for a decoder that read too far', async () => {
    const buffer = new ReceiveBuffer();
    buffer.feed(bytes('world'));
    buffer.unshift(bytes('hello '));
    assert.equal(text(await buffer.recvExactly(11)), 'hello world');
  });
});

describe('ReceiveBuffer: one reader, and interrupted reads take nothing', () => {
  test('a concurrent recvInto() is refused and touches neither its buffer nor the waiting one', async () => {
    const buffer = new ReceiveBuffer();
    const a = Buffer.alloc(4, 0x2e);
    const b = Buffer.alloc(4, 0x2e);
    const first = buffer.recvInto(a);
    await assert.rejects(buffer.recvInto(b), ConcurrentReadError);
    buffer.feed(bytes('data'));
    assert.equal(await first, 4);
    assert.equal(text(a), 'data');
    assert.equal(text(b), '....');
  });

  test('a concurrent recv(100) is refused and the waiting recv(1) still gets exactly 1 byte', async () => {
    const buffer = new ReceiveBuffer();
    const one = buffer.recv(1);
    await assert.rejects(buffer.recv(100), ConcurrentReadError);
    buffer.feed(bytes('twenty bytes of data'));
    assert.equal(text(await one), 't');
    assert.equal(buffer.buffered, 19);
  });

  test('a read that times out takes nothing; the next read gets every byte', async () => {
    const buffer = new ReceiveBuffer();
    buffer.feed(bytes('abc'));
    await assert.rejects(buffer.recvExactly(5, { timeout: 20 }), SocketTimeoutError);
    assert.equal(buffer.buffered, 3);
    await assert.rejects(buffer.recvUntil('\n', { timeout: 20 }), SocketTimeoutError);
    buffer.feed(bytes('de\n'));
    assert.equal(text(await buffer.recvUntil('\n')), 'abcde\n');
  });

  test('an aborted read takes nothing, and an already-aborted signal waits for nothing', async () => {
    const buffer = new ReceiveBuffer();
    const controller = new AbortController();
    const read = buffer.recvExactly(10, { signal: controller.signal });
    buffer.feed(bytes('12345'));
    controller.abort();
    await assert.rejects(read, { name: 'AbortError' });
    await assert.rejects(buffer.recvExactly(10, { signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.equal(text(await buffer.recv()), '12345');
  });

  test('close() rejects the waiting read with its reason and later reads with SocketClosedError', async () => {
    const buffer = new ReceiveBuffer();
    const waiting = buffer.recv();
    buffer.close(new SocketClosedError('closed while waiting'));
    await assert.rejects(waiting, /closed while waiting/);
    await assert.rejects(buffer.recv(), SocketClosedError);
  });
});

describe('ReceiveBuffer flow control and memory', () => {
  test('pause() at the limit with no reader, resume() once a reader takes bytes', async () => {
    const calls: string[] = [];
    const buffer = new ReceiveBuffer({
      limit: 10,
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    });
    buffer.feed(bytes('12345'));
    assert.deepEqual(calls, []);
    buffer.feed(bytes('67890'));
    assert.deepEqual(calls, ['pause']);
    await buffer.recv(3);
    assert.deepEqual(calls, ['pause', 'resume']);
  });

  test('256 KiB arriving one byte at a time costs about its size, not a buffer object per byte', () => {
    const buffer = new ReceiveBuffer({ limit: 1 << 30 });
    const one = Buffer.alloc(1, 0x61);
    globalThis.gc?.();
    const before = process.memoryUsage();
    for (let i = 0; i < 256 * 1024; i++) buffer.feedShared(one, 1);
    const after = process.memoryUsage();
    const grown = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    assert.equal(buffer.buffered, 256 * 1024);
    // One Buffer object per byte would be ~100 bytes each: 25 MiB. Gathered: ~256 KiB.
    assert.ok(grown < 8 * 1024 * 1024, `grew by ${(grown / 1048576).toFixed(1)} MiB`);
  });
});

/** One read a property test may do. */
type Op =
  | { kind: 'recv'; size: number }
  | { kind: 'exactly'; size: number }
  | { kind: 'until'; sep: string }
  | { kind: 'line' };

async function runOps(pieces: Buffer[], ops: Op[]): Promise<string[]> {
  const buffer = new ReceiveBuffer();
  for (const piece of pieces) buffer.feed(Buffer.from(piece));
  buffer.feedEof();
  const out: string[] = [];
  for (const op of ops) {
    try {
      if (op.kind === 'recv') {
        // recv may return fewer bytes when they came in pieces; gather up to size to compare.
        let got = '';
        while (got.length < op.size) {
          const piece = text(await buffer.recv(op.size - got.length));
          if (piece === '') break;
          got += piece;
        }
        out.push(`recv:${got}`);
      } else if (op.kind === 'exactly')
        out.push(`exactly:${text(await buffer.recvExactly(op.size))}`);
      else if (op.kind === 'until')
        out.push(`until:${text(await buffer.recvUntil(op.sep, { maxLength: 64 }))}`);
      else out.push(`line:${await buffer.readLine({ maxLength: 64 })}`);
    } catch (error) {
      const partial = error instanceof IncompleteReadError ? text(error.partial) : '';
      out.push(`${(error as Error).name}:${partial}`);
    }
  }
  return out;
}

describe('ReceiveBuffer property: how the bytes were cut changes nothing', () => {
  test(`reads give the same results whole, byte by byte and in random cuts (seed ${SEED})`, async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('recv' as const), size: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('exactly' as const), size: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('until' as const), sep: fc.constantFrom('\n', '#*#', 'ab') }),
      fc.record({ kind: fc.constant('line' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom('a', 'b', '#', '*', '\n', '\r', 'x'), maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 20 }),
        fc.array(op, { minLength: 1, maxLength: 12 }),
        async (input, cuts, ops) => {
          const data = bytes(input);
          const whole = await runOps([data], ops);
          const single = await runOps(
            [...data].map((b) => Buffer.from([b])),
            ops,
          );
          const random: Buffer[] = [];
          let at = 0;
          for (const cut of cuts) {
            random.push(data.subarray(at, at + cut));
            at += cut;
          }
          random.push(data.subarray(at));
          assert.deepEqual(single, whole);
          assert.deepEqual(await runOps(random, ops), whole);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});
