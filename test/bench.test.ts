/**
 * `socketkit bench` and `socketkit/bench` against servers in their own processes (node:http, node:net,
 * node:dgram and the tutorial's Python asyncio server), over TCP and Unix domain sockets: exact
 * counts, latency accuracy, coordinated-omission correction, errors counted by kind, bad input.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bench, formatReport, plotReport } from '../src/bench/index.js';
import type { BenchReport } from '../src/bench/report.js';
import { ConnectionRefusedError, SocketError } from '../src/core/errors.js';
import { listen } from '../src/socket/server-socket.js';
import {
  CLI,
  collect,
  missing,
  ROOT,
  Running,
  requirePeer,
  socketkit,
  socketkitInPty,
  startPython,
  startSocketkit,
  until,
} from './_helpers.js';

interface Target {
  port: number;
  url: string;
  stats: () => Promise<{ requests: number; connections: number; resets: number; dropped: number }>;
  stop: () => Promise<void>;
}

/** Starts test/fixtures/bench-target.ts in MODE in a child process. */
async function startTarget(...args: string[]): Promise<Target> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/fixtures/bench-target.ts'), ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const running = new Running(child);
  const [line] = await running.waitForStdout(/^\{.*\}\n/, 20000);
  const { port, control } = JSON.parse(line!) as { port: number; control: number };
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    stats: () =>
      new Promise((resolve, reject) => {
        const sock = netConnect(control, '127.0.0.1');
        let text = '';
        sock.on('data', (d) => {
          text += d.toString();
        });
        sock.on('end', () => resolve(JSON.parse(text)));
        sock.on('error', reject);
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await running.exited();
    },
  };
}

async function benchJson(
  args: string[],
  timeoutMs = 60000,
): Promise<{ code: number | null; report: BenchReport; stderr: string }> {
  const result = await socketkit(['bench', '--json', ...args], { timeoutMs });
  const text = result.stdout.toString();
  assert.ok(text.trim().startsWith('{'), `no JSON report: ${text}\n${result.stderr}`);
  return { code: result.code, report: JSON.parse(text) as BenchReport, stderr: result.stderr };
}

describe('socketkit bench: accuracy', () => {
  test('-n 1000 -c 50 sends exactly 1000 requests, and the server answered exactly 1000', async () => {
    const target = await startTarget('count');
    try {
      const { code, report } = await benchJson(['-n', '1000', '-c', '50', target.url]);
      assert.equal(code, 0);
      assert.equal(report.requests, 1000);
      assert.equal(report.ok, 1000);
      assert.deepEqual(report.statuses, { 200: 1000 });
      assert.equal(report.latency?.max !== undefined, true);
      const stats = await target.stats();
      assert.equal(stats.requests, 1000);
      // Keep-alive: one connection per bench connection, plus the reachability probe.
      assert.equal(stats.connections, 51);
    } finally {
      await target.stop();
    }
  });

  test('--workers 2 splits an odd -n exactly; warm-up requests are sent but not counted', async () => {
    const target = await startTarget('count');
    try {
      const { report } = await benchJson(['-n', '1001', '-c', '8', '--workers', '2', target.url]);
      assert.equal(report.requests, 1001);
      assert.equal(report.workers, 2);
      assert.equal((await target.stats()).requests, 1001);
      // The latency histograms crossed from both worker threads and were merged.
      const latency = report.latency!;
      assert.ok(
        latency.min > 0 && latency.min <= latency.p50,
        `min ${latency.min}, p50 ${latency.p50}`,
      );
      assert.ok(latency.p50 <= latency.p99 && latency.p99 <= latency.max, JSON.stringify(latency));
      assert.equal(latency.distribution.at(-1)![1], latency.max);

      const warm = await benchJson(['-n', '300', '-c', '4', '--warmup', '0.3', target.url]);
      assert.equal(warm.report.requests, 300);
      const total = (await target.stats()).requests - 1001;
      assert.ok(total > 300, `the warm-up sent nothing (server saw ${total})`);
    } finally {
      await target.stop();
    }
  });

  test('against a server that waits 20 ms before each reply, p50 is within 20–30 ms', async () => {
    const target = await startTarget('delay', '20');
    try {
      const { report } = await benchJson(['-n', '200', '-c', '5', target.url]);
      assert.equal(report.ok, 200);
      const p50 = report.latency!.p50;
      assert.ok(p50 >= 20 && p50 <= 30, `p50 ${p50} ms is outside 20–30 ms`);
      // Node's timers may fire a fraction of a millisecond early (they count from the loop's cached time).
      assert.ok(
        report.latency!.min >= 19,
        `min ${report.latency!.min} ms is below the server's 20 ms`,
      );
    } finally {
      await target.stop();
    }
  });

  test('-R against a server that stalls 500 ms once: the corrected p99 shows the stall, the uncorrected does not', async () => {
    const target = await startTarget('stall', '500', '1000');
    try {
      const { report } = await benchJson(['-R', '200', '-c', '2', '-d', '3', target.url]);
      assert.equal(report.errors.timeout, 0);
      const corrected = report.latency!;
      const uncorrected = report.uncorrectedLatency!;
      // About 100 of ~600 requests fell due during the stall: their wait counts when corrected.
      assert.ok(corrected.p99 >= 300, `corrected p99 ${corrected.p99} ms does not show the stall`);
      assert.ok(corrected.p90 >= 100, `corrected p90 ${corrected.p90} ms does not show the stall`);
      // Only the two requests in flight during the stall saw it from their actual send.
      assert.ok(uncorrected.max >= 450, `uncorrected max ${uncorrected.max} ms misses the stall`);
      assert.ok(uncorrected.p99 < 100, `uncorrected p99 ${uncorrected.p99} ms shows the stall`);
      assert.ok(
        Math.abs(report.requests - 600) <= 12,
        `${report.requests} requests in 3 s at 200/s`,
      );
    } finally {
      await target.stop();
    }
  });
});

describe('socketkit bench: errors are counted, not fatal', () => {
  test('a server that resets every 10th connection (oneshot), or every 3rd (keep-alive)', async () => {
    for (const [mode, every, connections] of [
      ['oneshot', '10', '5'],
      ['http', '3', '4'],
    ] as const) {
      const target = await startTarget('reset', every);
      try {
        const { code, report } = await benchJson([
          '--mode',
          mode,
          '-n',
          '300',
          '-c',
          connections,
          target.url,
        ]);
        assert.equal(code, 0);
        assert.equal(report.requests, 300);
        const stats = await target.stats();
        assert.ok(stats.resets >= 1, `${mode}: the server reset nothing`);
        assert.equal(report.errors.reset, stats.resets, mode);
        assert.equal(report.ok, 300 - stats.resets, mode);
        assert.equal(stats.requests, report.ok, mode);
        if (mode === 'oneshot') assert.ok(stats.resets >= 25, `only ${stats.resets} resets`);
      } finally {
        await target.stop();
      }
    }
  });

  test('a server that answers 500 to every second request: counted by status', async () => {
    const target = await startTarget('alternate');
    try {
      const result = await socketkit(['bench', '-n', '400', '-c', '4', target.url]);
      assert.equal(result.code, 0);
      const out = result.stdout.toString();
      assert.match(out, /400 requests in [\d.]+s: 200 ok, 200 non-2xx, 0 errors/);
      assert.match(out, /Non-2xx +500 ×200/);
      const { report } = await benchJson(['-n', '100', '-c', '1', target.url]);
      assert.deepEqual(report.statuses, { 200: 50, 500: 50 });
      assert.equal(report.non2xx, 50);
    } finally {
      await target.stop();
    }
  });

  test('a server that stops answering: every request times out, the run ends by itself', async () => {
    const target = await startTarget('silent');
    try {
      const started = Date.now();
      const { code, report, stderr } = await benchJson([
        '-n',
        '20',
        '-c',
        '5',
        '--timeout',
        '0.3',
        target.url,
      ]);
      assert.equal(code, 1);
      assert.match(stderr, /No request to http:\/\/127\.0\.0\.1:\d+\/ was answered \(20 failed\)/);
      assert.equal(report.requests, 20);
      assert.equal(report.errors.timeout, 20);
      assert.equal(report.latency, null);
      assert.ok(Date.now() - started < 10000, 'the run took too long');
    } finally {
      await target.stop();
    }
  });

  test('echo mode checks the bytes: a mangled echo is a mismatch', async () => {
    const good = await startTarget('echo');
    const bad = await startTarget('mangle');
    try {
      const ok = await benchJson([
        '--mode',
        'echo',
        '--size',
        '1000',
        '-n',
        '500',
        '-c',
        '5',
        `127.0.0.1:${good.port}`,
      ]);
      assert.equal(ok.report.ok, 500);
      assert.equal(ok.report.bytesSent, 500_000);
      assert.equal(ok.report.bytesReceived, 500_000);
      const mangled = await benchJson([
        '--mode',
        'echo',
        '--size',
        '100',
        '-n',
        '100',
        '-c',
        '1',
        `127.0.0.1:${bad.port}`,
      ]);
      assert.equal(mangled.report.errors.mismatch, 20);
      assert.equal(mangled.report.ok, 80);
    } finally {
      await good.stop();
      await bad.stop();
    }
  });

  test('udp mode: replies counted, lost datagrams time out', async () => {
    const target = await startTarget('udp-echo', '5');
    try {
      const { code, report } = await benchJson([
        '--mode',
        'udp',
        '-n',
        '200',
        '-c',
        '1',
        '--timeout',
        '0.2',
        `127.0.0.1:${target.port}`,
      ]);
      assert.equal(code, 0);
      assert.equal(report.requests, 200);
      assert.equal(report.errors.timeout, 40);
      assert.equal(report.ok, 160);
      assert.equal((await target.stats()).dropped, 40);
    } finally {
      await target.stop();
    }
  });
});

describe('socketkit bench: the tutorial and the library', () => {
  const ASYNC_SERVER = `
import asyncio

async def handle_client(reader, writer):
    data = await reader.read(1024)
    writer.write(data)
    writer.close()

async def main():
    server = await asyncio.start_server(handle_client, '127.0.0.1', 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
`;

  test('--mode oneshot -c 50 -n 1000 against the tutorial asyncio server (read once, write, close)', async (t) => {
    if (!requirePeer(t, 'python3', "to run tutorial 001's asyncio server")) return;
    const { child, firstLine } = await startPython(ASYNC_SERVER);
    try {
      const { code, report } = await benchJson([
        '--mode',
        'oneshot',
        '-c',
        '50',
        '-n',
        '1000',
        `http://127.0.0.1:${firstLine}/`,
      ]);
      assert.equal(code, 0);
      assert.equal(report.requests, 1000);
      assert.equal(report.ok, 1000);
      // The server echoes the request: what came back is exactly what was sent.
      assert.equal(report.bytesReceived, report.bytesSent);
      assert.equal(
        Object.values(report.errors).reduce((x, y) => x + y, 0),
        0,
      );
    } finally {
      child.kill();
    }
  });

  test('the API: a report, its table and its plot; an unreachable target throws before any load', async () => {
    const target = await startTarget('count');
    try {
      const progress: number[] = [];
      const report = await bench({
        target: target.url,
        requests: 500,
        connections: 5,
        onProgress: (n) => progress.push(n),
      });
      assert.equal(report.requests, 500);
      assert.equal(progress.at(-1), 500);
      const text = formatReport(report);
      assert.match(
        text,
        /^http http:\/\/127\.0\.0\.1:\d+\/ \(127\.0\.0\.1 port \d+\), 5 connections, 1 thread\n500 requests in/,
      );
      assert.match(text, /Latency +min +p50 +p90 +p99 +p99\.9 +max +mean +stdev/);
      const svg = plotReport(report);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.equal((svg.match(/<polyline/g) ?? []).length, 1);
      assert.ok(svg.trimEnd().endsWith('</svg>'));
    } finally {
      await target.stop();
    }
    const closed = await listen();
    const port = closed.address.port;
    await closed.close();
    await assert.rejects(
      bench({ target: `http://127.0.0.1:${port}/`, requests: 10 }),
      ConnectionRefusedError,
    );
  });

  test('an AbortSignal ends a run early; the report covers what finished', async () => {
    const target = await startTarget('delay', '5');
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 500);
      const started = performance.now();
      const report = await bench({
        target: target.url,
        duration: 30_000,
        connections: 4,
        signal: controller.signal,
      });
      assert.ok(performance.now() - started < 3000, 'the run did not stop');
      assert.ok(report.requests > 50 && report.requests < 1000, `${report.requests} requests`);
      assert.equal(
        Object.values(report.errors).reduce((x, y) => x + y, 0),
        0,
      );
    } finally {
      await target.stop();
    }
  });
});

describe('socketkit bench: the command line', () => {
  test('--plot writes an SVG with both panels; -R adds the uncorrected line', async () => {
    const target = await startTarget('count');
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-bench-'));
    try {
      const file = join(dir, 'run.svg');
      const result = await socketkit([
        'bench',
        '-R',
        '400',
        '-c',
        '2',
        '-d',
        '1',
        '--plot',
        file,
        target.url,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout.toString(), /corrected +[\d.]+(µs|ms)/);
      assert.match(result.stdout.toString(), /uncorrected +[\d.]+(µs|ms)/);
      const svg = readFileSync(file, 'utf8');
      assert.match(svg, /Latency by percentile/);
      assert.match(svg, /Requests per second/);
      assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
      // A title for screen readers, first thing inside the <svg>.
      assert.match(svg, /^<svg [^>]*role="img"[^>]*>\n<title>socketkit bench: http http:/);
      // A one-second run is one bar (the background is the other rect), and it holds every
      // request, those that finished just after the deadline included.
      assert.equal((svg.match(/<rect /g) ?? []).length, 2);
      const total = /(\d+) requests in/.exec(result.stdout.toString())?.[1];
      assert.match(svg, new RegExp(`<title>0s: ${total}</title>`));
    } finally {
      await target.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Ctrl-C ends the run early and still prints the report', async () => {
    const target = await startTarget('delay', '5');
    try {
      const run = startSocketkit(['bench', '-d', '60', '-c', '4', target.url]);
      // Ctrl-C once the load is on (requests reach the target), not after a guess at how long a
      // busy machine takes to start the process.
      await until(
        async () => (await target.stats()).requests > 8,
        'the run to be under way',
        20_000,
      );
      run.child.kill('SIGINT');
      assert.equal(await run.exited(10000), 0);
      assert.match(run.stdout.toString(), /requests in [\d.]+s: \d+ ok, 0 non-2xx, 0 errors/);
      assert.match(run.stderr, /stopped early/);
    } finally {
      await target.stop();
    }
  });

  test('a progress bar on a terminal, none when stderr is not one', async (t) => {
    if (!requirePeer(t, 'python3', 'to give socketkit a pseudo-terminal')) return;
    const target = await startTarget('delay', '2');
    try {
      const tty = await socketkitInPty(
        ['bench', '-n', '400', '-c', '2', target.url],
        [['Requests/s', null]],
      );
      assert.equal(tty.status, 0);
      assert.match(tty.output, /\d+\/400 requests/);
      const piped = await socketkit(['bench', '-n', '50', '-c', '2', target.url]);
      assert.doesNotMatch(piped.stderr, /requests \|/);
      assert.equal(piped.stderr, '');
    } finally {
      await target.stop();
    }
  });

  test('bad input exits 2 and names the flag and value; unreachable targets exit 6 or 7', async () => {
    const closed = await listen();
    const port = closed.address.port;
    await closed.close();
    const cases: Array<[string[], number, RegExp]> = [
      [['http://127.0.0.1:70000/'], 2, /Invalid URL|port/i],
      [['-c', '0', 'http://127.0.0.1:1/'], 2, /Invalid -c, --connections "0": /],
      [['-n', 'many', 'http://127.0.0.1:1/'], 2, /Invalid -n, --requests "many": /],
      [
        ['-R', '0', 'http://127.0.0.1:1/'],
        2,
        /"0": expected a number of requests per second above 0/,
      ],
      [['-d', '0', 'http://127.0.0.1:1/'], 2, /Invalid -d, --duration "0": /],
      [
        ['--mode', 'smtp', 'http://127.0.0.1:1/'],
        2,
        /Invalid --mode "smtp": allowed choices are http, oneshot, echo, udp/,
      ],
      [
        ['-c', '2', '--workers', '3', 'http://127.0.0.1:1/'],
        2,
        /Invalid --workers 3: it must not exceed -c\/--connections \(2\)/,
      ],
      [
        ['--body', 'x', '--body-file', 'y', 'http://127.0.0.1:1/'],
        2,
        /--body or --body-file, not both/,
      ],
      [
        ['--body-file', '/no/such/file', 'http://127.0.0.1:1/'],
        2,
        /Cannot read --body-file \/no\/such\/file/,
      ],
      [
        ['--mode', 'echo', 'http://127.0.0.1:1/'],
        2,
        /Invalid target "http:\/\/127\.0\.0\.1:1\/": it must be "host:port"/,
      ],
      [
        ['--mode', 'echo', '127.0.0.1:99999'],
        2,
        /Invalid port in target "127\.0\.0\.1:99999": it must be an integer from 1 to 65535/,
      ],
      [['--size', '10', 'http://127.0.0.1:1/'], 2, /--size is for --mode echo and udp/],
      [
        ['--mode', 'udp', '--size', '70000', '127.0.0.1:9'],
        2,
        /Invalid --size 70000: it must be from 1 to 65507/,
      ],
      [['-H', 'NoColon', 'http://127.0.0.1:1/'], 2, /expected "Name: value"/],
      [
        ['-H', 'X-Bad: a\rb', 'http://127.0.0.1:1/'],
        2,
        /CR at position 1 would break the header apart/,
      ],
      [
        ['http://192.0.2.1/'],
        2,
        /Refusing to load-test 192\.0\.2\.1 \(192\.0\.2\.1\): it is not a loopback address; allow it explicitly with --allow-remote/,
      ],
      [[`http://127.0.0.1:${port}/`], 7, /Connection refused|refused/],
      [['http://a.non.existent.name!/'], 6, /Could not resolve host "a\.non\.existent\.name!"/],
    ];
    for (const [args, code, message] of cases) {
      const result = await socketkit(['bench', ...args]);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stdout.length, 0, `${args.join(' ')} printed a report`);
    }
  });

  test('--body-file and -H go on the wire; POST is the default with a body', async () => {
    const server = await listen();
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-bench-'));
    try {
      const file = join(dir, 'body.json');
      writeFileSync(file, '{"n":1}');
      const running = socketkit([
        'bench',
        '-n',
        '1',
        '-c',
        '1',
        '-H',
        'X-Test: yes',
        '--body-file',
        file,
        `http://127.0.0.1:${server.address.port}/submit`,
      ]);
      // First the reachability probe, then the request.
      const [probe] = await server.accept();
      await probe.close();
      const [conn] = await server.accept();
      const head = (await conn.recvUntil(Buffer.from('\r\n\r\n'))).toString();
      const body = (await conn.recvExactly(7)).toString();
      await conn.sendAll(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'));
      const result = await running;
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        head,
        /^POST \/submit HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nUser-Agent: socketkit-bench\/[\d.]+\r\nAccept: \*\/\*\r\nX-Test: yes\r\nContent-Length: 7\r\n\r\n$/,
      );
      assert.equal(body, '{"n":1}');
      assert.match(result.stdout.toString(), /1 requests in [\d.]+s: 1 ok/);
      await conn.close();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      assert.equal(existsSync(dir), false);
    }
  });

  test("ab's -p FILE -T TYPE and wrk's -t N and --latency are understood as those tools mean them", async () => {
    const server = await listen();
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-bench-'));
    try {
      const file = join(dir, 'post.txt');
      writeFileSync(file, 'a=1');
      const running = socketkit([
        'bench',
        '-n',
        '1',
        '-c',
        '1',
        '-t',
        '1',
        '--latency',
        '-p',
        file,
        '-T',
        'application/x-www-form-urlencoded',
        `http://127.0.0.1:${server.address.port}/form`,
      ]);
      const [probe] = await server.accept();
      await probe.close();
      const [conn] = await server.accept();
      const head = (await conn.recvUntil(Buffer.from('\r\n\r\n'))).toString();
      const body = (await conn.recvExactly(3)).toString();
      await conn.sendAll(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
      const result = await running;
      assert.equal(result.code, 0, result.stderr);
      assert.match(head, /^POST \/form HTTP\/1\.1\r\n/);
      assert.match(head, /\r\nContent-Type: application\/x-www-form-urlencoded\r\n/);
      assert.equal(body, 'a=1');
      await conn.close();
      const twice = await socketkit(['bench', '-t', '2', '--workers', '3', 'http://127.0.0.1:1/']);
      assert.equal(twice.code, 2);
      assert.match(twice.stderr, /-t 2 and --workers 3/);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('socketkit bench --unix-socket', () => {
  /** A fresh folder for socket files, removed with everything in it by `cleanup`. */
  function socketDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-bench-unix-'));
    return {
      dir,
      path: (name) => join(dir, name),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  /** node:http on a Unix socket, counting what it was asked and on how many connections. */
  async function nodeHttpOnPath(path: string): Promise<{
    seen: { requests: number; connections: number; hosts: Set<string>; urls: Set<string> };
    close: () => Promise<void>;
  }> {
    const seen = { requests: 0, connections: 0, hosts: new Set<string>(), urls: new Set<string>() };
    const server = createHttpServer((req, res) => {
      seen.requests++;
      seen.hosts.add(req.headers.host ?? '');
      seen.urls.add(req.url ?? '');
      res.end('hello');
    });
    server.on('connection', () => {
      seen.connections++;
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    return {
      seen,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  test('against socketkit serve http --unix: the report and the server count the same requests', async () => {
    const sockets = socketDir();
    const path = sockets.path('web.sock');
    // Not --quiet: the server logs one line per request it answered, which the test counts.
    const serving = startSocketkit(['serve', 'http', '--unix', path]);
    try {
      await serving.waitForStdout(/curl --unix-socket/);
      const { code, report } = await benchJson([
        '--unix-socket',
        path,
        '-n',
        '300',
        '-c',
        '5',
        'http://localhost/',
      ]);
      assert.equal(code, 0);
      assert.equal(report.requests, 300);
      assert.equal(report.ok, 300);
      assert.deepEqual(report.statuses, { 200: 300 });
      assert.equal(report.socketPath, path);
      assert.equal(report.address, path);
      assert.equal(report.port, 0);
      assert.equal(report.target, 'http://localhost/');
      const logged = () =>
        (serving.stderr.match(/ http unix "GET \/ HTTP\/1\.1" 200 /g) ?? []).length;
      await until(() => logged() >= 300, 'the server logged 300 requests', 10_000);

      // The table says where the load went.
      const table = await socketkit([
        'bench',
        '--unix-socket',
        path,
        '-n',
        '20',
        '-c',
        '2',
        'http://localhost/',
      ]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(
        table.stdout.toString(),
        new RegExp(
          `^http http://localhost/ via ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, 2 connections, 1 thread\n20 requests in [\\d.]+s: 20 ok, 0 non-2xx, 0 errors\n`,
        ),
      );
      await until(() => logged() >= 320, 'the server logged 320 requests', 10_000);
      assert.equal(logged(), 320, 'the server answered more requests than the reports counted');
    } finally {
      serving.child.kill('SIGTERM');
      await serving.exited();
      sockets.cleanup();
    }
  });

  test('against node:http on a Unix path: exact -n, the URL gives Host and path, no --allow-remote', async () => {
    const sockets = socketDir();
    const path = sockets.path('node-http.sock');
    const server = await nodeHttpOnPath(path);
    try {
      const { code, report } = await benchJson([
        '--unix-socket',
        path,
        '-n',
        '500',
        '-c',
        '8',
        // Not a loopback address (TEST-NET-1, numeric: no lookup): over a Unix socket the load
        // stays on this machine, so no --allow-remote is needed, and nothing is sent to it.
        'http://192.0.2.1:8080/status?full=1',
      ]);
      assert.equal(code, 0);
      assert.equal(report.requests, 500);
      assert.equal(report.ok, 500);
      assert.equal(server.seen.requests, report.requests);
      // Keep-alive: one connection per bench connection, plus the reachability probe.
      assert.equal(server.seen.connections, 9);
      assert.deepEqual([...server.seen.hosts], ['192.0.2.1:8080']);
      assert.deepEqual([...server.seen.urls], ['/status?full=1']);
    } finally {
      await server.close();
      sockets.cleanup();
    }
  });

  test('-t 2 -d 1 over a Unix socket: both workers connect to the path, every request counted', async () => {
    const sockets = socketDir();
    const path = sockets.path('threads.sock');
    const server = await nodeHttpOnPath(path);
    try {
      const { code, report } = await benchJson([
        '--unix-socket',
        path,
        '-t',
        '2',
        '-c',
        '4',
        '-d',
        '1',
        'http://localhost/',
      ]);
      assert.equal(code, 0);
      assert.equal(report.workers, 2);
      assert.equal(report.socketPath, path);
      assert.ok(report.requests > 0, 'no request was made');
      assert.equal(report.ok, report.requests);
      assert.equal(server.seen.requests, report.requests);
      // Four connections from the two workers, plus the probe: none went anywhere else.
      assert.equal(server.seen.connections, 5);
    } finally {
      await server.close();
      sockets.cleanup();
    }
  });

  test('--mode echo over a Unix socket: no host:port, every byte the server read came back', async () => {
    const sockets = socketDir();
    const path = sockets.path('echo.sock');
    let received = 0;
    const server = createNetServer((sock) => {
      sock.on('data', (chunk) => {
        received += chunk.length;
        sock.write(chunk);
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const result = await socketkit([
        'bench',
        '--mode',
        'echo',
        '--size',
        '1000',
        '--unix-socket',
        path,
        '-n',
        '200',
        '-c',
        '4',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const text = result.stdout.toString();
      assert.ok(
        text.startsWith(`echo ${path} (a Unix socket), 4 connections, 1 thread\n200 requests in `),
        text,
      );
      assert.match(text, /: 200 ok, 0 errors\n/);
      assert.equal(received, 200 * 1000);

      // The library: the same run, the report naming the socket.
      const report = await bench({
        mode: 'echo',
        socketPath: path,
        size: 10,
        requests: 20,
        connections: 2,
      });
      assert.equal(report.ok, 20);
      assert.equal(report.errors.mismatch ?? 0, 0);
      assert.equal(report.target, path);
      assert.equal(report.bytesReceived, 200);
      assert.equal(received, 200 * 1000 + 200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      sockets.cleanup();
    }
  });

  test('bad paths: the sentences and exit codes of connect -U, no report, no load', async (t) => {
    const sockets = socketDir();
    const file = sockets.path('file.txt');
    writeFileSync(file, 'not a socket');
    // A socket file nobody listens on any more: its server was killed before it could unlink it.
    const stale = sockets.path('stale.sock');
    const owner = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`,
    ]);
    try {
      await new Running(owner).waitForStdout(/up/);
      owner.kill('SIGKILL');
      await until(() => owner.exitCode !== null || owner.signalCode !== null, 'the owner is gone');
      const cases: Array<[string, RegExp]> = [
        [
          sockets.path('missing.sock'),
          /^socketkit: No socket at \S+missing\.sock: the file does not exist \(ENOENT\)\n$/,
        ],
        [file, /^socketkit: \S+file\.txt is not a socket: it is a regular file\n$/],
        [sockets.dir, /^socketkit: \S+ is not a socket: it is a folder\n$/],
        [
          stale,
          /^socketkit: Connection refused by the socket \S+stale\.sock during connect \(ECONNREFUSED\)\n$/,
        ],
      ];
      for (const [path, sentence] of cases) {
        const ours = await socketkit([
          'bench',
          '-n',
          '10',
          '--unix-socket',
          path,
          'http://localhost/',
        ]);
        assert.equal(ours.code, 7, `${path}: ${ours.stderr}`);
        assert.match(ours.stderr, sentence);
        assert.equal(ours.stdout.length, 0, `${path}: a report was printed`);
        const threads = await socketkit([
          'bench',
          '-t',
          '2',
          '-c',
          '2',
          '-n',
          '10',
          '--unix-socket',
          path,
          'http://localhost/',
        ]);
        assert.equal(threads.code, 7);
        assert.equal(threads.stderr, ours.stderr);
        const echo = await socketkit([
          'bench',
          '--mode',
          'echo',
          '-n',
          '10',
          '--unix-socket',
          path,
        ]);
        assert.equal(echo.code, 7);
        assert.equal(echo.stderr, ours.stderr);
        const nc = await socketkit(['connect', '-U', path]);
        assert.equal(nc.code, ours.code);
        assert.equal(nc.stderr, ours.stderr, 'connect -U says it otherwise');
        // The library throws what connect({ path }) throws.
        const thrown = await bench({
          target: 'http://localhost/',
          socketPath: path,
          requests: 1,
        }).catch((e: unknown) => e);
        assert.ok(thrown instanceof SocketError, String(thrown));
        assert.equal(`socketkit: ${thrown.message}\n`, ours.stderr);
      }
    } finally {
      owner.kill('SIGKILL');
      sockets.cleanup();
    }

    // Usage: each a sentence naming the flag, exit 2.
    const usage: Array<[string[], RegExp]> = [
      [
        ['--unix-socket', '/tmp/x.sock'],
        /--unix-socket still needs the URL: it gives the Host header and the path/,
      ],
      [
        ['--mode', 'echo', '--unix-socket', '/tmp/x.sock', '127.0.0.1:7'],
        /--unix-socket connects to a Unix socket: the target "127\.0\.0\.1:7" cannot be given too in echo mode/,
      ],
      [
        ['--mode', 'udp', '--unix-socket', '/tmp/x.sock', '127.0.0.1:7'],
        /--unix-socket \(a Unix stream socket\) cannot be used with --mode udp/,
      ],
      [['--unix-socket', '', 'http://localhost/'], /Invalid path "": it must name a socket file/],
      [
        ['--mode', 'echo'],
        /bench needs a TARGET in echo mode: host:port \(or --unix-socket PATH\)/,
      ],
      [[], /bench needs a TARGET in http mode: a URL/],
    ];
    for (const [args, sentence] of usage) {
      const result = await socketkit(['bench', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, sentence, args.join(' '));
      assert.equal(result.stdout.length, 0);
    }

    // No permission to the socket file: EACCES, exit 7, as connect -U. Root may open any file,
    // so as root the commands run as nobody (uid 65534).
    const locked = mkdtempSync(join(tmpdir(), 'socketkit-bench-perm-'));
    const server = await nodeHttpOnPath(join(locked, 'locked.sock'));
    try {
      chmodSync(locked, 0o755);
      chmodSync(join(locked, 'locked.sock'), 0o000);
      const asRoot = process.getuid?.() === 0;
      const cli = (args: string[]) =>
        collect(
          spawn(process.execPath, [CLI, ...args], {
            cwd: ROOT,
            env: { ...process.env, NO_COLOR: '1' },
            stdio: ['pipe', 'pipe', 'pipe'],
            ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
          }),
        );
      let ours: Awaited<ReturnType<typeof cli>>;
      try {
        ours = await cli([
          'bench',
          '-n',
          '5',
          '--unix-socket',
          join(locked, 'locked.sock'),
          'http://localhost/',
        ]);
      } catch (error) {
        if (asRoot && (error as NodeJS.ErrnoException).code === 'EPERM') {
          missing(t, 'running a process as nobody (uid 65534), to check the permission case');
          return;
        }
        throw error;
      }
      assert.equal(ours.code, 7, ours.stderr);
      assert.match(
        ours.stderr,
        /^socketkit: Permission denied during connect on the socket \S+locked\.sock \(EACCES\)\n$/,
      );
      const nc = await cli(['connect', '-U', join(locked, 'locked.sock')]);
      assert.equal(nc.code, 7);
      assert.equal(nc.stderr, ours.stderr);
      assert.equal(server.seen.connections, 0);
    } finally {
      await server.close();
      rmSync(locked, { recursive: true, force: true });
    }
  });
});

describe('bench -P: HTTP/1.1 pipelining', () => {
  /** A server that counts how many requests arrive in each chunk, and answers each in order; closes after `closeAfter` responses on a connection. */
  async function pipelineCounter(closeAfter = Number.POSITIVE_INFINITY) {
    let most = 0;
    let requests = 0;
    let connections = 0;
    const server = createNetServer((socket) => {
      connections++;
      let pending = '';
      let answered = 0;
      socket.on('data', (chunk) => {
        pending += chunk.toString('latin1');
        let inChunk = 0;
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          pending = pending.slice(end + 4);
          inChunk++;
          requests++;
          answered++;
          const last = answered >= closeAfter;
          socket.write(
            `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${last ? 'Connection: close\r\n' : ''}\r\nok`,
          );
          if (last) {
            socket.end();
            break;
          }
        }
        most = Math.max(most, inChunk);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
      stats: () => ({ most, requests, connections }),
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  test('-P 8: requests go out eight at a time, every one answered and counted', async () => {
    const peer = await pipelineCounter();
    try {
      const report = await bench({
        target: peer.url,
        connections: 2,
        requests: 400,
        pipelining: 8,
      });
      assert.equal(report.ok, 400);
      assert.equal(report.pipelining, 8);
      const seen = peer.stats();
      assert.equal(seen.requests, 400);
      assert.equal(seen.most, 8, 'a batch arrives in one piece');
      assert.match(formatReport(report), /pipelining 8/);
      // And against node:http, which answers pipelined requests in order.
      let served = 0;
      const node = createHttpServer((_req, res) => {
        served++;
        res.end('hello');
      });
      await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
      try {
        const port = (node.address() as { port: number }).port;
        const again = await bench({
          target: `http://127.0.0.1:${port}/`,
          connections: 2,
          requests: 300,
          pipelining: 4,
        });
        assert.equal(again.ok, 300);
        assert.equal(served, 300);
      } finally {
        node.closeAllConnections();
        await new Promise<void>((resolve) => node.close(() => resolve()));
      }
    } finally {
      await peer.close();
    }
  });

  test('a server that closes inside a batch: the unanswered requests count as resets, the run goes on', async () => {
    const peer = await pipelineCounter(3);
    try {
      const report = await bench({ target: peer.url, connections: 1, requests: 40, pipelining: 5 });
      // Each batch of 5: three answered, the connection closed, two resets.
      assert.equal(report.ok, 24);
      assert.equal(report.errors.reset, 16);
      assert.equal(report.requests, 40);
      assert.ok(peer.stats().connections >= 8);
    } finally {
      await peer.close();
    }
  });

  test('-P is refused where it cannot mean anything', async () => {
    const withRate = await socketkit([
      'bench',
      '-P',
      '4',
      '-R',
      '100',
      '-d',
      '1',
      'http://127.0.0.1:1/',
    ]);
    assert.equal(withRate.code, 2);
    assert.match(withRate.stderr, /pipelining depth 4 with a rate/);
    const echo = await socketkit(['bench', '--mode', 'echo', '-P', '2', '127.0.0.1:7']);
    assert.equal(echo.code, 2);
    assert.match(echo.stderr, /only http keeps a connection to pipeline on/);
    const zero = await socketkit(['bench', '-P', '0', 'http://127.0.0.1:1/']);
    assert.equal(zero.code, 2);
  });
});
