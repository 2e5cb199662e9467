/**
 * What a tour step is, and the tools it runs with: stand-ins, recording
 * relays and examples started through them are stopped when the step ends;
 * its checks are collected.
 *
 * @module
 */

import { type ExampleOptions, type ExampleRun, RunningExample, runExample } from './harness.js';
import { type Recorder, record, type WireExchange } from './recorder.js';
import type { StandIn } from './stand-ins.js';

/** One thing a step checked. */
export interface Check {
  ok: boolean;
  /** What the tutorial says should happen. */
  what: string;
  /** What was seen instead, when it failed. */
  seen?: string;
}

/** The tools a step runs with; everything started through them is stopped after the step. */
export class StepTools {
  readonly runs: ExampleRun[] = [];
  readonly checks: Check[] = [];
  readonly recorders: Recorder[] = [];
  readonly #cleanups: Array<() => Promise<unknown>> = [];

  /** Starts a stand-in; it is closed when the step ends. */
  async standIn(start: () => Promise<StandIn>): Promise<StandIn> {
    const standIn = await start();
    this.#cleanups.push(() => standIn.close());
    return standIn;
  }

  /** A recording relay in front of a TCP (or UDP) port on loopback. */
  async record(port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<Recorder> {
    const recorder = await record(protocol, '127.0.0.1', port);
    this.recorders.push(recorder);
    this.#cleanups.push(() => recorder.close());
    return recorder;
  }

  /** Runs an example to its end. */
  async run(name: string, args: string[], options?: ExampleOptions): Promise<ExampleRun> {
    const run = await runExample(name, args, options);
    this.runs.push(run);
    return run;
  }

  /** Starts an example that keeps running; it is stopped when the step ends, if not before. */
  start(name: string, args: string[], options?: ExampleOptions): RunningExample {
    const running = RunningExample.start(name, args, options);
    this.#cleanups.push(() => this.finish(running, 'stop'));
    return running;
  }

  /** Collects a started example's run: waiting for it to end by itself, or stopping it. */
  async finish(running: RunningExample, how: 'stop' | 'wait' = 'wait'): Promise<ExampleRun> {
    let run = this.#finished.get(running);
    if (run === undefined) {
      run = how === 'stop' ? running.stop() : running.finished(10_000);
      this.#finished.set(running, run);
      this.runs.push(await run);
    }
    return run;
  }

  readonly #finished = new Map<RunningExample, Promise<ExampleRun>>();

  /** Records a check. */
  expect(ok: boolean, what: string, seen?: string): boolean {
    this.checks.push(
      ok ? { ok, what } : { ok, what, seen: seen === undefined ? undefined : abridge(seen) },
    );
    return ok;
  }

  /** Checks that `text` matches `pattern`. */
  expectMatch(text: string, pattern: RegExp, what: string): boolean {
    return this.expect(pattern.test(text), what, text);
  }

  /** Everything that crossed the recorded relays, in order. */
  get wire(): WireExchange[] {
    return this.recorders.flatMap((r) => r.exchanges);
  }

  async cleanUp(): Promise<void> {
    for (const cleanup of this.#cleanups.reverse()) await cleanup().catch(() => {});
  }
}

function abridge(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

export interface TourStep {
  /** The step's name for --only: the example's name without its number. */
  name: string;
  tutorial: '000' | '001' | '002' | '003' | '004';
  title: string;
  /** What the program does, in a sentence. */
  what: string;
  /** The example files it runs. */
  examples: string[];
  run(t: StepTools): Promise<void>;
}

/** The address every stand-in and example uses: nothing leaves this machine. */
export const LOOPBACK = '127.0.0.1';

export const exitedCleanly = (run: ExampleRun): boolean => run.code === 0;
