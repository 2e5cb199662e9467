import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CLI,
  FIXTURES,
  fixture,
  propertySeed,
  requirePeer,
  run,
  socketkit,
  socketkitInPty,
} from './_helpers.js';

function listening(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** A raw TCP server that answers every connection with `handler`; counts connections. */
async function rawServer(
  handler: (socket: Socket) => void,
): Promise<{ port: number; connections: () => number; close: () => void }> {
  let count = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    count++;
    socket.on('error', () => {});
    handler(socket);
  });
  const port = await listening(server);
  return { port, connections: () => count, close: () => server.close() };
}

/** Waits for the end of the request head, then runs `reply`. */
function afterRequest(reply: (socket: Socket) => void): (socket: Socket) => void {
  return (socket) => {
    let seen = '';
    socket.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.includes('\r\n\r\n')) {
        seen = '';
        reply(socket);
      }
    });
  };
}

describe('socketkit fetch output', () => {
  test('is byte-identical to what node:http sent, fixed-length and chunked, written in random pieces (fast-check)', async (t) => {
    const bodies = new Map<string, { body: Buffer; pieces: number[]; chunked: boolean }>();
    const server = createHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
      const spec = bodies.get(req.url!)!;
      if (!spec.chunked) res.setHeader('Content-Length', spec.body.length);
      let at = 0;
      for (const size of [...spec.pieces, spec.body.length]) {
        const end = Math.min(spec.body.length, at + size);
        if (end > at) {
          res.write(spec.body.subarray(at, end));
          await new Promise((r) => setImmediate(r));
        }
        at = end;
      }
      res.end();
    });
    const port = await listening(server as unknown as Server);
    let n = 0;
    const seed = propertySeed();
    t.diagnostic(`seed ${seed} (replay: SOCKETKIT_FUZZ_SEED=${seed})`);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200_000 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 8 }),
        fc.boolean(),
        async (body, pieces, chunked) => {
          const path = `/body/${n++}`;
          bodies.set(path, { body: Buffer.from(body), pieces, chunked });
          const result = await socketkit(['fetch', `http://127.0.0.1:${port}${path}`]);
          assert.equal(result.code, 0, result.stderr);
          assert.ok(
            result.stdout.equals(Buffer.from(body)),
            `${result.stdout.length} bytes back, ${body.length} sent`,
          );
        },
      ),
      { numRuns: 25, seed },
    );
    server.close();
  });

  test('-i prints the head then the body; -I sends HEAD and prints the head only', async () => {
    const server = createHttpServer((req, res) => {
      res.setHeader('X-Method', req.method!);
      res.end('the body');
    });
    const port = await listening(server as unknown as Server);
    const include = await socketkit(['fetch', '-i', `127.0.0.1:${port}`]);
    assert.match(
      include.stdout.toString(),
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*X-Method: GET\r\n[\s\S]*\r\n\r\nthe body$/,
    );
    const head = await socketkit(['fetch', '-I', `127.0.0.1:${port}`]);
    assert.match(head.stdout.toString(), /X-Method: HEAD\r\n/);
    assert.ok(head.stdout.toString().endsWith('\r\n\r\n'), 'no body after the head');
    server.close();
  });

  test('--raw shows the chunk framing; --repr prints the reply as a Python bytes literal', async () => {
    const srv = await rawServer(
      afterRequest((s) =>
        s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
      ),
    );
    const raw = await socketkit(['fetch', '--raw', `127.0.0.1:${srv.port}`]);
    assert.equal(
      raw.stdout.toString(),
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    );
    const repr = await socketkit(['fetch', '--repr', `127.0.0.1:${srv.port}`]);
    assert.equal(
      repr.stdout.toString(),
      "b'HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello\\r\\n0\\r\\n\\r\\n'\n",
    );
    srv.close();
  });

  test('--raw into a slow pipe writes every byte right (the read buffer is not reused under a pending write)', async () => {
    const body = randomBytes(20 * 1024 * 1024);
    const srv = await rawServer(
      afterRequest((s) => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
        s.end(body);
      }),
    );
    const result = await run(
      'sh',
      ['-c', `node ${CLI} fetch --raw 127.0.0.1:${srv.port} | (sleep 1; cat)`],
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    const headEnd = out.indexOf('\r\n\r\n') + 4;
    assert.equal(out.length - headEnd, body.length);
    assert.ok(
      out.subarray(headEnd).equals(body),
      'the body bytes differ from what the server sent',
    );
    srv.close();
  });

  test('--repr streams a large reply in bounded memory (a 64 MB heap is enough for 30 MB)', async () => {
    const body = Buffer.alloc(30 * 1024 * 1024, 0x61);
    const srv = await rawServer(
      afterRequest((s) => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
        s.end(body);
      }),
    );
    const result = await run(
      'sh',
      ['-c', `node --max-old-space-size=64 ${CLI} fetch --repr 127.0.0.1:${srv.port} | wc -c`],
      { timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    // b' + head (escaped) + 30 Mi × 'a' + ' + newline.
    assert.ok(Number(result.stdout.toString().trim()) > body.length);
    srv.close();
  });

  test('--repr and -v show the bytes that arrived when the reply does not parse (exit 8)', async () => {
    const srv = await rawServer(
      afterRequest((s) => s.end('HTTP/1.1 200 OK\r\nBad Header\r\n\r\n')),
    );
    const repr = await socketkit(['fetch', '--repr', `127.0.0.1:${srv.port}`]);
    assert.equal(repr.code, 8, repr.stderr);
    assert.equal(repr.stdout.toString(), "b'HTTP/1.1 200 OK\\r\\nBad Header\\r\\n\\r\\n'\n");
    assert.match(repr.stderr, /^socketkit: [^\n]+\n$/);
    const verbose = await socketkit(['fetch', '-v', `127.0.0.1:${srv.port}`]);
    assert.equal(verbose.code, 8);
    assert.match(
      verbose.stderr,
      /\* The reply as received \(31 bytes\):\n< HTTP\/1\.1 200 OK\\r\\n\n< Bad Header/,
    );
    srv.close();
  });

  test('sends GET with Host (port included), User-Agent socketkit/<version>, Accept and Connection: close', async () => {
    let request = '';
    const srv = await rawServer((socket) => {
      socket.on('data', (d: Buffer) => {
        request += d.toString('latin1');
        if (request.includes('\r\n\r\n')) socket.end('HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    const result = await socketkit(['fetch', `http://localhost:${srv.port}/path?q=1#frag`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      request,
      `GET /path?q=1 HTTP/1.1\r\nHost: localhost:${srv.port}\r\nUser-Agent: socketkit/0.1.0\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
    srv.close();
  });

  test('-X, -H and -d shape the request; -v shows both heads and the timings', async () => {
    let request = '';
    const srv = await rawServer((socket) => {
      socket.on('data', (d: Buffer) => {
        request += d.toString('latin1');
        if (/\r\n\r\nname=value$/.test(request))
          socket.end('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    const result = await socketkit([
      'fetch',
      '-v',
      '-X',
      'PUT',
      '-H',
      'X-Test: yes',
      '-d',
      'name=value',
      `127.0.0.1:${srv.port}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(request, /^PUT \/ HTTP\/1\.1\r\n/);
    assert.match(request, /\r\nX-Test: yes\r\n/);
    assert.match(request, /\r\nContent-Length: 10\r\n/);
    assert.match(result.stderr, /^> PUT \/ HTTP\/1\.1$/m);
    assert.match(result.stderr, /^< HTTP\/1\.1 201 Created$/m);
    assert.match(
      result.stderr,
      /lookup [\d.]+ ms, connect [\d.]+ ms, first byte [\d.]+ ms, total [\d.]+ ms/,
    );
    srv.close();
  });

  test("-w '%{json}' reports status, headers, sizes and timings (--json now sends JSON, as curl's)", async () => {
    const server = createHttpServer((_req, res) => res.end('twelve bytes'));
    const port = await listening(server as unknown as Server);
    const result = await socketkit([
      'fetch',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{json}',
      `127.0.0.1:${port}`,
    ]);
    const data = JSON.parse(result.stdout.toString());
    assert.equal(data.http_code, 200);
    assert.equal(data.size_download, 12);
    assert.ok(data.timings.total >= data.timings.firstByte);
    assert.ok(data.headers.some(([n]: [string]) => n.toLowerCase() === 'content-length'));
    server.close();
  });

  test('-o writes the body to a file', async () => {
    const body = randomBytes(300_000);
    const server = createHttpServer((_req, res) => res.end(body));
    const port = await listening(server as unknown as Server);
    const out = `${FIXTURES}/../artifacts/fetch-output.bin`;
    await import('node:fs').then((fs) =>
      fs.mkdirSync(`${FIXTURES}/../artifacts`, { recursive: true }),
    );
    const result = await socketkit(['fetch', '-o', out, `127.0.0.1:${port}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.length, 0);
    assert.ok((await import('node:fs')).readFileSync(out).equals(body));
    server.close();
  });
});

describe('socketkit fetch exit codes, each against a server that misbehaves that way', () => {
  test('2: a bad URL or a header with CR/LF/NUL, and nothing is sent', async () => {
    const srv = await rawServer(() => {});
    for (const args of [
      ['fetch', 'ftp://127.0.0.1/'],
      ['fetch', 'http://'],
      ['fetch', 'http://exa mple.com/'],
      ['fetch', `127.0.0.1:${srv.port}:99`],
      ['fetch', '-H', 'X-Injected: a\r\nEvil: yes', `127.0.0.1:${srv.port}`],
      ['fetch', '-H', 'X-Tab-Bell: a\u0007b', `127.0.0.1:${srv.port}`],
      ['fetch', '-X', 'GET /other', `127.0.0.1:${srv.port}`],
    ]) {
      const result = await socketkit(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /Invalid|invalid/);
    }
    assert.equal(srv.connections(), 0, 'no connection was made for any of them');
    srv.close();
  });

  test('6: an unknown host', async () => {
    const result = await socketkit(['fetch', 'http://a.non.existent.name!/']);
    assert.equal(result.code, 6);
    assert.match(result.stderr, /Name or service not known/);
  });

  test('7: connection refused', async () => {
    const srv = await rawServer(() => {});
    srv.close();
    await new Promise((r) => setTimeout(r, 50));
    const result = await socketkit(['fetch', `127.0.0.1:${srv.port}`]);
    assert.equal(result.code, 7);
  });

  test('8: a malformed reply', async () => {
    const srv = await rawServer(
      afterRequest((s) => s.end('HTTP/1.1 200 OK\r\nBad Header Name: x\r\n\r\n')),
    );
    const result = await socketkit(['fetch', `127.0.0.1:${srv.port}`]);
    assert.equal(result.code, 8, result.stderr);
    assert.match(result.stderr, /Invalid header field char|Invalid header token/);
    srv.close();
  });

  test('18: a body shorter than Content-Length, or a chunked body cut off; what arrived is written out', async () => {
    const short = await rawServer(
      afterRequest((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this')),
    );
    const r1 = await socketkit(['fetch', `127.0.0.1:${short.port}`]);
    assert.equal(r1.code, 18, r1.stderr);
    assert.equal(r1.stdout.toString(), 'only this');
    assert.match(r1.stderr, /91 bytes still to come/);
    short.close();
    const cut = await rawServer(
      afterRequest((s) =>
        s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'),
      ),
    );
    const r2 = await socketkit(['fetch', `127.0.0.1:${cut.port}`]);
    assert.equal(r2.code, 18, r2.stderr);
    assert.equal(r2.stdout.toString(), 'hello');
    cut.close();
  });

  test('22: --fail on a status of 400 or more; without it, any complete reply exits 0', async () => {
    const srv = await rawServer(
      afterRequest((s) => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found')),
    );
    const failing = await socketkit(['fetch', '--fail', `127.0.0.1:${srv.port}`]);
    assert.equal(failing.code, 22);
    assert.match(failing.stderr, /returned error: 404/);
    const plain = await socketkit(['fetch', `127.0.0.1:${srv.port}`]);
    assert.equal(plain.code, 0);
    assert.equal(plain.stdout.toString(), 'not found');
    srv.close();
  });

  test('28: --connect-timeout during a TLS handshake that never ends, and -m during a body that never ends', async () => {
    const silent = await rawServer(() => {});
    const r1 = await socketkit([
      'fetch',
      '--connect-timeout',
      '0.3',
      `https://127.0.0.1:${silent.port}/`,
    ]);
    assert.equal(r1.code, 28, r1.stderr);
    silent.close();
    const stalling = await rawServer(
      afterRequest((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial ')),
    );
    const r2 = await socketkit(['fetch', '-m', '0.5', `127.0.0.1:${stalling.port}`]);
    assert.equal(r2.code, 28, r2.stderr);
    assert.equal(r2.stdout.toString(), 'partial ');
    assert.match(r2.stderr, /timed out after 0\.5 s \(-m\/--max-time\)/);
    stalling.close();
  });

  test('35: TLS to a server that does not speak it', async () => {
    const srv = await rawServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
    const result = await socketkit(['fetch', `https://127.0.0.1:${srv.port}/`]);
    assert.equal(result.code, 35, result.stderr);
    srv.close();
  });

  test('47: more redirects than --max-redirs', async () => {
    const srv = await rawServer(
      afterRequest((s) =>
        s.end('HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n'),
      ),
    );
    const result = await socketkit(['fetch', '-L', '--max-redirs', '3', `127.0.0.1:${srv.port}`]);
    assert.equal(result.code, 47, result.stderr);
    assert.match(result.stderr, /Maximum \(3\) redirects followed/);
    assert.equal(srv.connections(), 4);
    srv.close();
  });

  test('52: the connection closes without a reply', async () => {
    const srv = await rawServer(afterRequest((s) => s.end()));
    const result = await socketkit(['fetch', `127.0.0.1:${srv.port}`]);
    assert.equal(result.code, 52, result.stderr);
    assert.match(result.stderr, /closed the connection without replying/);
    srv.close();
  });

  test('56: a reset while receiving', async () => {
    const srv = await rawServer(
      afterRequest((s) =>
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nsome', () =>
          setTimeout(() => s.resetAndDestroy(), 50),
        ),
      ),
    );
    const result = await socketkit(['fetch', `127.0.0.1:${srv.port}`]);
    assert.equal(result.code, 56, result.stderr);
    assert.equal(result.stdout.toString(), 'some');
    srv.close();
  });
});

describe('socketkit fetch over HTTPS and redirects', () => {
  test('a self-signed certificate: 60 without -k or --cacert, 0 with either', async () => {
    const selfSigned = createHttpsServer(
      { key: fixture('self-signed-key.pem'), cert: fixture('self-signed.pem') },
      (_q, r) => r.end('secret'),
    );
    const port = await listening(selfSigned as unknown as Server);
    const untrusted = await socketkit(['fetch', `https://localhost:${port}/`]);
    assert.equal(untrusted.code, 60, untrusted.stderr);
    const insecure = await socketkit(['fetch', '-k', `https://localhost:${port}/`]);
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.equal(insecure.stdout.toString(), 'secret');
    const pinned = await socketkit([
      'fetch',
      '--cacert',
      `${FIXTURES}/self-signed.pem`,
      `https://localhost:${port}/`,
    ]);
    assert.equal(pinned.code, 0, pinned.stderr);
    selfSigned.close();
  });

  test('-L follows a chain http → http → https on loopback', async () => {
    const secure = createHttpsServer(
      { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
      (req, res) => {
        res.end(`arrived at ${req.url} over TLS`);
      },
    );
    const securePort = await listening(secure as unknown as Server);
    const second = createHttpServer((_q, r) => {
      r.writeHead(301, { Location: `https://localhost:${securePort}/final` });
      r.end();
    });
    const secondPort = await listening(second as unknown as Server);
    const first = createHttpServer((_q, r) => {
      r.writeHead(302, { Location: `http://127.0.0.1:${secondPort}/second` });
      r.end();
    });
    const firstPort = await listening(first as unknown as Server);
    const result = await socketkit([
      'fetch',
      '-L',
      '-v',
      '--cacert',
      `${FIXTURES}/ca.pem`,
      `http://127.0.0.1:${firstPort}/first`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'arrived at /final over TLS');
    assert.match(result.stderr, /Following the 302 redirect to http:\/\/127\.0\.0\.1:\d+\/second/);
    assert.match(result.stderr, /Following the 301 redirect to https:\/\/localhost:\d+\/final/);
    for (const s of [first, second, secure]) s.close();
  });
});

describe('socketkit fetch -o: the progress bar', () => {
  test('draws a bar on a terminal and none into a pipe; the file gets every byte either way', async (t) => {
    if (!requirePeer(t, 'python3', 'to drive a pseudo-terminal')) return;
    const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const server = createHttpServer((_q, r) => r.end(body));
    const port = await listening(server as unknown as Server);
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-fetch-bar-'));
    try {
      const onTerminal = join(dir, 'terminal.bin');
      const tty = await socketkitInPty(['fetch', '-o', onTerminal, `127.0.0.1:${port}`], []);
      assert.equal(tty.status, 0, tty.output);
      assert.match(tty.output, /100% \| 2097152\/2097152 bytes \| [\d.]+ MiB\/s/);
      assert.equal(statSync(onTerminal).size, body.length);

      const piped = join(dir, 'piped.bin');
      const result = await socketkit(['fetch', '-o', piped, `127.0.0.1:${port}`]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.equal(statSync(piped).size, body.length);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('socketkit fetch without a URL', () => {
  test('asks "What server do you want to connect to?" on a terminal, as tutorial 000 does', async (t) => {
    if (!requirePeer(t, 'python3', 'to drive a pseudo-terminal')) return;
    const server = createHttpServer((_q, r) => r.end('root document'));
    const port = await listening(server as unknown as Server);
    const result = await socketkitInPty(
      ['fetch'],
      [['What server do you want to connect to\\? $', `127.0.0.1:${port}`]],
    );
    assert.equal(result.status, 0, result.output);
    assert.match(
      result.output,
      /What server do you want to connect to\? 127\.0\.0\.1:\d+[\r\n]+root document/,
    );
    server.close();
  });

  test('reads the server from a pipe when stdin is not a terminal', async () => {
    const server = createHttpServer((_q, r) => r.end('from a pipe'));
    const port = await listening(server as unknown as Server);
    const result = await socketkit(['fetch'], { input: `127.0.0.1:${port}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'from a pipe');
    const empty = await socketkit(['fetch'], { input: '' });
    assert.equal(empty.code, 2);
    server.close();
  });
});

describe('socketkit fetch: output that cannot be written', () => {
  test('a full disk, a missing folder: exit 23 and one sentence naming where and why, as curl', async () => {
    const body = Buffer.alloc(256 * 1024, 0x61);
    const srv = await rawServer(
      afterRequest((socket) =>
        socket.end(
          Buffer.concat([
            Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`),
            body,
          ]),
        ),
      ),
    );
    const url = `127.0.0.1:${srv.port}/`;
    const cases: Array<[string, string[], RegExp]> = [
      [
        'stdout on /dev/full',
        ['sh', '-c', `"${process.execPath}" "${CLI}" fetch ${url} > /dev/full`],
        /^socketkit: Cannot write the output: no space left on the device \(ENOSPC\)\n$/,
      ],
      [
        '--raw on /dev/full',
        ['sh', '-c', `"${process.execPath}" "${CLI}" fetch --raw ${url} > /dev/full`],
        /Cannot write the output: no space left/,
      ],
      [
        '-o /dev/full',
        [process.execPath, CLI, 'fetch', '-o', '/dev/full', url],
        /^socketkit: Cannot write -o \/dev\/full: no space left on the device \(ENOSPC\)\n$/,
      ],
      [
        '-o in a folder that does not exist',
        [process.execPath, CLI, 'fetch', '-o', '/nonexistent-dir/f', url],
        /^socketkit: Cannot write -o \/nonexistent-dir\/f: no such file or directory \(ENOENT\)\n$/,
      ],
    ];
    for (const [what, [command, ...args], message] of cases) {
      const result = await run(command!, args);
      assert.equal(result.code, 23, `${what}: ${result.stderr}`);
      assert.match(result.stderr, message, what);
    }
    srv.close();
  });
});
