/**
 * A seeded fuzzer for HttpParser, shared by the bounded test (test/http-parser-fuzz.test.ts)
 * and the long runner (scripts/fuzz-parser.ts).
 *
 * Inputs: valid requests or responses (one to three pipelined, every framing, chunk extensions,
 * trailers, obs-fold, lone-LF line ends, empty lines before a message) under default or tiny
 * limits, then mutated: bytes flipped, CR/LF/NUL/SP/HTAB/":"/digits and friends inserted, bytes
 * deleted, the input truncated, lines duplicated or folded, line ends swapped, lengths and chunk
 * sizes made huge or negative; and plain random bytes, some from an alphabet of HTTP's bytes.
 *
 * Each input is parsed whole, byte by byte, and cut at random points, each piece a fresh copy
 * that is scribbled over once the parser is done with it (so the parser may keep no view of
 * an earlier piece). What must hold:
 * - only HttpParseError escapes execute() and finish();
 * - the events (heads with every field, body bytes with their stream offsets, trailers,
 *   completes with where execute stopped) and the final error (reason, offset, status) are
 *   the same for every cut;
 * - a body piece is a view of the piece just given, holding the input's bytes at its offset,
 *   and a raw head is bytes of the input;
 * - an unmutated input under default limits parses without error into the messages it holds.
 */
import { HttpParseError } from '../src/core/errors.js';
import { HttpParser, type MessageKind, type ParserOptions } from '../src/http/parser.js';

// ── randomness ───────────────────────────────────────────────────────────

/** A small seeded generator (mulberry32): a float in [0, 1). */
export type Random = () => number;

export function random(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of input `index` of a run: one run seed replays every input. */
export function inputSeed(runSeed: number, index: number): number {
  let h = (runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const int = (r: Random, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const chance = (r: Random, p: number) => r() < p;

// ── inputs ───────────────────────────────────────────────────────────────

export interface FuzzInput {
  kind: MessageKind;
  bytes: Buffer;
  options: ParserOptions;
  /** What the responses answer. */
  method: string;
  /** Unmutated, under default limits: must parse into `messages` messages. */
  valid: boolean;
  messages: number;
}

const TOKEN_CHARS = [
  ..."!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
];
const NAMES = ['Host', 'Accept', 'User-Agent', 'X-Id', 'Cookie', 'Date', 'Server', 'Via', 'ETag'];
const INSERTS = [
  '\r',
  '\n',
  '\r\n',
  '\x00',
  ' ',
  '\t',
  ':',
  '0',
  '9',
  'f',
  ';',
  '=',
  '"',
  '\\',
  ',',
  '\x7f',
  '\xff',
  '\x01',
];
const HTTP_ALPHABET = [
  ...'GET /HTP1.0\r\n:;=" \tchunkedContent-Length,Transfer-Encoding0123456789abcdefx\x00\xff',
];

function token(r: Random, max = 10): string {
  let s = '';
  for (let k = int(r, 1, max); k > 0; k--) s += pick(r, TOKEN_CHARS);
  return s;
}

/** A field value: visible bytes, obs-text, SP and HTAB inside, no whitespace at the ends. */
function fieldValue(r: Random): string {
  if (chance(r, 0.1)) return '';
  let s = '';
  for (let k = int(r, 1, 24); k > 0; k--) {
    const c = r();
    s +=
      c < 0.8
        ? String.fromCharCode(int(r, 0x21, 0x7e))
        : c < 0.9
          ? ' '
          : c < 0.95
            ? '\t'
            : String.fromCharCode(int(r, 0x80, 0xff));
  }
  return s.trim() === s ? s : `x${s.trim()}x`;
}

interface Built {
  text: string;
  /** Nothing can follow it: a body to the close, or a switch of protocols. */
  ends: boolean;
}

function lineEnd(r: Random, style: number): string {
  return style === 0 ? '\r\n' : style === 1 ? '\n' : pick(r, ['\r\n', '\n']);
}

function chunkedBody(r: Random, body: string, eol: () => string): string {
  let out = '';
  let at = 0;
  while (at < body.length) {
    const size = Math.min(int(r, 1, 40), body.length - at);
    const hex = size.toString(16);
    const sizeText = (chance(r, 0.1) ? '00' : '') + (chance(r, 0.3) ? hex.toUpperCase() : hex);
    const extension = chance(r, 0.2) ? pick(r, [';a', ';n=v', ' ;q="x\\"y"', ';a;b=c']) : '';
    out += `${sizeText}${extension}${eol()}${body.slice(at, at + size)}${eol()}`;
    at += size;
  }
  out += `0${eol()}`;
  for (let k = chance(r, 0.3) ? int(r, 1, 2) : 0; k > 0; k--)
    out += `${pick(r, NAMES)}-T: ${fieldValue(r)}${eol()}`;
  return out + eol();
}

function randomBody(r: Random): string {
  let s = '';
  for (let k = int(r, 0, 60); k > 0; k--) s += String.fromCharCode(int(r, 0, 255));
  return s;
}

function buildMessage(kind: MessageKind, r: Random, last: boolean, method: string): Built {
  const style = chance(r, 0.7) ? 0 : chance(r, 0.5) ? 1 : 2;
  const eol = () => lineEnd(r, style);
  const framings = ['none', 'length', 'chunked', 'close'] as const;
  let framing: (typeof framings)[number] = pick(r, framings);
  let version = chance(r, 0.85) ? '1.1' : chance(r, 0.5) ? '1.0' : '1.2';
  // Transfer-Encoding in HTTP/1.0 is refused in requests and ends the connection in responses.
  if (framing === 'chunked' && version === '1.0') version = '1.1';
  let text = chance(r, 0.1) ? eol() : '';
  let noBody = false;
  let ends = false;
  if (kind === 'request') {
    let m = pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', token(r)]);
    if (m === 'CONNECT' || m === 'PRI') m = 'GET';
    const target = pick(r, ['/', '/a/b?c=d&e', '*', 'http://host:8080/p', `/${token(r, 20)}`]);
    text += `${m} ${target} HTTP/${version}${eol()}`;
    if (framing === 'close') framing = 'none';
  } else {
    const status = pick(r, [200, 200, 201, 204, 304, 404, 500, 101, 100, 103, int(r, 100, 599)]);
    const reason = chance(r, 0.8) ? ` ${token(r).replace(/[^A-Za-z]/g, 'x')}` : '';
    text += `HTTP/${version} ${status}${reason}${eol()}`;
    noBody = method === 'HEAD' || status < 200 || status === 204 || status === 304;
    // A response without a length runs to the close, so only the last may have none.
    if (framing === 'none' && !noBody) framing = 'close';
    if (framing === 'close' && (!last || noBody)) framing = 'length';
    ends = status === 101 || (framing === 'close' && !noBody);
  }
  const fields: string[] = [];
  for (let k = int(r, 0, 6); k > 0; k--) {
    let line = `${pick(r, [...NAMES, token(r)])}:${chance(r, 0.8) ? ' ' : ''}${fieldValue(r)}`;
    // obs-fold: only responses may carry it.
    if (kind === 'response' && chance(r, 0.1))
      line += `${eol()}${pick(r, [' ', '\t', '  '])}${token(r)}`;
    fields.push(line);
  }
  const body = framing === 'none' ? '' : randomBody(r);
  if (framing === 'length')
    fields.push(`Content-Length: ${chance(r, 0.1) ? '0' : ''}${body.length}`);
  if (framing === 'chunked') fields.push('Transfer-Encoding: chunked');
  if (version === '1.0' && !last) fields.push('Connection: keep-alive');
  if (last && chance(r, 0.05)) fields.push('Connection: close');
  for (let k = fields.length - 1; k > 0; k--) {
    const j = int(r, 0, k);
    [fields[k], fields[j]] = [fields[j]!, fields[k]!];
  }
  text += fields.map((f) => f + eol()).join('') + eol();
  if (!noBody) {
    if (framing === 'length' || framing === 'close') text += body;
    if (framing === 'chunked') text += chunkedBody(r, body, eol);
  }
  return { text, ends };
}

function mutate(r: Random, input: Buffer): Buffer {
  let bytes = [...input];
  for (let n = int(r, 1, 4); n > 0; n--) {
    const at = int(r, 0, bytes.length);
    const op = int(r, 0, 9);
    if (op === 0 && bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = int(r, 0, 255);
    else if (op <= 2) bytes.splice(at, 0, ...Buffer.from(pick(r, INSERTS), 'latin1'));
    else if (op === 3) bytes.splice(at, int(r, 1, 4));
    else if (op === 4) bytes = bytes.slice(0, at);
    else if (op <= 6) bytes = mutateLines(r, Buffer.from(bytes), op === 5);
    else if (op === 7)
      bytes = [...replaceNumber(r, Buffer.from(bytes).toString('latin1'))].map((c) =>
        c.charCodeAt(0),
      );
    else if (op === 8) bytes.splice(at, 0, ...Buffer.from(pick(r, ['\r\n', ' ', '\t', '\n '])));
    else
      bytes.splice(
        at,
        0,
        ...Buffer.from(
          pick(r, [
            'Content-Length: 5\r\n',
            'Transfer-Encoding: chunked\r\n',
            'Transfer-Encoding: gzip, chunked\r\n',
            'Content-Length: 99999999999999999999\r\n',
          ]),
        ),
      );
  }
  return Buffer.from(bytes);
}

/** Duplicates a line, or swaps one line end (CRLF and LF). */
function mutateLines(r: Random, input: Buffer, duplicate: boolean): number[] {
  const text = input.toString('latin1');
  const ends: number[] = [];
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) ends.push(k);
  if (ends.length === 0) return [...input];
  const k = int(r, 0, ends.length - 1);
  const end = ends[k]!;
  let out: string;
  if (duplicate) {
    const start = k === 0 ? 0 : ends[k - 1]! + 1;
    out = text.slice(0, end + 1) + text.slice(start, end + 1) + text.slice(end + 1);
  } else {
    out =
      end > 0 && text[end - 1] === '\r'
        ? text.slice(0, end - 1) + text.slice(end)
        : `${text.slice(0, end)}\r${text.slice(end)}`;
  }
  return [...Buffer.from(out, 'latin1')];
}

/** A run of digits or hex made huge, negative, hex-prefixed or zero-padded. */
function replaceNumber(r: Random, text: string): string {
  const runs = [...text.matchAll(/[0-9a-fA-F]+/g)];
  if (runs.length === 0) return text;
  const run = pick(r, runs);
  const replacement = pick(r, [
    '99999999999999999999',
    '123456789012345678901234567890',
    'ffffffffffffffff',
    '1fffffffffffff',
    '-1',
    '0x10',
    `000${run[0]}`,
    '',
    '1 2',
  ]);
  return text.slice(0, run.index) + replacement + text.slice(run.index! + run[0].length);
}

export function generate(kind: MessageKind, r: Random): FuzzInput {
  const tiny = chance(r, 0.3);
  const options: ParserOptions = {
    captureRawHead: chance(r, 0.5),
    fields: chance(r, 0.3) ? 'framing' : 'all',
    ...(tiny
      ? {
          maxHeadSize: int(r, 8, 300),
          maxHeaders: int(r, 0, 6),
          maxChunkExtensionSize: int(r, 0, 12),
        }
      : {}),
  };
  const method = kind === 'response' && chance(r, 0.15) ? 'HEAD' : 'GET';
  const shape = r();
  if (shape < 0.1) {
    // Random bytes, some from the bytes HTTP is made of.
    const alphabet = chance(r, 0.5) ? null : HTTP_ALPHABET;
    let s = '';
    for (let k = int(r, 0, 200); k > 0; k--)
      s += alphabet === null ? String.fromCharCode(int(r, 0, 255)) : pick(r, alphabet);
    return { kind, bytes: Buffer.from(s, 'latin1'), options, method, valid: false, messages: 0 };
  }
  const count = chance(r, 0.7) ? 1 : int(r, 2, 3);
  let text = '';
  let messages = 0;
  for (let k = 0; k < count; k++) {
    const built = buildMessage(kind, r, k === count - 1, method);
    text += built.text;
    messages++;
    if (built.ends) break;
  }
  const bytes = Buffer.from(text, 'latin1');
  if (shape < 0.3) return { kind, bytes, options, method, valid: !tiny, messages };
  return { kind, bytes: mutate(r, bytes), options, method, valid: false, messages: 0 };
}

// ── observing a run ──────────────────────────────────────────────────────

export interface Observation {
  /** JSON of the events and the final error, for comparing runs. */
  record: string;
  errors: number;
  messages: number;
  /** Something other than HttpParseError escaped. */
  escape: string | null;
  /** A handler saw bytes that are not the input's. */
  changed: string | null;
  /**
   * When the error came: thrown by finish(), or by the execute() call given the input's bytes
   * [start, end). The same error must come with the same byte however the input is cut.
   */
  verdict: 'finish' | [number, number] | null;
}

/** Parses `input` in pieces that end at `cuts` (sorted, within the input). */
export function observe(input: FuzzInput, cuts: number[]): Observation {
  const events: unknown[] = [];
  let changed: string | null = null;
  let piece = Buffer.alloc(0);
  let pieceStart = 0;
  let messages = 0;
  const bytes = input.bytes;
  const parser = new HttpParser(
    input.kind,
    {
      onHead(head) {
        messages++;
        const { headers, rawHead, ...rest } = head;
        const raw = rawHead?.toString('latin1');
        if (rawHead !== undefined && !bytes.includes(rawHead))
          changed ??= `rawHead ${JSON.stringify(raw)} is not in the input`;
        events.push(['head', rest, [...headers], raw]);
      },
      onBody(chunk) {
        const inPiece =
          chunk.buffer === piece.buffer &&
          chunk.byteOffset >= piece.byteOffset &&
          chunk.byteOffset + chunk.length <= piece.byteOffset + piece.length;
        if (!inPiece) changed ??= 'onBody got bytes that are not a view of the piece given';
        const at = pieceStart + chunk.byteOffset - piece.byteOffset;
        if (!chunk.equals(bytes.subarray(at, at + chunk.length)))
          changed ??= `onBody bytes at ${at} differ from the input`;
        const text = chunk.toString('latin1');
        const last = events.at(-1) as [string, number, string] | undefined;
        if (last?.[0] === 'body' && last[1] + last[2].length === at) last[2] += text;
        else events.push(['body', at, text]);
      },
      onTrailers(trailers) {
        events.push(['trailers', [...trailers]]);
      },
      onComplete() {
        events.push(['complete', -1]);
      },
    },
    input.options,
  );
  parser.expectResponseTo(input.method);
  let escaped: string | null = null;
  let error: unknown = null;
  let verdict: Observation['verdict'] = 'finish';
  try {
    let start = 0;
    // The parser's own copy, each piece scribbled over once given: it may keep no view of one.
    const copy = Buffer.from(bytes);
    for (const cut of [...cuts, bytes.length]) {
      if (cut <= start) continue;
      piece = copy.subarray(start, cut);
      pieceStart = start;
      verdict = [start, cut];
      for (let at = 0; at < piece.length; ) {
        if (parser.phase === 'upgraded') break;
        at = parser.execute(piece, at);
        const last = events.at(-1) as [string, number] | undefined;
        if (last?.[0] === 'complete' && last[1] === -1) last[1] = pieceStart + at;
      }
      for (let k = 0; k < piece.length; k++) piece[k] = 0xee;
      start = cut;
      if (parser.phase === 'upgraded') break;
    }
    verdict = 'finish';
    parser.finish();
    events.push(['end', parser.phase, parser.remaining]);
  } catch (e) {
    if (e instanceof HttpParseError) error = [e.reason, e.offset, e.status, e.message];
    else escaped = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
  }
  return {
    record: JSON.stringify([events, error]),
    errors: error === null ? 0 : 1,
    messages,
    escape: escaped,
    changed,
    verdict: error === null ? null : verdict,
  };
}

// ── a run ────────────────────────────────────────────────────────────────

export interface Failure {
  seed: number;
  index: number;
  what: string;
  kind: MessageKind;
  input: string;
  options: ParserOptions;
  method: string;
  cuts?: number[];
}

export interface FuzzReport {
  kind: MessageKind;
  seed: number;
  inputs: number;
  seconds: number;
  escapes: number;
  differences: number;
  changed: number;
  invalidValid: number;
  rejected: number;
  failures: Failure[];
}

function randomCuts(r: Random, length: number): number[] {
  const cuts = new Set<number>();
  for (let k = int(r, 1, 8); k > 0; k--) cuts.add(int(r, 1, Math.max(1, length - 1)));
  return [...cuts].sort((a, b) => a - b);
}

/** Checks one input; returns what went wrong, or null. */
export function checkInput(input: FuzzInput, r: Random): Omit<Failure, 'seed' | 'index'> | null {
  const base = {
    kind: input.kind,
    input: input.bytes.toString('latin1'),
    options: input.options,
    method: input.method,
  };
  const whole = observe(input, []);
  const runs: Array<[number[], Observation]> = [[[], whole]];
  const everyByte = Array.from({ length: input.bytes.length }, (_, i) => i + 1);
  runs.push([everyByte, observe(input, everyByte)]);
  for (let k = 0; k < 2; k++) {
    const cuts = randomCuts(r, input.bytes.length);
    runs.push([cuts, observe(input, cuts)]);
  }
  // Byte by byte, the verdict's piece is the very byte whose arrival gave it.
  const given = runs[1]![1].verdict;
  for (const [cuts, o] of runs) {
    if (o.escape !== null) return { ...base, cuts, what: `escape: ${o.escape}` };
    const v = o.verdict;
    const same =
      v === given ||
      (Array.isArray(v) && Array.isArray(given) && v[0] <= given[0] && given[0] < v[1]);
    if (o.record === whole.record && !same)
      return {
        ...base,
        cuts,
        what: `difference in when: byte by byte the error came with ${JSON.stringify(given)}, cut with ${JSON.stringify(v)}`,
      };
    if (o.changed !== null) return { ...base, cuts, what: `changed: ${o.changed}` };
    if (o.record !== whole.record)
      return {
        ...base,
        cuts: cuts === everyByte ? undefined : cuts,
        what: `difference (${cuts === everyByte ? 'byte by byte' : 'cut'}):\n  whole ${whole.record.slice(0, 600)}\n  cut   ${o.record.slice(0, 600)}`,
      };
  }
  if (input.valid && (whole.errors > 0 || whole.messages !== input.messages))
    return { ...base, what: `valid input: ${whole.record.slice(0, 600)}` };
  return null;
}

export interface FuzzOptions {
  kind: MessageKind;
  seed: number;
  /** Stop after this long… */
  seconds: number;
  /** …or this many inputs. */
  maxInputs?: number;
  /** Keep going after a failure (the long runner counts them). */
  keepGoing?: boolean;
  onProgress?: (report: FuzzReport) => void;
}

export function fuzz(options: FuzzOptions): FuzzReport {
  const report: FuzzReport = {
    kind: options.kind,
    seed: options.seed,
    inputs: 0,
    seconds: 0,
    escapes: 0,
    differences: 0,
    changed: 0,
    invalidValid: 0,
    rejected: 0,
    failures: [],
  };
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  // Most inputs end in an HttpParseError; capturing each one's stack was a fifth of the time.
  // An escape is checked again with stacks, to report where it came from.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const maxInputs = options.maxInputs ?? Number.POSITIVE_INFINITY;
  let lastProgress = started;
  for (let index = 0; index < maxInputs; index++) {
    if ((index & 63) === 0 && performance.now() > deadline) break;
    const seed = inputSeed(options.seed, index);
    const r = random(seed);
    const input = generate(options.kind, r);
    let failure = checkInput(input, r);
    if (failure?.what.startsWith('escape')) {
      Error.stackTraceLimit = stackTraceLimit;
      const again = random(seed);
      failure = checkInput(generate(options.kind, again), again) ?? failure;
      Error.stackTraceLimit = 0;
    }
    report.inputs++;
    if (failure !== null) {
      if (failure.what.startsWith('escape')) report.escapes++;
      else if (failure.what.startsWith('changed')) report.changed++;
      else if (failure.what.startsWith('valid')) report.invalidValid++;
      else report.differences++;
      if (report.failures.length < 20)
        report.failures.push({ seed: options.seed, index, ...failure });
      if (!options.keepGoing) break;
    }
    if (options.onProgress !== undefined && performance.now() - lastProgress > 30000) {
      lastProgress = performance.now();
      report.seconds = (lastProgress - started) / 1000;
      options.onProgress(report);
    }
  }
  Error.stackTraceLimit = stackTraceLimit;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** The run seed: SOCKETKIT_FUZZ_SEED replays one; CI gets a fresh one; locally a fixed one. */
export function runSeed(): number {
  const given = process.env.SOCKETKIT_FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
      throw new RangeError(
        `Invalid SOCKETKIT_FUZZ_SEED ${JSON.stringify(given)}: it must be an integer from 0 to 4294967295`,
      );
    return n;
  }
  if (process.env.CI === 'true') return Math.floor(Math.random() * 0x100000000);
  return 20261202;
}

/** A failure as a fixed test case for parser.test.ts. */
export function describeFailure(f: Failure): string {
  return [
    `${f.what}`,
    `  replay: SOCKETKIT_FUZZ_SEED=${f.seed} (input #${f.index}, ${f.kind})`,
    `  input: ${JSON.stringify(f.input)}`,
    `  options: ${JSON.stringify(f.options)} method: ${f.method}${f.cuts ? ` cuts: ${JSON.stringify(f.cuts)}` : ''}`,
  ].join('\n');
}
