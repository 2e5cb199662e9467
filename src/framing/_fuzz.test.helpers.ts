/**
 * The codec laws, checked on generated input. Each codec's test file runs them for a few
 * seconds (`fuzzFor`), and `scripts/fuzz-codecs.ts` runs a million inputs per codec; both
 * use this one engine, so a seed found by either replays in the other.
 *
 * The laws:
 * - encode(m) throws a RangeError, or decoding encode(m) (whole, byte by byte, cut at every
 *   position, and after other messages) gives exactly [m] and leaves nothing over; a delimited
 *   codec refuses only what would not decode back.
 * - Any bytes, cut any way (whole, byte by byte, random cuts, fed or pushed, given back with
 *   release() and resumed in a fresh decoder) give the same frames and the same error: class,
 *   message, length fields, partial bytes.
 * - Only FrameTooLongError and CorruptedFrameError escape feed() and push(), and
 *   IncompleteReadError besides from finish(); a failed decoder keeps throwing the same error.
 * - A fed error is thrown by the feed() whose bytes hold the byte that proves it (as one byte at
 *   a time finds it); `buffered` never exceeds the codec's bound, even on an endless stream.
 *
 * Not a test file itself (the name keeps it out of the runner and out of the package).
 *
 * @module
 */

import { CorruptedFrameError, FrameTooLongError, IncompleteReadError } from '../core/errors.js';
import { closeDelimited } from './close-delimited.js';
import type { Codec, FrameDecoder } from './codec.js';
import { delimited } from './delimited.js';
import { fixedLength } from './fixed-length.js';
import { type LengthHeader, lengthPrefixed } from './length-prefixed.js';
import { lines } from './lines.js';

export const CODEC_NAMES = [
  'delimited',
  'fixed-length',
  'length-prefixed',
  'lines',
  'close-delimited',
] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

/** A codec as plain data: printed with a failing case, rebuilt the same way to replay it. */
export type CodecSpec =
  | { kind: 'delimited'; delimiters: string[]; maxLength: number; keepDelimiter: boolean }
  | { kind: 'fixed-length'; size: number; pad: number | null }
  | {
      kind: 'length-prefixed';
      header: LengthHeader;
      maxLength: number;
      lengthIncludesHeader: boolean;
    }
  | { kind: 'lines'; maxLength: number; newline: '\r\n' | '\n' }
  | { kind: 'close-delimited'; maxLength: number };

/** One generated input. Byte strings are latin1 text, so a case prints as JSON and pastes back. */
export interface FuzzCase {
  codec: CodecSpec;
  /** Messages to encode and decode back. */
  messages: string[];
  /** Bytes for the decoder alone: encodings and garbage, mixed. */
  input: string;
  /** Where the split drivers cut `input` (any order, any value; taken modulo its length + 1). */
  cuts: number[];
  /** After how many chunks the release driver gives the held bytes back and resumes. */
  releaseAfter: number;
}

/** What the checks found wrong; `kind` is what the long runner counts. */
export interface Finding {
  kind:
    | 'escape' // an error of an undocumented class
    | 'difference' // two ways of feeding the same bytes disagree
    | 'law' // decode(encode(m)) is not [m]
    | 'refusal' // encode refused a message that frames fine
    | 'bound' // buffered went past the codec's bound
    | 'trip' // an error thrown by bytes that do not hold the byte that proves it
    | 'progress' // feed() took nothing and gave nothing
    | 'sticky'; // a failed decoder did not keep throwing its error
  detail: string;
}

class FindingError extends Error {
  constructor(readonly finding: Finding) {
    super(`${finding.kind}: ${finding.detail}`);
  }
}

function fail(kind: Finding['kind'], detail: string): never {
  throw new FindingError({ kind, detail });
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const bytesOf = (text: string) => Buffer.from(text, 'latin1');
const show = (bytes: Uint8Array) => JSON.stringify(latin1(bytes));

export function buildCodec(spec: CodecSpec): Codec {
  switch (spec.kind) {
    case 'delimited':
      return delimited(spec.delimiters.map(bytesOf), {
        maxLength: spec.maxLength,
        keepDelimiter: spec.keepDelimiter,
      });
    case 'fixed-length':
      return fixedLength(spec.size, spec.pad === null ? {} : { pad: spec.pad });
    case 'length-prefixed':
      return lengthPrefixed({
        header: spec.header,
        maxLength: spec.maxLength,
        lengthIncludesHeader: spec.lengthIncludesHeader,
      });
    case 'lines':
      return lines({ maxLength: spec.maxLength, newline: spec.newline });
    case 'close-delimited':
      return closeDelimited({ maxLength: spec.maxLength });
  }
}

/** The most bytes a decoder of `spec` may hold between calls: maxLength plus a small constant. */
export function boundOf(spec: CodecSpec): number {
  switch (spec.kind) {
    case 'delimited':
      return spec.maxLength + Math.max(...spec.delimiters.map((d) => d.length)) - 1;
    case 'fixed-length':
      return spec.size - 1;
    case 'length-prefixed': {
      const header = spec.header;
      const size =
        typeof header === 'object'
          ? header.ascii
          : { u8: 1, u16be: 2, u32be: 4, u32le: 4, varint: 5 }[header];
      return spec.maxLength + size;
    }
    case 'lines':
      return spec.maxLength + 1; // a CR that may turn out to end the line
    case 'close-delimited':
      return spec.maxLength;
  }
}

// ── drivers: the same bytes fed different ways ────────────────────────────────────────────

/** What a decoder made of a stream: its frames, then the error that stopped it, if any. */
interface Outcome {
  /** As handed out, not copied: a decoder that later overwrote one would show. */
  frames: Uint8Array[];
  error: string | null;
  /** For a fed error: the stream range of the feed() call that threw. */
  thrownBy?: [number, number];
}

/** An error as the fields a caller sees; any other class is an escape. */
function describeError(error: unknown, from: 'feed' | 'finish'): string {
  if (error instanceof FindingError) throw error;
  if (error instanceof FrameTooLongError) {
    return `FrameTooLongError ${JSON.stringify(error.message)} length=${error.length} maxLength=${error.maxLength}`;
  }
  if (error instanceof CorruptedFrameError) {
    return `CorruptedFrameError ${JSON.stringify(error.message)}`;
  }
  if (error instanceof IncompleteReadError && from === 'finish') {
    return `IncompleteReadError ${JSON.stringify(error.message)} partial=${show(error.partial)} expected=${error.expected}`;
  }
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  fail('escape', `${name} from ${from}(): ${message}`);
}

class Driver {
  readonly decoder: FrameDecoder;
  readonly frames: Uint8Array[] = [];

  constructor(
    codec: Codec,
    readonly bound: number,
  ) {
    this.decoder = codec.decoder();
  }

  checkBound(when: string): void {
    const held = this.decoder.buffered;
    if (held > this.bound) fail('bound', `buffered ${held} > bound ${this.bound} ${when}`);
  }

  /** A failed decoder must throw the very same error again, from every method. */
  checkSticky(error: unknown): void {
    for (const again of [() => this.decoder.push(Buffer.from('x')), () => this.decoder.finish()]) {
      try {
        again();
      } catch (second) {
        if (second === error) continue;
        fail('sticky', `a failed decoder threw another error: ${(second as Error).message}`);
      }
      fail('sticky', 'a failed decoder took more bytes without throwing');
    }
  }

  /** Calls finish() until it has nothing more; an error there ends the outcome too. */
  end(): Outcome {
    let error: string | null = null;
    try {
      const last = this.decoder.finish();
      if (last !== undefined) this.frames.push(last);
      const again = this.decoder.finish();
      if (again !== undefined) fail('difference', 'finish() returned a second frame');
    } catch (e) {
      error = describeError(e, 'finish');
      this.checkSticky(e);
    }
    this.checkBound('after finish()');
    return { frames: this.frames, error };
  }

  push(chunks: Buffer[]): Outcome {
    for (const chunk of chunks) {
      try {
        for (const frame of this.decoder.push(chunk)) this.frames.push(frame);
      } catch (e) {
        const error = describeError(e, 'feed');
        this.checkBound('after a failed push()');
        this.checkSticky(e);
        return { frames: this.frames, error };
      }
      this.checkBound(`after push() of ${chunk.length} bytes`);
    }
    return this.end();
  }

  feed(chunks: Buffer[]): Outcome {
    let position = 0;
    for (const chunk of chunks) {
      let offset = 0;
      let idle = 0;
      while (offset < chunk.length) {
        let used: number;
        try {
          used = this.decoder.feed(chunk.subarray(offset));
        } catch (e) {
          const error = describeError(e, 'feed');
          this.checkBound('after a failed feed()');
          this.checkSticky(e);
          return {
            frames: this.frames,
            error,
            thrownBy: [position + offset, position + chunk.length],
          };
        }
        this.checkBound('after feed()');
        const frame = this.decoder.take();
        if (frame !== undefined) this.frames.push(frame);
        if (!Number.isInteger(used) || used < 0 || used > chunk.length - offset) {
          fail('progress', `feed() of ${chunk.length - offset} bytes said it took ${used}`);
        }
        if (used > 0) idle = 0;
        else if (frame === undefined || ++idle > 64) {
          fail('progress', `feed() of ${chunk.length - offset} bytes took none and gave no frame`);
        }
        offset += used;
      }
      position += chunk.length;
    }
    return this.end();
  }
}

/** `bytes` cut at `cuts` (taken modulo its length + 1), every piece non-empty. */
function cutAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.abs(c) % (bytes.length + 1)))]
    .filter((p) => p > 0 && p < bytes.length)
    .sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of [...points, bytes.length]) {
    if (point > previous) chunks.push(bytes.subarray(previous, point));
    previous = point;
  }
  return chunks;
}

const bytewise = (bytes: Buffer) => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return (
    a.error === b.error &&
    a.frames.length === b.frames.length &&
    a.frames.every((frame, i) => Buffer.compare(frame, b.frames[i]!) === 0)
  );
}

function describeOutcome(o: Outcome): string {
  return `frames [${o.frames.map(show).join(', ')}]${o.error === null ? '' : ` then ${o.error}`}`;
}

function expectSame(name: string, got: Outcome, reference: Outcome, kind: Finding['kind']): void {
  if (!sameOutcome(got, reference)) {
    fail(kind, `${name}: ${describeOutcome(got)}; whole: ${describeOutcome(reference)}`);
  }
}

// ── the checks ───────────────────────────────────────────────────────────────────────────

/** Runs every check on `c`; returns the first thing found wrong, or null. */
export function checkCase(c: FuzzCase): Finding | null {
  try {
    const codec = buildCodec(c.codec);
    checkLaw(codec, c);
    checkDecoding(codec, c);
    checkEndless(codec, c.codec);
    return null;
  } catch (error) {
    if (error instanceof FindingError) return error.finding;
    const e = error as Error;
    return { kind: 'escape', detail: `${e.name}: ${e.message}` };
  }
}

/** What decoding `encode(m)` must give: m, with its delimiter when the codec keeps it. */
function expectedFrame(spec: CodecSpec, message: Buffer): Buffer {
  if (spec.kind === 'delimited' && spec.keepDelimiter) {
    return Buffer.concat([message, bytesOf(spec.delimiters[0]!)]);
  }
  return message;
}

function checkLaw(codec: Codec, c: FuzzCase): void {
  const bound = boundOf(c.codec);
  const accepted: Buffer[] = [];
  const wire: Buffer[] = [];
  for (const text of c.messages) {
    const message = bytesOf(text);
    let encoded: Buffer;
    try {
      encoded = Buffer.from(codec.encode(message));
    } catch (error) {
      if (!(error instanceof RangeError)) {
        fail('escape', `encode(${show(message)}) threw ${(error as Error).name}`);
      }
      if (/\n/.test(error.message) || !error.message.includes(' ')) {
        fail('law', `encode(${show(message)}) refused it without one sentence: ${error.message}`);
      }
      checkRefusalNeeded(c.codec, message, error.message);
      continue;
    }
    const want: Outcome = { frames: [expectedFrame(c.codec, message)], error: null };
    const law = (name: string, got: Outcome) => {
      if (!sameOutcome(got, want)) {
        fail(
          'law',
          `${name} of encode(${show(message)}) = ${show(encoded)}: ${describeOutcome(got)}`,
        );
      }
    };
    law('whole', new Driver(codec, bound).push([encoded]));
    if (c.codec.kind === 'delimited' && c.codec.keepDelimiter) {
      // The kept delimiter must be the one appended, not another that happens to end the same.
      const plain = buildCodec({ ...c.codec, keepDelimiter: false });
      const got = new Driver(plain, bound).push([encoded]);
      if (!sameOutcome(got, { frames: [message], error: null })) {
        fail(
          'law',
          `encode(${show(message)}) = ${show(encoded)} without keepDelimiter: ${describeOutcome(got)}`,
        );
      }
    }
    law('byte by byte', new Driver(codec, bound).feed(bytewise(encoded)));
    // Cut at every position; in a long frame, every position near its two ends and some between.
    const n = encoded.length;
    for (let k = 1; k < n; k++) {
      if (n > 64 && k > 24 && k < n - 24 && k % Math.ceil(n / 8) !== 0) continue;
      law(
        `cut at ${k}`,
        new Driver(codec, bound).push([encoded.subarray(0, k), encoded.subarray(k)]),
      );
    }
    accepted.push(message);
    wire.push(encoded);
  }
  // After other messages too: what one message leaves behind must not change the next.
  if (c.codec.kind !== 'close-delimited' && accepted.length > 1) {
    const stream = Buffer.concat(wire);
    const got = new Driver(codec, bound).push(cutAt(stream, c.cuts));
    const want = { frames: accepted.map((m) => expectedFrame(c.codec, m)), error: null };
    if (!sameOutcome(got, want)) {
      fail(
        'law',
        `messages [${accepted.map(show).join(', ')}] back to back: ${describeOutcome(got)}`,
      );
    }
  }
}

/**
 * A delimited codec refuses only what it must: if the message with its delimiter appended
 * decodes back to the message on its own, encode had no reason to refuse it.
 */
function checkRefusalNeeded(spec: CodecSpec, message: Buffer, why: string): void {
  if (spec.kind !== 'delimited' || message.length > spec.maxLength) return;
  const naive = Buffer.concat([message, bytesOf(spec.delimiters[0]!)]);
  // Without the delimiter kept, so that a frame ending at another delimiter shows.
  const plain = buildCodec({ ...spec, keepDelimiter: false });
  const got = new Driver(plain, boundOf(spec)).push([naive]);
  if (sameOutcome(got, { frames: [message], error: null })) {
    fail('refusal', `encode(${show(message)}) refused a message that frames fine: ${why}`);
  }
}

function checkDecoding(codec: Codec, c: FuzzCase): void {
  const input = bytesOf(c.input);
  const bound = boundOf(c.codec);
  const whole = new Driver(codec, bound).push(input.length === 0 ? [] : [input]);
  const oneByOne = new Driver(codec, bound).feed(bytewise(input));
  expectSame('byte by byte', oneByOne, whole, 'difference');
  const chunks = cutAt(input, c.cuts);
  expectSame(
    `pushed in ${chunks.length} chunks`,
    new Driver(codec, bound).push(chunks),
    whole,
    'difference',
  );
  const fed = new Driver(codec, bound).feed(chunks);
  expectSame(`fed in ${chunks.length} chunks`, fed, whole, 'difference');
  if (fed.thrownBy !== undefined && oneByOne.thrownBy !== undefined) {
    const [from, to] = fed.thrownBy;
    const proof = oneByOne.thrownBy[0];
    if (proof < from || proof >= to) {
      fail(
        'trip',
        `a feed() of bytes ${from}..${to} threw, but byte ${proof} is what proves the error`,
      );
    }
  }
  // Interrupted after some chunks: release() gives back what the decoder held, and a fresh
  // decoder fed those bytes and the rest must carry on exactly where the first left off.
  const k = Math.min(c.releaseAfter, chunks.length);
  const interrupted = new Driver(codec, bound);
  for (const chunk of chunks.slice(0, k)) {
    try {
      for (const frame of interrupted.decoder.push(chunk)) interrupted.frames.push(frame);
    } catch {
      return; // an error before the interruption: the other drivers cover it
    }
  }
  {
    let held: Buffer;
    try {
      held = Buffer.from(interrupted.decoder.release());
    } catch (e) {
      // A push() that returned frames before bad bytes keeps the error: release() throws it.
      const joined = { frames: interrupted.frames, error: describeError(e, 'feed') };
      expectSame(`released after ${k} chunks`, joined, whole, 'difference');
      return;
    }
    if (interrupted.decoder.buffered !== 0) fail('difference', 'buffered is not 0 after release()');
    const rest = Buffer.concat([held, ...chunks.slice(k)]);
    const resumed = new Driver(codec, bound).push(rest.length === 0 ? [] : [rest]);
    const joined = { frames: [...interrupted.frames, ...resumed.frames], error: resumed.error };
    expectSame(
      `released after ${k} chunks (${held.length} bytes held)`,
      joined,
      whole,
      'difference',
    );
  }
}

/** A stream that never ends a frame: FrameTooLongError must come before buffered passes the bound. */
function checkEndless(codec: Codec, spec: CodecSpec): void {
  let filler: Buffer;
  if (spec.kind === 'delimited') {
    // A delimiter's beginning over and over, never its end: every byte a near miss. Unless
    // that holds another delimiter; then a byte that is in none of them.
    const first = bytesOf(spec.delimiters[0]!);
    const used = new Set(spec.delimiters.flatMap((d) => [...bytesOf(d)]));
    let stranger = 0x41;
    while (used.has(stranger)) stranger++;
    filler = Buffer.concat([first.subarray(0, first.length - 1), Buffer.from([stranger])]);
    const twice = Buffer.concat([filler, filler]);
    if (spec.delimiters.some((d) => twice.includes(bytesOf(d)))) filler = Buffer.from([stranger]);
  } else if (spec.kind === 'lines') {
    filler = Buffer.from('a\r');
  } else if (spec.kind === 'close-delimited') {
    filler = Buffer.from('x');
  } else {
    return; // every length-prefixed or fixed-length stream ends its frames; checkDecoding bounds them
  }
  const bound = boundOf(spec);
  // One filler at a time (a byte or a few) where that is quick, and big chunks.
  for (const size of spec.maxLength <= 100 ? [1, 4096] : [4096]) {
    const driver = new Driver(codec, bound);
    const chunk = Buffer.alloc(size * filler.length, filler);
    const limit = bound + 2 * chunk.length;
    let sent = 0;
    let error: unknown;
    while (error === undefined && sent < limit) {
      try {
        driver.decoder.push(chunk);
      } catch (e) {
        error = e;
      }
      sent += chunk.length;
      driver.checkBound(`after ${sent} bytes of an endless stream`);
    }
    if (!(error instanceof FrameTooLongError)) {
      fail(
        'bound',
        `an endless stream in ${chunk.length}-byte chunks: ${error === undefined ? 'no error' : (error as Error).message} after ${sent} bytes`,
      );
    }
  }
}

// ── generators ───────────────────────────────────────────────────────────────────────────

/** mulberry32: small, fast, and the same on every machine. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** 0 … n - 1 */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** `length` bytes drawn from `alphabet`, now and then any byte at all. */
  text(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) {
      out += this.chance(0.03)
        ? String.fromCharCode(this.int(256))
        : alphabet[this.int(alphabet.length)];
    }
    return out;
  }
}

/** Lengths around the interesting sizes: zero, small, and the limit itself. */
function lengthNear(
  random: Random,
  maxLength: number,
  cap = random.chance(0.1) ? 300 : 40,
): number {
  if (random.chance(0.25)) return Math.max(0, Math.min(maxLength, cap) + random.int(3) - 1);
  return random.int(Math.min(maxLength + 3, cap) + 1);
}

function delimitedSpec(random: Random): CodecSpec {
  const presets = [
    ['#*#'],
    ['\r\n', '\n'],
    ['\n', '\r\n'],
    ['\0'],
    ['c', 'abcd'],
    ['b', 'abcd'],
    ['ab', 'a'],
    ['aa'],
    ['aba'],
    ['b', 'abbb'],
  ];
  let delimiters: string[];
  if (random.chance(0.3)) delimiters = random.pick(presets);
  else {
    const set = new Set<string>();
    const count = 1 + random.int(3);
    while (set.size < count) set.add(random.text('ab#*', 1 + random.int(4)).slice(0, 4) || 'a');
    delimiters = [...set];
  }
  return {
    kind: 'delimited',
    delimiters,
    maxLength: random.pick([1, 2, 3, 4, 5, 8, 16, 40, 100, 1000, 65536]),
    keepDelimiter: random.chance(0.2),
  };
}

function lengthPrefixedSpec(random: Random): CodecSpec {
  const header: LengthHeader = random.chance(0.25)
    ? { ascii: random.pick([1, 2, 3, 5, 15]) }
    : random.pick(['u8', 'u16be', 'u32be', 'u32le', 'varint'] as const);
  return {
    kind: 'length-prefixed',
    header,
    // A 4 GiB maxLength lets garbage announce huge frames, each reserving a buffer: rarer, as slow.
    maxLength: random.chance(0.03)
      ? 2 ** 32
      : random.pick([1, 2, 5, 10, 100, 127, 128, 255, 256, 300, 65536]),
    lengthIncludesHeader: random.chance(0.3),
  };
}

function specFor(name: CodecName, random: Random): CodecSpec {
  switch (name) {
    case 'delimited':
      return delimitedSpec(random);
    case 'fixed-length':
      return {
        kind: 'fixed-length',
        size: random.chance(0.1) ? 1000 : 1 + random.int(40),
        pad: random.chance(0.5) ? null : random.pick([0x23, 0x00, 0x20, 0x61]),
      };
    case 'length-prefixed':
      return lengthPrefixedSpec(random);
    case 'lines':
      return {
        kind: 'lines',
        maxLength: random.pick([1, 2, 3, 4, 5, 8, 40, 1000]),
        newline: random.pick(['\r\n', '\n'] as const),
      };
    case 'close-delimited':
      return { kind: 'close-delimited', maxLength: random.pick([1, 2, 3, 5, 10, 100, 1000]) };
  }
}

/** Bytes each codec's messages and garbage are drawn from: its own special bytes and a few others. */
function alphabetOf(spec: CodecSpec): string {
  switch (spec.kind) {
    case 'delimited':
      return `${[...new Set(spec.delimiters.join(''))].join('')}xy`;
    case 'fixed-length':
      return '#\0 ab';
    case 'length-prefixed':
      return '\0\x01\x02\x03\x05\x7f\x80\x81\xff0129x';
    case 'lines':
      return 'ab \r\n';
    case 'close-delimited':
      return 'ab\0';
  }
}

export function generateCase(name: CodecName, random: Random): FuzzCase {
  const spec = specFor(name, random);
  const codec = buildCodec(spec);
  const alphabet = alphabetOf(spec);
  const maxLength = spec.kind === 'fixed-length' ? spec.size : spec.maxLength;
  const message = () =>
    spec.kind === 'fixed-length' && random.chance(0.4)
      ? random.text(alphabet, spec.size)
      : random.text(alphabet, lengthNear(random, maxLength));
  const messages = Array.from(
    { length: name === 'close-delimited' ? 1 : 1 + random.int(4) },
    message,
  );
  // The decoder's input: whole frames, near misses and garbage.
  let input = '';
  const parts = name === 'close-delimited' ? 1 : 1 + random.int(6);
  for (let i = 0; i < parts; i++) {
    if (random.chance(0.6)) {
      try {
        input += latin1(codec.encode(bytesOf(message())));
        continue;
      } catch {
        // refused: garbage instead
      }
    }
    input += random.text(alphabet, lengthNear(random, maxLength, 30));
  }
  return {
    codec: spec,
    messages,
    input,
    cuts: Array.from({ length: random.int(9) }, () => random.int(input.length + 1)),
    releaseAfter: random.int(4),
  };
}

// ── running, shrinking, reporting ────────────────────────────────────────────────────────

/** The seed of case `index` in a run seeded `seed`: case 0 is the run's seed itself, to replay. */
export function caseSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b9)) >>> 0;
}

/** A smaller case with the same kind of finding: fewer messages, bytes and cuts. */
export function shrink(c: FuzzCase, finding: Finding, budget = 3000): FuzzCase {
  let best = c;
  let tries = 0;
  const deadline = performance.now() + 5000;
  const stillFails = (candidate: FuzzCase) => {
    tries++;
    if (performance.now() > deadline) tries = budget;
    return checkCase(candidate)?.kind === finding.kind;
  };
  const smallerStrings = (s: string): string[] => {
    const out: string[] = [];
    for (let size = s.length >> 1; size >= 1; size >>= 1) {
      for (let at = 0; at + size <= s.length; at += size)
        out.push(s.slice(0, at) + s.slice(at + size));
    }
    return out;
  };
  let improved = true;
  while (improved && tries < budget) {
    improved = false;
    const candidates: FuzzCase[] = [];
    for (let i = 0; i < best.messages.length; i++) {
      candidates.push({ ...best, messages: best.messages.filter((_, j) => j !== i) });
      for (const m of smallerStrings(best.messages[i]!)) {
        candidates.push({ ...best, messages: best.messages.map((x, j) => (j === i ? m : x)) });
      }
    }
    for (const input of smallerStrings(best.input)) candidates.push({ ...best, input });
    for (let i = 0; i < best.cuts.length; i++) {
      candidates.push({ ...best, cuts: best.cuts.filter((_, j) => j !== i) });
    }
    if (best.releaseAfter > 0) candidates.push({ ...best, releaseAfter: best.releaseAfter - 1 });
    for (const candidate of candidates) {
      if (tries >= budget) break;
      if (stillFails(candidate)) {
        best = candidate;
        improved = true;
        break;
      }
    }
  }
  return best;
}

export interface FuzzFailure {
  seed: number;
  finding: Finding;
  /** The case as generated, and shrunk to a smaller one that fails the same way. */
  generated: FuzzCase;
  shrunk: FuzzCase;
}

export interface FuzzReport {
  codec: CodecName;
  seed: number;
  inputs: number;
  seconds: number;
  /** Findings counted by kind. */
  counts: Partial<Record<Finding['kind'], number>>;
  /** The first few failures, shrunk. */
  failures: FuzzFailure[];
}

/**
 * Runs generated cases for `codec` until `inputs` cases or `seconds` have gone by, and stops at
 * the first failure unless `keepGoing`.
 */
export function fuzz(
  codec: CodecName,
  options: { seed: number; inputs?: number; seconds?: number; keepGoing?: boolean; keep?: number },
): FuzzReport {
  const started = performance.now();
  // Decoders throw thousands of errors here; their stacks are never looked at.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fuzzCases(codec, options, started);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function fuzzCases(
  codec: CodecName,
  options: { seed: number; inputs?: number; seconds?: number; keepGoing?: boolean; keep?: number },
  started: number,
): FuzzReport {
  const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
  const inputs = options.inputs ?? Infinity;
  const report: FuzzReport = {
    codec,
    seed: options.seed,
    inputs: 0,
    seconds: 0,
    counts: {},
    failures: [],
  };
  while (report.inputs < inputs && (report.inputs % 64 !== 0 || performance.now() < deadline)) {
    const seed = caseSeed(options.seed, report.inputs);
    const c = generateCase(codec, new Random(seed));
    report.inputs++;
    const finding = checkCase(c);
    if (finding === null) continue;
    report.counts[finding.kind] = (report.counts[finding.kind] ?? 0) + 1;
    if (report.failures.length < (options.keep ?? 1)) {
      const shrunk = shrink(c, finding);
      report.failures.push({ seed, finding: checkCase(shrunk) ?? finding, generated: c, shrunk });
    }
    if (!options.keepGoing) break;
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** The seed for a run: SOCKETKIT_FUZZ_SEED replays one; CI gets a fresh one; locally a fixed one. */
export function runSeed(fixed: number): number {
  const given = process.env.SOCKETKIT_FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new RangeError(
        `Invalid SOCKETKIT_FUZZ_SEED ${JSON.stringify(given)}: use 0 to 4294967295`,
      );
    }
    return seed;
  }
  if (process.env.CI === 'true') return (Math.random() * 2 ** 32) >>> 0;
  return fixed;
}

export function describeFailure(f: FuzzFailure): string {
  return [
    `${f.finding.kind}: ${f.finding.detail}`,
    `replay: SOCKETKIT_FUZZ_SEED=${f.seed}`,
    `case: ${JSON.stringify(f.shrunk)}`,
  ].join('\n');
}

/**
 * The body of each codec's fuzz test: cases for SOCKETKIT_FUZZ_SECONDS (default 5), seeded by
 * `fixedSeed` locally, freshly under CI=true, or by SOCKETKIT_FUZZ_SEED to replay. The seed and
 * the count go to the test's diagnostics; a failure says how to replay it and shows it shrunk.
 */
export function fuzzTest(codec: CodecName, fixedSeed: number) {
  return (t: { diagnostic(message: string): void }): void => {
    const seconds = Number(process.env.SOCKETKIT_FUZZ_SECONDS ?? 5);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new RangeError(`Invalid SOCKETKIT_FUZZ_SECONDS ${process.env.SOCKETKIT_FUZZ_SECONDS}`);
    }
    const seed = runSeed(fixedSeed);
    const report = fuzz(codec, { seed, seconds });
    const summary = `${codec}: seed ${seed}, ${report.inputs} inputs in ${report.seconds.toFixed(1)} s (SOCKETKIT_FUZZ_SEED=${seed} replays)`;
    t.diagnostic(summary);
    console.log(`# fuzz ${summary}`);
    const failure = report.failures[0];
    if (failure !== undefined) {
      throw new Error(
        `${codec} fuzzing failed on input ${report.inputs} of ${summary}\n${describeFailure(failure)}`,
      );
    }
    if (report.inputs < 100) throw new Error(`${summary}: too few inputs to mean anything`);
  };
}
