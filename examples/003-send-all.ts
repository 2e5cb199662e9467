/**
 * Tutorial 003 — sending everything.
 *
 * In Python, send() may take only part of the bytes and returns how many,
 * so the tutorial loops until all are sent (which is what sendall() does).
 * In socketkit, send() queues all of them and returns at once, and sendAll()
 * waits until the kernel has taken them: a loop of sendAll() calls never
 * holds more than one piece in memory, however slow the receiver. This
 * sends 16 MiB in 64 KiB pieces to a discard server and reports the pace.
 *
 *     npx tsx examples/003-send-all.ts                    # localhost port 9 (discard)
 *     npx tsx examples/003-send-all.ts 127.0.0.1 7009
 */
import { connect } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'localhost', port = '9', megabytes = '16'] = process.argv.slice(2);
  const total = Number(megabytes) * 1024 * 1024;
  const piece = new Uint8Array(64 * 1024).fill(0x2a);

  await using sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000); // a receiver that stops reading makes sendAll() fail instead of hang
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const chunk = piece.subarray(0, Math.min(piece.length, total - sent));
    await sock.sendAll(chunk); // resolves once the kernel has every byte of it
    sent += chunk.length;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `sent ${sent} bytes in ${seconds.toFixed(3)} s (${(sent / 1048576 / seconds).toFixed(1)} MiB/s)`,
  );
});
