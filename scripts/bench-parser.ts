/**
 * The HTTP parser against an earlier version of itself, side by side in one process: a typical
 * browser GET (about 500 bytes, 10 fields) as the server parses it, and a small response as the
 * client (all fields) and the load generator (framing fields only) parse it; each whole, cut
 * into 1-byte pieces, and cut at random points. Rounds alternate between the two parsers and the
 * medians are reported, so a slow moment of a shared machine falls on both.
 *
 *   node --import tsx scripts/bench-parser.ts [--old <git rev>] [--rounds 101] [--only <name>]
 *
 * The old parser is `src/http/parser.ts` at the given revision (default: the commit before the
 * line-based rewrite), read with `git show` into a temporary file that imports this tree's
 * errors and headers, so both throw the same HttpParseError.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { HttpParser, type ParserHandler, type ParserOptions } from '../src/http/parser.js';

const { values: flags } = parseArgs({
  options: {
    old: { type: 'string', default: '81bfd60' },
    rounds: { type: 'string', default: '101' },
    only: { type: 'string' },
  },
});

const root = new URL('..', import.meta.url).pathname;
type ParserClass = typeof HttpParser;

/** The old parser's source in a temporary file, importing this tree's errors and headers. */
function writeOld(rev: string): { file: string; cleanup: () => void } {
  const source = execFileSync('git', ['show', `${rev}:src/http/parser.ts`], {
    cwd: root,
    encoding: 'utf8',
  });
  const dir = mkdtempSync(join(tmpdir(), 'socketkit-old-parser-'));
  const file = join(dir, 'parser.ts');
  writeFileSync(
    file,
    source
      .replace("'../core/errors.js'", `'${pathToFileURL(join(root, 'src/core/errors.ts')).href}'`)
      .replace("'./headers.js'", `'${pathToFileURL(join(root, 'src/http/headers.ts')).href}'`),
  );
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const browserGet = Buffer.from(
  [
    'GET /articles/2024/socket-programming?ref=home&utm_source=news HTTP/1.1',
    'Host: www.example.com',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Language: en-GB,en;q=0.5',
    'Accept-Encoding: gzip, deflate, br, zstd',
    'Connection: keep-alive',
    'Cookie: session=4f2a9c0e7b1d; theme=dark; consent=yes',
    'Upgrade-Insecure-Requests: 1',
    'Sec-Fetch-Dest: document',
    'Sec-Fetch-Mode: navigate',
    '',
    '',
  ].join('\r\n'),
  'latin1',
);

const smallResponse = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\nDate: Tue, 05 Nov 2024 10:00:00 GMT\r\nServer: socketkit/0.1.0\r\nConnection: keep-alive\r\n\r\nHello, world!',
  'latin1',
);

interface Case {
  name: string;
  kind: 'request' | 'response';
  options: ParserOptions;
  message: Buffer;
  /** Messages per round. */
  count: number;
  cut: 'whole' | 'bytes' | 'random';
}

const cases: Case[] = [];
for (const cut of ['whole', 'bytes', 'random'] as const) {
  const count = cut === 'bytes' ? 100 : 1000;
  cases.push(
    {
      name: `server GET (${browserGet.length} B) ${cut}`,
      kind: 'request',
      options: { captureRawHead: true, maxHeadSize: 16 * 1024 },
      message: browserGet,
      count,
      cut,
    },
    {
      name: `client response (${smallResponse.length} B) ${cut}`,
      kind: 'response',
      options: {},
      message: smallResponse,
      count,
      cut,
    },
    {
      name: `bench response, framing only ${cut}`,
      kind: 'response',
      options: { fields: 'framing' },
      message: smallResponse,
      count,
      cut,
    },
  );
}

/** Deterministic cut points (mulberry32), so both parsers get the very same pieces. */
function randomPieces(wire: Buffer, seed: number): Buffer[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pieces: Buffer[] = [];
  for (let at = 0; at < wire.length; ) {
    const size = 1 + Math.floor(next() * 64);
    pieces.push(wire.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

function piecesFor(c: Case): Buffer[] {
  const wire = Buffer.concat(Array.from({ length: c.count }, () => c.message));
  if (c.cut === 'whole') return [wire];
  if (c.cut === 'bytes')
    return Array.from({ length: wire.length }, (_, i) => wire.subarray(i, i + 1));
  return randomPieces(wire, 12345);
}

let sink = 0;

/**
 * One round: every message of the case through a fresh parser. Returns CPU ns per message: this
 * process's CPU time, not the wall clock, since other work on a shared machine stretches the
 * wall clock of whichever parser it happens to interrupt.
 */
function round(Parser: ParserClass, c: Case, pieces: Buffer[]): number {
  let completed = 0;
  const handler: ParserHandler = {
    onHead(head) {
      sink += head.headers.size;
    },
    onBody(chunk) {
      sink += chunk.length;
    },
    onComplete() {
      completed++;
    },
  };
  const parser = new Parser(c.kind, handler, c.options);
  if (c.kind === 'response') parser.expectResponseTo('GET');
  const started = process.cpuUsage();
  for (const piece of pieces) {
    for (let at = 0; at < piece.length; ) at = parser.execute(piece, at);
  }
  const used = process.cpuUsage(started);
  const elapsed = (used.user + used.system) * 1000;
  if (completed !== c.count) throw new Error(`${c.name}: ${completed} of ${c.count} messages`);
  return elapsed / c.count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const loaded = writeOld(flags.old);
try {
  const old = (await import(pathToFileURL(loaded.file).href)) as { HttpParser: ParserClass };
  const rounds = Number(flags.rounds);
  console.log(`old: src/http/parser.ts at ${flags.old}; new: this tree; ${rounds} rounds each`);
  console.log(
    'case'.padEnd(44),
    'old ns/msg'.padStart(11),
    'new ns/msg'.padStart(11),
    'new/old'.padStart(10),
    'pair ratio'.padStart(12),
  );
  for (const c of cases) {
    if (flags.only !== undefined && !c.name.includes(flags.only)) continue;
    const pieces = piecesFor(c);
    // Warm both up before measuring.
    for (let k = 0; k < 5; k++) {
      round(old.HttpParser, c, pieces);
      round(HttpParser, c, pieces);
    }
    const times: { old: number[]; new: number[] } = { old: [], new: [] };
    for (let k = 0; k < rounds; k++) {
      // Alternate which goes first, so neither always runs after a collection of the other's garbage.
      if (k % 2 === 0) {
        times.old.push(round(old.HttpParser, c, pieces));
        times.new.push(round(HttpParser, c, pieces));
      } else {
        times.new.push(round(HttpParser, c, pieces));
        times.old.push(round(old.HttpParser, c, pieces));
      }
    }
    const o = median(times.old);
    const n = median(times.new);
    // Each round of one parser next to the other's round of the same pair: the median ratio.
    const ratio = median(times.new.map((t, k) => t / times.old[k]!));
    console.log(
      c.name.padEnd(44),
      o.toFixed(0).padStart(11),
      n.toFixed(0).padStart(11),
      `  ${(n / o).toFixed(3)}`.padStart(10),
      `  ${ratio.toFixed(3)}`.padStart(12),
    );
  }
  if (sink === 0) console.log('');
} finally {
  loaded.cleanup();
}
