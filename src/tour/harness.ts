/**
 * Running the example programs for the tour: as child processes (the
 * compiled files under dist/examples), with arguments, typed input and a
 * deadline; servers started and stopped; output collected.
 *
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarizeCrash } from './_crash.js';

/**
 * The file that runs an example, e.g. `001-daytime-tcp` →
 * …/dist/examples/001-daytime-tcp.js: next to this module once built, or
 * in dist/ when this module runs from source.
 */
function exampleFile(name: string): string {
  const candidates = [
    new URL(`../examples/${name}.js`, import.meta.url),
    new URL(`../../dist/examples/${name}.js`, import.meta.url),
  ].map((url) => fileURLToPath(url));
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) {
    throw new Error(
      `Example ${name} not found (looked for ${candidates.join(' and ')}); run npm run build`,
    );
  }
  return found;
}

/** What a finished example did. */
export interface ExampleRun {
  /** The command line, for showing. */
  command: string;
  /** When it started (performance.now()), to list runs in order. */
  startedAt: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** What it wrote to stderr, less Node's report of a crash (see `crash`). */
  stderr: string;
  /** It crashed: the uncaught error and where it was thrown, in one sentence. */
  crash?: string;
}

export interface ExampleOptions {
  /** Typed into the example's standard input (then closed). */
  input?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kill it after this long. Default 20 s. */
  timeoutMs?: number;
}

function describeCommand(name: string, args: string[]): string {
  const quoted = args.map((a) =>
    /^[\w.:/@%+=,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`,
  );
  return ['node', `dist/examples/${name}.js`, ...quoted].join(' ');
}

function start(name: string, args: string[], options: ExampleOptions): ChildProcess {
  return spawn(process.execPath, [exampleFile(name), ...args], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs an example to its end (or its deadline). */
export function runExample(
  name: string,
  args: string[],
  options: ExampleOptions = {},
): Promise<ExampleRun> {
  const child = start(name, args, options);
  const running = new RunningExample(child, describeCommand(name, args));
  if (options.input !== undefined) child.stdin?.write(options.input);
  child.stdin?.end();
  return running.finished(options.timeoutMs ?? 20_000);
}

/** A long-running example (a server): its output so far, a wait for a line, a stop. */
export class RunningExample {
  readonly command: string;
  readonly startedAt = performance.now();
  readonly #child: ChildProcess;
  #stdout = '';
  #stderr = '';
  #watchers = new Set<() => void>();
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(child: ChildProcess, command: string) {
    this.#child = child;
    this.command = command;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.#stdout += chunk.toString();
      for (const watcher of this.#watchers) watcher();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    child.stdin?.on('error', () => {});
    this.#exit = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        resolve({ code, signal });
        for (const watcher of this.#watchers) watcher();
      });
      child.once('error', () => resolve({ code: null, signal: null }));
    });
  }

  /** Starts an example that keeps running (a server). */
  static start(name: string, args: string[], options: ExampleOptions = {}): RunningExample {
    const running = new RunningExample(start(name, args, options), describeCommand(name, args));
    return running;
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Waits until stdout matches `pattern`; rejects if the example exits or the deadline passes. */
  waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.#stdout);
        if (match) {
          done();
          resolve(match);
        } else if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
          done();
          const { output, crash } = summarizeCrash(this.#stderr);
          reject(
            new Error(
              `${this.command} exited before printing ${pattern}: ${crash ?? (output.trim() || this.#stdout.trim())}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.command} did not print ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
      check();
    });
  }

  /** Waits for the example to end by itself, killing it at the deadline. */
  async finished(timeoutMs = 20_000): Promise<ExampleRun> {
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const { code, signal } = await this.#exit;
    clearTimeout(timer);
    const { output, crash } = summarizeCrash(this.#stderr);
    const run: ExampleRun = {
      command: this.command,
      startedAt: this.startedAt,
      code,
      signal,
      stdout: this.#stdout,
      stderr: output,
    };
    // A stack printed by a program that then exited 0 is its own business: shown no more, but no crash.
    if (crash !== undefined && code !== 0) run.crash = crash;
    return run;
  }

  /** Asks the example to stop (SIGTERM), then waits for it. */
  stop(): Promise<ExampleRun> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill('SIGTERM');
    return this.finished(5000);
  }
}
