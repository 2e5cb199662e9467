/**
 * `socketkit relay` against socat on the same loopback bulk transfer: a sender pushes
 * RELAY_MIB (256) MiB through the relay to a sink, one connection per round, and the sink counts
 * every byte. socat is run as the README's table says to (`socat TCP-LISTEN:…,fork TCP:…`), with
 * its defaults; a bare node:net `pipe()` relay shows what Node itself costs for the same work.
 *
 * The contender runs pinned to core 1, the load (sender and sink, one node:net process) to
 * core 0; rounds are interleaved (A B C A B C …) and the results are medians. The contender's
 * CPU time comes from /proc (its own and its reaped children's: socat forks one per connection),
 * its peak RSS from VmHWM.
 *
 * Run directly with `--load`, this file is that load process: it prints `sink PORT`, then for each
 * `go PORT` line on stdin sends the bytes to PORT and prints one JSON line with what the sink got.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  corePinning,
  formatNumber,
  hasCommand,
  log,
  median,
  pinned,
  ROOT,
  type Section,
  TSX,
} from './_lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const MIB = Number(process.env.RELAY_MIB ?? 256);
const TARGET_RATIO = 0.9;

/** What the load process reports for one transfer. */
interface Transfer {
  /** Bytes the sink received (must equal the bytes sent). */
  received: number;
  /** From starting to connect to the sink's end of stream. */
  seconds: number;
}

// ── the load process ────────────────────────────────────────────────────

/** The sender and the sink: one process, both on node:net, so the load is the same for everyone. */
async function runLoad(bytes: number): Promise<void> {
  // One 1 MiB block of random bytes, sent over and over (the contents do not matter here; the
  // relay test checks a hash).
  const block = randomBytes(1024 * 1024);
  let finish: ((received: number) => void) | null = null;
  const sink = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('end', () => {
      socket.end();
      finish?.(received);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`sink ${(sink.address() as AddressInfo).port}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const port = Number(/^go (\d+)$/.exec(line)?.[1]);
    if (!port) continue;
    const started = performance.now();
    const received = await new Promise<number>((resolve, reject) => {
      finish = resolve;
      const out = netConnect({ host: '127.0.0.1', port }, () => {
        let sent = 0;
        const pump = (): void => {
          while (sent < bytes) {
            const part = Math.min(block.length, bytes - sent);
            sent += part;
            if (!out.write(part === block.length ? block : block.subarray(0, part))) {
              out.once('drain', pump);
              return;
            }
          }
          out.end();
        };
        pump();
      });
      out.resume();
      out.on('error', reject);
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify({ received, seconds } satisfies Transfer)}\n`);
  }
  sink.close();
}

// ── the benchmark ───────────────────────────────────────────────────────

/** The load process, driven line by line. */
class Load {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  constructor(child: ChildProcess) {
    this.#child = child;
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }
  async next(): Promise<string> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('the load process ended early');
    return value;
  }
  async transfer(port: number): Promise<Transfer> {
    this.#child.stdin!.write(`go ${port}\n`);
    return JSON.parse(await this.next()) as Transfer;
  }
  stop(): void {
    this.#child.stdin!.end();
  }
}

/** A contender: how to start it in front of the sink, and the line that says it listens. */
interface Contender {
  name: string;
  available: boolean;
  start: (sinkPort: number, port: number) => [string, string[]];
  /** Matches once it listens; group 1 is the port when it picks its own. */
  ready: RegExp;
}

/** User + system CPU seconds of `pid`, with its reaped children's (fields 14–17 of stat). */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // USER_HZ is 100 on Linux.
    return (
      (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100
    );
  } catch {
    return null;
  }
}

function peakRssMiB(pid: number): number | null {
  try {
    const kib = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) / 1024;
  } catch {
    return null;
  }
}

/** A loopback port nobody listens on right now (socat is told its port). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a contender and resolves with its port once its stderr says it listens. */
function startContender(
  command: string,
  args: string[],
  ready: RegExp,
  port: number,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not start: ${stderr}`));
    }, 15000);
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = ready.exec(stderr);
      if (match) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        child.stderr!.resume();
        resolve({ child, port: match[1] ? Number(match[1]) : port });
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited ${code} before listening: ${stderr}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** The bare node:net relay: accept, connect, pipe both ways (what Node gives for free). */
const NODE_PIPE = `
const net = require('node:net');
const [sink] = process.argv.slice(1).map(Number);
const server = net.createServer((client) => {
  const up = net.connect(sink, '127.0.0.1');
  client.pipe(up); up.pipe(client);
  client.on('error', () => up.destroy()); up.on('error', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => console.error('listening on port ' + server.address().port));
`;

export async function relayBenchmark(): Promise<Section> {
  const pin = await corePinning();
  const bytes = MIB * 1024 * 1024;
  const cli = join(ROOT, 'dist/cli/main.js');
  const contenders: Contender[] = [
    {
      name: 'socketkit relay',
      available: true,
      start: (sink) => [process.execPath, [cli, 'relay', '-q', '-k', '0', `127.0.0.1:${sink}`]],
      ready: /Relaying TCP 127\.0\.0\.1 port (\d+)/,
    },
    {
      name: 'socat',
      available: await hasCommand('socat'),
      start: (sink, port) => [
        'socat',
        ['-d', '-d', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `TCP:127.0.0.1:${sink}`],
      ],
      ready: /listening on/,
    },
    {
      name: 'node:net pipe()',
      available: true,
      start: (sink) => [process.execPath, ['-e', NODE_PIPE, String(sink)]],
      ready: /listening on port (\d+)/,
    },
  ];
  const socatHere = contenders[1]!.available;
  if (!socatHere) log('socat not found (apt-get install socat): the socat column is left out');
  const running = contenders.filter((c) => c.available);

  const [loadCommand, loadArgs] = pinned(pin.client, TSX[0], [
    ...TSX.slice(1),
    fileURLToPath(import.meta.url),
    '--load',
    String(bytes),
  ]);
  const load = new Load(
    spawn(loadCommand, loadArgs, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const sinkPort = Number(/^sink (\d+)$/.exec(await load.next())?.[1]);

  const rates = new Map<string, number[]>(); // MiB/s per round
  const cpu = new Map<string, number[]>(); // CPU seconds per GiB per round
  const rss = new Map<string, number[]>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const contender of running) {
        const wanted = await freePort();
        const [command, args] = pinned(pin.server, ...contender.start(sinkPort, wanted));
        const started = await startContender(command, args, contender.ready, wanted);
        const pid = started.child.pid!;
        try {
          const before = cpuSeconds(pid);
          const result = await load.transfer(started.port);
          if (result.received !== bytes)
            throw new Error(`${contender.name} delivered ${result.received} of ${bytes} bytes`);
          // socat's child for the connection is reaped a moment after the end; then its CPU counts.
          await new Promise((resolve) => setTimeout(resolve, 300));
          const after = cpuSeconds(pid);
          const rate = MIB / result.seconds;
          rates.set(contender.name, [...(rates.get(contender.name) ?? []), rate]);
          const perGiB = before === null || after === null ? null : ((after - before) * 1024) / MIB;
          if (perGiB !== null)
            cpu.set(contender.name, [...(cpu.get(contender.name) ?? []), perGiB]);
          const peak = peakRssMiB(pid);
          if (peak !== null) rss.set(contender.name, [...(rss.get(contender.name) ?? []), peak]);
          log(
            `relay round ${round + 1}/${ROUNDS} ${contender.name}: ${formatNumber(rate)} MiB/s, ${perGiB?.toFixed(2) ?? '?'} CPU s/GiB, peak RSS ${peak?.toFixed(0) ?? '?'} MiB`,
          );
        } finally {
          await stop(started.child);
        }
      }
    }
  } finally {
    load.stop();
  }

  const ours = median(rates.get('socketkit relay')!);
  const rows = running.map((c) => {
    const rate = median(rates.get(c.name)!);
    const c1 = cpu.get(c.name);
    const r1 = rss.get(c.name);
    return `| ${c.name} | ${formatNumber(rate)} MiB/s | ${c1 ? median(c1).toFixed(2) : 'n/a'} s | ${r1 ? `${formatNumber(Math.max(...r1), 1)} MiB` : 'n/a'} | ${(ours / rate).toFixed(2)}× |`;
  });
  let verdict = 'socat is not installed, so the 0.9× target could not be checked.';
  if (socatHere) {
    const theirs = median(rates.get('socat')!);
    const ratio = ours / theirs;
    const perRound = rates
      .get('socketkit relay')!
      .map((value, i) => value / rates.get('socat')![i]!);
    verdict = `socketkit relay / socat: **${ratio.toFixed(2)}×** (rounds ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}); the ≥ ${TARGET_RATIO}× target is ${ratio >= TARGET_RATIO ? 'met' : 'missed'}.`;
  }
  const markdown = `## \`socketkit relay\` against socat

One connection per round carries ${MIB} MiB from a sender through the relay to a sink (both in
one node:net load process, pinned to core 0; the relay ${pin.server.length > 0 ? 'pinned to core 1' : 'unpinned'}), with nothing shown
(\`socketkit relay -q -k 0 127.0.0.1:SINK\`, \`socat TCP-LISTEN:PORT,fork TCP:127.0.0.1:SINK\`
with socat's defaults, and a bare node:net \`client.pipe(upstream)\` relay for what Node itself
costs). Throughput is the sink's: from connecting to its last byte; medians of ${ROUNDS}
interleaved rounds, a fresh relay process each round. CPU is the relay process's user + system
time over the transfer (socat's forked child included), per GiB carried; peak RSS is its VmHWM.

| relay | throughput | CPU per GiB | peak RSS | socketkit relay ÷ this |
|---|---|---|---|---|
${rows.join('\n')}

${verdict}
`;
  return { id: 'relay', markdown };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--load')
  await runLoad(Number(process.argv[3]));
