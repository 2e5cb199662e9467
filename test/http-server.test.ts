import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type HttpServer, request, type ServeOptions, serve } from '../src/http/index.js';
import { connect, decode, encode, type StreamSocket } from '../src/index.js';
import { webHandler } from '../src/services/index.js';
import { FIXTURES, requirePeer, run, until } from './_helpers.js';

const servers: HttpServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close(0)));
});

async function hello(options: ServeOptions = {}): Promise<HttpServer> {
  const server = await serve(webHandler(), options);
  servers.push(server);
  return server;
}

/** Reads everything until the server closes. */
async function readAll(sock: StreamSocket, timeout = 5000): Promise<string> {
  let out = '';
  for (
    let chunk = await sock.recv(65536, { timeout });
    chunk.length > 0;
    chunk = await sock.recv(65536, { timeout })
  ) {
    out += decode(chunk);
  }
  return out;
}

async function rawExchange(port: number, bytes: string, timeout = 5000): Promise<string> {
  const sock = await connect('127.0.0.1', port);
  await sock.sendAll(Buffer.from(bytes, 'latin1'));
  try {
    return await readAll(sock, timeout);
  } finally {
    await sock.close();
  }
}

describe('serve() with the hello page', () => {
  test('curl gets "Hello, world!" and sees its own request in the page', async (t) => {
    if (!requirePeer(t, 'curl', 'as an independent HTTP client')) return;
    const server = await hello();
    const result = await run('curl', ['-s', '-i', `http://127.0.0.1:${server.address.port}/`]);
    const text = result.stdout.toString();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /Content-Type: text\/html; charset=utf-8\r\n/);
    assert.match(text, /<h1>Hello, world!<\/h1>/);
    assert.match(text, /User-Agent: curl\/[\d.]+/);
    const head = await run('curl', ['-s', '-I', `http://127.0.0.1:${server.address.port}/`]);
    assert.match(head.stdout.toString(), /Content-Length: \d+\r\n/);
    assert.ok(head.stdout.toString().endsWith('\r\n\r\n'), 'HEAD: no body');
    const old = await run('curl', ['-s', '--http1.0', `http://127.0.0.1:${server.address.port}/`]);
    assert.match(old.stdout.toString(), /GET \/ HTTP\/1\.0/);
  });

  test('keep-alive: two requests on one connection; HTTP/1.0 keep-alive on request', async () => {
    const server = await hello();
    const sock = await connect('127.0.0.1', server.address.port);
    for (let i = 0; i < 2; i++) {
      await sock.sendAll(encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      const head = decode(await sock.recvUntil('\r\n\r\n'));
      const length = Number(/Content-Length: (\d+)/.exec(head)![1]);
      assert.match(decode(await sock.recvExactly(length)), /Hello, world!/);
    }
    await sock.sendAll(encode('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'));
    assert.match(decode(await sock.recvUntil('\r\n\r\n')), /Connection: keep-alive/);
    await sock.close();
  });

  test('pipelining: 10 requests in one write get 10 responses, in order', async () => {
    const server = await serve((req) => ({ body: `you asked for ${req.path}\n` }));
    servers.push(server);
    const requests = Array.from(
      { length: 10 },
      (_, i) =>
        `GET /item/${i} HTTP/1.1\r\nHost: x\r\n${i === 9 ? 'Connection: close\r\n' : ''}\r\n`,
    ).join('');
    const reply = await rawExchange(server.address.port, requests);
    const bodies = [...reply.matchAll(/you asked for (\/item\/\d+)/g)].map((m) => m[1]);
    assert.deepEqual(
      bodies,
      Array.from({ length: 10 }, (_, i) => `/item/${i}`),
    );
  });

  test('handlers that answer later, throw or reject: in order on one connection, 500s for the failures', async () => {
    const server = await serve((req) => {
      if (req.path === '/later')
        return new Promise((resolve) => setTimeout(() => resolve({ body: 'later\n' }), 30));
      if (req.path === '/throw') throw new Error('the handler broke');
      if (req.path === '/reject') return Promise.reject(new Error('the promise broke'));
      return { body: 'now\n' };
    });
    servers.push(server);
    const paths = ['/later', '/now', '/throw', '/reject', '/now'];
    const reply = await rawExchange(
      server.address.port,
      paths
        .map(
          (path, i) =>
            `GET ${path} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`,
        )
        .join(''),
    );
    const statuses = [...reply.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '200', '500', '500', '200']);
    const bodies = [...reply.matchAll(/\r\n\r\n([^\r]*?\n)(?=HTTP\/1\.1 |$)/g)].map((m) => m[1]);
    assert.deepEqual(bodies, [
      'later\n',
      'now\n',
      'Internal Server Error: the handler broke\n',
      'Internal Server Error: the promise broke\n',
      'now\n',
    ]);
  });

  test('bodies over 64 KiB and streamed bodies: Content-Length, chunked for 1.1, until close for 1.0', async () => {
    const big = 'x'.repeat(200 * 1024);
    const server = await serve((req) => {
      if (req.path === '/big') return { body: big };
      return {
        body: (async function* () {
          yield encode('first ');
          await new Promise((resolve) => setTimeout(resolve, 10));
          yield encode('second\n');
        })(),
      };
    });
    servers.push(server);
    const port = server.address.port;
    const bigReply = await rawExchange(
      port,
      'GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(bigReply, /\r\nContent-Length: 204800\r\n/);
    assert.equal(bigReply.slice(bigReply.indexOf('\r\n\r\n') + 4), big);
    const chunked = await rawExchange(
      port,
      'GET /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(chunked, /\r\nTransfer-Encoding: chunked\r\n/);
    assert.ok(chunked.endsWith('\r\n\r\n6\r\nfirst \r\n7\r\nsecond\n\r\n0\r\n\r\n'), chunked);
    const old = await rawExchange(port, 'GET /s HTTP/1.0\r\n\r\n');
    assert.match(old, /\r\nConnection: close\r\n/);
    assert.doesNotMatch(old, /Transfer-Encoding|Content-Length/);
    assert.ok(old.endsWith('\r\n\r\nfirst second\n'), old);
  });

  test('431 for a head over 16 KiB, then close', async () => {
    const server = await hello();
    const reply = await rawExchange(
      server.address.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    );
    assert.match(reply, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.match(reply, /Connection: close/);
  });

  test('400 for a malformed request, then close', async () => {
    const server = await hello();
    for (const bad of [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    ]) {
      const reply = await rawExchange(server.address.port, bad);
      assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/, bad);
    }
  });

  test('408 for heads that trickle in (slowloris): 200 slow connections, and a normal client still gets its page within 1 s', async () => {
    const server = await hello({ headTimeout: 1500 });
    const slow = await Promise.all(
      Array.from({ length: 200 }, () => connect('127.0.0.1', server.address.port)),
    );
    await Promise.all(slow.map((s) => s.sendAll(encode('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: '))));
    const drip = setInterval(() => {
      for (const s of slow) if (!s.closed) s.send(encode('a'));
    }, 200);
    const started = performance.now();
    const response = await request(`http://127.0.0.1:${server.address.port}/`, { maxTime: 1000 });
    assert.equal(response.status, 200);
    assert.match(await response.body.text(), /Hello, world!/);
    assert.ok(performance.now() - started < 1000);
    const replies = await Promise.all(
      slow.map((s) => readAll(s, 5000).catch((e: Error) => e.message)),
    );
    clearInterval(drip);
    assert.equal(replies.filter((r) => /^HTTP\/1\.1 408 Request Timeout/.test(r)).length, 200);
    await Promise.all(slow.map((s) => s.close()));
  });

  test('408 after the default 10 s head timeout', async () => {
    const server = await hello();
    const sock = await connect('127.0.0.1', server.address.port);
    await sock.sendAll(encode('GET / HTTP/1.1\r\n'));
    const started = performance.now();
    const reply = await readAll(sock, 15000);
    const elapsed = performance.now() - started;
    assert.match(reply, /^HTTP\/1\.1 408 /);
    assert.ok(elapsed > 9500 && elapsed < 12000, `${elapsed} ms`);
    await sock.close();
  });

  test('an idle keep-alive connection is closed after idleTimeout, without an error response', async () => {
    const server = await hello({ idleTimeout: 300 });
    const sock = await connect('127.0.0.1', server.address.port);
    await sock.sendAll(encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const head = decode(await sock.recvUntil('\r\n\r\n'));
    await sock.recvExactly(Number(/Content-Length: (\d+)/.exec(head)![1]));
    const started = performance.now();
    assert.equal((await sock.recv(100, { timeout: 3000 })).length, 0);
    assert.ok(performance.now() - started >= 250);
    await sock.close();
  });

  test('413 for a body over maxBodySize', async () => {
    const server = await serve(() => ({ body: 'ok' }), { maxBodySize: 1000 });
    servers.push(server);
    const reply = await rawExchange(
      server.address.port,
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(5000)}`,
    );
    assert.match(reply, /^HTTP\/1\.1 413 Content Too Large/);
  });

  test('at maxConnections, a newcomer evicts the connection that has waited longest on its client', async () => {
    const server = await hello({ maxConnections: 2 });
    const oldest = await connect('127.0.0.1', server.address.port);
    await new Promise((r) => setTimeout(r, 50));
    const younger = await connect('127.0.0.1', server.address.port);
    await younger.sendAll(encode('GET / HTTP/1.1\r\nHost: x\r\n'));
    await new Promise((r) => setTimeout(r, 50));
    const reply = await rawExchange(
      server.address.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(reply, /^HTTP\/1\.1 200 OK/);
    // The oldest sent nothing: it was closed without a word. The younger one is still served.
    assert.equal((await oldest.recv(100, { timeout: 2000 })).length, 0);
    await younger.sendAll(encode('Connection: close\r\n\r\n'));
    assert.match(await readAll(younger), /^HTTP\/1\.1 200 OK/);
    await Promise.all([oldest.close(), younger.close()]);
  });

  test('at maxConnections with every connection busy in the handler, a newcomer gets 503', async () => {
    let release = () => {};
    const busy = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inHandler = 0;
    const server = await serve(
      async () => {
        inHandler++;
        await busy;
        return { body: 'done\n' };
      },
      { maxConnections: 2 },
    );
    servers.push(server);
    const held = await Promise.all([0, 1].map(() => connect('127.0.0.1', server.address.port)));
    for (const sock of held)
      await sock.sendAll(encode('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    await until(() => inHandler === 2, 'both connections are in the handler');
    const reply = await rawExchange(server.address.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 503 Service Unavailable/);
    release();
    for (const sock of held) assert.match(await readAll(sock), /\r\n\r\ndone\n$/);
    await Promise.all(held.map((s) => s.close()));
  });

  test('a client that stops reading cannot make the server buffer without bound', async () => {
    let produced = 0;
    const block = Buffer.alloc(64 * 1024, 0x61);
    const server = await serve(
      () => ({
        body: (async function* () {
          for (let i = 0; i < 1600; i++) {
            produced += block.length;
            yield block;
          }
        })(),
      }),
      { writeTimeout: 500 },
    );
    servers.push(server);
    const sock = await connect('127.0.0.1', server.address.port);
    await sock.sendAll(encode('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'));
    // It gives up on the connection once writeTimeout passes without progress; by then it has
    // produced only what the socket buffers took, not the 100 MiB.
    await until(() => server.connections === 0, 'the server to give up on the connection', 10_000);
    assert.ok(
      produced < 20 * 1024 * 1024,
      `the server produced ${produced} bytes of a 100 MiB body nobody reads`,
    );
    await sock.close();
  });

  test('other methods get 405 with Allow', async () => {
    const server = await hello();
    const reply = await rawExchange(
      server.address.port,
      'DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(reply, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(reply, /Allow: GET, HEAD/);
  });
});

describe('serve() with --root', () => {
  const root = join(FIXTURES, '..', 'artifacts', 'www');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<p>index</p>\n');
  writeFileSync(join(root, 'style.css'), 'body {}\n');
  writeFileSync(join(root, 'sub', 'data.json'), '{"a":1}\n');
  writeFileSync(join(root, '..', 'secret.txt'), 'do not serve me\n');
  try {
    symlinkSync(join(root, '..', 'secret.txt'), join(root, 'escape.txt'));
  } catch {
    // Already there from an earlier run.
  }

  test('serves files with content types, index.html for directories, 404 otherwise', async () => {
    const server = await serve(webHandler({ root }));
    servers.push(server);
    const base = `http://127.0.0.1:${server.address.port}`;
    const index = await request(`${base}/`);
    assert.equal(await index.body.text(), '<p>index</p>\n');
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    const css = await request(`${base}/style.css`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    await css.body.bytes();
    const json = await request(`${base}/sub/data.json`);
    assert.equal(await json.body.text(), '{"a":1}\n');
    const missing = await request(`${base}/nope.txt`);
    assert.equal(missing.status, 404);
    await missing.body.bytes();
    const head = await request(`${base}/style.css`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), '8');
    assert.equal((await head.body.bytes()).length, 0);
  });

  test('.. and its encoded forms never escape the root', async () => {
    const server = await serve(webHandler({ root }));
    servers.push(server);
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/sub/../../secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/sub%00/../../secret.txt',
      '/escape.txt',
      '/%252e%252e/secret.txt',
    ]) {
      const reply = await rawExchange(
        server.address.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(reply, /^HTTP\/1\.1 (403|404) /, path);
      assert.ok(!reply.includes('do not serve me'), `${path} leaked the secret`);
    }
  });
});

describe('serve(): what a handler returns is checked before it is written', () => {
  test('a header value or reason with a character that is not a byte: 500, nothing injected', async (t) => {
    for (const reply of [
      { headers: { 'X-Name': 'bob\u010d\u010aSet-Cookie: session=attacker' }, body: 'hi' },
      { status: 200, reason: 'OK\u010d\u010aX-Evil: 1', body: 'x' },
      {
        body: (async function* () {
          yield new TextEncoder().encode('abc');
        })(),
        trailers: { 'X-T': 'v\u010d\u010aX-Evil: 1' },
      },
    ]) {
      await using server = await serve(() => reply);
      const sock = await connect('127.0.0.1', server.address.port);
      await sock.sendAll(encode('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      const answer = await readAll(sock);
      await sock.close();
      t.diagnostic(JSON.stringify(answer.split('\r\n\r\n')[0]));
      assert.match(answer, /^HTTP\/1\.1 500 /);
      const head = answer.split('\r\n\r\n')[0]!;
      assert.doesNotMatch(head, /Set-Cookie|X-Evil/i);
    }
  });
});
