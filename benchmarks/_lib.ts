/**
 * Shared pieces of the benchmarks: child processes that announce their port, medians, and
 * the markdown sections of BENCHMARKS.md.
 *
 * Every comparison runs its contenders side by side in one run, interleaved round by round
 * (A B C A B C …), so drift on a shared machine hits all of them alike; results are medians.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, connect as netConnect } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH_DIR, '..');

/** A process that printed `port N` and is serving. */
export interface Served {
  port: number;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** SIGTERM, then SIGKILL if the process is still there 3 s later; resolves when it has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** Starts `command args` and waits for a line `port N` on its stdout. */
export function startServer(command: string, args: string[], timeoutMs = 15000): Promise<Served> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not announce a port within ${timeoutMs} ms: ${output}`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /port"?:? ?(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        // From here on the output is drained and dropped: a server that logs every request must
        // not fill this process's memory, nor block on a full pipe.
        child.stdout!.resume();
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve({
          port: Number(match[1]),
          child,
          stop: () => stopChild(child),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${command} ${args.join(' ')} exited with ${code} before serving: ${output}`),
      );
    });
  });
}

/** Runs a command to completion and parses the last line of its stdout as JSON. */
export function runJson<T>(command: string, args: string[], timeoutMs = 120000): Promise<T> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} timed out: ${err}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0)
        return reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (error) {
        reject(new Error(`${command} printed no JSON: ${out} ${err} (${error})`));
      }
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

export function hasCommand(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** One section of BENCHMARKS.md, replaced in place on each run of its suite. */
export interface Section {
  id: string;
  markdown: string;
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `Node ${process.version}, ${cpus().length} × ${cpu.trim()}`;
}

/**
 * `taskset -c N` prefixes that put the load generator and the server on different cores, when
 * the machine has two or more and taskset exists: on a shared 2-core machine this removes
 * most of the scheduler noise, and every contender gets the same placement.
 */
export async function corePinning(): Promise<{ server: string[]; client: string[]; note: string }> {
  if (cpus().length >= 2 && (await hasCommand('taskset'))) {
    return {
      server: ['taskset', '-c', '1'],
      client: ['taskset', '-c', '0'],
      note: 'server pinned to core 1, load generator to core 0',
    };
  }
  return { server: [], client: [], note: 'no core pinning (taskset missing or one core)' };
}

/** Splits a pinned command line into command and arguments. */
export function pinned(prefix: string[], command: string, args: string[]): [string, string[]] {
  return prefix.length === 0
    ? [command, args]
    : [prefix[0]!, [...prefix.slice(1), command, ...args]];
}

/** The node executable and flags that run a TypeScript file. */
export const TSX = [process.execPath, '--import', 'tsx'] as const;

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * nginx from the system's packages, one worker process, serving `page` as its index (and a
 * 13-byte reply from memory at /hello), on a random loopback port; `null` when nginx is not
 * installed.
 */
export async function startNginx(prefix: string[], page: string): Promise<Served | null> {
  if (!(await hasCommand('nginx'))) return null;
  const dir = join(ROOT, 'benchmarks', 'results', 'nginx');
  mkdirSync(join(dir, 'html'), { recursive: true });
  writeFileSync(join(dir, 'html', 'index.html'), page);
  // A port the kernel just handed out is free; another process can still take it before nginx
  // binds, so a start that fails is retried on a new port.
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1; daemon off; error_log ${dir}/error.log; pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}/t1; proxy_temp_path ${dir}/t2; fastcgi_temp_path ${dir}/t3; uwsgi_temp_path ${dir}/t4; scgi_temp_path ${dir}/t5;
  server { listen 127.0.0.1:${port}; root ${dir}/html; keepalive_requests 1000000;
    location = /hello { default_type text/plain; return 200 "Hello, world!"; } } }\n`,
    );
    const [command, args] = pinned(prefix, 'nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir]);
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    if (await acceptsConnections(port, child, 5000)) {
      return {
        port,
        child,
        stop: () => stopChild(child),
      };
    }
    child.kill('SIGKILL');
    lastError = stderr.trim();
    log(
      `nginx did not start on port ${port}${lastError ? `: ${lastError}` : ''}; trying another port`,
    );
  }
  throw new Error(`nginx did not start after 3 tries: ${lastError}`);
}

/** A loopback port nobody listens on right now. */
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

/** Polls until `port` accepts a connection (true), `child` exits or `ms` pass (false). */
async function acceptsConnections(port: number, child: ChildProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * User and system CPU seconds of a process and its direct children (nginx's worker is a child
 * of its master), from /proc; null where /proc is not there.
 */
export function processCpu(pid: number): { user: number; system: number } | null {
  try {
    const pids = [pid];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (children !== '') pids.push(...children.split(' ').map(Number));
    }
    let user = 0;
    let system = 0;
    for (const p of pids) {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // After the command name in parentheses: utime and stime are the 12th and 13th fields,
      // in clock ticks (USER_HZ, 100 on Linux).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(fields[11]) / 100;
      system += Number(fields[12]) / 100;
    }
    return { user, system };
  } catch {
    return null;
  }
}

/** Converts wrk's "812.00us", "1.20ms", "2.00s" to milliseconds. */
function wrkMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60000 : n;
}

/** Requests per second and median latency (ms) from wrk's output with --latency. */
export function parseWrk(out: string): { rps: number; p50: number } {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  if (!rps || !p50) throw new Error(`wrk printed no result: ${out}`);
  return { rps: Number(rps[1]), p50: wrkMs(p50[1]!, p50[2]!) };
}

/** wrk's arguments: one thread, `connections`, `seconds`, latency percentiles. */
export function wrkArgs(url: string, connections: number, seconds: number): string[] {
  return ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url];
}

/** Runs wrk (one thread) against `url`: requests per second and the median latency in ms. */
export function runWrk(
  prefix: string[],
  url: string,
  connections: number,
  seconds: number,
): Promise<{ rps: number; p50: number }> {
  return new Promise((resolve, reject) => {
    const [command, args] = pinned(prefix, 'wrk', wrkArgs(url, connections, seconds));
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`wrk exited ${code}: ${out}`);
        resolve(parseWrk(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}
