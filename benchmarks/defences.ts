/**
 * `socketkit serve http` (the defaults `npm start` runs) under attack on loopback: 1,000
 * slowloris connections and 1,000 slow-body connections at once (2,000 against a cap of
 * 1,024), while a normal client asks for the page; and request bodies that arrive one byte
 * per TCP segment on 40 connections. Reported: the normal client's latency and failures, how
 * many attack connections the server closed, and the server's RSS (from /proc) above its
 * idle RSS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_DIR,
  corePinning,
  formatNumber,
  log,
  median,
  pinned,
  ROOT,
  runJson,
  type Section,
  startServer,
  TSX,
} from './_lib.js';

/** The resident set of a process in bytes, or 0 when /proc does not say. */
function rss(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function underLoad<T>(
  client: string[],
  pid: number,
): Promise<{ result: T; baseline: number; peak: number }> {
  const baseline = rss(pid);
  let peak = baseline;
  const poll = setInterval(() => {
    peak = Math.max(peak, rss(pid));
  }, 50);
  try {
    const result = await runJson<T>(client[0]!, client.slice(1), 180_000);
    return { result, baseline, peak: Math.max(peak, rss(pid)) };
  } finally {
    clearInterval(poll);
  }
}

const MiB = 1024 * 1024;

export async function defencesBenchmark(): Promise<Section> {
  const pin = await corePinning();
  const flood = join(BENCH_DIR, 'clients/flood.ts');
  const serverArgs = [
    join(ROOT, 'dist/cli/main.js'),
    'serve',
    'http',
    '--port',
    '0',
    '--json',
    '-q',
  ];

  log('defences: 1,000 slowloris + 1,000 slow-body connections');
  const server = await startServer(...pinned(pin.server, process.execPath, serverArgs));
  let slow: {
    result: { attackers: number; closedByServer: number; latencies: number[]; failures: number };
    baseline: number;
    peak: number;
  };
  try {
    slow = await underLoad(
      pinned(pin.client, TSX[0], [
        ...TSX.slice(1),
        flood,
        String(server.port),
        'slow',
        '1000',
        '1000',
      ]).flat(),
      server.child.pid!,
    );
  } finally {
    await server.stop();
  }

  log('defences: 40 bodies of 16 KiB, one byte per segment');
  const second = await startServer(...pinned(pin.server, process.execPath, serverArgs));
  const size = 16 * 1024;
  let bytes: { result: { seconds: number; replies: string[] }; baseline: number; peak: number };
  try {
    bytes = await underLoad(
      pinned(pin.client, TSX[0], [
        ...TSX.slice(1),
        flood,
        String(second.port),
        'bytes',
        '40',
        String(size),
      ]).flat(),
      second.child.pid!,
    );
  } finally {
    await second.stop();
  }

  const latencies = slow.result.latencies;
  const answered = latencies.length;
  const perConnection = (bytes.peak - bytes.baseline) / 40;
  const markdown = `## The server under slowloris, slow bodies and 1-byte segments

\`socketkit serve http\` with its defaults (the cap of ${formatNumber(1024)} connections, 10 s head
and body timeouts, 1 MiB bodies), ${pin.note}.

**2,000 slow connections** — 1,000 that send a request head one header byte every 2 s and 1,000
that send a body one byte every 2 s, all opened before a normal client asks for the page 20
times in a row:

| normal requests answered 200 | median latency | slowest | failed | attack connections the server closed | server RSS above idle |
|---|---|---|---|---|---|
| ${answered} of 20 | ${answered ? `${formatNumber(median(latencies), 1)} ms` : '—'} | ${answered ? `${formatNumber(Math.max(...latencies), 1)} ms` : '—'} | ${slow.result.failures} | ${formatNumber(slow.result.closedByServer)} of ${formatNumber(slow.result.attackers)} | ${formatNumber((slow.peak - slow.baseline) / MiB, 1)} MiB |

Past the cap each new connection evicts the one that has waited longest on its client, so the
attackers cannot hold every slot; the normal client's connection is the newest and is served.
Target: 200 within 1 s for every normal request.

**Bodies one byte per segment** — 40 connections POST ${size / 1024} KiB each, one byte per
write with Nagle off (the server answers 405 after reading each whole body):
${formatNumber(bytes.result.seconds, 1)} s, replies ${[...new Set(bytes.result.replies)].join(', ')};
server RSS peaked ${formatNumber((bytes.peak - bytes.baseline) / MiB, 1)} MiB above idle, that is
${formatNumber(perConnection / 1024, 0)} KiB per connection for a ${size / 1024} KiB body
(target: under 2 × maxBodySize, 2 MiB, per connection; the old server kept each piece as its own
Buffer, ~113 bytes per body byte, ${formatNumber((113 * size) / MiB, 1)} MiB per connection here).`;
  return { id: 'defences', markdown };
}
