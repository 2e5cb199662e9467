/**
 * Reads llhttp's test corpus from ../shared/conformance/llhttp (see its README): each case's
 * input bytes and what llhttp reported, reduced to what a parser's user can observe.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './_helpers.js';

export const CORPUS = join(ROOT, '..', 'shared', 'conformance', 'llhttp');

export interface ExpectedMessage {
  method?: string;
  url?: string;
  status?: number;
  version?: string;
  headers: Array<[string, string]>;
  body: Buffer;
  /** llhttp reported the end of the head. */
  headComplete: boolean;
  complete: boolean;
}

export interface CorpusCase {
  file: string;
  title: string;
  type: string;
  meta: Record<string, unknown>;
  input: Buffer;
  /** llhttp rejected the input (an `error code=` line); with its reason. */
  error: string | null;
  /** For the *-finish cases: llhttp found the end of input unsafe (inside a message). */
  finishUnsafe: boolean;
  /** For the *-finish cases: finishing completed a message that ran to the end of the stream. */
  finishCompletes: boolean;
  messages: ExpectedMessage[];
}

/**
 * Expands the escapes the corpus README lists (\r, \n, \t, \xNN, octal) and turns line ends
 * into CRLF. Anything else after a backslash, \\ and \" included, stays as written: the logs'
 * span lengths show llhttp's harness leaves them.
 */
export function decodeInput(block: string): Buffer {
  const out: number[] = [];
  const lines = block.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    let join = false;
    if (line.endsWith('\\') && !line.endsWith('\\\\')) {
      join = true;
      line = line.slice(0, -1);
    }
    for (let k = 0; k < line.length; k++) {
      const c = line[k]!;
      if (c !== '\\' || k + 1 >= line.length) {
        out.push(...Buffer.from(c, 'utf8'));
        continue;
      }
      const n = line[k + 1]!;
      if (n === 'r') out.push(0x0d);
      else if (n === 'n') out.push(0x0a);
      else if (n === 't') out.push(0x09);
      else if (n === 'x') {
        // llhttp's harness builds the input as a JS string and sends it as UTF-8, so \xff is the
        // two bytes of U+00FF (its log reports such a value as one byte longer).
        out.push(
          ...Buffer.from(
            String.fromCharCode(Number.parseInt(line.slice(k + 2, k + 4), 16)),
            'utf8',
          ),
        );
        k += 2;
      } else if (/[0-7]/.test(n)) {
        const digits = /^[0-7]{1,3}/.exec(line.slice(k + 1))![0];
        out.push(Number.parseInt(digits, 8));
        k += digits.length - 1;
      } else {
        out.push(0x5c, n.charCodeAt(0));
      }
      k++;
    }
    if (!join && i < lines.length - 1) out.push(0x0d, 0x0a);
  }
  return Buffer.from(out);
}

/**
 * A span as the log prints it: raw between the outer quotes, except `\t`, `\r`, `\n` and
 * `\xNN`; or the words cr, lf, crlf. `length` (the log's len=) checks the result.
 */
function unquote(value: string, length: number): Buffer {
  let out: Buffer;
  if (value === 'cr') out = Buffer.from('\r');
  else if (value === 'lf') out = Buffer.from('\n');
  else if (value === 'crlf') out = Buffer.from('\r\n');
  else {
    const inner = value.slice(value.indexOf('"') + 1, value.lastIndexOf('"'));
    const bytes: number[] = [];
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i]!;
      const n = inner[i + 1];
      if (c === '\\' && (n === 't' || n === 'r' || n === 'n')) {
        bytes.push(n === 't' ? 9 : n === 'r' ? 13 : 10);
        i++;
      } else if (c === '\\' && n === 'x' && /^[0-9a-f]{2}$/i.test(inner.slice(i + 2, i + 4))) {
        bytes.push(Number.parseInt(inner.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        bytes.push(...Buffer.from(c, 'utf8'));
      }
    }
    out = Buffer.from(bytes);
  }
  if (out.length !== length)
    throw new Error(`span ${value} decoded to ${out.length} bytes, the log says ${length}`);
  return out;
}

/** Reduces a log to the messages, headers and body a user of a parser sees. */
function readLog(log: string): {
  error: string | null;
  finishUnsafe: boolean;
  finishCompletes: boolean;
  messages: ExpectedMessage[];
} {
  const messages: ExpectedMessage[] = [];
  let current: ExpectedMessage | null = null;
  let field = '';
  let value = Buffer.alloc(0);
  let error: string | null = null;
  let finishUnsafe = false;
  let finishCompletes = false;
  for (const line of log.split('\n')) {
    const span = /len=(\d+) span\[([a-z_]+)\]=(.*)$/.exec(line);
    if (/ message begin$/.test(line)) {
      current = { headers: [], body: Buffer.alloc(0), headComplete: false, complete: false };
      messages.push(current);
      field = '';
      value = Buffer.alloc(0);
    } else if (span && current) {
      const [, length, kind, raw] = span;
      const bytes = unquote(raw!, Number(length));
      if (kind === 'method') current.method = (current.method ?? '') + bytes.toString('latin1');
      else if (kind === 'url') current.url = (current.url ?? '') + bytes.toString('latin1');
      else if (kind === 'version')
        current.version = (current.version ?? '') + bytes.toString('latin1');
      else if (kind === 'header_field') field += bytes.toString('latin1');
      else if (kind === 'header_value') value = Buffer.concat([value, bytes]);
      else if (kind === 'body') current.body = Buffer.concat([current.body, bytes]);
    } else if (/ header_value complete$/.test(line) && current) {
      current.headers.push([field, value.toString('latin1')]);
      field = '';
      value = Buffer.alloc(0);
    } else if (/ headers complete /.test(line) && current) {
      const status = / status=(\d+)/.exec(line);
      if (status) current.status = Number(status[1]);
      current.headComplete = true;
    } else if (/ message complete$/.test(line) && current) {
      current.complete = true;
    } else if (/ error code=/.test(line)) {
      error = /reason="(.*)"/.exec(line)?.[1] ?? line;
    } else if (/ finish=2$/.test(line)) {
      finishUnsafe = true;
    } else if (/ finish=1$/.test(line)) {
      // HTTP_FINISH_SAFE_WITH_CB: the end of the stream completes the message.
      finishCompletes = true;
      if (current) current.complete = true;
    }
  }
  return { error, finishUnsafe, finishCompletes, messages };
}

export function corpusAvailable(): boolean {
  return existsSync(CORPUS);
}

/** Every case of one kind (`request` or `response`) in the corpus. */
export function loadCases(kind: 'request' | 'response'): CorpusCase[] {
  const dir = join(CORPUS, kind);
  const cases: CorpusCase[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const sections = text.split(/^#{2,3} /m).slice(1);
    for (const section of sections) {
      const title = section.split('\n')[0]!.trim();
      const metaMatch = /<!-- meta=(\{.*\}) -->/.exec(section);
      const http = /```http\n([\s\S]*?)\n```/.exec(section);
      const log = /```log\n([\s\S]*?)\n```/.exec(section);
      if (!metaMatch || !http || !log) continue;
      const meta = JSON.parse(metaMatch[1]!) as Record<string, unknown>;
      cases.push({
        file: `${kind}/${file}`,
        title,
        type: String(meta.type),
        meta,
        input: decodeInput(http[1]!),
        ...readLog(log[1]!),
      });
    }
  }
  return cases;
}
