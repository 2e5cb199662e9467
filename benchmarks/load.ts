/**
 * `socketkit bench` against autocannon and wrk, side by side on the same server: nginx from the
 * system's packages (a Node server when nginx is missing), 50 keep-alive connections, one
 * thread each, interleaved rounds. Requests per second, median latency, and each generator's
 * own CPU time per request (GNU time), since on a small machine the server may be the ceiling
 * for all of them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  BENCH_DIR,
  corePinning,
  formatNumber,
  hasCommand,
  log,
  median,
  parseWrk,
  pinned,
  ROOT,
  type Section,
  startNginx,
  startServer,
  TSX,
  wrkArgs,
} from './_lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_MS ?? 5000) / 1000;
const CONNECTIONS = 50;

interface Measured {
  rps: number;
  p50: number;
  /** The generator's user + system CPU seconds per request, in µs. */
  cpuPerRequest: number | null;
}

/** Runs a command (under GNU time when present) and returns its stdout and CPU seconds. */
function timed(
  prefix: string[],
  command: string,
  args: string[],
): Promise<{ out: string; cpu: number | null }> {
  const gnuTime = existsSync('/usr/bin/time');
  const [cmd, argv] = gnuTime
    ? pinned(prefix, '/usr/bin/time', ['-f', 'GNUTIME %U %S', command, ...args])
    : pinned(prefix, command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${command} exited ${code}: ${err}`));
      const cpu = /GNUTIME ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ out, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : null });
    });
  });
}

const perRequest = (cpu: number | null, requests: number) =>
  cpu === null ? null : (cpu / requests) * 1e6;

/** The built `socketkit bench` with this suite's load shape (and `extra` flags) against `url`. */
function socketkitBenchArgs(url: string, extra: string[] = []): string[] {
  return [
    join(ROOT, 'dist/cli/main.js'),
    'bench',
    '-c',
    String(CONNECTIONS),
    '-d',
    String(DURATION_S),
    '--json',
    ...extra,
    url,
  ];
}

const GENERATORS: Record<string, (prefix: string[], url: string) => Promise<Measured>> = {
  'socketkit bench': async (prefix, url) => {
    const { out, cpu } = await timed(prefix, process.execPath, socketkitBenchArgs(url));
    const report = JSON.parse(out) as {
      requests: number;
      requestsPerSecond: number;
      latency: { p50: number };
    };
    return {
      rps: report.requestsPerSecond,
      p50: report.latency.p50,
      cpuPerRequest: perRequest(cpu, report.requests),
    };
  },
  autocannon: async (prefix, url) => {
    const { out, cpu } = await timed(prefix, process.execPath, [
      join(ROOT, 'node_modules/autocannon/autocannon.js'),
      '-c',
      String(CONNECTIONS),
      '-d',
      String(DURATION_S),
      '--json',
      url,
    ]);
    const report = JSON.parse(out) as {
      requests: { total: number };
      latency: { p50: number };
      duration: number;
    };
    return {
      rps: report.requests.total / report.duration,
      p50: report.latency.p50,
      cpuPerRequest: perRequest(cpu, report.requests.total),
    };
  },
  wrk: async (prefix, url) => {
    const { out, cpu } = await timed(prefix, 'wrk', wrkArgs(url, CONNECTIONS, DURATION_S));
    const { rps, p50 } = parseWrk(out);
    return { rps, p50, cpuPerRequest: perRequest(cpu, rps * DURATION_S) };
  },
};

interface Scenario {
  title: string;
  path: string;
  /** Where the plot of one extra, unmeasured `socketkit bench --plot` run goes (under benchmarks/plots/). */
  plot: string;
}

/** One more socketkit bench run, outside the measured rounds, that draws its report as an SVG. */
async function plotRun(prefix: string[], url: string, file: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await timed(prefix, process.execPath, socketkitBenchArgs(url, ['--plot', file]));
}

/** The comparison on one URL: a markdown table and the ratios under it. */
function summarise(
  scenario: Scenario,
  names: string[],
  results: Map<string, Measured[]>,
): { markdown: string; rpsRatio: number; p50Gap: number | null } {
  const med = (name: string, key: keyof Measured) => {
    const values = (results.get(name) ?? []).map((m) => m[key]).filter((v) => v !== null);
    return values.length === 0 ? null : median(values as number[]);
  };
  const rows = names.map((name) => {
    const cpu = med(name, 'cpuPerRequest');
    return `| ${name} | ${formatNumber(med(name, 'rps')!)} | ${med(name, 'p50')!.toFixed(2)} ms | ${cpu === null ? '—' : `${cpu.toFixed(1)} µs`} |`;
  });
  const socketkit = results.get('socketkit bench')!;
  const autocannon = results.get('autocannon')!;
  const rpsRatios = socketkit.map((m, i) => m.rps / autocannon[i]!.rps);
  const rpsRatio = median(rpsRatios);
  const socketkitCpu = med('socketkit bench', 'cpuPerRequest');
  const autocannonCpu = med('autocannon', 'cpuPerRequest');
  const wrkP50 = med('wrk', 'p50');
  const p50Gap = wrkP50 === null ? null : med('socketkit bench', 'p50')! / wrkP50 - 1;
  const wrkRps = med('wrk', 'rps');
  const lines = [
    `### ${scenario.title}`,
    '',
    `![socketkit bench on ${scenario.path}: latency by percentile, and requests/s over time](${scenario.plot})`,
    '',
    '| generator | requests/s | p50 latency | CPU per request |',
    '|---|---|---|---|',
    ...rows,
    '',
    `- Requests/s, socketkit bench / autocannon: **${rpsRatio.toFixed(2)}×** (rounds ${Math.min(...rpsRatios).toFixed(2)}–${Math.max(...rpsRatios).toFixed(2)}).`,
  ];
  if (socketkitCpu !== null && autocannonCpu !== null) {
    lines.push(
      `- CPU per request, autocannon / socketkit bench: **${(autocannonCpu / socketkitCpu).toFixed(2)}×**.`,
    );
  }
  if (p50Gap !== null) {
    lines.push(
      `- Median latency, socketkit bench against wrk: ${p50Gap >= 0 ? '+' : ''}${(p50Gap * 100).toFixed(0)}%.`,
    );
  }
  if (wrkRps !== null) {
    lines.push(
      `- Against wrk's requests/s: autocannon ${(med('autocannon', 'rps')! / wrkRps).toFixed(2)}×, socketkit bench ${(med('socketkit bench', 'rps')! / wrkRps).toFixed(2)}×.`,
    );
  }
  return { markdown: lines.join('\n'), rpsRatio, p50Gap };
}

export async function loadBenchmark(): Promise<Section> {
  const pin = await corePinning();
  const names = Object.keys(GENERATORS).filter((name) => name !== 'wrk');
  if (await hasCommand('wrk')) names.push('wrk');
  else log('wrk is not installed: comparing with autocannon only');
  const page = `<!doctype html><h1>Hello, world!</h1>${'<p>padding</p>'.repeat(60)}\n`;
  let served = await startNginx(pin.server, page);
  const scenarios: Scenario[] = [];
  if (served !== null) {
    scenarios.push(
      {
        title: 'nginx, a 1 KB static page',
        path: '/',
        plot: 'benchmarks/plots/load-nginx-static.svg',
      },
      {
        title: 'nginx, 13 bytes from memory (`return 200`): the cheapest reply nginx makes',
        path: '/hello',
        plot: 'benchmarks/plots/load-nginx-hello.svg',
      },
    );
  } else {
    log('nginx is not installed: loading a node:http server instead');
    served = await startServer(
      ...pinned(pin.server, TSX[0], [
        ...TSX.slice(1),
        join(BENCH_DIR, 'servers/hello-node-http.ts'),
      ]),
    );
    scenarios.push({
      title: 'node:http, the hello page (nginx is not installed)',
      path: '/',
      plot: 'benchmarks/plots/load-node-http.svg',
    });
  }
  const sections: Array<ReturnType<typeof summarise>> = [];
  try {
    for (const scenario of scenarios) {
      const url = `http://127.0.0.1:${served.port}${scenario.path}`;
      const results = new Map<string, Measured[]>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of names) {
          const m = await GENERATORS[name]!(pin.client, url);
          results.set(name, [...(results.get(name) ?? []), m]);
          log(
            `load ${scenario.path} round ${round + 1}/${ROUNDS} ${name}: ${formatNumber(m.rps)} req/s, p50 ${m.p50.toFixed(3)} ms, ${m.cpuPerRequest?.toFixed(1) ?? '?'} µs CPU/request`,
          );
        }
      }
      await plotRun(pin.client, url, join(ROOT, scenario.plot));
      sections.push(summarise(scenario, names, results));
    }
  } finally {
    await served.stop();
  }
  // Requests/s is judged where the generators set the pace (the in-memory reply); latency where
  // the server does (the static page). Without nginx there is one scenario for both.
  const paced = sections.at(-1)!;
  const serverBound = sections[0]!;
  const gap = serverBound.p50Gap;
  const markdown = `## socketkit bench against autocannon and wrk

Each generator loads the same server in turn: ${CONNECTIONS} keep-alive connections, one
thread each, ${DURATION_S} s per run, medians of ${ROUNDS} interleaved rounds (${pin.note}).
CPU per request is the generator's own user + system time (GNU time, start-up included)
divided by the requests it completed: what each request costs to produce, whoever is the
bottleneck. autocannon reports latency in whole milliseconds. Each plot is \`socketkit bench --plot\`
from one more run after the measured rounds.

${sections.map((s) => s.markdown).join('\n\n')}

With a fixed number of connections each kept busy, the median latency is about connections ÷
requests/s (Little's law) for every generator, so it can only agree with wrk's where the
server, not the generator, sets the pace: on the static page, where nginx's one worker is the
ceiling. On the in-memory reply the generator sets the pace, and there the comparison that
matters is requests/s and CPU per request.

Targets: socketkit bench ≥ 1.5× autocannon's requests/s where the generators set the pace —
${paced.rpsRatio >= 1.5 ? 'met' : '**missed**'} (${paced.rpsRatio.toFixed(2)}×);
median latency within 20% of wrk's where the server sets the pace — ${gap === null ? 'not measured (no wrk)' : `${Math.abs(gap) <= 0.2 ? 'met' : '**missed**'} (${gap >= 0 ? '+' : ''}${(gap * 100).toFixed(0)}%)`}.
`;
  return { id: 'load', markdown };
}
