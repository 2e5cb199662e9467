/**
 * The request `socketkit fetch` sends, from the flags curl users type: the method, the URL (with
 * `-G` data in its query), the headers (`-H`, `-A`, `-e`, `-u` or `user:pass@` in the URL; `-H
 * 'Name:'` leaves a default one out, `-H 'Name;'` sends it empty), and the body (`-d`,
 * `--data-binary`, `--data-raw`, `--data-urlencode`, `--json`, `-F`), as curl builds them.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { HttpHeaders } from '../../http/headers.js';
import { parseTarget, type RequestTarget } from '../../http/url.js';
import { asBytes } from '../_options.js';
import { CliError, ExitCode } from '../exit-codes.js';

/** One piece of request body, in the order the flags came. */
export type DataPart =
  | { kind: 'data' | 'binary' | 'raw' | 'urlencode'; value: string }
  | { kind: 'json'; value: string };

/** The flags that shape the request. */
export interface RequestFlags {
  header: string[];
  data: DataPart[];
  form: string[];
  request?: string;
  head?: boolean;
  get?: boolean;
  userAgent?: string;
  referer?: string;
  user?: string;
}

/** What to send. */
export interface PlannedRequest {
  target: RequestTarget;
  method: string;
  headers: HttpHeaders;
  omit: string[];
  body: Buffer | undefined;
}

/**
 * Collects every data flag (-d, --data-binary, --data-raw, --data-urlencode, --json) into one
 * list, in the order they were given, as curl joins them.
 */
export function dataFlag(kind: DataPart['kind'], into: DataPart[]): (value: string) => DataPart[] {
  return (value) => {
    into.push({ kind, value } as DataPart);
    return into;
  };
}

/** Reads a file for a data flag, or stdin for `-`; a missing one is bad usage naming the flag. */
function readData(path: string, flag: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (error as Error).message;
    throw new CliError(`Cannot read ${flag} @${path}: ${why}`, ExitCode.USAGE);
  }
}

/**
 * application/x-www-form-urlencoded, as curl's --data-urlencode writes it: unreserved characters
 * (RFC 3986 §2.3) as they are, space as `+`, every other byte of the UTF-8 as `%XX`.
 */
function formEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** One data part as the bytes curl would send for it. */
function partBytes(part: DataPart): Buffer {
  switch (part.kind) {
    case 'data':
      // curl's -d @file strips carriage returns and newlines from the file; --data-binary does not.
      return part.value.startsWith('@')
        ? Buffer.from(
            readData(part.value.slice(1), '-d')
              .toString('latin1')
              .replace(/[\r\n]/g, ''),
            'latin1',
          )
        : Buffer.from(part.value, 'utf8');
    case 'binary':
      return part.value.startsWith('@')
        ? readData(part.value.slice(1), '--data-binary')
        : Buffer.from(part.value, 'utf8');
    case 'raw':
      return Buffer.from(part.value, 'utf8');
    case 'json':
      return part.value.startsWith('@')
        ? readData(part.value.slice(1), '--json')
        : Buffer.from(part.value, 'utf8');
    case 'urlencode': {
      // content, =content, name=content, @file, name@file (curl's --data-urlencode forms).
      const text = part.value;
      const eq = text.indexOf('=');
      const at = text.indexOf('@');
      if (eq >= 0 && (at < 0 || eq < at)) {
        const name = text.slice(0, eq);
        const encoded = formEncode(text.slice(eq + 1));
        return Buffer.from(name === '' ? encoded : `${name}=${encoded}`, 'latin1');
      }
      if (at >= 0) {
        const name = text.slice(0, at);
        const encoded = formEncode(
          readData(text.slice(at + 1), '--data-urlencode').toString('utf8'),
        );
        return Buffer.from(name === '' ? encoded : `${name}=${encoded}`, 'latin1');
      }
      return Buffer.from(formEncode(text), 'latin1');
    }
  }
}

/** A multipart/form-data body for `-F name=value`, `name=@file` (an upload) and `name=<file`. */
function formBody(fields: string[]): { body: Buffer; contentType: string } {
  const boundary = `------------------------socketkit${Date.now().toString(16)}${Math.random().toString(16).slice(2, 10)}`;
  const parts: Buffer[] = [];
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0)
      throw new CliError(
        `Invalid -F "${field}": give name=value, name=@file or name=<file`,
        ExitCode.USAGE,
      );
    const name = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (/["\r\n]/.test(name))
      throw new CliError(`Invalid -F "${field}": the name cannot hold ", CR or LF`, ExitCode.USAGE);
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    let content: Buffer;
    if (value.startsWith('@')) {
      const path = value.slice(1);
      const filename = path.split('/').at(-1) ?? path;
      head += `; filename="${filename.replace(/["\r\n]/g, '_')}"\r\nContent-Type: application/octet-stream`;
      content = readData(path, '-F');
    } else if (value.startsWith('<')) {
      content = readData(value.slice(1), '-F');
    } else {
      content = Buffer.from(value, 'utf8');
    }
    parts.push(Buffer.from(`${head}\r\n\r\n`, 'latin1'), content, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `Basic <base64>` for `user:password` (RFC 7617). */
function basic(credentials: string, where: string): string {
  if (!credentials.includes(':')) {
    throw new CliError(
      `${where} needs user:password (socketkit does not prompt for the password)`,
      ExitCode.USAGE,
    );
  }
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

/** The request the flags describe. */
export function planRequest(input: string, flags: RequestFlags): PlannedRequest {
  let target: RequestTarget;
  try {
    target = parseTarget(input);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.USAGE);
  }
  const headers = new HttpHeaders();
  const omit: string[] = [];
  if (flags.userAgent !== undefined) headers.set('User-Agent', asBytes(flags.userAgent));
  if (flags.referer !== undefined) headers.set('Referer', asBytes(flags.referer));
  // user:pass@ in the URL, as curl reads it; -u wins. Never forwarded to another origin (redirect.ts).
  const url = target.url;
  if (url.username !== '' || url.password !== '') {
    headers.set(
      'Authorization',
      basic(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, 'The URL'),
    );
    url.username = '';
    url.password = '';
  }
  if (flags.user !== undefined) headers.set('Authorization', basic(flags.user, '-u'));
  for (const line of flags.header) {
    // 'Name:' leaves a default header out; 'Name;' sends it with an empty value (curl's rules).
    const semicolon = /^([^:;\s]+);\s*$/.exec(line);
    if (semicolon) {
      headers.set(semicolon[1]!, '');
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = asBytes(line.slice(colon + 1).trim());
    if (value === '') {
      headers.delete(name);
      omit.push(name);
    } else {
      headers.append(name, value);
    }
  }

  const hasData = flags.data.length > 0;
  if (flags.form.length > 0 && (hasData || flags.get)) {
    throw new CliError(
      '-F (a form) cannot be used with -d, --data-*, --json or -G',
      ExitCode.USAGE,
    );
  }
  const json = flags.data.some((part) => part.kind === 'json');
  let body: Buffer | undefined;
  if (hasData) {
    // curl joins data parts with '&', and --json parts with nothing.
    const pieces = flags.data.map(partBytes);
    body = json
      ? Buffer.concat(pieces)
      : Buffer.concat(pieces.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from('&'), p])));
  }
  let method = flags.head ? 'HEAD' : flags.request;
  if (flags.get && body !== undefined) {
    // -G: the data goes in the query string of a GET (or HEAD) instead of a body.
    url.search =
      url.search === ''
        ? `?${body.toString('latin1')}`
        : `${url.search}&${body.toString('latin1')}`;
    body = undefined;
    method ??= 'GET';
  }
  if (flags.form.length > 0) {
    const form = formBody(flags.form);
    body = form.body;
    if (!headers.has('content-type')) headers.set('Content-Type', form.contentType);
  } else if (body !== undefined && !headers.has('content-type')) {
    headers.set('Content-Type', json ? 'application/json' : 'application/x-www-form-urlencoded');
  }
  if (json && !headers.has('accept')) headers.set('Accept', 'application/json');
  method ??= body !== undefined ? 'POST' : 'GET';
  return { target: parseTarget(url), method, headers, omit, body };
}
