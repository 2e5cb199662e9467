/**
 * Codec decode throughput: socketkit's incremental decoders against the decoder a tutorial reader
 * writes (append each chunk with Buffer.concat, scan the whole buffer again), for 64-byte and
 * 64 KiB frames arriving in chunks of random size (1 byte to 16 KiB, fixed seed).
 */
import type { Codec, FrameDecoder } from '../dist/framing/index.js';
import { delimited, lengthPrefixed } from '../dist/framing/index.js';
import { formatNumber, log, median, type Section } from './_lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

/** A small deterministic PRNG (mulberry32), so every run cuts the stream the same way. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function chunked(wire: Buffer, seed: number): Buffer[] {
  const next = random(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < wire.length; ) {
    const size = 1 + Math.floor(next() * 16384);
    chunks.push(wire.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/**
 * The naive decoders: concat every chunk onto what is left, scan from the start. Like socketkit's,
 * they hand out each chunk's frames as an array (a decoder that only counted would not be one).
 */
const naive = {
  'length-prefixed': (chunks: Buffer[]): number => {
    let buffer = Buffer.alloc(0);
    let frames = 0;
    for (const chunk of chunks) {
      buffer = Buffer.concat([buffer, chunk]);
      const out: Buffer[] = [];
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0);
        if (buffer.length < 4 + length) break;
        out.push(buffer.subarray(4, 4 + length));
        buffer = buffer.subarray(4 + length);
      }
      frames += out.length;
    }
    return frames;
  },
  delimited: (chunks: Buffer[]): number => {
    let buffer = Buffer.alloc(0);
    let frames = 0;
    for (const chunk of chunks) {
      buffer = Buffer.concat([buffer, chunk]);
      const out: Buffer[] = [];
      for (let at = buffer.indexOf(0x0a); at >= 0; at = buffer.indexOf(0x0a)) {
        out.push(buffer.subarray(0, at));
        buffer = buffer.subarray(at + 1);
      }
      frames += out.length;
    }
    return frames;
  },
};

function socketkitDecode(codec: Codec, chunks: Buffer[]): number {
  const decoder: FrameDecoder = codec.decoder();
  let frames = 0;
  for (const chunk of chunks) frames += decoder.push(chunk).length;
  return frames;
}

function time(fn: () => number, expected: number): number {
  const started = performance.now();
  const frames = fn();
  const elapsed = performance.now() - started;
  if (frames !== expected) throw new Error(`decoded ${frames} frames, expected ${expected}`);
  return elapsed / 1000;
}

export async function codecBenchmark(): Promise<Section> {
  const rows: string[] = [];
  const sizes: Array<[string, number, number]> = [
    ['64 B', 64, 200_000],
    ['64 KiB', 64 * 1024, 400],
  ];
  for (const kind of ['length-prefixed', 'delimited'] as const) {
    for (const [label, size, count] of sizes) {
      const codec =
        kind === 'length-prefixed'
          ? lengthPrefixed({ header: 'u32be', maxLength: 1 << 20 })
          : delimited('\n', { maxLength: 1 << 20 });
      const payload = Buffer.alloc(size, 0x61);
      const wire = Buffer.concat(
        Array.from({ length: count }, () => Buffer.from(codec.encode(payload))),
      );
      const chunks = chunked(wire, 42);
      const mib = wire.length / 1024 / 1024;
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        ours.push(time(() => socketkitDecode(codec, chunks), count));
        theirs.push(time(() => naive[kind](chunks), count));
      }
      const a = median(ours);
      const b = median(theirs);
      log(
        `codec ${kind} ${label}: socketkit ${(mib / a).toFixed(1)} MiB/s, naive ${(mib / b).toFixed(1)} MiB/s`,
      );
      rows.push(
        `| ${kind} | ${label} | ${chunks.length} | ${formatNumber(count / a)} | ${formatNumber(mib / a, 1)} | ${formatNumber(count / b)} | ${formatNumber(mib / b, 1)} | **${(b / a).toFixed(1)}×** |`,
      );
    }
  }
  const markdown = `## Codec decode throughput

Frames of one size, encoded back to back, then cut into chunks of random size (1 B – 16 KiB,
fixed seed) and decoded in one process; medians of ${ROUNDS} rounds. The baseline is the decoder
a tutorial reader writes: \`Buffer.concat\` each chunk onto the leftovers and scan again from the
start. socketkit's decoders copy each byte at most once and scan only new bytes, so frames larger
than a chunk stop costing quadratic time.

| codec | frame | chunks | socketkit frames/s | socketkit MiB/s | naive frames/s | naive MiB/s | socketkit / naive |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  return { id: 'codecs', markdown };
}
