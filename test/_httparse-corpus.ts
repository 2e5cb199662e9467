/**
 * Reads seanmonstar/httparse's parser tests, extracted as data into
 * ../shared/conformance/httparse/cases.json (see that folder's README for the format).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './_helpers.js';

export const HTTPARSE_CORPUS = join(ROOT, '..', 'shared', 'conformance', 'httparse', 'cases.json');

/** What httparse's test asserts: one outcome, and the fields it checks. */
export interface HttparseExpected {
  /** The head (or chunk-size line) parses and is this many bytes long. */
  complete?: number;
  /** More bytes are needed. */
  partial?: true;
  /** The input is refused, with httparse's Error variant. */
  error?: string;
  method?: string;
  path?: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  version?: number;
  code?: number;
  reason?: string;
  headers?: Array<{ name: string; value: string }>;
  chunk_size?: number;
}

export interface HttparseCase {
  id: string;
  kind: 'request' | 'response' | 'chunk_size';
  input: Buffer;
  expected: HttparseExpected;
}

export function httparseAvailable(): boolean {
  return existsSync(HTTPARSE_CORPUS);
}

export function loadHttparseCases(): HttparseCase[] {
  // chunk_size 18446744073709551615 does not fit a double exactly; the cases that name it are
  // refused by socketkit anyway (see the test), so JSON.parse's rounding is harmless.
  const raw = JSON.parse(readFileSync(HTTPARSE_CORPUS, 'utf8')) as Array<
    Omit<HttparseCase, 'input'> & { input_b64: string }
  >;
  return raw.map((c) => ({ ...c, input: Buffer.from(c.input_b64, 'base64') }));
}
