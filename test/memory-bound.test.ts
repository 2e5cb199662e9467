/**
 * Bounded memory: a peer that sends far more than the application reads
 * must not make sockit buffer it all. Above the buffer limit sockit stops
 * reading from the kernel, TCP flow control stops the sender, and nothing
 * is lost: once the application reads, every byte arrives.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { collect, ROOT, requirePeer, startPython } from './_helpers.js';

const MIB = 1024 * 1024;

test('a peer sending 200 MiB that is never read keeps RSS under 150 MiB, and no byte is lost', async (t) => {
  if (!requirePeer(t, 'python3', 'as the sender that is not throttled by sockit')) return;
  const { child: sender, firstLine } = await startPython(`
import socket, sys
total = 200 * 1024 * 1024
chunk = bytes(range(256)) * 4096
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    s.listen()
    print(s.getsockname()[1], flush=True)
    con, _ = s.accept()
    sent = 0
    while sent < total:
        con.sendall(chunk)
        sent += len(chunk)
    print('sent', sent, flush=True)
    con.close()
`);
  let senderOutput = '';
  sender.stdout!.on('data', (d: Buffer) => {
    senderOutput += d.toString();
  });
  const client = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/fixtures/unread-client.ts'), firstLine, '2000'],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const result = await collect(client, { timeoutMs: 60000 });
  assert.equal(result.code, 0, result.stderr);
  const [held, read] = result.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.diagnostic(
    `while not reading: rss ${(held.rss / MIB).toFixed(1)} MiB, buffered ${held.buffered} bytes; peak ${(read.peakRss / MIB).toFixed(1)} MiB`,
  );
  assert.ok(
    held.buffered <= 128 * 1024,
    `sockit buffered ${held.buffered} bytes for a reader that asked for none`,
  );
  assert.ok(
    held.peakRss < 150 * MIB,
    `RSS reached ${(held.peakRss / MIB).toFixed(1)} MiB while not reading`,
  );
  assert.ok(
    read.peakRss < 150 * MIB,
    `RSS reached ${(read.peakRss / MIB).toFixed(1)} MiB while reading`,
  );
  assert.equal(read.total, 200 * MIB, 'every byte arrives once the application reads');
  assert.match(senderOutput, /sent 209715200/);
});
