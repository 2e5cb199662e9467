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
import { fixture } from './_helpers.js';

function listening(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve((server.address() as { port: number }).port)),
  );
}

/** A port with nothing listening on it: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
