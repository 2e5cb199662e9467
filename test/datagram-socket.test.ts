import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  AddressInUseError,
  ConcurrentReadError,
  ConnectionRefusedError,
  decode,
  encode,
  InvalidStateError,
  NameResolutionError,
  SocketClosedError,
  SocketTimeoutError,
  udp,
} from '../src/index.js';
import { until } from './_helpers.js';

describe('udp() and DatagramSocket', () => {
  test('sendTo() and recvFrom() carry a datagram and report the sender', async () => {
    const server = await udp({ bind: 0 });
    const client = await udp();
    const port = server.localAddress!.port;
    assert.equal(await client.sendTo(encode('ping'), '127.0.0.1', port), 4);
    const { data, address } = await server.recvFrom(1024);
    assert.equal(decode(data), 'ping');
    assert.equal(address.host, '127.0.0.1');
    // The client was bound implicitly to 0.0.0.0 by its first send (getsockname says so in Python too).
    assert.equal(client.localAddress?.host, '0.0.0.0');
    assert.equal(address.port, client.localAddress?.port);
    await server.sendTo(encode('pong'), address.host, address.port);
    assert.equal(decode((await client.recvFrom()).data), 'pong');
    await Promise.all([server.close(), client.close()]);
  });

  test('binds 127.0.0.1 unless told otherwise, and prints like Python', async () => {
    const sock = await udp({ bind: 0 });
    assert.equal(sock.localAddress?.host, '127.0.0.1');
    assert.match(
      inspect(sock),
      /^<DatagramSocket fd=\d+, family=AF_INET, type=SOCK_DGRAM, proto=17, laddr=\('127\.0\.0\.1', \d+\)>$/,
    );
    await sock.close();
    assert.match(inspect(sock), /^<DatagramSocket \[closed\] fd=-1/);
  });

  test('connect() then send()/recv() talk to one peer; datagram boundaries are kept', async () => {
    const server = await udp({ bind: 0 });
    const client = await udp();
    await client.connect('127.0.0.1', server.localAddress!.port);
    await client.send(encode('one'));
    await client.send(encode('two'));
    assert.equal(decode((await server.recvFrom()).data), 'one');
    const second = await server.recvFrom();
    assert.equal(decode(second.data), 'two');
    await server.sendTo(encode('reply'), second.address.host, second.address.port);
    assert.equal(decode(await client.recv()), 'reply');
    await Promise.all([server.close(), client.close()]);
  });

  test('an empty datagram is a datagram (QOTD asks with one)', async () => {
    const server = await udp({ bind: 0 });
    const client = await udp();
    await client.sendTo(new Uint8Array(0), '127.0.0.1', server.localAddress!.port);
    const { data } = await server.recvFrom();
    assert.equal(data.length, 0);
    await Promise.all([server.close(), client.close()]);
  });

  test('recvFrom(n) cuts a longer datagram to n bytes, as Python does', async () => {
    const server = await udp({ bind: 0 });
    const client = await udp();
    await client.sendTo(encode('0123456789'), '127.0.0.1', server.localAddress!.port);
    assert.equal(decode((await server.recvFrom(4)).data), '0123');
    await Promise.all([server.close(), client.close()]);
  });

  test('a datagram over 65,507 bytes is a RangeError, not a crash', async () => {
    const client = await udp();
    await assert.rejects(client.sendTo(new Uint8Array(65508), '127.0.0.1', 9), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /65508 bytes: UDP over IPv4 carries at most 65,507 bytes/);
      return true;
    });
    const server = await udp({ bind: 0 });
    assert.equal(
      await client.sendTo(new Uint8Array(65507), '127.0.0.1', server.localAddress!.port),
      65507,
    );
    assert.equal((await server.recvFrom(70000)).data.length, 65507);
    await Promise.all([server.close(), client.close()]);
  });

  test('recvFrom() with a timeout rejects with SocketTimeoutError and the socket stays usable', async () => {
    const server = await udp({ bind: 0 });
    server.setTimeout(50);
    await assert.rejects(server.recvFrom(), SocketTimeoutError);
    const client = await udp();
    await client.sendTo(encode('late'), '127.0.0.1', server.localAddress!.port);
    assert.equal(decode((await server.recvFrom()).data), 'late');
    await Promise.all([server.close(), client.close()]);
  });

  test('a connected socket reports ICMP port unreachable as ConnectionRefusedError on recv', async () => {
    const probe = await udp({ bind: 0 });
    const deadPort = probe.localAddress!.port;
    await probe.close();
    const client = await udp();
    await client.connect('127.0.0.1', deadPort);
    await client.send(encode('anyone?'));
    await assert.rejects(client.recv(100, { timeout: 2000 }), ConnectionRefusedError);
    await client.close();
  });

  test('an unresolvable host is NameResolutionError', async () => {
    const client = await udp();
    await assert.rejects(client.sendTo(encode('x'), 'no.such.host!', 9), NameResolutionError);
    await client.close();
  });

  test('connect() to an unresolvable host rejects with NameResolutionError, a promise a try/catch can catch', async () => {
    const client = await udp();
    const failure = await client.connect('no.such.host!', 7).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof NameResolutionError, String(failure));
    assert.match((failure as Error).message, /Could not resolve host "no\.such\.host!"/);
    // The process is still here and the socket still works.
    const server = await udp({ bind: 0 });
    await client.sendTo(encode('still alive'), '127.0.0.1', server.localAddress!.port);
    assert.equal(decode((await server.recvFrom()).data), 'still alive');
    await Promise.all([client.close(), server.close()]);
  });

  test('without a family, the socket takes the family of the first address it uses', async () => {
    const server = await udp({ bind: { host: '::1', port: 0 } });
    assert.equal(server.family, 'AF_INET6');
    const client = await udp();
    await client.connect('::1', server.localAddress!.port);
    assert.equal(client.family, 'AF_INET6');
    await client.send(encode('six'));
    assert.equal(decode((await server.recvFrom()).data), 'six');
    const four = await udp({ family: 4 });
    await assert.rejects(
      four.connect('::1', 9),
      /Address ::1 is IPv6, but this UDP socket is IPv4/,
    );
    await Promise.all([server.close(), client.close(), four.close()]);
  });

  test('setBroadcast() before bind is kept and applied when the socket binds', async () => {
    const sock = await udp();
    sock.setBroadcast(true);
    await sock.bind(0);
    assert.ok(sock.localAddress !== null);
    await sock.close();
  });

  test('misuse is InvalidStateError: sendTo() when connected, send()/recv() when not', async () => {
    const sock = await udp({ bind: 0 });
    await assert.rejects(sock.send(encode('x')), InvalidStateError);
    await assert.rejects(sock.recv(), InvalidStateError);
    await sock.connect('127.0.0.1', sock.localAddress!.port);
    await assert.rejects(sock.sendTo(encode('x'), '127.0.0.1', 9), InvalidStateError);
    await sock.close();
  });

  test('strings, bad ports and concurrent receives are refused clearly', async () => {
    const sock = await udp({ bind: 0 });
    await assert.rejects(
      sock.sendTo('x' as unknown as Uint8Array, '127.0.0.1', 9),
      /encode it first/,
    );
    await assert.rejects(sock.sendTo(encode('x'), '127.0.0.1', 70000), RangeError);
    await assert.rejects(sock.recv(), /unconnected UDP socket/);
    const waiting = sock.recvFrom(10, { timeout: 100 });
    await assert.rejects(sock.recvFrom(), ConcurrentReadError);
    await assert.rejects(waiting, SocketTimeoutError);
    await sock.close();
    await assert.rejects(sock.recvFrom(), SocketClosedError);
  });

  test('binding a port in use is AddressInUseError', async () => {
    const first = await udp({ bind: 0 });
    await assert.rejects(udp({ bind: first.localAddress!.port }), AddressInUseError);
    await first.close();
  });

  test('unread datagrams beyond the queue limit are dropped and counted, not buffered without bound', async () => {
    const server = await udp({ bind: 0, queueLimit: 10 });
    const client = await udp();
    for (let i = 0; i < 50; i++)
      await client.sendTo(encode(`d${i}`), '127.0.0.1', server.localAddress!.port);
    await until(() => server.dropped === 40, '40 datagrams were dropped');
    assert.equal(server.dropped, 40);
    assert.equal(decode((await server.recvFrom()).data), 'd0');
    await Promise.all([server.close(), client.close()]);
  });

  test('IPv6 datagrams over ::1', async () => {
    const server = await udp({ family: 6, bind: 0 });
    assert.equal(server.localAddress?.host, '::1');
    const client = await udp({ family: 6 });
    await client.sendTo(encode('six'), '::1', server.localAddress!.port);
    const { data, address } = await server.recvFrom();
    assert.equal(decode(data), 'six');
    assert.equal(address.family, 'AF_INET6');
    await Promise.all([server.close(), client.close()]);
  });
});
