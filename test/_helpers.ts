/**
 * Helpers for tests that open real sockets and run real programs.
 *
 * Peers nobody here wrote (python3, curl, nc, …) are required through
 * `requirePeer()`: when one is missing the test skips with a message
 * saying so, except under `CI=true`, where a missing peer is a failure.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

const found = new Map<string, boolean>();

/** Is `command` on the PATH? */
export function hasCommand(command: string): boolean {
  if (!found.has(command)) {
    found.set(
      command,
      spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0,
    );
  }
  return found.get(command)!;
}

/**
 * Returns true when `command` can be used. Otherwise skips the test with a
 * reason, or, under CI=true, throws: CI must have every peer installed.
 */
export function requirePeer(t: TestContext, command: string, why: string): boolean {
  if (hasCommand(command)) return true;
  return missing(t, `${command} is not installed; it is needed ${why}`);
}

/**
 * Something a test needs is not on this machine: skips the test with `message`, or, under
 * CI=true, throws it (CI must have everything). Returns false, for `if (!…) return`.
 */
export function missing(t: TestContext, message: string): false {
  if (process.env.CI === 'true')
    throw new Error(`${message} (CI=true requires it: .ci/run installs it)`);
  t.skip(message);
  return false;
}

/** Throws under CI when the built CLI is missing, and says how to build it. */
export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run npm run build first`);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  /** Keep stdin open (no EOF) until the process ends. */
  holdStdin?: boolean;
  env?: Record<string, string>;
  /** Kill the process and fail after this long. Default 15 s. */
  timeoutMs?: number;
  cwd?: string;
}

/** Runs a program to completion and collects its output. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return collect(child, options);
}

/** Runs the built `socketkit` CLI with `args`. */
export function socketkit(args: string[], options: RunOptions = {}): Promise<RunResult> {
  requireBuild();
  return run(process.execPath, [CLI, ...args], options);
}

/** A running program whose output is collected from the start, so nothing is missed. */
export class Running {
  readonly child: ChildProcess;
  #stdout: Buffer[] = [];
  #stderr = '';
  #watchers: Array<() => void> = [];

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.#stdout.push(chunk);
      this.#notify();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
      this.#notify();
    });
    child.stdin?.on('error', () => {});
  }

  get stdout(): Buffer {
    return Buffer.concat(this.#stdout);
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Waits until stderr (everything so far) matches. */
  waitForStderr(pattern: RegExp, timeoutMs = 10000): Promise<RegExpExecArray> {
    return this.#waitFor(() => pattern.exec(this.#stderr), `stderr to match ${pattern}`, timeoutMs);
  }

  /** Waits until stdout (everything so far) matches. */
  waitForStdout(pattern: RegExp, timeoutMs = 10000): Promise<RegExpExecArray> {
    return this.#waitFor(
      () => pattern.exec(this.stdout.toString()),
      `stdout to match ${pattern}`,
      timeoutMs,
    );
  }

  /** Waits for the exit code. */
  exited(timeoutMs = 10000): Promise<number | null> {
    return exited(this.child, timeoutMs);
  }

  #waitFor<T>(check: () => T | null, what: string, timeoutMs: number): Promise<T> {
    const now = check();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== watcher);
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${JSON.stringify(this.#stderr)}`,
          ),
        );
      }, timeoutMs);
      const watcher = () => {
        const value = check();
        if (value) {
          clearTimeout(timer);
          this.#watchers = this.#watchers.filter((w) => w !== watcher);
          resolve(value);
        }
      };
      this.#watchers.push(watcher);
    });
  }

  #notify(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }
}

/** Starts the built `socketkit` CLI and returns it for the test to drive. */
export function startSocketkit(args: string[], env: Record<string, string> = {}): Running {
  requireBuild();
  return new Running(
    spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
}

export function collect(child: ChildProcess, options: RunOptions = {}): Promise<RunResult> {
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (child.stdin) {
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.write(options.input);
    if (!options.holdStdin) child.stdin.end();
  }
  const timeoutMs = options.timeoutMs ?? 15000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${child.spawnfile} did not finish within ${timeoutMs} ms; stderr so far: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr });
    });
  });
}

/** Resolves with the first line on `stream` that matches, or rejects after `timeoutMs`. */
export function waitForLine(
  stream: NodeJS.ReadableStream,
  pattern: RegExp,
  timeoutMs = 10000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(
        new Error(
          `No line matching ${pattern} within ${timeoutMs} ms; saw: ${JSON.stringify(seen)}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(match);
      }
    };
    stream.on('data', onData);
  });
}

/**
 * Starts a Python 3 script (only its standard library) and resolves once
 * it prints its first line, which is returned (servers print their port).
 */
export async function startPython(
  script: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn('python3', ['-u', '-c', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    const match = await waitForLine(child.stdout!, /^(.*)\n/);
    return { child, firstLine: match[1]! };
  } catch (error) {
    child.kill();
    throw new Error(`${(error as Error).message}\npython3 stderr: ${stderr}`);
  }
}

/** Runs a Python 3 script to completion. */
export function runPython(
  script: string,
  args: string[] = [],
  options: RunOptions = {},
): Promise<RunResult> {
  return run('python3', ['-c', script, ...args], options);
}

/** Waits for a child to exit, with a deadline. */
export function exited(child: ChildProcess, timeoutMs = 10000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Sleeps. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The seed of this run's property tests: SOCKETKIT_FUZZ_SEED when set (to replay a failure),
 * a fresh one under CI=true, a fixed one otherwise. Print it with `t.diagnostic`.
 */
export function propertySeed(): number {
  const given = process.env.SOCKETKIT_FUZZ_SEED;
  if (given !== undefined && given !== '') return Number(given);
  return process.env.CI === 'true' ? (Math.random() * 2 ** 31) >>> 0 : 20261202;
}

/**
 * Waits until `condition()` holds, checking every 5 ms, and fails after `ms` naming `what`:
 * for tests that wait on a state (bytes arrived, a queue filled), not on a clock.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  ms = 5000,
): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline)
      throw new Error(`Timed out after ${ms} ms waiting until ${what}`);
    await delay(5);
  }
}

const PTY_DRIVER = `
import json, os, pty, re, select, sys, time
steps = json.loads(sys.argv[1])
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b''
pos = 0
def read_until(pattern, deadline):
    global out, pos
    while time.time() < deadline:
        if pattern is not None:
            match = re.search(pattern.encode(), out[pos:])
            if match:
                pos += match.end()
                return True
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return pattern is None
            if not data:
                return pattern is None
            out += data
    return pattern is None
for expect, answer in steps:
    if not read_until(expect, time.time() + 10):
        os.kill(pid, 9)
        print(json.dumps({'output': out.decode('utf8', 'replace'), 'status': None, 'stuck': expect}))
        sys.exit(0)
    if answer is not None:
        os.write(fd, (answer + '\\n').encode())
read_until(None, time.time() + 10)
_, status = os.waitpid(pid, 0)
print(json.dumps({'output': out.decode('utf8', 'replace'), 'status': os.waitstatus_to_exitcode(status)}))
`;

/**
 * Runs the built socketkit CLI on a pseudo-terminal (through Python's pty module): waits for
 * each `expect` pattern in the output that follows the previous match, then types `answer`
 * and Enter. Returns everything the
 * terminal showed and the exit status (`null` if a prompt never came).
 */
export async function socketkitInPty(
  args: string[],
  steps: Array<[expect: string, answer: string | null]>,
): Promise<{ output: string; status: number | null; stuck?: string }> {
  requireBuild();
  const result = await run(
    'python3',
    ['-c', PTY_DRIVER, JSON.stringify(steps), process.execPath, CLI, ...args],
    {
      timeoutMs: 30000,
    },
  );
  if (result.code !== 0) throw new Error(`pty driver failed: ${result.stderr}`);
  return JSON.parse(result.stdout.toString());
}

/**
 * A port on 127.0.0.1 that nothing listens on, for a test that needs a refusal. Taken below the
 * kernel's ephemeral range: a port from port 0 is one a client may be given as its own, and a
 * client connecting to its own port meets itself (TCP's simultaneous open, or its own
 * datagram) instead of a refusal, now and then, on a busy machine.
 */
export async function unusedPort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  const low = ephemeralLow();
  for (let tries = 0; tries < 200; tries++) {
    const port = 10_000 + Math.floor(Math.random() * Math.max(1, low - 10_000));
    if (await bindable(kind, port)) return port;
  }
  throw new Error(`No free ${kind} port below ${low} after 200 tries`);
}

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const value = Number(low);
    return Number.isInteger(value) && value > 11_000 ? value : 32_768;
  } catch {
    return 32_768;
  }
}

async function bindable(kind: 'tcp' | 'udp', port: number): Promise<boolean> {
  if (kind === 'udp') {
    const sock = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => sock.close(() => resolve()));
    return ok;
  }
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
  return ok;
}
