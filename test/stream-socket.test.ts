import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  BrokenPipeError,
  ConcurrentReadError,
  ConnectionResetError,
  connect,
  decode,
  encode,
  IncompleteReadError,
  LimitOverrunError,
  listen,
  SocketAbortError,
  type SocketAddress,
  SocketClosedError,
  SocketTimeoutError,
  StreamSocket,
} from '../src/index.js';
import { until } from './_helpers.js';

/**
 * How the client socket under test reads: `direct` is what connect() builds (reads through
 * Node's `onread`, bypassing Readable); `data` wraps a plain net.Socket, as a user wrapping
 * their own socket (or TLS) gets, reading through 'data' events. Every read-path test runs
 * against both.
 */
type ReadPath = 'direct' | 'data';
const READ_PATHS: ReadPath[] = ['direct', 'data'];

/** A connected pair: a socketkit client and a raw node:net socket on the server side. */
async function rawPair(
  path: ReadPath = 'direct',
): Promise<{ client: StreamSocket; peer: Socket; close: () => Promise<void> }> {
  const server = createServer({ allowHalfOpen: true });
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client =
    path === 'direct'
      ? await connect('127.0.0.1', port)
      : await new Promise<StreamSocket>((resolve) => {
          const raw = netConnect({ port, host: '127.0.0.1', allowHalfOpen: true }, () =>
            resolve(new StreamSocket(raw)),
          );
        });
  const peer = await accepted;
  return {
    client,
    peer,
    close: async () => {
      await client.close();
      peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A connected pair of socketkit sockets. */
async function socketkitPair(): Promise<{
  client: StreamSocket<SocketAddress>;
  server: StreamSocket<SocketAddress>;
  close: () => Promise<void>;
}> {
  const listener = await listen();
  const client = await connect('127.0.0.1', listener.address.port);
  const [server] = await listener.accept();
  return {
    client,
    server,
    close: async () => {
      await client.close();
      await server.close();
      await listener.close();
    },
  };
}

const sent = (peer: Socket, data: string | Buffer) =>
  new Promise<void>((resolve) => peer.write(data, () => resolve()));

for (const path of READ_PATHS) {
  describe(`StreamSocket reads (${path} read path)`, () => {
    test('recv() returns what arrived, at most n bytes, and an empty array at EOF', async () => {
      const { client, peer, close } = await rawPair(path);
      await sent(peer, 'hello world');
      await until(() => client.bufferedAmount === 11, 'all 11 bytes arrived');
      assert.equal(decode(await client.recv(5)), 'hello');
      assert.equal(decode(await client.recv(100)), ' world');
      peer.end();
      const eof = await client.recv(100);
      assert.equal(eof.length, 0);
      assert.equal((await client.recv(100)).length, 0, 'EOF repeats, as in Python');
      assert.equal(client.atEof, true);
      await close();
    });

    test('recvExactly() keeps the bytes of a read that timed out (the must-show case)', async () => {
      const { client, peer, close } = await rawPair(path);
      client.setTimeout(100);
      await sent(peer, 'abc');
      await assert.rejects(client.recvExactly(5), (error: unknown) => {
        assert.ok(error instanceof SocketTimeoutError);
        assert.equal(error.code, 'SOCKETKIT_ERR_TIMEOUT');
        assert.match(error.message, /recvExactly\(5\) timed out after 100 ms/);
        assert.match(error.message, /3 bytes are buffered/);
        return true;
      });
      await sent(peer, 'de');
      assert.equal(decode(await client.recvExactly(5)), 'abcde');
      await close();
    });

    test('a read aborted through its AbortSignal keeps the bytes, and the socket stays usable', async () => {
      const { client, peer, close } = await rawPair(path);
      await sent(peer, '12');
      const controller = new AbortController();
      const pending = client.recvExactly(4, { signal: controller.signal });
      setTimeout(() => controller.abort(), 30);
      await assert.rejects(pending, SocketAbortError);
      await sent(peer, '34');
      assert.equal(decode(await client.recvExactly(4)), '1234');
      await close();
    });

    test('recvExactly() rejects with IncompleteReadError holding the partial bytes at EOF', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.end('four');
      await assert.rejects(client.recvExactly(10), (error: unknown) => {
        assert.ok(error instanceof IncompleteReadError);
        assert.equal(decode(error.partial), 'four');
        assert.equal(error.expected, 10);
        return true;
      });
      await close();
    });

    test('recvExactly() assembles bytes that arrive in many small writes', async () => {
      const { client, peer, close } = await rawPair(path);
      const reading = client.recvExactly(1000);
      for (let i = 0; i < 10; i++) {
        await sent(peer, Buffer.alloc(100, 65 + i));
        await new Promise((r) => setTimeout(r, 2));
      }
      const data = await reading;
      assert.equal(data.length, 1000);
      assert.equal(data[0], 65);
      assert.equal(data[999], 74);
      await close();
    });

    test('recvUntil() finds a separator split across two arrivals', async () => {
      const { client, peer, close } = await rawPair(path);
      const reading = client.recvUntil(encode('#*#'));
      await sent(peer, 'Hello, world!#');
      await new Promise((r) => setTimeout(r, 20));
      await sent(peer, '*#next');
      assert.equal(decode(await reading), 'Hello, world!#*#');
      assert.equal(
        decode(await client.recv(10)),
        'next',
        'bytes after the separator stay buffered',
      );
      await close();
    });

    test('recvUntil() with two messages in one arrival returns the first and keeps the second', async () => {
      const { client, peer, close } = await rawPair(path);
      await sent(peer, 'one\0two\0');
      assert.equal(decode(await client.recvUntil('\0')), 'one\0');
      assert.equal(decode(await client.recvUntil('\0')), 'two\0');
      await close();
    });

    test('recvUntil() rejects with LimitOverrunError past maxLength and keeps the bytes', async () => {
      const { client, peer, close } = await rawPair(path);
      await sent(peer, 'x'.repeat(50));
      await assert.rejects(client.recvUntil('\n', { maxLength: 20 }), (error: unknown) => {
        assert.ok(error instanceof LimitOverrunError);
        assert.ok(error.consumed >= 20);
        return true;
      });
      assert.equal((await client.recvExactly(50)).length, 50);
      await close();
    });

    test('recvUntil() rejects with IncompleteReadError when the stream ends without the separator', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.end('no separator');
      await assert.rejects(client.recvUntil('\n'), (error: unknown) => {
        assert.ok(error instanceof IncompleteReadError);
        assert.equal(decode(error.partial), 'no separator');
        return true;
      });
      await close();
    });

    test('readLine() strips LF and CRLF, returns a last unterminated line, then null', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.end('first\r\nsecond\nthird');
      assert.equal(await client.readLine(), 'first');
      assert.equal(await client.readLine(), 'second');
      assert.equal(await client.readLine(), 'third');
      assert.equal(await client.readLine(), null);
      await close();
    });

    test('readLine() decodes UTF-8 split across arrivals', async () => {
      const { client, peer, close } = await rawPair(path);
      const bytes = Buffer.from('héllo wörld\n');
      const reading = client.readLine();
      await sent(peer, bytes.subarray(0, 2));
      await new Promise((r) => setTimeout(r, 10));
      await sent(peer, bytes.subarray(2));
      assert.equal(await reading, 'héllo wörld');
      await close();
    });

    test('readLine() rejects a line longer than maxLength with LimitOverrunError', async () => {
      const { client, peer, close } = await rawPair(path);
      await sent(peer, `${'y'.repeat(100)}\n`);
      await assert.rejects(client.readLine({ maxLength: 10 }), LimitOverrunError);
      await close();
    });

    test('recvInto() fills the given buffer, keeps what does not fit, and returns 0 at EOF', async () => {
      const { client, peer, close } = await rawPair(path);
      const buffer = Buffer.alloc(4);
      const waiting = client.recvInto(buffer);
      await sent(peer, 'abcdefgh');
      assert.equal(await waiting, 4);
      assert.equal(buffer.toString(), 'abcd');
      assert.equal(await client.recvInto(buffer), 4, 'the rest stayed buffered');
      assert.equal(buffer.toString(), 'efgh');
      peer.end();
      assert.equal(await client.recvInto(buffer), 0);
      await assert.rejects(client.recvInto(Buffer.alloc(0)), RangeError);
      await assert.rejects(client.recvInto('text' as unknown as Uint8Array), /encode it first/);
      await close();
    });

    test('lines() iterates until EOF', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.end('a\nb\r\nc\n');
      const lines: string[] = [];
      for await (const line of client.lines()) lines.push(line);
      assert.deepEqual(lines, ['a', 'b', 'c']);
      await close();
    });

    test('a second concurrent read rejects with ConcurrentReadError and the first still completes', async () => {
      const { client, peer, close } = await rawPair(path);
      const first = client.recvExactly(3);
      await assert.rejects(client.recv(1), ConcurrentReadError);
      await sent(peer, 'xyz');
      assert.equal(decode(await first), 'xyz');
      await close();
    });

    test('a reset after data delivers the data first, then ConnectionResetError', async () => {
      const { client, peer, close } = await rawPair(path);
      await sent(peer, 'kept bytes');
      await until(() => client.bufferedAmount === 10, 'the bytes arrived before the reset');
      peer.resetAndDestroy();
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(decode(await client.recv(100)), 'kept bytes');
      await assert.rejects(client.recv(100), ConnectionResetError);
      await close();
    });

    test('a reset while a read waits rejects it with ConnectionResetError', async () => {
      const { client, peer, close } = await rawPair(path);
      const reading = client.recvExactly(10);
      await sent(peer, 'part');
      await new Promise((r) => setTimeout(r, 20));
      peer.resetAndDestroy();
      await assert.rejects(reading, ConnectionResetError);
      assert.equal(decode(await client.recv(10)), 'part', 'the partial bytes are not dropped');
      await close();
    });

    test('close() rejects a waiting read with SocketClosedError, and later calls fail clearly', async () => {
      const { client, close } = await rawPair(path);
      const reading = assert.rejects(client.recv(10), SocketClosedError);
      await client.close();
      await reading;
      await assert.rejects(client.recv(10), SocketClosedError);
      assert.throws(() => client.send(encode('x')), SocketClosedError);
      await close();
    });

    test('bad arguments are TypeError or RangeError naming the value', async () => {
      const { client, close } = await rawPair(path);
      await assert.rejects(client.recv(0), /Invalid byte count 0 for recv\(\)/);
      await assert.rejects(client.recv(1.5), TypeError);
      await assert.rejects(client.recvExactly(-1), RangeError);
      await assert.rejects(client.recvUntil(''), RangeError);
      assert.throws(() => client.setTimeout(-5), RangeError);
      assert.throws(() => client.setTimeout(Number.NaN), TypeError);
      await assert.rejects(client.shutdown('sideways' as 'read'), TypeError);
      await close();
    });
  });

  describe(`StreamSocket writes (${path} read path)`, () => {
    test('send() and sendAll() refuse strings with a TypeError that says to encode()', async () => {
      const { client, close } = await rawPair(path);
      assert.throws(
        () => client.send('text' as unknown as Uint8Array),
        /needs bytes, not a string: encode it first/,
      );
      await assert.rejects(client.sendAll('text' as unknown as Uint8Array), TypeError);
      await assert.rejects(client.sendAll(42 as unknown as Uint8Array), /got number 42/);
      await close();
    });

    test('send() returns the number of bytes queued; plain Uint8Arrays work as well as Buffers', async () => {
      const { client, peer, close } = await rawPair(path);
      const received = new Promise<string>((resolve) =>
        peer.once('data', (d) => resolve(d.toString())),
      );
      assert.equal(client.send(new Uint8Array([104, 105])), 2);
      assert.equal(await received, 'hi');
      await close();
    });

    test('sendAll() waits for the kernel: it stays pending while the peer does not read', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.pause();
      const big = Buffer.alloc(32 * 1024 * 1024, 1);
      let done = false;
      const sending = client.sendAll(big).then(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(
        done,
        false,
        '32 MiB cannot fit in loopback socket buffers, so sendAll must wait',
      );
      let total = 0;
      peer.on('data', (chunk: Buffer) => {
        total += chunk.length;
      });
      peer.resume();
      await sending;
      while (total < big.length) await new Promise((r) => setTimeout(r, 10));
      assert.equal(total, big.length);
      await close();
    });

    test('sendAll() with a timeout rejects with SocketTimeoutError when the peer never reads', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.pause();
      await assert.rejects(
        client.sendAll(Buffer.alloc(32 * 1024 * 1024), { timeout: 200 }),
        SocketTimeoutError,
      );
      await close();
    });

    test('concurrent recvInto() and recv() are refused without touching the waiting read (both paths)', async () => {
      const { client, peer, close } = await rawPair(path);
      const a = Buffer.alloc(4, 0x2e);
      const b = Buffer.alloc(4, 0x2e);
      const waiting = client.recvInto(a);
      await assert.rejects(client.recvInto(b), ConcurrentReadError);
      await assert.rejects(client.recv(100), ConcurrentReadError);
      await sent(peer, 'twenty bytes of data');
      assert.equal(await waiting, 4);
      assert.equal(decode(a), 'twen');
      assert.equal(decode(b), '....');
      assert.equal(decode(await client.recvExactly(16)), 'ty bytes of data');
      const one = client.recv(1);
      await assert.rejects(client.recv(100), ConcurrentReadError);
      await sent(peer, 'twenty bytes');
      assert.equal(decode(await one), 't');
      assert.equal(decode(await client.recvExactly(11)), 'wenty bytes');
      await close();
    });

    test('sendAll() with an already-aborted signal rejects and sends nothing, so a retry sends once', async () => {
      const { client, peer, close } = await rawPair(path);
      const received: Buffer[] = [];
      peer.on('data', (d: Buffer) => received.push(d));
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(
        client.sendAll(encode('once'), { signal: controller.signal }),
        SocketAbortError,
      );
      await client.sendAll(encode('once'));
      await client.shutdown('write');
      await new Promise((resolve) => peer.once('end', resolve));
      assert.equal(Buffer.concat(received).toString(), 'once');
      await close();
    });

    test('bad wait options reject (never throw) before anything is sent or read', async () => {
      const { client, peer, close } = await rawPair(path);
      const received: Buffer[] = [];
      peer.on('data', (d: Buffer) => received.push(d));
      const bad: Array<[string, () => Promise<unknown>, RegExp]> = [
        [
          'sendAll timeout -1',
          () => client.sendAll(encode('B1'), { timeout: -1 }),
          /Invalid timeout -1/,
        ],
        [
          'sendAll timeout NaN',
          () => client.sendAll(encode('B2'), { timeout: Number.NaN }),
          /Invalid timeout/,
        ],
        [
          'sendAll signal {}',
          () => client.sendAll(encode('B3'), { signal: {} as AbortSignal }),
          /Invalid signal for sendAll\(2 bytes\)/,
        ],
        [
          'writeLine newline 5',
          () => client.writeLine('C2', { newline: 5 as unknown as string }),
          /newline as a string/,
        ],
        ['drain timeout -1', () => client.drain({ timeout: -1 }), /Invalid timeout -1/],
        [
          'recvExactly signal {}',
          () => client.recvExactly(10, { signal: {} as AbortSignal }),
          /Invalid signal for recvExactly\(10\)/,
        ],
        ['recv timeout -5', () => client.recv(10, { timeout: -5 }), /Invalid timeout -5/],
      ];
      for (const [what, call, message] of bad) {
        let promise: Promise<unknown> | undefined;
        assert.doesNotThrow(() => {
          promise = call();
        }, what);
        await assert.rejects(promise!, message, what);
      }
      await client.sendAll(encode('ok'));
      await client.shutdown('write');
      await new Promise((resolve) => peer.once('end', resolve));
      assert.equal(Buffer.concat(received).toString(), 'ok', 'only the good send reached the peer');
      await close();
    });

    test('drain() waits until the kernel has every send() before it', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.pause();
      for (let i = 0; i < 64; i++) client.send(Buffer.alloc(1024 * 1024));
      assert.ok(client.sendBufferedAmount > 0);
      let drained = false;
      const draining = client.drain().then(() => {
        drained = true;
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(drained, false, 'drain() resolved while the peer was not reading');
      peer.resume();
      await draining;
      assert.equal(client.sendBufferedAmount, 0);
      await close();
    });

    test('writeLine() ends lines with CRLF', async () => {
      const { client, peer, close } = await rawPair(path);
      const received = new Promise<string>((resolve) =>
        peer.once('data', (d) => resolve(d.toString())),
      );
      await client.writeLine('Hello there');
      assert.equal(await received, 'Hello there\r\n');
      await close();
    });

    test('writing after the peer reset rejects with a SocketError subclass, not a crash', async () => {
      const { client, peer, close } = await rawPair(path);
      peer.resetAndDestroy();
      await new Promise((r) => setTimeout(r, 50));
      let failed: unknown;
      for (let i = 0; i < 10 && failed === undefined; i++) {
        try {
          await client.sendAll(Buffer.alloc(1024));
        } catch (error) {
          failed = error;
        }
      }
      assert.ok(
        failed instanceof ConnectionResetError || failed instanceof BrokenPipeError,
        String(failed),
      );
      await close();
    });
  });
}

describe('StreamSocket shutdown and close', () => {
  test('shutdown("write") half-closes: the server sees EOF and its reply still arrives', async () => {
    const { client, server, close } = await socketkitPair();
    await client.sendAll(encode('request'));
    await client.shutdown('write');
    let request = '';
    for (let chunk = await server.recv(); chunk.length > 0; chunk = await server.recv())
      request += decode(chunk);
    assert.equal(request, 'request');
    await server.sendAll(encode('reply after EOF'));
    await server.close();
    let reply = '';
    for (let chunk = await client.recv(); chunk.length > 0; chunk = await client.recv())
      reply += decode(chunk);
    assert.equal(reply, 'reply after EOF');
    await close();
  });

  test('after shutdown("write"), sendAll() rejects with BrokenPipeError', async () => {
    const { client, close } = await socketkitPair();
    await client.shutdown('write');
    await assert.rejects(client.sendAll(encode('late')), BrokenPipeError);
    await close();
  });

  test('shutdown("read") makes reads return EOF while writes still work', async () => {
    const { client, server, close } = await socketkitPair();
    await client.shutdown('read');
    assert.equal((await client.recv()).length, 0);
    await client.sendAll(encode('still writing'));
    assert.equal(decode(await server.recvExactly(13)), 'still writing');
    await close();
  });

  test('abort() resets an idle connection: the peer sees ECONNRESET', async () => {
    const { client, server, close } = await socketkitPair();
    await client.abort();
    assert.equal(client.closed, true);
    await assert.rejects(server.recv(), ConnectionResetError);
    await close();
  });

  test('abort() with a write stuck behind a peer that does not read: closes at once, the write rejects', async () => {
    const { client, server, close } = await socketkitPair();
    const outcome = client.sendAll(Buffer.alloc(32 * 1024 * 1024)).then(
      () => 'resolved',
      (error: Error) => error,
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await client.abort();
    assert.ok(performance.now() - started < 100, 'no lingering');
    const result = await outcome;
    assert.ok(result instanceof SocketClosedError, `the stuck write ${String(result)}`);
    // The peer sees the end of the stream (FIN: the OS cannot reset with a write in flight).
    const sink = Buffer.alloc(1024 * 1024);
    while ((await server.recvInto(sink, { timeout: 5000 })) > 0) {
      // Drain what made it across.
    }
    await close();
  });

  test('await using closes the socket at the end of the block', async () => {
    const listener = await listen();
    let escaped: StreamSocket | undefined;
    {
      await using sock = await connect('127.0.0.1', listener.address.port);
      escaped = sock;
      assert.equal(sock.closed, false);
    }
    assert.equal(escaped.closed, true);
    const [peer] = await listener.accept();
    assert.equal((await peer.recv()).length, 0, 'the peer sees EOF');
    await peer.close();
    await listener.close();
  });
});

describe('StreamSocket identity', () => {
  test('inspect() prints like Python: fd, family, type, proto, laddr, raddr; [closed] after close', async () => {
    const { client, close } = await socketkitPair();
    const text = inspect(client);
    const port = client.remoteAddress!.port;
    assert.match(
      text,
      new RegExp(
        `^<StreamSocket fd=\\d+, family=AF_INET, type=SOCK_STREAM, proto=6, laddr=\\('127\\.0\\.0\\.1', \\d+\\), raddr=\\('127\\.0\\.0\\.1', ${port}\\)>$`,
      ),
    );
    assert.ok(client.fd > 2);
    await client.close();
    assert.equal(
      inspect(client),
      '<StreamSocket [closed] fd=-1, family=AF_INET, type=SOCK_STREAM, proto=6>',
    );
    await close();
  });

  test('localAddress and remoteAddress mirror each other across a connection', async () => {
    const { client, server, close } = await socketkitPair();
    assert.deepEqual(client.localAddress, server.remoteAddress);
    assert.deepEqual(client.remoteAddress, server.localAddress);
    assert.equal(client.family, 'AF_INET');
    assert.equal(client.type, 'SOCK_STREAM');
    assert.equal(client.proto, 6);
    await close();
  });

  test('IPv6 loopback works and reports AF_INET6', async () => {
    const listener = await listen({ host: '::1' });
    const client = await connect('::1', listener.address.port);
    assert.equal(client.family, 'AF_INET6');
    assert.match(inspect(client), /family=AF_INET6.*raddr=\('::1', \d+\)/);
    await client.close();
    await listener.close();
  });
});
