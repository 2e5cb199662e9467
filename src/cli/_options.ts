/**
 * Parsers for command-line values. Each throws commander's
 * `InvalidArgumentError`, so the message names the flag and the value and
 * the exit code is 2.
 *
 * @module
 */

import { InvalidArgumentError } from 'commander';
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

/** A non-negative number of seconds, returned in milliseconds. */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError('expected a number of seconds ≥ 0.');
  }
  return seconds * 1000;
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
