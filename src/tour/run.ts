/**
 * Running the tour: the steps in tutorial order (or the ones asked for),
 * each with its own stand-ins, cleaned up after it, into plain results.
 *
 * @module
 */

import type { ExampleRun } from './harness.js';
import type { WireExchange } from './recorder.js';
import { type Check, StepTools, type TourStep } from './step-tools.js';
import { STEPS } from './steps/index.js';

export type { Check, TourStep } from './step-tools.js';
export { STEPS } from './steps/index.js';

/** What one step did. */
export interface StepResult {
  name: string;
  tutorial: string;
  title: string;
  what: string;
  examples: string[];
  /** Every check passed and nothing went wrong. */
  ok: boolean;
  checks: Check[];
  runs: ExampleRun[];
  wire: WireExchange[];
  /**
   * Something the step did not expect, in one sentence: an example that crashed (and where), a
   * stand-in that would not start, an example that hung.
   */
  error?: string;
  ms: number;
}

/** The steps `only` names (by step name or example name), in tutorial order. */
export function selectSteps(only: string[] = []): TourStep[] {
  if (only.length === 0) return STEPS;
  const unknown = only.filter(
    (name) => !STEPS.some((s) => s.name === name || s.examples.includes(name)),
  );
  if (unknown.length > 0) {
    throw new RangeError(
      `Unknown tour step ${unknown.map((n) => JSON.stringify(n)).join(', ')}: socketkit tour --list shows the names`,
    );
  }
  return STEPS.filter((s) => only.some((name) => s.name === name || s.examples.includes(name)));
}

/** The first line of what was thrown: a step reports one sentence, never a stack. */
function firstLine(caught: unknown): string {
  const text = caught instanceof Error ? caught.message : String(caught);
  return text.trim().split('\n')[0]!.trim() || 'the step failed without saying why';
}

/** The example of a run's command line (`node dist/examples/001-echo-client.js …`). */
function exampleOf(run: ExampleRun): string {
  return /examples\/([^/\s]+)\.js/.exec(run.command)?.[1] ?? run.command;
}

export async function runStep(step: TourStep): Promise<StepResult> {
  const tools = new StepTools();
  const started = performance.now();
  let error: string | undefined;
  try {
    await step.run(tools);
  } catch (caught) {
    error = firstLine(caught);
  } finally {
    await tools.cleanUp();
  }
  const runs = [...tools.runs].sort((a, b) => a.startedAt - b.startedAt);
  // A crash explains whatever else went wrong in the step, so it is the step's error.
  const crashed = runs.filter((run) => run.crash !== undefined);
  if (crashed.length > 0) {
    const more = crashed.length - 1;
    error = `${exampleOf(crashed[0]!)} crashed: ${crashed[0]!.crash}${more > 0 ? ` (and ${more} more run${more === 1 ? '' : 's'} crashed)` : ''}`;
  }
  const ok = error === undefined && tools.checks.length > 0 && tools.checks.every((c) => c.ok);
  return {
    name: step.name,
    tutorial: step.tutorial,
    title: step.title,
    what: step.what,
    examples: step.examples,
    ok,
    checks: tools.checks,
    runs,
    wire: tools.wire,
    error,
    ms: Math.round(performance.now() - started),
  };
}

/** Runs the steps one after another, telling `onStep` as each finishes. */
export async function runTour(
  steps: TourStep[],
  onStep?: (result: StepResult) => void,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    const result = await runStep(step);
    results.push(result);
    onStep?.(result);
  }
  return results;
}
