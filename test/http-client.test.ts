import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { request } from '../src/http/index.js';
import { SocketTimeoutError, TooManyRedirectsError } from '../src/index.js';

function listening(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** A raw server that records each request it receives and answers with `reply(request)`. */
async function recorder(
  reply: (request: string) => string,
): Promise<{ port: number; requests: string[]; close: () => void }> {
  const requests: string[] = [];
  const server = createServer((socket: Socket) => {
    let seen = '';
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
      const chunked = /transfer-encoding: chunked/i.test(seen);
      if (chunked ? !seen.endsWith('0\r\n\r\n') : seen.length < end + 4 + length) return;
      requests.push(seen);
      socket.end(reply(seen));
    });
  });
  const port = await listening(server);
  return { port, requests, close: () => server.close() };
}

describe('request()', () => {
  test('refuses CR, LF or NUL in a header before connecting', async () => {
    const srv = await recorder(() => 'HTTP/1.1 200 OK\r\n\r\n');
    for (const value of ['a\r\nInjected: 1', 'a\u0000b', 'a\nb']) {
      await assert.rejects(
        request(`http://127.0.0.1:${srv.port}/`, { headers: { 'X-Bad': value } }),
        TypeError,
      );
    }
    await assert.rejects(
      request(`http://127.0.0.1:${srv.port}/`, { method: 'GET\r\n' }),
      TypeError,
    );
    // A character that is not a byte would be cut to its low byte when the head is written:
    // U+010D U+010A would become CR LF. Refused like CR LF itself, before anything is sent.
    for (const value of ['v\u010d\u010aInjected: yes', 'x😀', 'caf\u20ac']) {
      await assert.rejects(
        request(`http://127.0.0.1:${srv.port}/`, { headers: { 'X-Bad': value } }),
        { name: 'TypeError', message: /\(not a byte\)/ },
      );
    }
    assert.equal(srv.requests.length, 0);
    srv.close();
  });

  test('every field the caller gives is sent, repeated names too; the method goes as given', async () => {
    const srv = await recorder(() => 'HTTP/1.1 204 No Content\r\n\r\n');
    await request(`http://127.0.0.1:${srv.port}/`, {
      method: 'pAtCh',
      headers: [
        ['Cookie', 'a=1'],
        ['cookie', 'b=2'],
        ['User-Agent', 'mine'],
      ],
    });
    const sent = srv.requests[0]!;
    assert.match(sent, /^pAtCh \/ HTTP\/1\.1\r\n/);
    assert.match(sent, /\r\nCookie: a=1\r\ncookie: b=2\r\n/);
    assert.equal(
      (sent.match(/user-agent/gi) ?? []).length,
      1,
      'a default is replaced, not repeated',
    );
    assert.match(sent, /\r\nUser-Agent: mine\r\n/);
    srv.close();
  });

  test('a reply with nothing after its head releases its connection without its body being read', async () => {
    let closed = 0;
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.on('close', () => closed++);
      socket.once('data', () => socket.write('HTTP/1.1 204 No Content\r\n\r\n'));
    });
    const port = await listening(server);
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await request(`http://127.0.0.1:${port}/`));
    const deadline = performance.now() + 5000;
    while (closed < 5 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(closed, 5, 'every connection closed though no body was read');
    assert.ok(responses.every((r) => r.status === 204 && Number.isFinite(r.timings.total)));
    assert.equal((await responses[0]!.body.bytes()).length, 0);
    server.close();
  });

  test('endless 1xx interim responses: HttpParseError once they pass maxHeadSize, not a read for ever', async () => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      const flood = () => {
        if (socket.destroyed) return;
        while (socket.write('HTTP/1.1 100 Continue\r\n\r\n'));
        socket.once('drain', flood);
      };
      flood();
    });
    const port = await listening(server);
    const started = performance.now();
    await assert.rejects(request(`http://127.0.0.1:${port}/`, { maxHeadSize: 4096 }), {
      name: 'HttpParseError',
      message: /More than 4096 bytes of interim \(1xx\) responses/,
    });
    assert.ok(performance.now() - started < 5000);
    server.close();
  });

  test('skips 1xx interim responses (reporting them) and reads trailers after the body', async () => {
    const srv = await recorder(
      () =>
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n',
    );
    const interim: number[] = [];
    const response = await request(`http://127.0.0.1:${srv.port}/`, {
      onInterim: (h) => interim.push(h.status),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(interim, [100, 103]);
    assert.equal(await response.body.text(), 'abc');
    assert.equal(response.trailers?.get('x-sum'), '42');
    srv.close();
  });

  test('a response to HEAD has no body even with a Content-Length', async () => {
    const srv = await recorder(() => 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
    const response = await request(`http://127.0.0.1:${srv.port}/`, { method: 'HEAD' });
    assert.equal((await response.body.bytes()).length, 0);
    srv.close();
  });

  test('redirects: 303 turns into GET; 307 and 308 keep method and body; 301 after POST becomes GET', async () => {
    for (const [status, expectedMethod, keepsBody] of [
      [303, 'GET', false],
      [307, 'POST', true],
      [308, 'POST', true],
      [301, 'GET', false],
    ] as const) {
      const srv = await recorder((req) =>
        req.startsWith('POST /start')
          ? `HTTP/1.1 ${status} Moved\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n`
          : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      );
      const response = await request(`http://127.0.0.1:${srv.port}/start`, {
        method: 'POST',
        body: 'payload',
        followRedirects: true,
      });
      assert.equal(await response.body.text(), 'ok');
      assert.equal(response.redirects, 1);
      assert.ok(
        srv.requests[1]!.startsWith(`${expectedMethod} /next `),
        `${status}: ${srv.requests[1]}`,
      );
      assert.equal(srv.requests[1]!.endsWith('payload'), keepsBody, `${status} body`);
      srv.close();
    }
  });

  test('a redirect to another origin (127.0.0.1 to ::1, another port) carries no Authorization, Cookie or Proxy-Authorization', async () => {
    const seen: Array<{
      url: string;
      headers: Record<string, string | string[] | undefined>;
      body: string;
    }> = [];
    const record = (req: import('node:http').IncomingMessage, body: string) =>
      seen.push({ url: req.url!, headers: req.headers, body });
    const second = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        record(req, body);
        res.end('landed');
      });
    });
    await new Promise<void>((resolve) => second.listen(0, '::1', resolve));
    const secondPort = (second.address() as { port: number }).port;
    const first = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        record(req, '');
        const to =
          req.url === '/post'
            ? `http://[::1]:${secondPort}/after-post`
            : `http://[::1]:${secondPort}/next`;
        res.writeHead(req.url === '/post' ? 303 : 302, { Location: to }).end();
      });
    });
    const firstPort = await new Promise<number>((resolve) =>
      first.listen(0, '127.0.0.1', () => resolve((first.address() as { port: number }).port)),
    );
    const secrets = {
      Authorization: 'Basic dXNlcjpwYXNz',
      Cookie: 'session=secret',
      'Proxy-Authorization': 'Basic cHJveHk6cHc=',
    };
    try {
      const response = await request(`http://127.0.0.1:${firstPort}/start`, {
        headers: secrets,
        followRedirects: true,
      });
      assert.equal(await response.body.text(), 'landed');
      const posted = await request(`http://127.0.0.1:${firstPort}/post`, {
        method: 'POST',
        headers: { ...secrets, 'Content-Type': 'application/json' },
        body: '{"a":1}',
        followRedirects: true,
      });
      await posted.body.text();
      const [start, next, post, afterPost] = seen;
      assert.equal(
        start!.headers.authorization,
        secrets.Authorization,
        'the first origin gets them',
      );
      for (const hop of [next!, afterPost!]) {
        assert.equal(hop.headers.authorization, undefined);
        assert.equal(hop.headers.cookie, undefined);
        assert.equal(hop.headers['proxy-authorization'], undefined);
      }
      assert.equal(post!.headers['content-type'], 'application/json');
      // 303 after POST: a GET with no body and none of the body's headers.
      assert.equal(afterPost!.url, '/after-post');
      assert.equal(afterPost!.body, '');
      assert.equal(afterPost!.headers['content-type'], undefined);
      assert.equal(afterPost!.headers['content-length'], undefined);
    } finally {
      first.close();
      second.close();
    }
  });

  test('TooManyRedirectsError past maxRedirects', async () => {
    const srv = await recorder(
      () => 'HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n',
    );
    await assert.rejects(
      request(`http://127.0.0.1:${srv.port}/`, { followRedirects: true, maxRedirects: 2 }),
      TooManyRedirectsError,
    );
    assert.equal(srv.requests.length, 3);
    srv.close();
  });

  test('a streamed request body goes out chunked', async () => {
    const srv = await recorder(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    async function* parts() {
      yield Buffer.from('first ');
      yield Buffer.from('second');
    }
    const response = await request(`http://127.0.0.1:${srv.port}/`, {
      method: 'PUT',
      body: parts(),
    });
    await response.body.bytes();
    assert.match(
      srv.requests[0]!,
      /Transfer-Encoding: chunked\r\n\r\n6\r\nfirst \r\n6\r\nsecond\r\n0\r\n\r\n$/,
    );
    srv.close();
  });

  test('maxTime bounds the whole exchange, body included', async () => {
    const server = createServer((socket: Socket) => {
      socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    });
    const port = await listening(server);
    const response = await request(`http://127.0.0.1:${port}/`, { maxTime: 300 });
    await assert.rejects(response.body.bytes(), SocketTimeoutError);
    server.close();
  });

  test('a large body streams in constant memory', async () => {
    const total = 100 * 1024 * 1024;
    const block = Buffer.alloc(64 * 1024, 7);
    const server = createHttpServer((_req, res) => {
      res.setHeader('Content-Length', total);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += block.length;
          if (!res.write(block)) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const port = await listening(server as unknown as Server);
    const before = process.memoryUsage().rss;
    let peak = before;
    let received = 0;
    const response = await request(`http://127.0.0.1:${port}/big`);
    for await (const chunk of response.body) {
      received += chunk.length;
      if ((received & 0xfffff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    assert.equal(received, total);
    const grown = (peak - before) / 1024 / 1024;
    assert.ok(grown < 60, `RSS grew by ${grown.toFixed(1)} MiB for a 100 MiB body`);
    server.close();
  });
});
