/**
 * The HTTP server against clients that break the rules or drag their feet: RFC 9110/9112
 * MUSTs (Host, absolute-form, versions, Transfer-Encoding, Expect), bounded body memory,
 * body timeouts, and the connection cap under slowloris and slow-body floods.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type HttpServer, request, type ServeOptions, serve } from '../src/http/index.js';
import { RequestBody } from '../src/http/request-body.js';
import { connect, decode, encode, type StreamSocket } from '../src/index.js';
import { requirePeer, run } from './_helpers.js';

const servers: HttpServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close(0)));
});

/** A server that answers with what it saw: method, path, query, body length. */
async function echoServer(options: ServeOptions = {}): Promise<HttpServer> {
  const server = await serve(
    (req) => ({
      headers: { 'Content-Type': 'text/plain' },
      body: `${req.method} ${req.path} ${req.query} ${req.body.length}\n`,
    }),
    options,
  );
  servers.push(server);
  return server;
}

async function readAll(sock: StreamSocket, timeout = 5000): Promise<string> {
  let out = '';
  for (
    let chunk = await sock.recv(65536, { timeout });
    chunk.length > 0;
    chunk = await sock.recv(65536, { timeout })
  )
    out += decode(chunk);
  return out;
}

async function exchange(port: number, bytes: string): Promise<string> {
  const sock = await connect('127.0.0.1', port);
  try {
    await sock.sendAll(Buffer.from(bytes, 'latin1'));
    return await readAll(sock);
  } finally {
    await sock.close();
  }
}

const statusOf = (reply: string) => /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1];

describe('serve(): RFC 9112 request rules', () => {
  test('Host: missing in HTTP/1.1, repeated, or invalid is 400; missing in HTTP/1.0 is fine (§3.2)', async () => {
    const { port } = (await echoServer()).address;
    const cases: Array<[string, string]> = [
      ['GET / HTTP/1.1\r\n\r\n', '400'],
      ['GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', '400'],
      ['GET / HTTP/1.1\r\nHost: a b\r\n\r\n', '400'],
      ['GET / HTTP/1.1\r\nHost: user@evil\r\n\r\n', '400'],
      ['GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n', '400'],
      ['GET / HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n', '200'],
      ['GET / HTTP/1.1\r\nHost: example.com:80\r\nConnection: close\r\n\r\n', '200'],
      ['GET / HTTP/1.0\r\n\r\n', '200'],
    ];
    for (const [bytes, status] of cases) {
      const reply = await exchange(port, bytes);
      assert.equal(
        statusOf(reply),
        status,
        `${JSON.stringify(bytes)} got ${reply.split('\r\n')[0]}`,
      );
    }
  });

  test('an absolute-form target is accepted and its path is the path (§3.2.2)', async () => {
    const { port } = (await echoServer()).address;
    const reply = await exchange(
      port,
      `GET http://127.0.0.1:${port}/a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(reply, /\r\n\r\nGET \/a\/b \?x=1 0\n$/);
    const bare = await exchange(
      port,
      `GET http://127.0.0.1:${port} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.match(bare, /\r\n\r\nGET \/ {2}0\n$/);
  });

  test('a refusal shows the bytes it refused as bytes: non-ASCII as \\xNN, not re-encoded', async () => {
    const { port } = (await echoServer()).address;
    const reply = await exchange(port, 'GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n');
    assert.match(reply, /Invalid Host header field "caf\\xc3\\xa9"/);
  });

  test('the target forms (§3.2): * for OPTIONS only, http(s) absolute-form only, no userinfo; its host is Host', async () => {
    await using server = await serve((req) => ({
      body: `host=${req.headers.get('host')} path=${req.path}\n`,
    }));
    const { port } = server.address;
    const cases: Array<[string, string, RegExp?]> = [
      ['GET * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', '400', /for OPTIONS only/],
      ['OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', '200'],
      [
        'GET ftp://x/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        '400',
        /must be \/path or http:\/\/host\/path/,
      ],
      ['GET x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', '400'],
      [
        'GET http://u:p@t/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
        '400',
        /user:password@/,
      ],
      [
        'GET HTTP://target.example:81/p?q HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n',
        '200',
        /host=target\.example:81 path=\/p\n$/,
      ],
    ];
    for (const [bytes, status, body] of cases) {
      const reply = await exchange(port, bytes);
      assert.equal(
        statusOf(reply),
        status,
        `${JSON.stringify(bytes)} got ${reply.split('\r\n')[0]}`,
      );
      if (body) assert.match(reply, body, JSON.stringify(bytes));
    }
  });

  test('HTTP/2.0 and unknown major versions are 505; a request line without a version is 400', async () => {
    const { port } = (await echoServer()).address;
    assert.equal(statusOf(await exchange(port, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n')), '505');
    assert.equal(statusOf(await exchange(port, 'GET / HTTP/3.0\r\nHost: x\r\n\r\n')), '505');
    assert.equal(statusOf(await exchange(port, 'GET /\r\n\r\n')), '400');
  });

  test('Transfer-Encoding in HTTP/1.0 is 400; a coding other than a final chunked is 400 or 501', async () => {
    const { port } = (await echoServer()).address;
    assert.equal(
      statusOf(
        await exchange(port, 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
      ),
      '400',
    );
    assert.equal(
      statusOf(
        await exchange(
          port,
          'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
        ),
      ),
      '400',
    );
    assert.equal(
      statusOf(
        await exchange(
          port,
          'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
        ),
      ),
      '501',
    );
  });

  test('lone LF line ends, as the tutorials type requests, are accepted (RFC 9112 §2.2)', async () => {
    const { port } = (await echoServer()).address;
    const reply = await exchange(port, 'GET /lf HTTP/1.1\nHost: x\nConnection: close\n\n');
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(reply, /GET \/lf {2}0\n$/);
  });
});

describe('serve(): Expect: 100-continue (RFC 9110 §10.1.1)', () => {
  test('a client that waits for 100 Continue gets it before it sends the body, then its answer', async () => {
    const { port } = (await echoServer()).address;
    const sock = await connect('127.0.0.1', port);
    await sock.sendAll(
      encode(
        'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
      ),
    );
    const interim = decode(await sock.recvUntil('\r\n\r\n', { timeout: 2000 }));
    assert.equal(interim, 'HTTP/1.1 100 Continue\r\n\r\n');
    await sock.sendAll(encode('hello'));
    assert.match(await readAll(sock), /^HTTP\/1\.1 200 OK[\s\S]*POST \/up {2}5\n$/);
    await sock.close();
  });

  test('a body over maxBodySize gets 413 at once, not 100 Continue; another expectation gets 417', async () => {
    const { port } = (await echoServer({ maxBodySize: 1000 })).address;
    const sock = await connect('127.0.0.1', port);
    await sock.sendAll(
      encode('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n'),
    );
    assert.match(await readAll(sock, 2000), /^HTTP\/1\.1 413 Content Too Large/);
    await sock.close();
    const other = await exchange(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx',
    );
    assert.equal(statusOf(other), '417');
    // The same expectation twice (two fields) is still only 100-continue.
    const twice = await exchange(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: 100-continue\r\nExpect: 100-Continue\r\nConnection: close\r\n\r\nx',
    );
    assert.match(twice, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  });

  test('curl uploading with Expect: 100-continue is answered without its one-second wait', async (t) => {
    if (!requirePeer(t, 'curl', 'as a client that sends Expect: 100-continue')) return;
    const { port } = (await echoServer()).address;
    const body = 'x'.repeat(2000);
    const result = await run('curl', [
      '-s',
      '-w',
      '\n%{time_total}',
      '-H',
      'Expect: 100-continue',
      '--expect100-timeout',
      '5',
      '--data-binary',
      body,
      `http://127.0.0.1:${port}/up`,
    ]);
    const [answer, seconds] = result.stdout.toString().split('\n');
    assert.equal(answer, 'POST /up  2000');
    // With no 100 Continue, curl waits the whole --expect100-timeout (5 s) before sending.
    assert.ok(Number(seconds) < 4, `curl took ${seconds} s: it waited for a 100 Continue`);
  });
});

describe('serve(): bodies bounded in time and memory', () => {
  test('RequestBody holds a body of 1-byte pieces in one buffer: memory ~ its size', () => {
    const body = new RequestBody(2 * 1024 * 1024);
    body.begin(-1);
    const one = new Uint8Array([0x61]);
    const before = process.memoryUsage();
    for (let i = 0; i < 1024 * 1024; i++) body.append(one);
    const after = process.memoryUsage();
    const grown = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    assert.equal(body.take().length, 1024 * 1024);
    // A Buffer per piece, as before, cost ~113 bytes per body byte: 113 MiB here.
    assert.ok(
      grown < 8 * 1024 * 1024,
      `grew by ${(grown / 1048576).toFixed(1)} MiB for a 1 MiB body`,
    );
  });

  test('RequestBody refuses an announced length over the limit before keeping a byte, and a growing one past it', () => {
    const body = new RequestBody(100);
    assert.throws(() => body.begin(101), /larger than 100 bytes/);
    body.begin(-1);
    body.append(new Uint8Array(100));
    assert.throws(() => body.append(new Uint8Array(1)), /larger than 100 bytes/);
  });

  test('a body that drips in past bodyTimeout is 408, whatever the pace of each byte', async () => {
    const { port } = (await echoServer({ bodyTimeout: 600, headTimeout: 5000 })).address;
    const sock = await connect('127.0.0.1', port);
    await sock.sendAll(encode('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n'));
    const started = performance.now();
    const drip = setInterval(() => {
      if (!sock.closed)
        try {
          sock.send(encode('a'));
        } catch {
          // The server closed it.
        }
    }, 100);
    try {
      const reply = await readAll(sock, 5000);
      const elapsed = performance.now() - started;
      assert.match(
        reply,
        /^HTTP\/1\.1 408 Request Timeout[\s\S]*request body did not arrive within 600 ms/,
      );
      assert.ok(elapsed < 3000, `the 408 came after ${elapsed} ms`);
    } finally {
      clearInterval(drip);
      await sock.close();
    }
  });

  test('bodies arriving 1 byte per segment on many connections cost about their size in memory', async () => {
    const server = await echoServer({ maxBodySize: 64 * 1024 });
    const { port } = server.address;
    const size = 24 * 1024;
    const clients = await Promise.all(
      Array.from({ length: 8 }, () => connect('127.0.0.1', port, { noDelay: true })),
    );
    const before = process.memoryUsage();
    await Promise.all(
      clients.map((c) =>
        c.sendAll(
          encode(
            `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
          ),
        ),
      ),
    );
    let peak = 0;
    for (let i = 0; i < size; i++) {
      for (const c of clients) c.send(Buffer.from('b'));
      // Let each byte go out as its own segment, and the server read it as its own chunk.
      if (i % 64 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        const now = process.memoryUsage();
        peak = Math.max(
          peak,
          now.heapUsed - before.heapUsed + now.arrayBuffers - before.arrayBuffers,
        );
      }
    }
    const replies = await Promise.all(clients.map((c) => readAll(c, 10_000)));
    for (const reply of replies) assert.match(reply, new RegExp(`POST / {2}${size}\\n$`));
    await Promise.all(clients.map((c) => c.close()));
    // 8 bodies of 24 KiB are 192 KiB; a Buffer object per byte would be over 20 MiB.
    assert.ok(peak < 16 * 1024 * 1024, `memory grew by ${(peak / 1048576).toFixed(1)} MiB`);
  });
});

describe('serve(): the connection cap under floods', () => {
  test('under 200 slowloris and 200 slow-body connections, over the cap, a normal client gets 200 within 1 s', async () => {
    const server = await echoServer({
      maxConnections: 300,
      headTimeout: 20_000,
      bodyTimeout: 20_000,
    });
    const { port } = server.address;
    const slowHeads = await Promise.all(
      Array.from({ length: 200 }, () => connect('127.0.0.1', port)),
    );
    await Promise.all(
      slowHeads.map((s) => s.sendAll(encode('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: '))),
    );
    const slowBodies = await Promise.all(
      Array.from({ length: 200 }, () => connect('127.0.0.1', port)),
    );
    await Promise.all(
      slowBodies.map((s) =>
        s.sendAll(encode('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n')),
      ),
    );
    const drip = setInterval(() => {
      for (const s of [...slowHeads, ...slowBodies]) {
        if (s.closed) continue;
        try {
          s.send(encode('a'));
        } catch {
          // Evicted.
        }
      }
    }, 250);
    try {
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(
        server.connections <= 300,
        `${server.connections} connections open over a cap of 300`,
      );
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const response = await request(`http://127.0.0.1:${port}/normal`, { maxTime: 1000 });
        assert.equal(response.status, 200);
        assert.equal(await response.body.text(), 'GET /normal  0\n');
        assert.ok(performance.now() - started < 1000);
      }
    } finally {
      clearInterval(drip);
      await Promise.all([...slowHeads, ...slowBodies].map((s) => s.abort()));
    }
  });
});
