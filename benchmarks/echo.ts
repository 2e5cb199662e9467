/**
 * Echo round trips per second: socketkit's recv/sendAll server against plain node:net and Python
 * asyncio, 50 connections ping-ponging 1 KiB, 10 KiB and 100 KiB messages, all driven by the
 * same node:net load client in its own process; then socketkit against node:net again, both
 * listening on a Unix domain socket, in the same interleaved rounds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_DIR,
  corePinning,
  formatNumber,
  hasCommand,
  log,
  median,
  pinned,
  runJson,
  type Section,
  startServer,
  TSX,
} from './_lib.js';

/** A server under test, running: where the load client connects, and how to stop it. */
interface Running {
  /** A TCP port on 127.0.0.1, or a Unix socket's path: echo-load.ts's first argument. */
  target: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** One contender: a server program, over TCP or over a Unix socket. */
interface Contender {
  name: string;
  transport: 'tcp' | 'unix';
  command: string;
  args: string[];
}

interface LoadResult {
  roundTrips: number;
  seconds: number;
  perSecond: number;
  mismatches: number;
  /** The server's CPU seconds over the measured window (null where /proc is missing). */
  serverCpuSeconds: number | null;
}

const SIZES = [1024, 10 * 1024, 100 * 1024];
const CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 2000);
const WARMUP_MS = 500;

/**
 * Starts a server that takes a Unix socket path as its last argument and prints `path PATH` once
 * it listens; its output is drained from then on. Stopping it is SIGTERM, then SIGKILL 3 s later.
 */
function startUnixServer(command: string, args: string[], path: string): Promise<Running> {
  const child = spawn(command, [...args, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not listen on ${path} in 15 s: ${output}`),
      );
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes(`path ${path}`)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      child.removeAllListeners('exit');
      resolve({ target: path, child, stop });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${command} ${args.join(' ')} exited with ${code} before listening: ${output}`),
      );
    });
  });
}

export async function echoBenchmark(): Promise<Section> {
  const socketkitServer = [...TSX.slice(1), join(BENCH_DIR, 'servers/echo-socketkit.ts')];
  const netServer = [...TSX.slice(1), join(BENCH_DIR, 'servers/echo-net.ts')];
  const servers: Contender[] = [
    {
      name: 'socketkit (recv + sendAll)',
      transport: 'tcp',
      command: TSX[0],
      args: socketkitServer,
    },
    { name: 'node:net (data → write)', transport: 'tcp', command: TSX[0], args: netServer },
  ];
  const python = await hasCommand('python3');
  if (python) {
    servers.push({
      name: 'Python asyncio streams',
      transport: 'tcp',
      command: 'python3',
      args: [join(BENCH_DIR, 'servers/echo_asyncio.py')],
    });
  } else {
    log('python3 not found: the asyncio column is left out');
  }
  // The same two servers on a Unix socket, in the same rounds as the TCP ones.
  servers.push(
    { name: 'socketkit, Unix socket', transport: 'unix', command: TSX[0], args: socketkitServer },
    { name: 'node:net, Unix socket', transport: 'unix', command: TSX[0], args: netServer },
  );
  const [skTcp, netTcp] = servers;
  const pyTcp = python ? servers[2] : undefined;
  const [skUnix, netUnix] = servers.slice(-2);

  const pin = await corePinning();
  const results = new Map<string, number[]>(); // `${server}|${size}` → round trips/s per round
  const cpuPerTrip = new Map<string, number[]>(); // `${server}|${size}` → server µs CPU per round trip
  // Each Unix server gets a fresh path in one folder, removed at the end.
  const socketDir = mkdtempSync(join(tmpdir(), 'socketkit-bench-echo-'));
  let started = 0;
  try {
    for (const size of SIZES) {
      for (let round = 0; round < ROUNDS; round++) {
        for (const server of servers) {
          const served: Running =
            server.transport === 'tcp'
              ? await startServer(...pinned(pin.server, server.command, server.args)).then((s) => ({
                  ...s,
                  target: String(s.port),
                }))
              : await startUnixServer(
                  ...pinned(pin.server, server.command, server.args),
                  join(socketDir, `echo-${++started}.sock`),
                );
          try {
            const load = await runJson<LoadResult>(
              ...pinned(pin.client, TSX[0], [
                ...TSX.slice(1),
                join(BENCH_DIR, 'clients/echo-load.ts'),
                served.target,
                String(CONNECTIONS),
                String(size),
                String(DURATION_MS),
                String(WARMUP_MS),
                String(served.child.pid),
              ]),
            );
            if (load.mismatches > 0) throw new Error(`${server.name} echoed wrong bytes`);
            const key = `${server.name}|${size}`;
            results.set(key, [...(results.get(key) ?? []), load.perSecond]);
            const cpu =
              load.serverCpuSeconds === null
                ? null
                : (load.serverCpuSeconds / load.roundTrips) * 1e6;
            if (cpu !== null) cpuPerTrip.set(key, [...(cpuPerTrip.get(key) ?? []), cpu]);
            log(
              `echo ${size} B round ${round + 1}/${ROUNDS} ${server.name}: ${formatNumber(load.perSecond)} round trips/s, server ${cpu?.toFixed(1) ?? '?'} µs CPU/round trip`,
            );
          } finally {
            await served.stop();
          }
        }
      }
    }
  } finally {
    rmSync(socketDir, { recursive: true, force: true });
  }

  /** The median and the round-by-round spread of `a` / `b`, and their CPU per round trip. */
  const compare = (a: Contender, b: Contender, size: number) => {
    const ours = results.get(`${a.name}|${size}`)!;
    const theirs = results.get(`${b.name}|${size}`)!;
    // Round by round (the contenders of a round ran back to back), how the ratio moved.
    const perRound = ours.map((value, i) => value / theirs[i]!);
    const oursCpu = cpuPerTrip.get(`${a.name}|${size}`);
    const theirsCpu = cpuPerTrip.get(`${b.name}|${size}`);
    return {
      ours: median(ours),
      theirs: median(theirs),
      ratio: median(ours) / median(theirs),
      spread: `${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}`,
      cpu:
        oursCpu && theirsCpu
          ? `${median(oursCpu).toFixed(1)} / ${median(theirsCpu).toFixed(1)} µs (${(median(theirsCpu) / median(oursCpu)).toFixed(2)}×)`
          : 'n/a',
    };
  };

  const rows: string[] = [];
  const verdicts: string[] = [];
  const unixRows: string[] = [];
  const unixVerdicts: string[] = [];
  const verdict = (size: number, ratio: number) =>
    `${size / 1024} KiB ${ratio >= 0.95 ? 'meets' : 'misses'} the 0.95× target (${ratio.toFixed(3)}×)`;
  for (const size of SIZES) {
    const tcp = compare(skTcp!, netTcp!, size);
    const py = pyTcp === undefined ? undefined : median(results.get(`${pyTcp.name}|${size}`)!);
    rows.push(
      `| ${size / 1024} KiB | ${formatNumber(tcp.ours)} | ${formatNumber(tcp.theirs)} | ${py === undefined ? 'n/a' : formatNumber(py)} | **${tcp.ratio.toFixed(2)}×** (rounds ${tcp.spread}) | ${tcp.cpu} | ${py === undefined ? 'n/a' : `${(tcp.ours / py).toFixed(2)}×`} |`,
    );
    verdicts.push(verdict(size, tcp.ratio));
    const unix = compare(skUnix!, netUnix!, size);
    const skOverTcp = unix.ours / tcp.ours;
    const netOverTcp = unix.theirs / tcp.theirs;
    unixRows.push(
      `| ${size / 1024} KiB | ${formatNumber(unix.ours)} | ${formatNumber(unix.theirs)} | **${unix.ratio.toFixed(2)}×** (rounds ${unix.spread}) | ${unix.cpu} | ${skOverTcp.toFixed(2)}× / ${netOverTcp.toFixed(2)}× |`,
    );
    unixVerdicts.push(verdict(size, unix.ratio));
  }
  const markdown = `## Echo round trips per second

${CONNECTIONS} connections, each sending a message and waiting for the whole echo before the next;
medians of ${ROUNDS} interleaved rounds of ${DURATION_MS / 1000} s (after ${WARMUP_MS / 1000} s warm-up). One
load client (plain node:net, its own process) drives every server; each server runs in its own
process (${pin.note}). The socketkit server is the loop a tutorial reader writes: \`recv(65536)\`,
then \`sendAll\`.

| message | socketkit rt/s | node:net rt/s | asyncio rt/s | socketkit / node:net | server CPU per round trip, socketkit / node:net (node:net's ÷ socketkit's) | socketkit / asyncio |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Target: socketkit ≥ 0.95× node:net at every size. ${verdicts.join('; ')}.

### Over a Unix domain socket

The same two servers listening on a Unix socket path (a fresh one in one temporary folder for
each start), the same load client connecting to it, in the same interleaved rounds as the rows
above, with the same pinning and the same CPU measure.

| message | socketkit rt/s | node:net rt/s | socketkit / node:net | server CPU per round trip, socketkit / node:net (node:net's ÷ socketkit's) | Unix socket / TCP, socketkit / node:net |
|---|---|---|---|---|---|
${unixRows.join('\n')}

Target: socketkit ≥ 0.95× node:net at every size. ${unixVerdicts.join('; ')}.

The CPU column is each server's own user + system time (from \`/proc\`) over the measured
window, divided by its round trips: what one echo costs the server. On this shared machine it
moves from round to round with the round trips per second, so it is a second view of the same
comparison rather than a steadier one.

How it gets there (profiled with \`node --cpu-prof\` and per-process CPU time): both servers are
CPU-bound here, and a promise-based pull loop over \`'data'\` events spent about 1.3 µs more user
CPU per message than the bare \`'data'\` → \`write\` handler, for about 0.88× at 1 KiB on this
machine. socketkit reads through Node's \`onread\` option instead of the Readable stream (no \`push\`,
\`'data'\` emit or \`maybeReadMore\` tick per read; accepted connections move their handle to such a
socket), copies each small read out of one shared buffer (into a slab only when a \`recv()\` is
waiting), hands large reads over without a copy, and \`sendAll\` resolves without a callback round
trip when the kernel took the bytes synchronously. See \`src/socket/_direct-read.ts\`.

Large reads: copying each 64 KiB read out of the shared buffer was about a sixth of the
socketkit server's CPU at 100 KiB (\`_copyActual\` 16% in a \`--cpu-prof\` profile; 0.62× before
this change on another machine of this kind). A socket whose read is 32 KiB or more now reads
into buffers of its own (a little under 64 KiB, at most 128 in the process, so idle connections
still cost little) that go to the reader as they are. What is left at 100 KiB is kernel time:
\`perf record\` shows page faults on those fresh buffers (about 4 per round trip, against under 1
for node:net), which go away with \`MALLOC_TRIM_THRESHOLD_\` raised: glibc gives the top of its
heap back and takes it again. A library cannot set that for its users, so it stays. Small reads
are still copied out (about 5% of the server's CPU at 10 KiB): that copy lets idle connections
hold no read buffer and keeps unread bytes from pinning shared memory.
`;
  return { id: 'echo', markdown };
}
