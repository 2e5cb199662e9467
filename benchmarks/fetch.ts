/**
 * `socketkit fetch` against curl, downloading 1 MiB and 200 MiB from the same local server to
 * /dev/null: wall time and peak RSS of each client process, side by side.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_DIR,
  formatNumber,
  hasCommand,
  log,
  median,
  ROOT,
  type Section,
  startServer,
  TSX,
} from './_lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Measured {
  /** Wall time of the whole process, start-up included. */
  seconds: number;
  peakRssMiB: number;
  /** The tool's own measure of the transfer, from starting the request to the last body byte. */
  transferSeconds: number;
  stdout: string;
}

/**
 * Runs a command to completion and times it. Peak RSS comes from GNU time (/usr/bin/time, the
 * kernel's accounting) when it exists, otherwise from polling VmHWM, which can miss the last
 * moments of a short process (an earlier version of this benchmark under-reported socketkit's
 * peak RSS by 30 MiB that way).
 */
function measure(
  command: string,
  args: string[],
  gnuTime: boolean,
): Promise<Omit<Measured, 'transferSeconds'>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [cmd, argv] = gnuTime
      ? ['/usr/bin/time', ['-f', 'GNUTIME %e %M', command, ...args]]
      : [command, args];
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let peakKiB = 0;
    const poll = gnuTime
      ? undefined
      : setInterval(() => {
          try {
            const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
            peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
          } catch {
            // The process is gone.
          }
        }, 5);
    child.once('exit', (code) => {
      clearInterval(poll);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0)
        return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
      // GNU time's clock has 10 ms steps; keep ours for time and take its peak RSS.
      const timed = /GNUTIME [\d.]+ (\d+)/.exec(stderr);
      if (timed) peakKiB = Number(timed[1]);
      resolve({ seconds, peakRssMiB: peakKiB / 1024, stdout });
    });
  });
}

export async function fetchBenchmark(): Promise<Section> {
  const haveCurl = await hasCommand('curl');
  const gnuTime = existsSync('/usr/bin/time');
  if (!haveCurl) log('curl not found: only socketkit fetch is measured');
  const server = await startServer(TSX[0], [
    ...TSX.slice(1),
    join(BENCH_DIR, 'servers/bulk-http.ts'),
  ]);
  const cli = join(ROOT, 'dist/cli/main.js');
  const startup = median(
    await Promise.all(
      [0, 1, 2].map(() =>
        measure(process.execPath, [cli, 'fetch', '--help'], gnuTime).then((m) => m.seconds),
      ),
    ),
  );
  const nodeStartup = median(
    await Promise.all(
      [0, 1, 2].map(() => measure(process.execPath, ['-e', '0'], gnuTime).then((m) => m.seconds)),
    ),
  );
  const rows: string[] = [];
  const verdicts: string[] = [];
  try {
    for (const [label, bytes] of [
      ['1 MiB', 1024 * 1024],
      ['200 MiB', 200 * 1024 * 1024],
    ] as const) {
      const url = `http://127.0.0.1:${server.port}/bytes/${bytes}`;
      const ours: Measured[] = [];
      const theirs: Measured[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const o = await measure(
          process.execPath,
          [cli, 'fetch', '-o', '/dev/null', '--json', url],
          gnuTime,
        );
        ours.push({ ...o, transferSeconds: JSON.parse(o.stdout).timings.total / 1000 });
        if (haveCurl) {
          const c = await measure(
            'curl',
            ['-s', '-f', '-o', '/dev/null', '-w', '%{time_total}', url],
            gnuTime,
          );
          theirs.push({ ...c, transferSeconds: Number(c.stdout) });
        }
      }
      const t = median(ours.map((m) => m.seconds));
      const tt = median(ours.map((m) => m.transferSeconds));
      const rss = Math.max(...ours.map((m) => m.peakRssMiB));
      const ct = haveCurl ? median(theirs.map((m) => m.seconds)) : Number.NaN;
      const ctt = haveCurl ? median(theirs.map((m) => m.transferSeconds)) : Number.NaN;
      const crss = haveCurl ? Math.max(...theirs.map((m) => m.peakRssMiB)) : Number.NaN;
      log(
        `fetch ${label}: socketkit ${t.toFixed(3)} s (transfer ${tt.toFixed(3)} s) ${rss.toFixed(0)} MiB; curl ${ct.toFixed(3)} s (transfer ${ctt.toFixed(3)} s) ${crss.toFixed(0)} MiB`,
      );
      const ratio = (a: number, b: number) => (haveCurl ? `**${(a / b).toFixed(2)}×**` : 'n/a');
      rows.push(
        `| ${label} | ${t.toFixed(3)} s | ${haveCurl ? `${ct.toFixed(3)} s` : 'n/a'} | ${ratio(t, ct)} | ${(tt * 1000).toFixed(0)} ms | ${haveCurl ? `${(ctt * 1000).toFixed(0)} ms` : 'n/a'} | ${ratio(tt, ctt)} | ${formatNumber(rss, 1)} MiB | ${haveCurl ? `${formatNumber(crss, 1)} MiB` : 'n/a'} |`,
      );
      if (label === '200 MiB') {
        verdicts.push(
          haveCurl
            ? `wall time ${(t / ct).toFixed(2)}× curl's: the ≤ 1.5× target is ${t / ct <= 1.5 ? 'met' : 'missed'}`
            : 'curl missing, time ratio not measured',
          `transfer alone ${(tt / ctt).toFixed(2)}× curl's`,
          `peak RSS ${rss.toFixed(0)} MiB: the ≤ 100 MiB target is ${rss <= 100 ? 'met' : 'missed'}`,
        );
      }
    }
  } finally {
    await server.stop();
  }
  const markdown = `## \`socketkit fetch\` against curl

Each client downloads the body from the same local node:http server (its own process) to
/dev/null; medians of ${ROUNDS} interleaved runs. Wall time and peak RSS are of the whole
process (peak RSS ${gnuTime ? 'from GNU time' : 'from VmHWM polling: GNU time was not found'}).
"Transfer" is each tool's own measure of the exchange, from starting the request to the
last body byte (curl's \`%{time_total}\`, socketkit's \`timings.total\`), so process start-up is
left out.

| body | socketkit wall | curl wall | wall ratio | socketkit transfer | curl transfer | transfer ratio | socketkit peak RSS | curl peak RSS |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

200 MiB: ${verdicts.join('; ')}.

Start-up: \`node -e 0\` takes ${nodeStartup.toFixed(3)} s on this machine and \`socketkit fetch --help\`
(Node plus loading the fetch command and the modules it uses) ${startup.toFixed(3)} s, while curl's whole 200 MiB download takes about as long as Node's start
alone, so a 1.5× wall-time ratio is out of reach for any Node.js program here; the transfer ratio
is the one socketkit's code can move. The body streams through one reused 256 KiB buffer
(\`response.body.chunks(buffer)\`, on \`StreamSocket.recvInto\`), so memory stays flat at any size.
`;
  return { id: 'fetch', markdown };
}
