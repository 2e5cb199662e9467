/**
 * Parsers for command-line values. Each throws commander's
 * `InvalidArgumentError`, so the message names the flag and the value and
 * the exit code is 2.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { validateHost } from '../core/address.js';

/** A port number 0–65535. */
export function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('a port must be an integer from 0 to 65535.');
  }
  return Number(value);
}

/** A host name or address: not empty, no whitespace or control characters. */
export function parseHost(value: string): string {
  try {
    return validateHost(value);
  } catch (error) {
    const message = (error as Error).message;
    throw new InvalidArgumentError(
      `${message.slice(message.indexOf(': ') + 2).replace(/^it /, 'a host ')}.`,
    );
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration ≥ 0, returned in milliseconds: `500ms`, `1.5s`, `2m`, `1h`; a bare number is
 * seconds, as curl and nc take them.
 */
export function parseSeconds(value: string): number {
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*(ms|s|m|h)?\s*$/i.exec(value);
  const amount = match
    ? Number(`${match[1]}${match[2] === undefined ? '' : `e${match[2]}`}`)
    : Number.NaN;
  const ms = amount * (UNITS[(match?.[3] ?? 's').toLowerCase()] ?? Number.NaN);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(
      'expected a duration ≥ 0 such as 10, 10s, 500ms or 2m (a bare number is seconds).',
    );
  }
  return ms;
}

/** A positive integer (counts, sizes). */
export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return number;
}

/** A non-negative integer. */
export function parseCount(value: string): number {
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(number)) {
    throw new InvalidArgumentError('expected an integer ≥ 0.');
  }
  return number;
}

/** A file named by a flag, read whole; a missing or unreadable one is bad usage naming the flag. */
export function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(
      `Cannot read ${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

/**
 * A repeatable option's collected values, as an array that is empty when the flag is absent.
 * Commander would print an empty default as "(default: [])" in --help; the `preAction` hook
 * fills the empty array in instead, so the help stays as curl's reads.
 */
export function defaultToEmpty(command: Command, ...names: string[]): Command {
  return command.hook('preAction', (_command, action) => {
    for (const name of names) {
      if (action.getOptionValue(name) === undefined) action.setOptionValue(name, []);
    }
  });
}

/**
 * A value typed on the command line, as the bytes it is: the shell passes UTF-8, and curl sends
 * those bytes. As a latin1 string (one character per byte) the writer sends each byte as it is.
 */
export function asBytes(text: string): string {
  return /[^\u0000-\u007f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
