import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { describe, type TestContext, test } from 'node:test';
import { inspect } from 'node:util';
import {
  AddressInUseError,
  ConcurrentReadError,
  ConnectionRefusedError,
  type DatagramSocket,
  decode,
  encode,
  InvalidStateError,
  NameResolutionError,
  PermissionDeniedError,
  SocketClosedError,
  SocketError,
  SocketTimeoutError,
  type UdpOptions,
  udp,
} from '../src/index.js';
import { collect, requirePeer, runPython, startPython, until } from './_helpers.js';

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

// ── broadcast and multicast ──────────────────────────────────────────────
//
// Nothing here leaves the machine: groups are joined on 127.0.0.1 only, senders send to groups
// from 127.0.0.1 through 127.0.0.1 (setMulticastInterface / IP_MULTICAST_IF) with a multicast TTL
// of 0, and the broadcast address is lo's own, 127.255.255.255. Receivers bind the group address (or lo's
// broadcast address), so they hear nothing from other machines either. On lo a datagram to a group
// is delivered to this machine's members whatever IP_MULTICAST_LOOP says (lo loops everything
// back), so the loopback setting is checked by reading it back from the kernel. Every join, even
// one that must fail, names an interface on lo (IPv6 ones use interface-local ff01:: groups, for
// which no MLD report is ever sent), so that broken checks could not announce one to the network.

/** A group in 239.255.0.0/16 (administratively scoped, RFC 2365), different in each run. */
function randomGroup(): string {
  const byte = () => 100 + Math.floor(Math.random() * 150);
  return `239.255.${byte()}.${byte()}`;
}

/** A member of a fresh group on lo: bound to the group's address, joined on 127.0.0.1. */
async function member(
  t: TestContext,
): Promise<{ receiver: DatagramSocket; group: string; port: number }> {
  const group = randomGroup();
  const receiver = await udpFor(t, { bind: { host: group, port: 0 } });
  receiver.addMembership(group, '127.0.0.1');
  return { receiver, group, port: receiver.localAddress!.port };
}

/**
 * A sender whose group datagrams go out through lo only, and no further than this machine. The
 * options are set before it is bound, so bind() applies them. It is bound to 127.0.0.1 as well:
 * Linux then sends its group datagrams through lo whatever IP_MULTICAST_IF says, so that even
 * broken option code could not send one to the network (which is also why delivery alone does not
 * prove setMulticastInterface() works: the getsockopt test does).
 */
async function loopbackSender(t: TestContext): Promise<DatagramSocket> {
  const sender = await udpFor(t);
  sender.setMulticastInterface('127.0.0.1');
  sender.setMulticastLoopback(true);
  sender.setMulticastTTL(0);
  await sender.bind(0, '127.0.0.1');
  return sender;
}

/** udp(), closed when the test ends however it ends, so a failed assertion leaves nothing open. */
async function udpFor(t: TestContext, options?: UdpOptions): Promise<DatagramSocket> {
  const sock = await udp(options);
  t.after(() => sock.close());
  return sock;
}

/** Rejects when a datagram arrives within `ms`: for what must not be delivered. */
async function nothingArrives(sock: DatagramSocket, ms = 300): Promise<void> {
  const outcome = await sock.recvFrom(1024, { timeout: ms }).then(
    (datagram) => `a datagram arrived: ${JSON.stringify(decode(datagram.data))}`,
    (error: unknown) => error,
  );
  assert.ok(outcome instanceof SocketTimeoutError, String(outcome));
}

/** An IPv4 address that no interface of this machine has (TEST-NET-2, RFC 5737). */
const FOREIGN = '198.51.100.77';

/** What Python's getsockopt reads from the kernel for a socketkit socket's descriptor. */
const PYTHON_GETSOCKOPT = `
import json, socket
s = socket.socket(fileno=3)
ip = socket.IPPROTO_IP
print(json.dumps({
    'broadcast': s.getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST),
    'ttl': s.getsockopt(ip, socket.IP_TTL),
    'multicastTTL': s.getsockopt(ip, socket.IP_MULTICAST_TTL),
    'multicastLoop': s.getsockopt(ip, socket.IP_MULTICAST_LOOP),
    'multicastInterface': socket.inet_ntoa(s.getsockopt(ip, socket.IP_MULTICAST_IF, 4)),
}))
s.detach()
`;

async function kernelOptions(sock: DatagramSocket): Promise<Record<string, unknown>> {
  const fd = Number(/ fd=(\d+)/.exec(inspect(sock))?.[1] ?? -1);
  assert.ok(fd >= 0, `no descriptor in ${inspect(sock)}`);
  const child = spawn('python3', ['-c', PYTHON_GETSOCKOPT], {
    stdio: ['ignore', 'pipe', 'pipe', fd],
  });
  const result = await collect(child);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString());
}

/** Calls `f`, which must throw synchronously, and returns what it threw. */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof Error, String(error));
    assert.doesNotMatch(error.message, /\n|EBADF|ERR_|Cannot read properties|undefined undefined/);
    return error;
  }
  assert.fail('expected it to throw');
}

describe('DatagramSocket broadcast and multicast', () => {
  test('addMembership() on 127.0.0.1: a member gets what a sender sends to the group through lo; dropMembership() stops it', async (t) => {
    const { receiver, group, port } = await member(t);
    const sender = await loopbackSender(t);
    await sender.sendTo(encode('to the group'), group, port);
    const { data, address } = await receiver.recvFrom(1024, { timeout: 2000 });
    assert.equal(decode(data), 'to the group');
    assert.equal(address.host, '127.0.0.1');
    assert.equal(address.port, sender.localAddress!.port);

    receiver.dropMembership(group, '127.0.0.1');
    await sender.sendTo(encode('after leaving'), group, port);
    await nothingArrives(receiver);

    // Joining again brings the group's datagrams back: the silence above was the membership's.
    receiver.addMembership(group, '127.0.0.1');
    await sender.sendTo(encode('joined again'), group, port);
    assert.equal(decode((await receiver.recvFrom(1024, { timeout: 2000 })).data), 'joined again');
    await Promise.all([receiver.close(), sender.close()]);
  });

  test('a member bound to 0.0.0.0 (not the group address) hears the group too', async (t) => {
    const group = randomGroup();
    const receiver = await udpFor(t, { bind: { host: '0.0.0.0', port: 0 } });
    receiver.addMembership(group, '127.0.0.1');
    const sender = await udpFor(t, { bind: 0 }); // on 127.0.0.1, so through lo (see loopbackSender)
    sender.setMulticastTTL(0);
    sender.setMulticastInterface('127.0.0.1');
    await sender.sendTo(encode('bound first'), group, receiver.localAddress!.port);
    assert.equal(decode((await receiver.recvFrom(1024, { timeout: 2000 })).data), 'bound first');
    await Promise.all([receiver.close(), sender.close()]);
  });

  test('a Python sender (IP_MULTICAST_IF 127.0.0.1) reaches a socketkit member of the group', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent multicast sender')) return;
    const { receiver, group, port } = await member(t);
    const result = await runPython(
      `
import socket, sys
group, port = sys.argv[1], int(sys.argv[2])
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('127.0.0.1'))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    s.bind(('127.0.0.1', 0))
    print(s.getsockname()[1])
    s.sendto(b'from python to the group', (group, port))
`,
      [group, String(port)],
    );
    assert.equal(result.code, 0, result.stderr);
    const { data, address } = await receiver.recvFrom(1024, { timeout: 5000 });
    assert.equal(decode(data), 'from python to the group');
    assert.equal(address.port, Number(result.stdout.toString().trim()));
    await receiver.close();
  });

  test('a socketkit sender reaches a Python member (IP_ADD_MEMBERSHIP on 127.0.0.1), with the multicast TTL it set', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent member of a multicast group')) return;
    const group = randomGroup();
    const { child, firstLine } = await startPython(
      `
import json, socket, sys
group = sys.argv[1]
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind((group, 0))
r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton('127.0.0.1'))
linux = sys.platform.startswith('linux')
if linux:
    r.setsockopt(socket.IPPROTO_IP, getattr(socket, 'IP_RECVTTL', 12), 1)
print(r.getsockname()[1], flush=True)
r.settimeout(5)
data, ancillary, flags, addr = r.recvmsg(1024, 64)
ttl = None
for level, kind, value in ancillary:
    if level == socket.IPPROTO_IP and kind == socket.IP_TTL:
        ttl = int.from_bytes(value[:4], sys.byteorder)
print(json.dumps({'data': data.decode(), 'port': addr[1], 'ttl': ttl, 'linux': linux}))
`,
      [group],
    );
    t.after(() => child.kill());
    const sender = await loopbackSender(t);
    await sender.sendTo(encode('from socketkit to the group'), group, Number(firstLine));
    const result = await collect(child, { timeoutMs: 10_000 });
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout.toString());
    assert.equal(seen.data, 'from socketkit to the group');
    assert.equal(seen.port, sender.localAddress!.port);
    // The OS default is 1: Python seeing 0 means setMulticastTTL(0) reached the kernel.
    if (seen.linux) assert.equal(seen.ttl, 0);
    await sender.close();
  });

  test('the options reach the kernel, set before bind() and after (read back by Python getsockopt)', async (t) => {
    if (!requirePeer(t, 'python3', 'to read socket options back with getsockopt')) return;
    const sock = await udpFor(t, { family: 4 });
    sock.setBroadcast(true);
    sock.setTTL(7);
    sock.setMulticastTTL(0);
    sock.setMulticastLoopback(false);
    sock.setMulticastInterface('127.0.0.1');
    await sock.bind(0);
    assert.deepEqual(await kernelOptions(sock), {
      broadcast: 1,
      ttl: 7,
      multicastTTL: 0,
      multicastLoop: 0,
      multicastInterface: '127.0.0.1',
    });
    sock.setBroadcast(false);
    sock.setTTL(255);
    sock.setMulticastTTL(1);
    sock.setMulticastLoopback(true);
    sock.setMulticastInterface('0.0.0.0');
    assert.deepEqual(await kernelOptions(sock), {
      broadcast: 0,
      ttl: 255,
      multicastTTL: 1,
      multicastLoop: 1,
      multicastInterface: '0.0.0.0',
    });
    await sock.close();

    // Bound by its first send instead of by bind(): the options are there before that send.
    const receiver = await udpFor(t, { bind: 0 });
    const sender = await udpFor(t);
    sender.setTTL(3);
    sender.setMulticastInterface('127.0.0.1');
    await sender.sendTo(encode('x'), '127.0.0.1', receiver.localAddress!.port);
    const options = await kernelOptions(sender);
    assert.equal(options.ttl, 3);
    assert.equal(options.multicastInterface, '127.0.0.1');
    await Promise.all([receiver.close(), sender.close()]);
  });

  test("setBroadcast() allows a datagram to 127.255.255.255 (lo's broadcast address); without it the send is PermissionDeniedError", async (t) => {
    const listener = await udpFor(t, { bind: { host: '127.255.255.255', port: 0 } });
    const port = listener.localAddress!.port;
    const sender = await udpFor(t);
    await assert.rejects(sender.sendTo(encode('x'), '127.255.255.255', port), (error: unknown) => {
      assert.ok(error instanceof PermissionDeniedError, String(error));
      assert.match(error.message, /a broadcast address needs setBroadcast\(true\) first/);
      return true;
    });
    sender.setBroadcast(true); // bound now, by that first send: applied at once
    await sender.sendTo(encode('to everyone on lo'), '127.255.255.255', port);
    assert.equal(
      decode((await listener.recvFrom(1024, { timeout: 2000 })).data),
      'to everyone on lo',
    );
    sender.setBroadcast(false);
    await assert.rejects(
      sender.sendTo(encode('x'), '127.255.255.255', port),
      PermissionDeniedError,
    );

    // Set before the socket is bound: kept, and there for its first send.
    const early = await udpFor(t);
    early.setBroadcast();
    await early.sendTo(encode('early'), '127.255.255.255', port);
    assert.equal(decode((await listener.recvFrom(1024, { timeout: 2000 })).data), 'early');
    await Promise.all([listener.close(), sender.close(), early.close()]);
  });

  test('addMembership() and dropMembership() before bind() are InvalidStateError: joining does not bind', async (t) => {
    const sock = await udpFor(t, { family: 4 });
    for (const call of ['addMembership', 'dropMembership'] as const) {
      const error = thrown(() => sock[call]('239.255.1.1', '127.0.0.1'));
      assert.ok(error instanceof InvalidStateError);
      assert.equal(
        error.message,
        `${call}() on a UDP socket that is not bound: bind() it first, to the port the group's datagrams go to (on '0.0.0.0', or the group address)`,
      );
    }
    // Nothing was bound behind our back: a port of our choosing can still be bound.
    const before = sock.localAddress;
    assert.equal(before, null);
    await sock.bind(0);
    assert.equal(sock.localAddress?.host, '127.0.0.1');
    await sock.close();
  });

  test('a group that is not a multicast address, or not an address, is refused with a sentence naming it', async (t) => {
    const v4 = await udpFor(t, { bind: { host: '0.0.0.0', port: 0 } });
    for (const group of ['10.0.0.1', '223.255.255.255', '240.0.0.1', '255.255.255.255']) {
      const error = thrown(() => v4.addMembership(group, '127.0.0.1'));
      assert.ok(error instanceof RangeError);
      assert.equal(
        error.message,
        `Invalid multicast group ${group} for addMembership(): it is not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)`,
      );
    }
    const drop = thrown(() => v4.dropMembership('127.0.0.1', '127.0.0.1'));
    assert.ok(drop instanceof RangeError);
    assert.match(drop.message, /^Invalid multicast group 127\.0\.0\.1 for dropMembership\(\)/);
    const v6 = await udpFor(t, { family: 6, bind: { host: '::', port: 0 } });
    for (const group of ['fe80::1', '::1', 'ff::1']) {
      const error = thrown(() => v6.addMembership(group, '::%lo'));
      assert.ok(error instanceof RangeError, `${group}: ${error}`);
      assert.match(
        error.message,
        /it is not a multicast address \(IPv4 224\.0\.0\.0\/4, IPv6 ff00::\/8\)$/,
      );
    }
    const name = thrown(() => v4.addMembership('all-systems.mcast.net', '127.0.0.1'));
    assert.ok(name instanceof TypeError);
    assert.equal(
      name.message,
      'Invalid multicast group "all-systems.mcast.net" for addMembership(): it must be a numeric IPv4 or IPv6 address, such as 239.1.2.3 or ff02::1 (names are not looked up)',
    );
    for (const group of [5, undefined, null, { host: '239.1.1.1' }]) {
      const error = thrown(() => v4.addMembership(group as unknown as string, '127.0.0.1'));
      assert.ok(error instanceof TypeError);
      assert.match(
        error.message,
        /^Invalid multicast group .+ for addMembership\(\): it must be an IPv4 or IPv6 address$/,
      );
    }
    const zone = thrown(() => v6.addMembership('ff01::1%lo', '::%lo'));
    assert.ok(zone instanceof TypeError);
    assert.match(zone.message, /give the interface as the second argument/);
    await Promise.all([v4.close(), v6.close()]);
  });

  test('a group or interface of the other family is a TypeError naming both families', async (t) => {
    const v4 = await udpFor(t, { bind: { host: '0.0.0.0', port: 0 } });
    const six = thrown(() => v4.addMembership('ff02::1', '127.0.0.1'));
    assert.ok(six instanceof TypeError);
    assert.equal(
      six.message,
      'Invalid multicast group ff02::1 for addMembership(): it is IPv6, but this UDP socket is IPv4 (AF_INET)',
    );
    const iface = thrown(() => v4.addMembership('239.255.1.1', '::1'));
    assert.ok(iface instanceof TypeError);
    assert.match(iface.message, /^Invalid interface ::1 for addMembership\(\): it is IPv6/);
    const out = thrown(() => v4.setMulticastInterface('::%lo'));
    assert.ok(out instanceof TypeError);
    assert.match(
      out.message,
      /^Invalid interface ::%lo for setMulticastInterface\(\): it is IPv6, but this UDP socket is IPv4/,
    );
    const v6 = await udpFor(t, { family: 6, bind: { host: '::', port: 0 } });
    const four = thrown(() => v6.addMembership('239.255.1.1', '::%lo'));
    assert.ok(four instanceof TypeError);
    assert.match(four.message, /it is IPv4, but this UDP socket is IPv6 \(AF_INET6\)$/);
    // Without a family yet, the interface's address chooses it, as a first sendTo() would.
    const open = await udpFor(t);
    open.setMulticastInterface('127.0.0.1');
    assert.equal(open.family, 'AF_INET');
    await Promise.all([v4.close(), v6.close(), open.close()]);
  });

  test("an interface this machine does not have is a SocketError naming the address, never Node's ENODEV or EADDRNOTAVAIL text", async (t) => {
    const local = Object.values(networkInterfaces()).some((list) =>
      (list ?? []).some((entry) => entry.address === FOREIGN),
    );
    if (local) {
      t.skip(`${FOREIGN} is an address of this machine, so it cannot stand for a foreign one`);
      return;
    }
    const receiver = await udpFor(t, { bind: { host: '0.0.0.0', port: 0 } });
    const join = thrown(() => receiver.addMembership('239.255.1.1', FOREIGN));
    assert.ok(join instanceof SocketError);
    assert.match(
      join.message,
      /^No interface of this machine has address 198\.51\.100\.77, so addMembership\(\) cannot join 239\.255\.1\.1 there \((ENODEV|EADDRNOTAVAIL)\)$/,
    );
    const name = thrown(() => receiver.addMembership('239.255.1.1', 'lo'));
    assert.ok(name instanceof TypeError);
    assert.match(
      name.message,
      /^Invalid interface "lo" for addMembership\(\): give the interface's IPv4 address/,
    );
    // Unbound (checked against this machine's addresses) and bound (the OS says EADDRNOTAVAIL).
    const unbound = await udpFor(t);
    const bound = await udpFor(t, { bind: 0 });
    for (const sock of [unbound, bound]) {
      const error = thrown(() => sock.setMulticastInterface(FOREIGN));
      assert.ok(error instanceof SocketError);
      assert.equal(
        error.message,
        `No interface of this machine has address ${FOREIGN}, so setMulticastInterface() cannot send from it (EADDRNOTAVAIL)`,
      );
      assert.equal((error as SocketError).errnoName, 'EADDRNOTAVAIL');
    }
    const garbage = thrown(() => bound.setMulticastInterface('not an address'));
    assert.ok(garbage instanceof TypeError);
    // IPv6 names the interface by scope; Node would quietly take an unknown name as "any".
    const v6 = await udpFor(t, { family: 6, bind: { host: '::', port: 0 } });
    const scopeless = thrown(() => v6.addMembership('ff01::4242', '::1'));
    assert.ok(scopeless instanceof TypeError);
    assert.match(scopeless.message, /name the interface by its scope, such as '::%lo'$/);
    const unknown = thrown(() => v6.setMulticastInterface('::%no-such-if0'));
    assert.ok(unknown instanceof SocketError);
    assert.match(
      unknown.message,
      /^No interface named "no-such-if0" on this machine, .*: give one of .*\blo\b/,
    );
    // Outside Windows, Node reads a number there as an interface name, and so as "any".
    const numbered = thrown(() => v6.addMembership('ff01::4242', '::%1'));
    assert.ok(numbered instanceof SocketError);
    assert.match(numbered.message, /^No interface named "1" on this machine/);
    await Promise.all([receiver.close(), unbound.close(), bound.close(), v6.close()]);
  });

  test('joining twice, or leaving a group not joined, is InvalidStateError that says so', async (t) => {
    const { receiver, group } = await member(t);
    const twice = thrown(() => receiver.addMembership(group, '127.0.0.1'));
    assert.ok(twice instanceof InvalidStateError);
    assert.equal(
      twice.message,
      `addMembership('${group}', '127.0.0.1'): this socket is already a member of group ${group} on interface 127.0.0.1`,
    );
    receiver.dropMembership(group, '127.0.0.1');
    const again = thrown(() => receiver.dropMembership(group, '127.0.0.1'));
    assert.ok(again instanceof InvalidStateError);
    assert.equal(
      again.message,
      `dropMembership('${group}', '127.0.0.1'): this socket is not a member of group ${group} on interface 127.0.0.1`,
    );
    await receiver.close();
  });

  test('TTLs out of range are RangeError, non-integers TypeError; booleans must be booleans', async (t) => {
    const sock = await udpFor(t, { bind: 0 });
    for (const ttl of [0, 256, -1]) {
      const error = thrown(() => sock.setTTL(ttl));
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, `Invalid TTL ${ttl} for setTTL(): it must be from 1 to 255`);
    }
    for (const ttl of [-1, 256]) {
      const error = thrown(() => sock.setMulticastTTL(ttl));
      assert.ok(error instanceof RangeError);
      assert.equal(
        error.message,
        `Invalid TTL ${ttl} for setMulticastTTL(): it must be from 0 to 255`,
      );
    }
    for (const ttl of [1.5, Number.NaN, '5', null]) {
      for (const call of ['setTTL', 'setMulticastTTL'] as const) {
        const error = thrown(() => sock[call](ttl as number));
        assert.ok(error instanceof TypeError);
        assert.match(
          error.message,
          new RegExp(`^Invalid TTL .+ for ${call}\\(\\): it must be an integer from [01] to 255$`),
        );
      }
    }
    sock.setTTL(1);
    sock.setTTL(255);
    sock.setMulticastTTL(0);
    sock.setMulticastTTL(255);
    for (const call of ['setBroadcast', 'setMulticastLoopback'] as const) {
      const error = thrown(() => sock[call]('yes' as unknown as boolean));
      assert.ok(error instanceof TypeError);
      assert.equal(
        error.message,
        `Invalid flag a string ("yes") for ${call}(): it must be true or false`,
      );
      assert.ok(thrown(() => sock[call](1 as unknown as boolean)) instanceof TypeError);
    }
    await sock.close();
  });

  test('every broadcast and multicast call on a closed socket is SocketClosedError', async (t) => {
    const sock = await udpFor(t, { bind: { host: '0.0.0.0', port: 0 } });
    await sock.close();
    const calls: Array<[string, () => void]> = [
      ['setBroadcast', () => sock.setBroadcast(true)],
      ['setTTL', () => sock.setTTL(64)],
      ['setMulticastTTL', () => sock.setMulticastTTL(1)],
      ['setMulticastLoopback', () => sock.setMulticastLoopback(true)],
      ['setMulticastInterface', () => sock.setMulticastInterface('127.0.0.1')],
      ['addMembership', () => sock.addMembership('239.255.1.1', '127.0.0.1')],
      ['dropMembership', () => sock.dropMembership('239.255.1.1', '127.0.0.1')],
    ];
    for (const [name, call] of calls) {
      const error = thrown(call);
      assert.ok(error instanceof SocketClosedError, `${name}: ${error}`);
      assert.equal(error.message, `${name}() on a closed UDP socket`);
    }
  });
});
