import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import {
  ConnectionRefusedError,
  connect,
  decode,
  encode,
  listen,
  NameResolutionError,
  SocketAbortError,
  SocketTimeoutError,
  TlsError,
} from '../src/index.js';
import { fixture, requirePeer, startPython, unusedPort } from './_helpers.js';

function listening(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve((server.address() as { port: number }).port)),
  );
}

/** A port with nothing listening on it: bind, note the port, close. */
const closedPort = () => unusedPort('tcp');

describe('connect()', () => {
  test('connects by name and by address, and records phase timings', async () => {
    const listener = await listen();
    const byName = await connect('localhost', listener.address.port);
    assert.equal(byName.remoteAddress?.host, '127.0.0.1');
    assert.ok(byName.timings);
    assert.ok(byName.timings.lookup <= byName.timings.connect);
    await byName.close();
    const byAddress = await connect('127.0.0.1', String(listener.address.port));
    await byAddress.close();
    await listener.close();
  });

  test('tries every resolved address in order, as create_connection does', async () => {
    const listener = await listen({ host: '127.0.0.1' });
    const dead = await closedPort();
    assert.ok(dead !== listener.address.port);
    const tried: string[] = [];
    // 127.0.0.2 is loopback too, but nothing listens there on this port: refused, then the next works.
    const sock = await connect('multi.test', listener.address.port, {
      lookup: async () => {
        tried.push('lookup');
        return [
          { address: '127.0.0.2', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ];
      },
    });
    assert.equal(sock.remoteAddress?.host, '127.0.0.1');
    assert.deepEqual(tried, ['lookup']);
    await sock.close();
    // And the first address wins when it works: a listener on all of 127/8 accepts 127.0.0.2.
    const wide = await listen({ host: '0.0.0.0' });
    const first = await connect('multi.test', wide.address.port, {
      lookup: async () => [
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    assert.equal(first.remoteAddress?.host, '127.0.0.2');
    await first.close();
    await wide.close();
    await listener.close();
  });

  test('a lookup that returns anything but numeric addresses is a TypeError, and nothing is resolved or connected', async () => {
    // Node, handed these, would look up "nope" in DNS or connect to localhost: neither may happen.
    await using listener = await listen({ host: '127.0.0.1' });
    const port = listener.address.port;
    const bad: unknown[] = [
      null,
      'x',
      [{}],
      [{ address: 'nope', family: 4 }],
      [{ address: '127.0.0.1', family: 6 }],
      [{ address: '127.0.0.1' }],
      [42],
    ];
    for (const result of bad) {
      const error = await connect('bad-lookup.test', port, {
        lookup: async () => result as never,
      }).catch((e: unknown) => e);
      assert.ok(error instanceof TypeError, `${JSON.stringify(result)}: ${String(error)}`);
      assert.match(error.message, /^The lookup function returned .* for "bad-lookup\.test"/);
    }
    const wrongFamily = await connect('bad-lookup.test', port, {
      family: 6,
      lookup: async () => [{ address: '127.0.0.1', family: 4 }],
    }).catch((e: unknown) => e);
    assert.match(String(wrongFamily), /an IPv4 address, though family 6 was asked for/);
    const failing = await connect('bad-lookup.test', port, {
      lookup: async () => {
        throw new Error('no such zone');
      },
    }).catch((e: unknown) => e);
    assert.ok(failing instanceof NameResolutionError);
    assert.match(failing.message, /the lookup function failed: no such zone/);
    await assert.rejects(connect('x.test', port, { lookup: 'dns' as never }), {
      name: 'TypeError',
      message: /Invalid lookup string: it must be a function/,
    });
    const none = await listener.accept({ timeout: 200 }).catch((e: unknown) => e);
    assert.ok(none instanceof SocketTimeoutError, 'nothing connected to localhost');
  });

  test('when every address refuses, the error is ConnectionRefusedError naming host and port', async () => {
    const port = await closedPort();
    await assert.rejects(connect('127.0.0.1', port), (error: unknown) => {
      assert.ok(error instanceof ConnectionRefusedError);
      assert.equal(error.code, 'SOCKETKIT_ERR_CONNECTION_REFUSED');
      assert.equal(error.errno, 111);
      assert.equal(error.host, '127.0.0.1');
      assert.equal(error.port, port);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1 port ${port}.*ECONNREFUSED`));
      return true;
    });
  });

  test('an unresolvable name is NameResolutionError with Python\'s "Name or service not known"', async () => {
    await assert.rejects(connect('a.non.existent.name!', 80), (error: unknown) => {
      assert.ok(error instanceof NameResolutionError);
      assert.match(
        error.message,
        /Could not resolve host "a\.non\.existent\.name!": Name or service not known/,
      );
      return true;
    });
  });

  test('bad hosts and ports are TypeError/RangeError before any network traffic', async () => {
    await assert.rejects(connect('', 80), /must not be empty/);
    await assert.rejects(connect('bad host', 80), /must not contain whitespace/);
    await assert.rejects(connect('bad\u0000host', 80), TypeError);
    await assert.rejects(connect('127.0.0.1', 65536), RangeError);
    await assert.rejects(connect('127.0.0.1', -1), RangeError);
    await assert.rejects(connect('127.0.0.1', 80.5), TypeError);
    await assert.rejects(connect('127.0.0.1', 'no-such-service'), /Service "no-such-service"/);
    await assert.rejects(connect(42 as unknown as string, 80), TypeError);
    await assert.rejects(connect('127.0.0.1', 80, { timeout: -1 }), RangeError);
  });

  test('a service name works as the port: "echo" means port 7', async () => {
    try {
      const sock = await connect('127.0.0.1', 'echo', { timeout: 2000 });
      assert.equal(sock.remoteAddress?.port, 7);
      await sock.close();
    } catch (error) {
      assert.ok(error instanceof ConnectionRefusedError, String(error));
      assert.equal(error.port, 7);
    }
  });

  test('one timeout covers connect and the TLS handshake: a server that never answers ClientHello', async () => {
    const silent = createServer((socket: Socket) => socket.on('data', () => {}));
    const port = await listening(silent);
    const started = performance.now();
    await assert.rejects(
      connect('127.0.0.1', port, { timeout: 300, tls: { insecure: true } }),
      (error: unknown) => {
        assert.ok(error instanceof SocketTimeoutError);
        assert.match(error.message, /timed out after 300 ms/);
        return true;
      },
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 2000, `took ${elapsed} ms`);
    silent.close();
  });

  test('an AbortSignal cancels connecting', async () => {
    const silent = createServer((socket: Socket) => socket.on('data', () => {}));
    const port = await listening(silent);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(
      connect('127.0.0.1', port, { tls: true, signal: controller.signal }),
      SocketAbortError,
    );
    silent.close();
  });
});

describe('connect() with TLS', () => {
  async function tlsEcho(
    certName: 'localhost' | 'self-signed',
  ): Promise<{ port: number; server: Server }> {
    const server = createTlsServer(
      {
        key: fixture(`${certName}-key.pem`),
        cert: fixture(`${certName}.pem`),
        allowHalfOpen: true,
      },
      (socket) => {
        socket.on('data', (d) => socket.write(d));
        socket.on('end', () => socket.end());
      },
    );
    server.on('tlsClientError', () => {});
    return { port: await listening(server), server };
  }

  test('verifies the certificate against the given CA and talks TLS', async () => {
    const { port, server } = await tlsEcho('localhost');
    const sock = await connect('localhost', port, { tls: { ca: fixture('ca.pem') } });
    assert.match(sock.tlsProtocol ?? '', /^TLSv1\.[23]$/);
    assert.ok(sock.timings?.tls !== undefined);
    await sock.sendAll(encode('over tls'));
    assert.equal(decode(await sock.recvExactly(8)), 'over tls');
    await sock.shutdown('write');
    assert.equal((await sock.recv()).length, 0, 'TLS half-close: the server saw EOF and closed');
    await sock.close();
    server.close();
  });

  test('an untrusted certificate is TlsError with reason "certificate"', async () => {
    const { port, server } = await tlsEcho('self-signed');
    await assert.rejects(connect('localhost', port, { tls: true }), (error: unknown) => {
      assert.ok(error instanceof TlsError);
      assert.equal(error.reason, 'certificate');
      assert.match(error.message, /not trusted/);
      return true;
    });
    server.close();
  });

  test('insecure: true skips verification', async () => {
    const { port, server } = await tlsEcho('self-signed');
    const sock = await connect('127.0.0.1', port, { tls: { insecure: true } });
    await sock.sendAll(encode('x'));
    assert.equal(decode(await sock.recvExactly(1)), 'x');
    await sock.close();
    server.close();
  });

  test('servername at the top level (as in DESIGN.md) sets SNI and the name checked', async () => {
    const { port, server } = await tlsEcho('localhost');
    const sock = await connect('127.0.0.1', port, {
      tls: { ca: fixture('ca.pem') },
      servername: 'localhost',
    });
    await sock.close();
    await assert.rejects(
      connect('127.0.0.1', port, { tls: { ca: fixture('ca.pem') }, servername: 'example.org' }),
      (error: unknown) => error instanceof TlsError && error.reason === 'certificate',
    );
    server.close();
  });

  test('a name that does not match the certificate is TlsError "certificate"', async () => {
    const { port, server } = await tlsEcho('localhost');
    await assert.rejects(
      connect('127.0.0.1', port, { tls: { ca: fixture('ca.pem'), servername: 'example.org' } }),
      (error: unknown) => error instanceof TlsError && error.reason === 'certificate',
    );
    server.close();
  });

  test('a plain-TCP server answering garbage fails the handshake with reason "handshake"', async () => {
    const garbage = createServer((socket: Socket) =>
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'),
    );
    const port = await listening(garbage);
    await assert.rejects(
      connect('127.0.0.1', port, { tls: true, timeout: 5000 }),
      (error: unknown) => error instanceof TlsError && error.reason === 'handshake',
    );
    garbage.close();
  });
});

/**
 * An address where connecting hangs, as a host whose IPv6 is broken does: Python listens on ::1
 * with a backlog of 0, never accepts, and fills its queue, so the kernel drops every later SYN
 * and connect() waits for its retransmissions. 127.0.0.1 on the same port answers.
 */
const BLACKHOLE = `
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::1", 0)); s.listen(0)
port = s.getsockname()[1]
fillers = []
for _ in range(4):
    c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); c.setblocking(False)
    try: c.connect(("::1", port))
    except BlockingIOError: pass
    fillers.append(c)
print(port, flush=True)
sys.stdin.read()
`;

describe('Happy Eyeballs (RFC 8305)', () => {
  test('a dead ::1 and a live 127.0.0.1: connects over IPv4 after the attempt delay, ::1 abandoned', async (t) => {
    if (!requirePeer(t, 'python3', 'to hold an IPv6 port whose connects hang')) return;
    // The same port on both families: ::1's from Python, then 127.0.0.1's; should something
    // else hold that port on 127.0.0.1, another round picks another port.
    let child: Awaited<ReturnType<typeof startPython>>['child'] | undefined;
    let port = 0;
    const alive = createServer((s) => {
      s.on('error', () => {});
      s.end('v4 here');
    });
    for (let round = 0; round < 10 && !alive.listening; round++) {
      child?.kill();
      const started = await startPython(BLACKHOLE);
      child = started.child;
      port = Number(started.firstLine);
      await new Promise<void>((resolve) => {
        alive.once('error', () => resolve());
        alive.listen(port, '127.0.0.1', () => resolve());
      });
    }
    assert.ok(alive.listening, 'no port free on both ::1 and 127.0.0.1 in 10 rounds');
    try {
      try {
        const both = async () => [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ];
        // The dead address first, as a resolver that prefers IPv6 gives it.
        const told: Array<[string, string]> = [];
        const sock = await connect('dual.test', port, {
          lookup: both,
          timeout: 5000,
          onAttempt: (a) => told.push([a.address, a.outcome]),
        });
        // onAttempt heard each as it ended: the winner first, then the one it beat.
        assert.deepEqual(told, [
          ['127.0.0.1', 'connected'],
          ['::1', 'abandoned'],
        ]);
        const attempts = sock.timings?.attempts ?? [];
        t.diagnostic(JSON.stringify(attempts));
        assert.equal(sock.remoteAddress?.host, '127.0.0.1');
        assert.equal(decode(await sock.recv(100)), 'v4 here');
        await sock.close();
        assert.deepEqual(
          attempts.map((a) => [a.address, a.outcome]),
          [
            ['::1', 'abandoned'],
            ['127.0.0.1', 'connected'],
          ],
        );
        // The IPv4 attempt waited for the attempt delay, not for the IPv6 one to give up.
        assert.ok(attempts[1]!.started >= 240, `IPv4 started at ${attempts[1]!.started} ms`);
        assert.ok(attempts[1]!.started < 2000, `IPv4 started at ${attempts[1]!.started} ms`);

        // Without it, the dead address holds everything up until the deadline.
        const error = await connect('dual.test', port, {
          lookup: both,
          timeout: 600,
          autoSelectFamily: false,
        }).catch((e: unknown) => e);
        assert.ok(error instanceof SocketTimeoutError, String(error));

        // A shorter attempt delay starts IPv4 sooner.
        const quick = await connect('dual.test', port, { lookup: both, attemptDelay: 50 });
        assert.ok((quick.timings?.attempts?.[1]?.started ?? 0) < 240);
        await quick.close();
      } finally {
        await new Promise((resolve) => alive.close(resolve));
      }
    } finally {
      child?.kill();
    }
  });

  test('a refused first address moves on at once; every address refused is the last error', async () => {
    const port = await closedPort();
    const server = createServer((s) => {
      s.on('error', () => {});
      s.end('ok');
    });
    const live = await listening(server);
    try {
      const sock = await connect('x.test', live, {
        lookup: async () => [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ],
      });
      const [first, second] = sock.timings!.attempts!;
      assert.equal(first!.outcome, 'failed');
      assert.match(first!.error!, /refused/);
      assert.ok(second!.started - first!.ended < 100, 'the next attempt starts when one fails');
      await sock.close();
      await assert.rejects(
        connect('x.test', port, {
          lookup: async () => [
            { address: '127.0.0.1', family: 4 },
            { address: '::1', family: 6 },
          ],
        }),
        (error: unknown) =>
          error instanceof ConnectionRefusedError && /::1|localhost|x\.test/.test(error.message),
      );
      await assert.rejects(connect('x.test', live, { attemptDelay: 1 }), {
        name: 'RangeError',
        message: /Invalid attemptDelay 1/,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
