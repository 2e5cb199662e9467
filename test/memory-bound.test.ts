/**
 * Bounded memory: a peer that sends far more than the application reads
 * must not make socketkit buffer it all. Above the buffer limit socketkit stops
 * reading from the kernel, TCP flow control stops the sender, and nothing
 * is lost: once the application reads, every byte arrives.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, Running, requirePeer, runPython, startPython } from './_helpers.js';

const MIB = 1024 * 1024;
const TOTAL = 200 * MIB;

const PYTHON_SENDER = `
import socket, sys
total = 200 * 1024 * 1024
chunk = bytes(range(256)) * 4096
def pump(con):
    sent = 0
    while sent < total:
        con.sendall(chunk)
        sent += len(chunk)
    print('sent', sent, flush=True)
    con.close()
if sys.argv[1] == 'serve':
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen()
        print(s.getsockname()[1], flush=True)
        con, _ = s.accept()
        pump(con)
else:
    pump(socket.create_connection(('127.0.0.1', int(sys.argv[2]))))
`;

function startHolder(args: string[]): Running {
  return new Running(
    spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/fixtures/unread-client.ts'), ...args],
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    ),
  );
}

function check(t: { diagnostic: (m: string) => void }, stdout: string, senderOutput: string): void {
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const held = lines.find((l) => l.phase === 'held');
  const read = lines.find((l) => l.phase === 'read');
  t.diagnostic(
    `while not reading: rss ${(held.rss / MIB).toFixed(1)} MiB, buffered ${held.buffered} bytes; peak ${(read.peakRss / MIB).toFixed(1)} MiB`,
  );
  assert.ok(
    held.buffered <= 128 * 1024,
    `socketkit buffered ${held.buffered} bytes for a reader that asked for none`,
  );
  assert.ok(
    held.peakRss < 150 * MIB,
    `RSS reached ${(held.peakRss / MIB).toFixed(1)} MiB while not reading`,
  );
  assert.ok(
    read.peakRss < 150 * MIB,
    `RSS reached ${(read.peakRss / MIB).toFixed(1)} MiB while reading`,
  );
  assert.equal(read.total, TOTAL, 'every byte arrives once the application reads');
  assert.match(senderOutput, /sent 209715200/);
}

test('a client socket sent 200 MiB it never reads keeps RSS under 150 MiB, and no byte is lost', async (t) => {
  if (!requirePeer(t, 'python3', 'as the sender that is not throttled by socketkit')) return;
  const sender = await startPython(PYTHON_SENDER, ['serve']);
  let senderOutput = '';
  sender.child.stdout!.on('data', (d: Buffer) => {
    senderOutput += d.toString();
  });
  const holder = startHolder(['connect', sender.firstLine, '2000']);
  assert.equal(await holder.exited(60000), 0, holder.stderr);
  check(t, holder.stdout.toString(), senderOutput);
});

test('an accepted socket sent 200 MiB it never reads keeps RSS under 150 MiB, and no byte is lost', async (t) => {
  if (!requirePeer(t, 'python3', 'as the sender that is not throttled by socketkit')) return;
  const holder = startHolder(['listen', '0', '2000']);
  const [, port] = await holder.waitForStdout(/"port":(\d+)/);
  const sender = runPython(PYTHON_SENDER, ['connect', port!], { timeoutMs: 60000 });
  assert.equal(await holder.exited(60000), 0, holder.stderr);
  const senderResult = await sender;
  check(t, holder.stdout.toString(), senderResult.stdout.toString());
});
