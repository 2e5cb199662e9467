/**
 * Reads python-hyper/h11's reader tests, extracted as data into
 * ../shared/conformance/h11/cases.json (see that folder's README for the format).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './_helpers.js';

export const H11_CORPUS = join(ROOT, '..', 'shared', 'conformance', 'h11', 'cases.json');

/** What h11's test asserts for a head: the event and its fields. */
export interface H11Head {
  event: 'Request' | 'Response' | 'InformationalResponse';
  method?: string;
  target?: string;
  status_code?: number;
  reason?: string;
  headers: Array<[string, string]>;
  /** Absent means "1.1". */
  http_version?: string;
}

/** What h11's test asserts for a body: Data pieces, then EndOfMessage (with trailers) if complete. */
export interface H11Body {
  events: Array<
    { event: 'Data'; data: string } | { event: 'EndOfMessage'; headers?: Array<[string, string]> }
  >;
}

export interface H11Case {
  id: string;
  kind: 'request' | 'response' | 'body';
  input: Buffer;
  expected: H11Head | H11Body | { error: true };
  /** Body cases: `chunked`, `length:N` or `close`. */
  framing?: string;
  /** Body cases: whether the test signals the end of input after it. */
  do_eof?: boolean;
}

export function h11Available(): boolean {
  return existsSync(H11_CORPUS);
}

export function loadH11Cases(): H11Case[] {
  const raw = JSON.parse(readFileSync(H11_CORPUS, 'utf8')) as Array<
    Omit<H11Case, 'input'> & { input_b64: string }
  >;
  return raw.map((c) => ({ ...c, input: Buffer.from(c.input_b64, 'base64') }));
}
