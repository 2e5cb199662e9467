// The direct read path's bulk mode (src/socket/_direct-read.ts): a socket whose reads are large
// reads into buffers of its own, handed to the receive buffer without a copy. These tests cut
// the stream in every way that switches between the shared buffer and a socket's own, keep
// every chunk recv() returned until the end (so a buffer reused too early shows as changed
// bytes), and check that the process-wide budget of own buffers is kept and given back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { connect, listen, type StreamSocket } from '../src/index.js';
import { privateReadBuffers } from '../src/socket/_direct-read.js';
import { fixture, until } from './_helpers.js';

/** Write sizes that cross the 32 KiB bulk threshold both ways, and tiny ones between. */
const CUTS = [100 * 1024, 1, 40 * 1024, 7, 64 * 1024, 3 * 1024, 200 * 1024, 31 * 1024, 33 * 1024];

/** Writes `data` to `peer` in the sizes of CUTS, over and over, waiting for drain. */
async function writeCut(peer: Socket, data: Buffer): Promise<void> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const piece = data.subarray(at, at + CUTS[i % CUTS.length]!);
    at += piece.length;
    if (!peer.write(piece)) await new Promise((resolve) => peer.once('drain', resolve));
  }
  peer.end();
}

/** Every chunk recv() hands out until EOF, kept as they are (no copies). */
async function recvAll(socket: StreamSocket): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let chunk = await socket.recv(65536); chunk.length > 0; chunk = await socket.recv(65536)) {
    chunks.push(chunk);
  }
  return chunks;
}

describe('direct reads in bulk', () => {
  test('a connected socket: 8 MiB cut every way arrives exact, every kept chunk unchanged', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A failed check must not leave the server waiting on a connection nobody ends.
    server.on('connection', (peer) => peer.on('error', () => {}));
    try {
      const client = await connect('127.0.0.1', (server.address() as { port: number }).port);
      const peer = await accepted;
      const [chunks] = await Promise.all([recvAll(client), writeCut(peer, data)]);
      // Kept chunks checked only now: a buffer handed out and then read into again would differ.
      assert.equal(Buffer.compare(Buffer.concat(chunks), data), 0);
      assert.ok(
        chunks.some((chunk) => chunk.length >= 32 * 1024),
        'some reads were large enough for the bulk path',
      );
      await client.close();
      await until(() => privateReadBuffers() === 0, 'own read buffers given back after close');
    } finally {
      (await accepted).destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an accepted socket: the same, the other way round', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const listener = await listen();
    const peer = netConnect({ port: listener.address.port, host: '127.0.0.1' });
    const [accepted] = await listener.accept();
    try {
      const [chunks] = await Promise.all([recvAll(accepted), writeCut(peer, data)]);
      assert.equal(Buffer.compare(Buffer.concat(chunks), data), 0);
    } finally {
      await accepted.close();
      await listener.close();
      peer.destroy();
    }
    await until(() => privateReadBuffers() === 0, 'own read buffers given back after close');
  });

  test('more sockets in bulk than the budget: at most 128 own buffers, all bytes right', async () => {
    const count = 140;
    const message = randomBytes(48 * 1024);
    const server = createServer((peer) => {
      // One large write, then silence: each socket ends holding an own buffer for its next read.
      peer.write(message);
      peer.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const sockets: StreamSocket[] = [];
    try {
      for (let i = 0; i < count; i++) sockets.push(await connect('127.0.0.1', port));
      for (const socket of sockets) {
        const got = await socket.recvExactly(message.length);
        assert.equal(Buffer.compare(got, message), 0);
      }
      assert.ok(privateReadBuffers() > 0, 'idle sockets after a bulk read hold own buffers');
      assert.ok(privateReadBuffers() <= 128, `${privateReadBuffers()} own buffers held`);
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
      await new Promise((resolve) => server.close(resolve));
    }
    await until(() => privateReadBuffers() === 0, 'own read buffers given back after close');
  });

  test('after startTls() the plain socket gives its own buffer back while the connection goes on', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using client = await connect('127.0.0.1', server.address.port);
    const [conn] = await accepting;
    await using _conn = conn;
    const bulk = randomBytes(48 * 1024);
    await conn.sendAll(bulk);
    assert.equal(Buffer.compare(await client.recvExactly(bulk.length), bulk), 0);
    assert.ok(privateReadBuffers() > 0, 'the bulk read left an own buffer for the next one');
    await Promise.all([
      conn.startTls({ key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') }),
      client.startTls({ servername: 'localhost', ca: fixture('ca.pem') }),
    ]);
    // Reads go through TLS now; a buffer still counted would hold the budget until close.
    assert.equal(privateReadBuffers(), 0);
    await conn.sendAll(bulk);
    assert.equal(Buffer.compare(await client.recvExactly(bulk.length), bulk), 0);
  });
});
