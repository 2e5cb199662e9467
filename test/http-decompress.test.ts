/**
 * `request(url, { decompress: true })` and `socketkit fetch --compressed`: bodies compressed by
 * programs nobody here wrote (node:zlib behind a raw TCP server, and Python's gzip and zlib)
 * come back byte for byte however the compressed bytes are cut in transit; corrupt data and
 * decompression bombs are one documented error, in bounded memory; curl's `--compressed` on the
 * same replies writes the same bytes and exits with the same codes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { ContentDecodingError } from '../src/core/errors.js';
import { request } from '../src/http/index.js';
import { propertySeed, requirePeer, run, runPython, socketkit } from './_helpers.js';

/** Text that compresses well, with some random bytes so that it is not only repetition. */
const BODY = Buffer.concat([
  Buffer.from('Hello, compressed world!\n'.repeat(2000)),
  randomBytes(5000),
  Buffer.from('the end\n'),
]);

interface Reply {
  encoding?: string;
  data: Buffer;
}

const REPLIES: Record<string, Reply> = {
  '/gzip': { encoding: 'gzip', data: gzipSync(BODY) },
  '/x-gzip': { encoding: 'x-gzip', data: gzipSync(BODY) },
  '/deflate': { encoding: 'deflate', data: deflateSync(BODY) },
  // Some servers send raw deflate for "deflate"; browsers and curl accept it.
  '/raw-deflate': { encoding: 'deflate', data: deflateRawSync(BODY) },
  '/br': { encoding: 'br', data: brotliCompressSync(BODY) },
  '/gzip-then-br': { encoding: 'gzip, br', data: brotliCompressSync(gzipSync(BODY)) },
  '/identity': { encoding: 'identity', data: BODY },
  '/plain': { data: BODY },
  '/unknown': { encoding: 'zstd', data: Buffer.from('not for us') },
  '/corrupt': { encoding: 'gzip', data: Buffer.from('this is not gzip data at all') },
  // A good member, then garbage: what decoded before the garbage must still come out.
  '/good-then-garbage': {
    encoding: 'gzip',
    data: Buffer.concat([gzipSync(BODY), Buffer.from('GARBAGE')]),
  },
  // 64 MiB of zeros: about 64 KiB compressed.
  '/bomb': { encoding: 'gzip', data: gzipSync(Buffer.alloc(64 * 1024 * 1024)) },
};

/** How the server cuts its reply: whole, or in pieces of random sizes, each its own write. */
let cut: 'whole' | 'pieces' = 'whole';
let rng = propertySeed();
const seenAcceptEncoding: string[] = [];

function next(): number {
  rng = (rng * 1103515245 + 12345) >>> 0;
  return rng;
}

const server: Server = createServer((socket: Socket) => {
  let head = '';
  socket.on('data', (chunk: Buffer) => {
    head += chunk.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    const path = head.split(' ')[1]!;
    seenAcceptEncoding.push(/^accept-encoding: *(.*)\r$/im.exec(head)?.[1] ?? '-');
    const reply = REPLIES[path] ?? { data: Buffer.from('no such reply') };
    const lines = [
      'HTTP/1.1 200 OK',
      `Content-Length: ${reply.data.length}`,
      ...(reply.encoding ? [`Content-Encoding: ${reply.encoding}`] : []),
      'Connection: close',
      '',
      '',
    ];
    const bytes = Buffer.concat([Buffer.from(lines.join('\r\n')), reply.data]);
    if (cut === 'whole') socket.end(bytes);
    else void writeInPieces(socket, bytes);
  });
  socket.on('error', () => {});
});

async function writeInPieces(socket: Socket, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length && !socket.destroyed; ) {
    const size = 1 + (next() % 700);
    socket.write(bytes.subarray(at, at + size));
    at += size;
    if (next() % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  socket.end();
}

let base = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('request({ decompress })', () => {
  for (const how of ['whole', 'pieces'] as const) {
    for (const path of ['/gzip', '/x-gzip', '/deflate', '/raw-deflate', '/br', '/gzip-then-br']) {
      test(`${path}, sent ${how}: the body comes back byte for byte`, async () => {
        cut = how;
        const response = await request(`${base}${path}`, { decompress: true });
        assert.equal(response.headers.get('content-encoding'), REPLIES[path]!.encoding);
        const body = Buffer.from(await response.body.bytes());
        assert.equal(body.length, BODY.length);
        assert.ok(body.equals(BODY), 'the decoded bytes differ from what was compressed');
      });
    }
  }

  test('Accept-Encoding is offered, and a caller’s own header wins', async () => {
    cut = 'whole';
    seenAcceptEncoding.length = 0;
    await (await request(`${base}/plain`, { decompress: true })).body.bytes();
    await (
      await request(`${base}/plain`, { decompress: true, headers: { 'Accept-Encoding': 'br' } })
    ).body.bytes();
    await (await request(`${base}/plain`)).body.bytes();
    assert.deepEqual(seenAcceptEncoding, ['gzip, deflate, br', 'br', '-']);
  });

  test('identity, no coding and an unknown coding pass through as sent; no decompress leaves gzip as gzip', async () => {
    cut = 'whole';
    for (const path of ['/identity', '/plain']) {
      const response = await request(`${base}${path}`, { decompress: true });
      assert.ok(Buffer.from(await response.body.bytes()).equals(BODY), path);
    }
    const unknown = await request(`${base}/unknown`, { decompress: true });
    assert.equal(await unknown.body.text(), 'not for us');
    const raw = await request(`${base}/gzip`);
    assert.ok(Buffer.from(await raw.body.bytes()).equals(REPLIES['/gzip']!.data));
  });

  test('corrupt data: ContentDecodingError, reason corrupt, naming the coding', async () => {
    for (const how of ['whole', 'pieces'] as const) {
      cut = how;
      const response = await request(`${base}/corrupt`, { decompress: true });
      const error = await response.body.bytes().then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(error instanceof ContentDecodingError, `${how}: ${String(error)}`);
      assert.equal(error.reason, 'corrupt');
      assert.equal(error.code, 'SOCKETKIT_ERR_CONTENT_DECODING');
      assert.match(error.message, /not valid gzip data/);
    }
  });

  test('bytes decoded before bad data are handed out, then the error', async () => {
    cut = 'whole';
    const response = await request(`${base}/good-then-garbage`, { decompress: true });
    let received = 0;
    const error = await (async () => {
      for await (const piece of response.body) received += piece.length;
    })().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ContentDecodingError, String(error));
    // zlib drops the output of the write that meets the bad bytes: at most one 1 KiB slice's
    // worth; everything decoded before it comes out.
    assert.ok(received >= BODY.length * 0.9, `${received} of ${BODY.length} bytes came out`);
    assert.ok(received <= BODY.length);
  });

  test('a decompression bomb past maxSize: too-large, with little of it ever held', async () => {
    cut = 'whole';
    const before = process.memoryUsage().rss;
    const response = await request(`${base}/bomb`, { decompress: { maxSize: 1024 * 1024 } });
    let received = 0;
    const error = await (async () => {
      for await (const piece of response.body) received += piece.length;
    })().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ContentDecodingError, String(error));
    assert.equal(error.reason, 'too-large');
    assert.match(error.message, /more than 1048576 bytes/);
    assert.ok(received <= 1024 * 1024, `${received} bytes were handed out past the limit`);
    const grew = process.memoryUsage().rss - before;
    assert.ok(grew < 48 * 1024 * 1024, `RSS grew by ${grew} bytes for a 1 MiB limit`);
  });

  test('the whole bomb streams in bounded memory when the limit allows it', async () => {
    cut = 'whole';
    const before = process.memoryUsage().rss;
    const response = await request(`${base}/bomb`, { decompress: true });
    let received = 0;
    for await (const piece of response.body) received += piece.length;
    assert.equal(received, 64 * 1024 * 1024);
    const grew = process.memoryUsage().rss - before;
    assert.ok(grew < 48 * 1024 * 1024, `RSS grew by ${grew} bytes streaming 64 MiB`);
  });

  test('a bad maxSize is refused before anything is sent', async () => {
    await assert.rejects(request(`${base}/gzip`, { decompress: { maxSize: -1 } }), {
      name: 'RangeError',
      message: /Invalid decompress.maxSize -1/,
    });
    // Wrong types are TypeErrors naming the option, not crashes or truthy guesses.
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ decompress: null }, /^Invalid decompress null: expected true, false or \{ maxSize \}$/],
      [{ decompress: 'yes' }, /^Invalid decompress "yes"/],
      [
        { decompress: { maxSize: '1mb' } },
        /^Invalid decompress\.maxSize "1mb": it must be a number/,
      ],
      [{ insecure: 'false' }, /^Invalid insecure "false": expected true or false$/],
      [{ followRedirects: 1 }, /^Invalid followRedirects 1: expected true or false$/],
    ];
    for (const [options, message] of cases)
      await assert.rejects(request(`${base}/gzip`, options as never), {
        name: 'TypeError',
        message,
      });
  });
});

describe('fetch --compressed', () => {
  test('writes the bytes curl --compressed writes, for every coding; Python’s gzip and zlib too', async (t) => {
    cut = 'pieces';
    for (const path of ['/gzip', '/deflate', '/raw-deflate', '/br', '/gzip-then-br', '/plain']) {
      const ours = await socketkit(['fetch', '--compressed', `${base}${path}`]);
      assert.equal(ours.code, 0, `${path}: ${ours.stderr}`);
      assert.ok(ours.stdout.equals(BODY), `${path}: socketkit's bytes differ`);
      if (requirePeer(t, 'curl', 'to compare with')) {
        const curl = await run('curl', ['-s', '--compressed', `${base}${path}`]);
        assert.ok(curl.stdout.equals(ours.stdout), `${path}: curl writes other bytes`);
      }
    }
    if (!requirePeer(t, 'python3', 'to compress with an implementation of its own')) return;
    const python = await runPython(
      'import gzip, zlib, sys; sys.stdout.buffer.write(gzip.compress(b"py" * 50000, 9))',
    );
    REPLIES['/python'] = { encoding: 'gzip', data: python.stdout };
    const ours = await socketkit(['fetch', '--compressed', `${base}/python`]);
    assert.equal(ours.stdout.toString(), 'py'.repeat(50000));
  });

  test('corrupt data: exit 61 and one sentence, as curl', async (t) => {
    cut = 'whole';
    const ours = await socketkit(['fetch', '--compressed', `${base}/corrupt`]);
    assert.equal(ours.code, 61);
    assert.match(ours.stderr, /^socketkit: The body is not valid gzip data: .+\n$/);
    if (requirePeer(t, 'curl', 'to compare with')) {
      const curl = await run('curl', ['-s', '--compressed', `${base}/corrupt`]);
      assert.equal(curl.code, 61);
    }
  });
});
