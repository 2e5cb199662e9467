/**
 * Writing message heads. Every field is checked before anything is
 * produced: a CR, LF or NUL in a method, target, header name or value would
 * let one header become two (header injection), so it is refused.
 *
 * @module
 */

import { type HeadersInit, HttpHeaders } from './headers.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A header value may hold HTAB, SP, visible ASCII and obs-text; no other control characters. */
const BAD_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const BAD_TARGET = /[^\u0021-\u007e]/;

function describeChar(text: string, at: number): string {
  const code = text.charCodeAt(at);
  const names: Record<number, string> = {
    0: 'NUL',
    10: 'LF',
    13: 'CR',
    9: 'TAB',
    32: 'space',
    127: 'DEL',
  };
  return names[code] ?? `0x${code.toString(16).padStart(2, '0')}`;
}

/** Throws a `TypeError` naming the field and the character when `value` is not a token. */
export function checkToken(value: string, what: string): void {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`Invalid ${what}: it must be a non-empty token`);
  if (!TOKEN.test(value)) {
    const at = [...value].findIndex((c) => !TOKEN.test(c));
    throw new TypeError(
      `Invalid ${what} ${JSON.stringify(value)}: ${describeChar(value, at)} at position ${at} is not allowed`,
    );
  }
}

/** Throws a `TypeError` when a header value holds CR, LF, NUL or another control character. */
export function checkHeaderValue(name: string, value: string): void {
  const match = BAD_VALUE.exec(value);
  if (match) {
    throw new TypeError(
      `Invalid value for header ${JSON.stringify(name)}: ${describeChar(value, match.index)} at position ${match.index} would break the header apart`,
    );
  }
}

/** Throws a `TypeError` when a request target holds whitespace, controls or non-ASCII. */
export function checkTarget(target: string): void {
  if (target.length === 0) throw new TypeError('Invalid request target "": it must not be empty');
  const match = BAD_TARGET.exec(target);
  if (match) {
    throw new TypeError(
      `Invalid request target ${JSON.stringify(target)}: ${describeChar(target, match.index)} at position ${match.index} must be percent-encoded`,
    );
  }
}

function headerLines(headers: HttpHeaders): string {
  let out = '';
  for (const [name, value] of headers) {
    checkToken(name, 'header name');
    checkHeaderValue(name, value);
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

/**
 * `METHOD target HTTP/1.1` and the header fields, as bytes ending in the empty line.
 *
 * @throws {TypeError} a field holds CR, LF, NUL or another character it may not.
 */
export function serializeRequestHead(
  method: string,
  target: string,
  headers: HeadersInit,
  version = '1.1',
): Buffer {
  checkToken(method, 'method');
  checkTarget(target);
  return Buffer.from(
    `${method} ${target} HTTP/${version}\r\n${headerLines(HttpHeaders.from(headers))}\r\n`,
    'latin1',
  );
}

/**
 * `HTTP/1.1 status reason` and the header fields, as bytes ending in the empty line.
 *
 * @throws {TypeError} a field holds CR, LF, NUL or another character it may not.
 * @throws {RangeError} the status is not 100–999.
 */
export function serializeResponseHead(
  status: number,
  reason: string,
  headers: HeadersInit,
  version = '1.1',
): Buffer {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Invalid status ${String(status)}: it must be a three-digit number`);
  }
  checkHeaderValue('reason phrase', reason);
  return Buffer.from(
    `HTTP/${version} ${status} ${reason}\r\n${headerLines(HttpHeaders.from(headers))}\r\n`,
    'latin1',
  );
}
