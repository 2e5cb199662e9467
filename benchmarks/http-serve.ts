/**
 * Hello-page requests per second with keep-alive: `socketkit serve http` against node:http serving
 * the same page, 50 connections, the same load generator (wrk when installed), side by side.
 * A node:net server writing a prepared reply per read shows the floor for a Node.js server, and
 * nginx on a small static page, when installed, is there for reference. Each server's CPU per
 * request is read from /proc over each run.
 */
import { join } from 'node:path';
import {
  BENCH_DIR,
  corePinning,
  formatNumber,
  hasCommand,
  log,
  median,
  pinned,
  processCpu,
  ROOT,
  runJson,
  runWrk,
  type Section,
  type Served,
  startNginx,
  startServer,
  TSX,
} from './_lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_MS ?? 3000) / 1000;
const CONNECTIONS = 50;
const SOCKETKIT = 'socketkit serve http';
const SOCKETKIT_LOGGING = 'socketkit serve http, logging on (stderr to a pipe)';
const NODE_HTTP = 'node:http';
const FLOOR = 'node:net, fixed reply';
const SOCKETKIT_FLOOR = 'socketkit recv + sendAll, fixed reply';
const NGINX = 'nginx (static page, for reference)';

export async function httpServeBenchmark(): Promise<Section> {
  const pin = await corePinning();
  const haveWrk = await hasCommand('wrk');
  const generator = haveWrk ? 'wrk (1 thread)' : 'a Node keep-alive client (wrk not installed)';
  const measure = async (port: number): Promise<number> => {
    if (haveWrk)
      return (await runWrk(pin.client, `http://127.0.0.1:${port}/`, CONNECTIONS, DURATION_S)).rps;
    const r = await runJson<{ requests: number; seconds: number }>(
      ...pinned(pin.client, TSX[0], [
        ...TSX.slice(1),
        join(BENCH_DIR, 'clients/http-load.ts'),
        String(port),
        String(CONNECTIONS),
        String(DURATION_S * 1000),
      ]),
    );
    return r.requests / r.seconds;
  };
  const serveHttp = (flags: string[]) =>
    startServer(
      ...pinned(pin.server, process.execPath, [
        join(ROOT, 'dist/cli/main.js'),
        'serve',
        'http',
        '--base-port',
        '0',
        '--json',
        ...flags,
      ]),
    );
  const contenders: Array<{ name: string; start: () => Promise<Served | null> }> = [
    {
      name: SOCKETKIT,
      start: () => serveHttp(['--quiet']),
    },
    {
      name: SOCKETKIT_LOGGING,
      start: () => serveHttp([]),
    },
    {
      name: NODE_HTTP,
      start: () =>
        startServer(
          ...pinned(pin.server, TSX[0], [
            ...TSX.slice(1),
            join(BENCH_DIR, 'servers/hello-node-http.ts'),
          ]),
        ),
    },
    {
      name: FLOOR,
      start: () =>
        startServer(
          ...pinned(pin.server, TSX[0], [
            ...TSX.slice(1),
            join(BENCH_DIR, 'servers/hello-net-fixed.ts'),
          ]),
        ),
    },
    {
      name: SOCKETKIT_FLOOR,
      start: () =>
        startServer(
          ...pinned(pin.server, TSX[0], [
            ...TSX.slice(1),
            join(BENCH_DIR, 'servers/hello-socketkit-fixed.ts'),
          ]),
        ),
    },
    {
      name: NGINX,
      start: () =>
        startNginx(
          pin.server,
          `<!doctype html><h1>Hello, world!</h1>${'<p>padding</p>'.repeat(60)}\n`,
        ),
    },
  ];
  const results = new Map<string, Array<{ rps: number; user: number; system: number } | null>>();
  const rpsOf = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const contender of contenders) {
      const served = await contender.start();
      if (served === null) continue;
      try {
        const pid = served.child.pid!;
        const before = processCpu(pid);
        const rps = await measure(served.port);
        const after = processCpu(pid);
        // Requests served in the run, from the generator's rate and the run's length.
        const requests = rps * DURATION_S;
        const cpu =
          before === null || after === null
            ? null
            : {
                rps,
                user: ((after.user - before.user) / requests) * 1e6,
                system: ((after.system - before.system) / requests) * 1e6,
              };
        results.set(contender.name, [...(results.get(contender.name) ?? []), cpu]);
        rpsOf.set(contender.name, [...(rpsOf.get(contender.name) ?? []), rps]);
        log(
          `http round ${round + 1}/${ROUNDS} ${contender.name}: ${formatNumber(rps)} req/s${cpu === null ? '' : `, server ${cpu.user.toFixed(1)} µs user + ${cpu.system.toFixed(1)} µs system per request`}`,
        );
      } finally {
        await served.stop();
      }
    }
  }
  const rps = (name: string) => (rpsOf.has(name) ? median(rpsOf.get(name)!) : null);
  const cpu = (name: string) => {
    const runs = (results.get(name) ?? []).filter((r) => r !== null);
    if (runs.length === 0) return null;
    return { user: median(runs.map((r) => r.user)), system: median(runs.map((r) => r.system)) };
  };
  const cpuCell = (name: string) => {
    const c = cpu(name);
    return c === null
      ? 'n/a'
      : `${(c.user + c.system).toFixed(1)} µs (${c.user.toFixed(1)} user + ${c.system.toFixed(1)} system)`;
  };
  const socketkit = rps(SOCKETKIT)!;
  const node = rps(NODE_HTTP)!;
  const floor = rps(FLOOR);
  const nginx = rps(NGINX);
  const perRound = rpsOf.get(SOCKETKIT)!.map((v, i) => v / rpsOf.get(NODE_HTTP)![i]!);
  const ratio = socketkit / node;
  const row = (name: string, label: string) => {
    const value = rps(name);
    return value === null ? '' : `| ${label} | ${formatNumber(value)} | ${cpuCell(name)} |\n`;
  };
  const socketkitCpu = cpu(SOCKETKIT);
  const nodeCpu = cpu(NODE_HTTP);
  const floorCpu = cpu(FLOOR);
  const total = (c: { user: number; system: number }) => c.user + c.system;
  const socketkitFloorCpu = cpu(SOCKETKIT_FLOOR);
  const analysis =
    socketkitCpu !== null && nodeCpu !== null && floorCpu !== null && floor !== null
      ? `Where the time goes (server CPU per request, from \`/proc\`, over the same runs): node:http
spends ${total(nodeCpu).toFixed(1)} µs, socketkit ${total(socketkitCpu).toFixed(1)} µs. Twice node:http's rate needs a request served
in about ${(total(nodeCpu) / 2).toFixed(1)} µs all told. The floor for any Node.js server on this load, node:net
writing a prepared reply on every read (no parsing, no page built, one \`read\` and one \`write\` per
request like the first two servers), costs ${total(floorCpu).toFixed(1)} µs and reaches ${(floor / node).toFixed(1)}× node:http${
          floor / node >= 2
            ? ", so the target is not beyond Node.js here: it is beyond socketkit's server as built"
            : ', so on this machine not even that floor reaches 2×'
        }.${
          socketkitFloorCpu === null
            ? ''
            : ` The same loop on socketkit's sockets (\`recv\` then \`sendAll\`) costs ${total(socketkitFloorCpu).toFixed(1)} µs
(${socketkitFloorCpu.user.toFixed(1)} µs user against node:net's ${floorCpu.user.toFixed(1)}), so the pull loop and its promises are not where
socketkit's server loses: its ${(socketkitCpu.user - socketkitFloorCpu.user).toFixed(1)} µs of user time above that is the HTTP work itself.`
        }
A \`--cpu-prof\` profile spreads that work thin: parsing the request, the page and its escaping,
building and encoding the response head and body into one buffer, with no one function above
9% of the JavaScript samples when this was written. The system time is higher than the
floor's although both make the same system calls per request: a faster server finds the load
generator asleep less often, so its writes wake it less.`
      : '';
  const logging = rps(SOCKETKIT_LOGGING);
  const loggingLine =
    logging === null
      ? ''
      : `Logging on / --quiet: **${(logging / socketkit).toFixed(2)}×** (target ≥ 0.9×: ${logging / socketkit >= 0.9 ? 'met' : '**missed**'}); the access log is one line per request, written 100 ms or 32 KiB at a time.`;
  const markdown = `## HTTP "Hello, world!" requests per second (keep-alive)

${CONNECTIONS} keep-alive connections from ${generator}, ${DURATION_S} s per run, medians of ${ROUNDS}
interleaved rounds (${pin.note}). socketkit and node:http send the same page: the hello page with
the request that asked for it, escaped (about 1.2 KB).

| server | requests/s | server CPU per request |
|---|---|---|
${row(SOCKETKIT, 'socketkit serve http --quiet')}${row(SOCKETKIT_LOGGING, 'socketkit serve http, logging each request (stderr to a pipe)')}${row(NODE_HTTP, 'node:http')}${row(FLOOR, 'node:net, a prepared reply per read, nothing parsed (the floor for Node.js)')}${row(SOCKETKIT_FLOOR, "socketkit `recv` + `sendAll`, the same prepared reply (socketkit's sockets, nothing parsed)")}${row(NGINX, 'nginx, a static page of similar size (for reference)')}
socketkit / node:http: **${ratio.toFixed(2)}×** (rounds ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}).
Target ≥ 2×: ${ratio >= 2 ? 'met' : '**missed**'}${nginx === null ? '' : `; nginx on its static page: ${(nginx / node).toFixed(1)}× node:http`}.
${loggingLine}

${analysis}

What was done to get this far: one sweeper for timeouts instead of a timer per read; the
response head built as one string and encoded with the body into one buffer; the parser
taking whole request lines, status lines and header lines in one step each, and running over
spans in tight loops.
`;
  return { id: 'http-serve', markdown };
}
