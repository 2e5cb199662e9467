/**
 * The socket as web streams, as an async iterable of chunks, as a Node Duplex, and wrapped from
 * a node:net socket, each against a Python 3 peer nobody here wrote (an echo server that hashes
 * what it saw), with backpressure checked: nothing reads ahead of the reader.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { ConcurrentReadError, connect, encode, listen, StreamSocket } from '../src/index.js';
import { delay, exited, requirePeer, startPython } from './_helpers.js';

/** Echoes one connection until EOF, then prints the SHA-256 of what it got and closes. */
const ECHO = `
import hashlib, socket
srv = socket.create_server(('127.0.0.1', 0))
print(srv.getsockname()[1], flush=True)
srv.settimeout(20)
conn, _ = srv.accept()
conn.settimeout(20)
h = hashlib.sha256()
while True:
    data = conn.recv(65536)
    if not data:
        break
    h.update(data)
    conn.sendall(data)
conn.shutdown(socket.SHUT_WR)
print(h.hexdigest(), flush=True)
conn.close()
`;

/** Sends N random bytes, then closes; prints its port, then the SHA-256 once done. */
const SENDER = `
import hashlib, os, socket, sys
n = int(sys.argv[1])
srv = socket.create_server(('127.0.0.1', 0))
print(srv.getsockname()[1], flush=True)
srv.settimeout(20)
conn, _ = srv.accept()
data = os.urandom(n)
conn.sendall(data)
conn.close()
print(hashlib.sha256(data).hexdigest(), flush=True)
`;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function pythonPeer(script: string, args: string[] = []) {
  const started = await startPython(script, args);
  const lines: string[] = [];
  started.child.stdout!.on('data', (chunk: Buffer) =>
    lines.push(...chunk.toString().split('\n').filter(Boolean)),
  );
  return {
    port: Number(started.firstLine),
    async lastLine(): Promise<string> {
      await exited(started.child, 20_000);
      return lines.at(-1) ?? '';
    },
  };
}

describe('StreamSocket interop: iterators and streams', () => {
  test('for await (const chunk of sock): 4 MiB from Python arrive whole, then the loop ends', async (t) => {
    if (!requirePeer(t, 'python3', 'as the sending peer')) return;
    const peer = await pythonPeer(SENDER, [String(4 << 20)]);
    await using sock = await connect('127.0.0.1', peer.port);
    const parts: Uint8Array[] = [];
    for await (const chunk of sock) parts.push(chunk);
    const all = Buffer.concat(parts);
    assert.equal(all.length, 4 << 20);
    assert.equal(sha256(all), await peer.lastLine());
  });

  test('readable and writable: a 3 MiB web stream piped to a Python echo comes back byte for byte', async (t) => {
    if (!requirePeer(t, 'python3', 'as the echo peer')) return;
    const peer = await pythonPeer(ECHO);
    await using sock = await connect('127.0.0.1', peer.port);
    const data = randomBytes(3 << 20);
    // Chunks of odd sizes, as a real source would give them.
    const source = new Blob([data.subarray(0, 1), data.subarray(1, 70_001), data.subarray(70_001)]);
    const [sent, echoed] = await Promise.all([
      source.stream().pipeTo(sock.writable),
      new Response(sock.readable).arrayBuffer(),
    ]);
    assert.equal(sent, undefined);
    assert.equal(Buffer.from(echoed).equals(data), true);
    assert.equal(await peer.lastLine(), sha256(data));
    assert.equal(sock.readable, sock.readable, 'the same stream each time');
  });

  test('toNodeStream(): Node pipeline in and out through a Python echo, end() half-closes', async (t) => {
    if (!requirePeer(t, 'python3', 'as the echo peer')) return;
    const peer = await pythonPeer(ECHO);
    await using sock = await connect('127.0.0.1', peer.port);
    const duplex = sock.toNodeStream();
    const data = randomBytes(2 << 20);
    const received: Buffer[] = [];
    await Promise.all([
      pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), duplex),
      pipeline(
        duplex,
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            received.push(chunk);
            done();
          },
        }),
      ),
    ]);
    assert.equal(Buffer.concat(received).equals(data), true);
    assert.equal(await peer.lastLine(), sha256(data));
  });

  test('StreamSocket.from(net.connect(…)) reads and writes a node:net socket to a Python echo', async (t) => {
    if (!requirePeer(t, 'python3', 'as the echo peer')) return;
    const peer = await pythonPeer(ECHO);
    const raw = net.connect({ host: '127.0.0.1', port: peer.port, allowHalfOpen: true });
    await new Promise((resolve) => raw.once('connect', resolve));
    await using sock = StreamSocket.from(raw);
    await sock.writeLine('wrapped');
    assert.equal(await sock.readLine({ timeout: 5000 }), 'wrapped');
    await sock.shutdown('write');
    assert.equal((await sock.recv()).length, 0);
    assert.equal(await peer.lastLine(), sha256(encode('wrapped\r\n')));
    assert.equal(sock.remoteAddress?.family, 'AF_INET');
    assert.equal((sock.remoteAddress as { port?: number }).port, peer.port);
  });

  test('StreamSocket.from() refuses what is not a connected socket', async () => {
    assert.throws(() => StreamSocket.from({} as net.Socket), /takes a connected net\.Socket/);
    const server = await listen();
    const connecting = net.connect({ host: '127.0.0.1', port: server.address.port });
    try {
      assert.throws(() => StreamSocket.from(connecting), /still connecting/);
    } finally {
      connecting.destroy();
      await server.close();
    }
  });

  test('backpressure: an unread readable pulls nothing ahead; a slow reader keeps the buffer bounded', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port, { bufferLimit: 64 * 1024 });
    const [conn] = await accepting;
    await using _conn = conn;
    // The peer sends 8 MiB as fast as it can; the reader takes one chunk every 20 ms.
    const flood = conn.sendAll(new Uint8Array(8 << 20)).catch(() => {});
    const reader = sock.readable.getReader();
    let most = 0;
    for (let i = 0; i < 10; i++) {
      const { value } = await reader.read();
      assert.ok(value !== undefined);
      await delay(20);
      most = Math.max(most, sock.bufferedAmount);
    }
    // Bounded by the limit plus what one kernel read can add, however long the flood goes on.
    assert.ok(most <= 64 * 1024 + 64 * 1024, `buffered ${most} bytes`);
    // While the stream's read waits, another read is refused, and the stream's read is unharmed.
    await reader.cancel();
    const fresh = await connect('127.0.0.1', server.address.port);
    const [other] = await server.accept();
    const waiting = fresh.readable.getReader().read();
    await delay(10);
    const refused = await fresh.recv(1).catch((e: unknown) => e);
    assert.ok(refused instanceof ConcurrentReadError, String(refused));
    await other.sendAll(encode('x'));
    assert.equal(Buffer.from((await waiting).value!).toString(), 'x');
    await fresh.close();
    await other.close();
    await sock.abort();
    await flood;
  });

  test('a recv() made just after reader.read() is served first; the stream read follows and the stream stays usable', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port);
    const [conn] = await accepting;
    await using _conn = conn;
    const reader = sock.readable.getReader();
    const streamed = reader.read();
    const direct = sock.recv(5);
    await conn.sendAll(encode('hello'));
    assert.equal(Buffer.from(await direct).toString(), 'hello');
    await conn.sendAll(encode('world'));
    assert.equal(Buffer.from((await streamed).value!).toString(), 'world');
    await conn.sendAll(encode('again'));
    assert.equal(Buffer.from((await reader.read()).value!).toString(), 'again');
  });

  test('cancelling readable shuts the read half; a read while the iterator waits is refused', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port);
    const [conn] = await accepting;
    await using _conn = conn;
    const iterator = sock[Symbol.asyncIterator]();
    const next = iterator.next();
    const second = await sock.recv(10).catch((e: unknown) => e);
    assert.ok(second instanceof ConcurrentReadError, String(second));
    await conn.sendAll(encode('first'));
    assert.equal(Buffer.from((await next).value as Uint8Array).toString(), 'first');
    await iterator.return(undefined);
    await sock.readable.cancel();
    assert.equal((await sock.recv()).length, 0, 'the read half is shut');
    // Writing still works: only the read half went.
    await sock.sendAll(encode('still writing'));
    assert.equal(Buffer.from(await conn.recv()).toString(), 'still writing');
  });
});
