/**
 * `socketkit tour`: every tutorial program, run against stand-ins on loopback,
 * each step showing what it does, what crossed the wire and whether it did
 * what the tutorial says.
 *
 * @module
 */

import { Command } from 'commander';
import { bytesRepr } from '../../core/bytes.js';
import type { WireExchange } from '../../tour/recorder.js';
import { runTour, type StepResult, selectSteps } from '../../tour/run.js';
import { colours } from '../_colour.js';
import { defaultToEmpty } from '../_options.js';
import { writeOut } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';

interface TourFlags {
  only: string[];
  list?: boolean;
  json?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

export function tourCommand(): Command {
  return defaultToEmpty(new Command('tour'), 'only')
    .description('run every tutorial program against stand-ins on loopback and show what happens')
    .option('--only <name>', 'only this step (repeatable, or comma-separated); see --list', collect)
    .option('--list', 'list the steps and exit')
    .option('--json', 'print the results (with --list: the steps) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ socketkit tour
  $ socketkit tour --list
  $ socketkit tour --only reverse,framing-length

Nothing leaves this machine: the public servers the tutorials use are played by
stand-ins on 127.0.0.1. Exits 0 only if every step did what its tutorial says.`,
    )
    .action(async (flags: TourFlags) => {
      await run(flags);
    });
}

/** Bytes as a Python literal, cut to `max` bytes with the total; TLS summarised. */
function abridged(bytes: Uint8Array, total: number, max = 160): string {
  if (total === 0) return '(nothing)';
  // A TLS record starts 0x16 0x03 (handshake, version 3.x): the rest is not worth reading.
  if (bytes[0] === 0x16 && bytes[1] === 0x03) {
    return `TLS handshake, then encrypted records (${total} bytes)`;
  }
  const shown = bytesRepr(bytes.subarray(0, max));
  return total > max ? `${shown}… (${total} bytes)` : `${shown} (${total} bytes)`;
}

function wireLines(wire: WireExchange[]): string[] {
  const lines: string[] = [];
  const shown = wire.slice(0, 3);
  for (const exchange of shown) {
    lines.push(`    > ${abridged(exchange.sent, exchange.sentTotal)}`);
    lines.push(`    < ${abridged(exchange.received, exchange.receivedTotal)}`);
  }
  if (wire.length > shown.length)
    lines.push(`    … and ${wire.length - shown.length} more connections`);
  return lines;
}

/** The first lines of an output, each marked: `|` for stdout, `!` for stderr. */
function outputLines(text: string, mark: string, max = 4): string[] {
  if (text.trim() === '') return [];
  const lines = text.replace(/\r/g, '').trimEnd().split('\n');
  const head = lines
    .slice(0, max)
    .map((line) => `    ${mark} ${line.length > 100 ? `${line.slice(0, 100)}…` : line}`);
  if (lines.length > max) head.push(`    ${mark} … (${lines.length - max} more lines)`);
  return head;
}

function describe(result: StepResult): string {
  const pc = colours('stdout');
  const mark = result.ok ? pc.green('✔') : pc.red('✘');
  const lines = [
    `${mark} ${pc.bold(`[${result.tutorial}] ${result.title}`)} ${pc.dim(`(${result.name}, ${result.ms} ms)`)}`,
  ];
  lines.push(`  ${result.what}`);
  for (const run of result.runs) {
    lines.push(`  $ ${run.command}`);
    lines.push(...outputLines(run.stdout, '|'));
    lines.push(...outputLines(run.stderr, '!', 2));
  }
  if (result.wire.length > 0) {
    lines.push('  on the wire (> to the server, < back):');
    lines.push(...wireLines(result.wire));
  }
  for (const check of result.checks) {
    lines.push(`  ${check.ok ? pc.green('✔') : pc.red('✘')} ${check.what}`);
    if (!check.ok && check.seen !== undefined)
      lines.push(`      seen: ${JSON.stringify(check.seen)}`);
  }
  if (result.error !== undefined) lines.push(`  ${pc.red('✘')} ${result.error}`);
  return `${lines.join('\n')}\n\n`;
}

async function run(flags: TourFlags): Promise<void> {
  const steps = selectSteps(flags.only);
  if (flags.list && flags.json) {
    const list = steps.map((s) => ({ tutorial: s.tutorial, name: s.name, title: s.title }));
    await writeOut(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  if (flags.list) {
    const width = Math.max(...steps.map((s) => s.name.length));
    for (const step of steps) {
      await writeOut(`${step.tutorial}  ${step.name.padEnd(width)}  ${step.title}\n`);
    }
    return;
  }
  if (!flags.json) {
    await writeOut(
      `The tutorials' programs, run against stand-ins on 127.0.0.1 (${steps.length} steps).\n\n`,
    );
  }
  const results = await runTour(steps, (result) => {
    if (!flags.json) process.stdout.write(describe(result));
  });
  const failed = results.filter((r) => !r.ok);
  if (flags.json) {
    const json = results.map((r) => ({
      ...r,
      wire: r.wire.map((w) => ({
        sent: Buffer.from(w.sent).toString('latin1'),
        sentTotal: w.sentTotal,
        received: Buffer.from(w.received).toString('latin1'),
        receivedTotal: w.receivedTotal,
      })),
    }));
    await writeOut(`${JSON.stringify({ ok: failed.length === 0, steps: json }, null, 2)}\n`);
  } else {
    const pc = colours('stdout');
    const checks = results.reduce((n, r) => n + r.checks.length, 0);
    await writeOut(
      failed.length === 0
        ? `${pc.green('All')} ${results.length} step${results.length === 1 ? '' : 's'} did what the tutorials say (${checks} checks).\n`
        : `${pc.red(`${failed.length} of ${results.length} steps failed`)}: ${failed.map((r) => r.name).join(', ')}\n`,
    );
  }
  if (failed.length > 0) {
    throw new CliError(
      `${failed.length} tour step${failed.length === 1 ? '' : 's'} failed`,
      ExitCode.FAILURE,
    );
  }
}
