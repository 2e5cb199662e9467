import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  AddressInUseError,
  connect,
  decode,
  encode,
  listen,
  SocketClosedError,
  SocketTimeoutError,
  type StreamSocket,
} from '../src/index.js';
import { fixture, until } from './_helpers.js';

describe('listen() and ServerSocket', () => {
  test('binds 127.0.0.1 on an OS-chosen port by default', async () => {
    const server = await listen();
    assert.equal(server.address.host, '127.0.0.1');
    assert.ok(server.address.port > 0);
    assert.match(
      inspect(server),
      /^<ServerSocket fd=\d+, family=AF_INET, type=SOCK_STREAM, proto=6, laddr=\('127\.0\.0\.1', \d+\)>$/,
    );
    await server.close();
    assert.match(inspect(server), /^<ServerSocket \[closed\]/);
  });

  test('accept() returns the connection and the peer address, like Python', async () => {
    const server = await listen();
    const client = await connect('127.0.0.1', server.address.port);
    const [conn, address] = await server.accept();
    assert.deepEqual(address, client.localAddress);
    await client.sendAll(encode('ping'));
    assert.equal(decode(await conn.recvExactly(4)), 'ping');
    await Promise.all([client.close(), conn.close(), server.close()]);
  });

  test('for await yields each connection and ends when the server closes', async () => {
    const server = await listen();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const conn of server) {
        seen.push(decode(await conn.recvExactly(1)));
        await conn.close();
      }
    })();
    for (const letter of ['a', 'b', 'c']) {
      const c = await connect('127.0.0.1', server.address.port);
      await c.sendAll(encode(letter));
      assert.equal((await c.recv()).length, 0);
      await c.close();
    }
    await server.close();
    await loop;
    assert.deepEqual(seen, ['a', 'b', 'c']);
  });

  test('several accept() calls wait in turn, as threads blocked in accept do', async () => {
    const server = await listen();
    const first = server.accept();
    const second = server.accept();
    const a = await connect('127.0.0.1', server.address.port);
    const b = await connect('127.0.0.1', server.address.port);
    const [[ca], [cb]] = await Promise.all([first, second]);
    assert.notEqual(ca.remoteAddress?.port, cb.remoteAddress?.port);
    await Promise.all([a.close(), b.close(), ca.close(), cb.close(), server.close()]);
  });

  test('accept() with a timeout rejects with SocketTimeoutError and the server keeps working', async () => {
    const server = await listen();
    await assert.rejects(server.accept({ timeout: 50 }), SocketTimeoutError);
    const client = await connect('127.0.0.1', server.address.port);
    const [conn] = await server.accept({ timeout: 2000 });
    await Promise.all([client.close(), conn.close(), server.close()]);
  });

  test('close() rejects a waiting accept() with SocketClosedError and frees the port', async () => {
    const server = await listen();
    const port = server.address.port;
    const waiting = assert.rejects(server.accept(), SocketClosedError);
    await server.close();
    await waiting;
    const again = await listen({ port });
    assert.equal(again.address.port, port);
    await again.close();
  });

  test('accepted connections outlive the listening socket, as in Python', async () => {
    const server = await listen();
    const client = await connect('127.0.0.1', server.address.port);
    const [conn] = await server.accept();
    await server.close();
    await client.sendAll(encode('still here'));
    assert.equal(decode(await conn.recvExactly(10)), 'still here');
    await Promise.all([client.close(), conn.close()]);
  });

  test('binding a port in use is AddressInUseError naming the address', async () => {
    const server = await listen();
    await assert.rejects(listen({ port: server.address.port }), (error: unknown) => {
      assert.ok(error instanceof AddressInUseError);
      assert.match(
        error.message,
        new RegExp(`127\\.0\\.0\\.1 port ${server.address.port} is already in use`),
      );
      return true;
    });
    await server.close();
  });

  test('bad options are TypeError/RangeError', async () => {
    await assert.rejects(listen({ port: 70000 }), RangeError);
    await assert.rejects(listen({ host: '' }), TypeError);
    await assert.rejects(listen({ backlog: 0 }), RangeError);
  });

  test('beyond the backlog, connections are reset instead of queued without bound', async () => {
    const server = await listen({ backlog: 2 });
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => connect('127.0.0.1', server.address.port)),
    );
    await until(() => server.pending === 2, 'two connections wait in the backlog');
    assert.equal(server.pending, 2);
    const outcomes = await Promise.all(
      clients.map((c) =>
        c.recv(1, { timeout: 500 }).then(
          (data) => (data.length === 0 ? 'eof' : 'data'),
          (error: Error) => error.name,
        ),
      ),
    );
    assert.equal(
      outcomes.filter((o) => o === 'ConnectionResetError').length,
      3,
      outcomes.join(','),
    );
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  test('a TLS server beyond its backlog turns connections away without crashing', async () => {
    // Node cannot reset a TLS socket (its handle is not the TCP one): this threw in an event
    // handler and took the process down.
    const server = await listen({
      backlog: 1,
      tls: { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
    });
    const clients = await Promise.all(
      Array.from({ length: 3 }, () =>
        connect('127.0.0.1', server.address.port, {
          tls: { ca: fixture('ca.pem'), servername: 'localhost' },
        }),
      ),
    );
    await until(() => server.pending === 1, 'one connection waits in the backlog');
    const outcomes = await Promise.all(
      clients.map((c) =>
        c.recv(1, { timeout: 500 }).then(
          (data) => (data.length === 0 ? 'end' : 'data'),
          (error: Error) => error.name,
        ),
      ),
    );
    assert.deepEqual(outcomes.sort(), ['SocketTimeoutError', 'end', 'end']);
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  test('abort() on an accepted TLS connection closes it without throwing', async () => {
    // It called resetAndDestroy(), which Node refuses for a TLS socket: serve()'s write
    // timeout did this to a client that stopped reading, and the process died.
    await using server = await listen({
      tls: { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
    });
    const accepting = server.accept();
    await using client = await connect('127.0.0.1', server.address.port, {
      tls: { ca: fixture('ca.pem'), servername: 'localhost' },
    });
    const [conn] = await accepting;
    await conn.abort();
    assert.equal(conn.closed, true);
    assert.equal((await client.recv(10, { timeout: 5000 })).length, 0);
  });

  test('serves TLS with a key and certificate', async () => {
    const server = await listen({
      tls: { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
    });
    const accepting = server.accept();
    const client = await connect('localhost', server.address.port, {
      tls: { ca: fixture('ca.pem') },
    });
    const [conn] = await accepting;
    assert.match(conn.tlsProtocol ?? '', /^TLSv1/);
    await client.sendAll(encode('secret'));
    assert.equal(decode(await conn.recvExactly(6)), 'secret');
    await Promise.all([client.close(), conn.close(), server.close()]);
  });

  test('a failed TLS handshake from one client does not stop the server', async () => {
    const server = await listen({
      tls: { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
    });
    const raw = netConnect(server.address.port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.end('this is not TLS\r\n\r\n');
    await new Promise((resolve) => raw.once('close', resolve));
    const accepting = server.accept();
    const client = await connect('localhost', server.address.port, {
      tls: { ca: fixture('ca.pem') },
    });
    const [conn]: [StreamSocket, unknown] = await accepting;
    await Promise.all([client.close(), conn.close(), server.close()]);
  });
});
