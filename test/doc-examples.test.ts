/**
 * Every `@example` in the JSDoc of src/ (test files aside) is type-checked and run as written, and
 * prints what its comments say it prints.
 *
 * How an example is written, so that a reader can paste it and run it, and this test can check it:
 *
 * - It imports from the package's names: 'socketkit', 'socketkit/framing', 'socketkit/http', …,
 *   which a tsconfig in the temporary folder maps to src/. An example of a module-private helper
 *   imports it by a path relative to its own file ('./timers.js'); the test makes that absolute.
 * - `console.log(…); // text` says that this call prints exactly `text`. Every console.log in an
 *   example carries such a comment, at the end of its line, and the calls run once each, in the
 *   order they are written. `// e.g. text` is for what depends on the machine or the moment (a host
 *   name, a latency): the call must happen, what it prints is not compared.
 * - A peer is the host '127.0.0.1' at the classic port of its service, both plain literals:
 *   `connect('127.0.0.1', 13)`, `'http://127.0.0.1:8080/'`, `target: '127.0.0.1:7'`. The test runs
 *   each service in SERVERS on a loopback port of its own (TCP and UDP on the same number) and
 *   writes that port in place of the literal: echo (7), discard (9), daytime (13, saying it is
 *   NOW), qotd (17, always QUOTE), chargen (19), and HTTP on 8080, which answers GET / with
 *   "Hello, world!\n" (text/plain), /old with a 301 to /, /loop with a 302 to itself, any POST with
 *   its own body, and anything else with 404. Port 1 stays 1: nothing listens there (binding it
 *   needs privileges), for examples of a refused connection. An example that serves listens on
 *   port 0 (or says no port), so the OS picks a free one.
 * - Nothing beyond loopback is ever reached: in the processes that run the examples, every name
 *   lookup, connect, datagram, bind and listen goes through a guard that refuses anything but
 *   127.0.0.0/8, ::1 and the name localhost.
 * - It ends by itself and closes what it opens. After each example the test waits up to
 *   LEAK_WAIT_MS for every socket, server and timer it started to be gone, and fails it naming
 *   what is left.
 *
 * The examples go to a temporary folder as ex-NN.ts; one tsc run (the project's TypeScript 7)
 * type-checks them all, then BATCHES child processes run them in parallel, the examples of a batch
 * one after the other in one process (a process per example would spend its time starting tsx).
 * Each child is this file, started with `--run-examples`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import type { ServerResponse } from '../src/http/index.js';
import { collect, ROOT } from './_helpers.js';

/** Example runs per child process, all started at once. */
const BATCHES = 3;
/** How long one example may take before its batch is given up. */
const EXAMPLE_TIMEOUT_MS = 15_000;
/** How long an example's sockets, servers and timers may take to close after it returns. */
const LEAK_WAIT_MS = 2_000;
/** Starts this file as a child that runs one batch. */
const RUNNER_FLAG = '--run-examples';

// ── the examples ─────────────────────────────────────────────────────────

interface Example {
  /** `ex-07`: the file it is written to. */
  id: string;
  /** The source file, relative to the root, and the line of its `@example` tag. */
  file: string;
  line: number;
  title: string;
  /** The code as the JSDoc shows it. */
  code: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.includes('.test.')) out.push(path);
  }
  return out;
}

/** Every `@example` of every JSDoc block in `file`: its title line and its ```ts fence. */
function examplesIn(file: string, first: number): Example[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const out: Example[] = [];
  for (const block of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = block[0].split('\n').map((l) => l.replace(/^\s*(\/\*\*|\*\/|\*) ?/, ''));
    const startLine = source.slice(0, block.index).split('\n').length;
    for (let i = 0; i < lines.length; i++) {
      const tag = /^@example\b(.*)$/.exec(lines[i]!.trim());
      if (!tag) continue;
      const open = lines.findIndex((l, k) => k > i && l.trim().startsWith('```'));
      const close = lines.findIndex((l, k) => k > open && l.trim() === '```');
      const next = lines.findIndex((l, k) => k > i && l.trim().startsWith('@'));
      if (open < 0 || close < 0 || (next >= 0 && next < open)) {
        throw new Error(`${file}:${startLine + i}: @example without a \`\`\`ts fence after it`);
      }
      out.push({
        id: `ex-${String(first + out.length + 1).padStart(2, '0')}`,
        file,
        line: startLine + i,
        title: tag[1]!.trim(),
        code: `${lines.slice(open + 1, close).join('\n')}\n`,
      });
      i = close;
    }
  }
  return out;
}

function allExamples(): Example[] {
  const out: Example[] = [];
  for (const file of sourceFiles('src')) out.push(...examplesIn(file, out.length));
  return out;
}

// ── the peers: classic services on loopback ports of the test's own ──────

/** The classic port an example names, and what the test runs there. */
const SERVERS = {
  7: 'echo',
  9: 'discard',
  13: 'daytime',
  17: 'qotd',
  19: 'chargen',
  8080: 'http',
} as const;

/** Where nothing listens: an example of a refused connection names it as it is. */
const NOTHING_LISTENS = 1;

/** What the daytime server says it is, and the quote the qotd server gives. */
const NOW = new Date(Date.UTC(2026, 10, 22, 3, 45, 12));
const QUOTE = 'Measure twice, cut once.';

/**
 * The code to run: `'127.0.0.1', 13` and `127.0.0.1:8080` name the test's servers by their
 * classic ports. Throws for a port on 127.0.0.1 that no test server stands for.
 */
function withPorts(code: string, ports: ReadonlyMap<number, number>): string {
  const port = (literal: string): string => {
    const classic = Number(literal);
    if (classic === NOTHING_LISTENS) return literal;
    const actual = ports.get(classic);
    if (actual === undefined) {
      throw new Error(
        `The example names 127.0.0.1 port ${classic}, where the test runs no server: use one of ${[...Object.keys(SERVERS), NOTHING_LISTENS].join(', ')}`,
      );
    }
    return String(actual);
  };
  return code
    .replace(
      /(['"`]127\.0\.0\.1['"`],\s*)(\d+)\b/g,
      (_, before: string, p: string) => before + port(p),
    )
    .replace(/\b127\.0\.0\.1:(\d+)\b/g, (_, p: string) => `127.0.0.1:${port(p)}`);
}

/** Relative imports (of module-private helpers) made absolute, from the example's own file. */
function withAbsoluteImports(code: string, file: string): string {
  return code.replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+)\2/g, (_, keyword, quote, spec) => {
    return `${keyword}${quote}${resolve(ROOT, dirname(file), spec)}${quote}`;
  });
}

/** What each `console.log` promises to print, in order; `null` where it shows output by example. */
function promisedOutput(code: string): Array<string | null> | Error {
  const out: Array<string | null> = [];
  for (const [n, line] of code.split('\n').entries()) {
    if (!line.includes('console.log(')) continue;
    const comment = /[;,)]\s*\/\/ (.*)$/.exec(line);
    if (comment === null) {
      return new Error(`line ${n + 1} calls console.log without a "// what it prints" comment`);
    }
    const text = comment[1]!.trim();
    out.push(text.startsWith('e.g. ') ? null : text);
  }
  return out;
}

// ── the child: runs a batch of examples, guarded, one after the other ────

interface Outcome {
  id: string;
  printed: string[];
  error: string | null;
  leftOpen: string[];
  ms: number;
}

function isLoopbackHost(host: unknown): boolean {
  if (typeof host !== 'string') return host === undefined; // Node's default host is localhost
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return bare.toLowerCase().startsWith('::ffff:127.');
}

function refuse(what: string, host: unknown): never {
  throw new Error(
    `A doc example tried to ${what} ${JSON.stringify(host)}: examples reach loopback only`,
  );
}

/** Makes every way out of this process refuse what is not loopback. */
function guardTheNetwork(): void {
  const lookup = dns.lookup;
  dns.lookup = ((host: string, ...rest: unknown[]) => {
    // A numeric address is no query (Node binds an unbound UDP socket to 0.0.0.0 this way).
    if (net.isIP(host) === 0 && !isLoopbackHost(host)) refuse('look up', host);
    return (lookup as (...args: unknown[]) => unknown)(host, ...rest);
  }) as typeof dns.lookup;
  dns.Resolver.prototype.resolveCname = ((host: string) => refuse('query DNS for', host)) as never;
  dns.promises.lookup = ((host: string) => refuse('look up', host)) as never;

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const [first, second] = args;
    const options =
      typeof first === 'object' && first !== null ? (first as net.TcpNetConnectOpts) : null;
    if (options === null || !('path' in options)) {
      const host =
        options !== null ? options.host : typeof second === 'string' ? second : undefined;
      if (!isLoopbackHost(host)) refuse('connect to', host);
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;

  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const [first, second] = args;
    const host =
      typeof first === 'object' && first !== null
        ? (first as net.ListenOptions).host
        : typeof second === 'string'
          ? second
          : undefined;
    if (host !== undefined && !isLoopbackHost(host)) refuse('listen on', host);
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;

  const send = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    const host = args.find((a, i) => i > 0 && typeof a === 'string');
    if (host !== undefined && !isLoopbackHost(host)) refuse('send a datagram to', host);
    return (send as (...a: unknown[]) => void).apply(this, args);
  } as typeof send;
  for (const method of ['connect', 'bind'] as const) {
    const original = dgram.Socket.prototype[method] as (...a: unknown[]) => unknown;
    (dgram.Socket.prototype as unknown as Record<string, unknown>)[method] = function (
      this: dgram.Socket,
      ...args: unknown[]
    ) {
      const host = args.find((a) => typeof a === 'string');
      // Binding to every interface sends nothing anywhere; Node does it for an unbound socket.
      const anywhere = method === 'bind' && (host === '0.0.0.0' || host === '::');
      if (host !== undefined && !anywhere && !isLoopbackHost(host)) {
        refuse(`${method} a UDP socket to`, host);
      }
      return original.apply(this, args);
    };
  }
  // ES module imports of node:dns see the guarded functions too.
  syncBuiltinESMExports();
}

/** What keeps this process alive now, by kind, with counts. */
function openResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function beyond(now: Map<string, number>, baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of now) {
    const extra = n - (baseline.get(kind) ?? 0);
    if (extra > 0) out.push(extra === 1 ? kind : `${extra} × ${kind}`);
  }
  return out;
}

async function runBatch(batchFile: string, resultsFile: string): Promise<void> {
  guardTheNetwork();
  const batch = JSON.parse(readFileSync(batchFile, 'utf8')) as Array<{ id: string; path: string }>;
  let printed: string[] = [];
  let failure: unknown = null;
  const log = console.log;
  console.log = (...args: unknown[]) => {
    printed.push(format(...args));
  };
  // A promise an example left behind, rejecting later, is that example's failure.
  process.on('unhandledRejection', (reason) => {
    failure ??= reason;
  });
  process.on('uncaughtException', (error) => {
    failure ??= error;
  });
  let baseline = openResources();
  for (const { id, path } of batch) {
    printed = [];
    failure = null;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      import(pathToFileURL(path).href).then(
        () => true,
        (error: unknown) => {
          failure ??= error;
          return true;
        },
      ),
      new Promise<false>((done) => {
        timer = setTimeout(() => done(false), EXAMPLE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    const ms = performance.now() - started;
    let leftOpen: string[] = [];
    if (finished) {
      const deadline = performance.now() + LEAK_WAIT_MS;
      for (;;) {
        await new Promise((settle) => setTimeout(settle, 5));
        leftOpen = beyond(openResources(), baseline);
        if (leftOpen.length === 0 || performance.now() > deadline) break;
      }
      // Judge the next example on what it opens, not on what this one left.
      if (leftOpen.length > 0) baseline = openResources();
    } else {
      failure ??= new Error(`did not finish within ${EXAMPLE_TIMEOUT_MS} ms`);
    }
    const error =
      failure === null
        ? null
        : failure instanceof Error
          ? (failure.stack ?? failure.message)
          : String(failure);
    const outcome: Outcome = { id, printed, error, leftOpen, ms };
    appendFileSync(resultsFile, `${JSON.stringify(outcome)}\n`);
    if (!finished) break; // it may still hold what the next would need
  }
  console.log = log;
  process.exit(0);
}

// ── the parent: servers, one tsc run, the batches, and a test per example ─

/** The test's peers; `ports` maps each classic port to the one it really listens on. */
async function startServers(): Promise<{ ports: Map<number, number>; close: () => Promise<void> }> {
  const { echo, discard, daytime, qotd, chargen, runTcp, runUdp } = await import(
    '../src/services/index.js'
  );
  const { serve } = await import('../src/http/index.js');
  const services = { echo, discard, daytime, qotd, chargen };
  const context = { now: () => NOW, quote: () => QUOTE };
  const ports = new Map<number, number>();
  const running: Array<{ close: () => Promise<void> }> = [];
  for (const [classic, name] of Object.entries(SERVERS)) {
    if (name === 'http') {
      const server = await serve((request): ServerResponse => {
        if (request.method === 'POST') {
          return { headers: { 'Content-Type': 'text/plain' }, body: request.body };
        }
        if (request.path === '/') {
          return { headers: { 'Content-Type': 'text/plain' }, body: 'Hello, world!\n' };
        }
        if (request.path === '/old') return { status: 301, headers: { Location: '/' } };
        if (request.path === '/loop') return { status: 302, headers: { Location: '/loop' } };
        return { status: 404, body: 'Not Found\n' };
      });
      running.push(server);
      ports.set(Number(classic), server.address.port);
      continue;
    }
    const service = services[name];
    // TCP on a port the OS picks, then UDP on the same number (taken by chance: try again).
    for (let attempt = 1; ; attempt++) {
      const tcp = await runTcp(service, { context });
      try {
        const udp = await runUdp(service, { port: tcp.address.port, context });
        running.push(tcp, udp);
        ports.set(Number(classic), tcp.address.port);
        break;
      } catch (error) {
        await tcp.close();
        if (attempt === 5) throw error;
      }
    }
  }
  return {
    ports,
    close: async () => {
      await Promise.all(running.map((r) => r.close()));
    },
  };
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023', 'ESNext.Disposable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    paths: {
      socketkit: [join(ROOT, 'src', 'index.ts')],
      'socketkit/*': [join(ROOT, 'src', '*', 'index.ts')],
    },
  },
  include: ['./ex-*.ts'],
};

function spawnCollect(args: string[], cwd: string, env: Record<string, string>, timeoutMs: number) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, { timeoutMs });
}

if (process.argv.includes(RUNNER_FLAG)) {
  const at = process.argv.indexOf(RUNNER_FLAG);
  await runBatch(process.argv[at + 1]!, process.argv[at + 2]!);
} else {
  const examples = allExamples();
  let folder = '';
  let servers: Awaited<ReturnType<typeof startServers>> | null = null;
  /** Type errors by example id; `''` collects those that are not in an example's file. */
  const typeErrors = new Map<string, string[]>();
  const outcomes = new Map<string, Outcome>();
  const batchErrors: string[] = [];
  const setupErrors = new Map<string, string>();

  describe('JSDoc @example blocks type-check and run as written', () => {
    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'socketkit-doc-examples-'));
      servers = await startServers();
      writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
      const runnable: Array<{ id: string; path: string }> = [];
      for (const example of examples) {
        let code: string;
        try {
          code = withAbsoluteImports(withPorts(example.code, servers.ports), example.file);
        } catch (error) {
          setupErrors.set(example.id, (error as Error).message);
          continue;
        }
        const path = join(folder, `${example.id}.ts`);
        writeFileSync(path, code);
        runnable.push({ id: example.id, path });
      }

      const checking = spawnCollect(
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          'tsconfig.json',
          '--pretty',
          'false',
        ],
        folder,
        {},
        60_000,
      ).then((result) => {
        for (const line of result.stdout.toString().split('\n')) {
          if (line.trim() === '') continue;
          const id = /^(ex-\d+)\.ts\(/.exec(line)?.[1] ?? '';
          typeErrors.set(id, [...(typeErrors.get(id) ?? []), line]);
        }
        if (result.code !== 0 && typeErrors.size === 0) {
          typeErrors.set('', [`tsc exited with ${result.code}: ${result.stderr}`]);
        }
      });

      // Round-robin, so slow examples (those that wait on a timer) spread over the batches.
      const batches = Array.from({ length: BATCHES }, (_, b) =>
        runnable.filter((_, i) => i % BATCHES === b),
      ).filter((batch) => batch.length > 0);
      const running = batches.map(async (batch, b) => {
        const batchFile = join(folder, `batch-${b}.json`);
        const resultsFile = join(folder, `results-${b}.jsonl`);
        writeFileSync(batchFile, JSON.stringify(batch));
        writeFileSync(resultsFile, '');
        const result = await spawnCollect(
          [
            '--import',
            'tsx',
            join(ROOT, 'test', 'doc-examples.test.ts'),
            RUNNER_FLAG,
            batchFile,
            resultsFile,
          ],
          ROOT,
          { TSX_TSCONFIG_PATH: join(folder, 'tsconfig.json') },
          batch.length * EXAMPLE_TIMEOUT_MS + 30_000,
        ).catch((error: Error) => ({ code: null, stderr: error.message }));
        for (const line of readFileSync(resultsFile, 'utf8').split('\n')) {
          if (line === '') continue;
          const outcome = JSON.parse(line) as Outcome;
          outcomes.set(outcome.id, outcome);
        }
        if (result.code !== 0) {
          batchErrors.push(`batch ${b} ended with ${result.code}: ${result.stderr.slice(-2000)}`);
        }
      });
      await Promise.all([checking, ...running]);
    });

    after(async () => {
      await servers?.close();
      if (folder !== '') rmSync(folder, { recursive: true, force: true });
    });

    test('every public module has examples, and each has a title', () => {
      assert.ok(examples.length >= 80, `found only ${examples.length} examples`);
      const untitled = examples.filter((e) => e.title === '').map((e) => `${e.file}:${e.line}`);
      assert.deepEqual(untitled, [], 'each @example needs a title: `@example What it shows`');
      for (const barrel of [
        'src/index.ts',
        'src/framing',
        'src/http',
        'src/services',
        'src/bench',
      ]) {
        assert.ok(
          examples.some((e) => e.file.startsWith(barrel)),
          `no example in ${barrel}`,
        );
      }
    });

    test('the examples type-check, and the batches ran to their end', (t) => {
      assert.deepEqual(typeErrors.get('') ?? [], [], 'tsc failed outside the examples');
      assert.deepEqual(batchErrors, []);
      const classic = Object.keys(SERVERS).join('|');
      const named = new RegExp(
        `['"\`]127\\.0\\.0\\.1['"\`],\\s*(${classic})\\b|127\\.0\\.0\\.1:(${classic})\\b`,
      );
      const peered = examples.filter((e) => named.test(e.code));
      const ownServer = examples.filter(
        (e) => !named.test(e.code) && /\b(listen|serve|run(Tcp|Udp))\(/.test(e.code),
      );
      assert.ok(peered.length > 0, 'no example talks to a test server');
      t.diagnostic(
        `${examples.length} examples from ${new Set(examples.map((e) => e.file)).size} files: ` +
          `${peered.length} against the test's loopback servers, ${ownServer.length} start a server of their own; ` +
          `${[...outcomes.values()].reduce((sum, o) => sum + o.ms, 0).toFixed(0)} ms of example time`,
      );
    });

    for (const example of examples) {
      test(`${example.file}:${example.line} @example ${example.title}`, () => {
        const where = `${example.id}.ts, from ${example.file}:${example.line}`;
        assert.equal(setupErrors.get(example.id), undefined, where);
        assert.deepEqual(typeErrors.get(example.id) ?? [], [], `${where} does not type-check`);
        const outcome = outcomes.get(example.id);
        assert.ok(
          outcome !== undefined,
          `${where} was not run (an example before it in its batch hung)`,
        );
        assert.equal(outcome.error, null, `${where} failed:\n${example.code}`);
        assert.deepEqual(outcome.leftOpen, [], `${where} left these open`);
        const promised = promisedOutput(example.code);
        if (promised instanceof Error) assert.fail(`${where}: ${promised.message}`);
        assert.equal(
          outcome.printed.length,
          promised.length,
          `${where} printed ${JSON.stringify(outcome.printed)}, its comments promise ${promised.length} lines`,
        );
        for (const [k, expected] of promised.entries()) {
          const actual: string = outcome.printed[k]!;
          if (expected === null)
            assert.notEqual(actual.trim(), '', `${where}: console.log ${k + 1} printed nothing`);
          else assert.equal(actual.trim(), expected, `${where}: console.log ${k + 1}`);
        }
      });
    }
  });
}
