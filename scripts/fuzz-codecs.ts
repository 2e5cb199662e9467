/**
 * The long fuzz run of the framing codecs: a million generated inputs per codec (the tests run
 * each codec for about five seconds). Same engine and seeds as the tests, so a seed printed here
 * replays there with SOCKETKIT_FUZZ_SEED, and the other way round.
 *
 *   node --import tsx scripts/fuzz-codecs.ts [--inputs N] [--seed S] [--codec NAME]…
 *
 * The seed is fresh unless --seed or SOCKETKIT_FUZZ_SEED gives one. Prints, per codec, the inputs
 * run, the seed, and what was found by kind (escapes: errors of undocumented classes;
 * differences: the same bytes cut two ways decoding differently; and the rest), with the first
 * failures shrunk; exits 1 if anything was found.
 */
import {
  CODEC_NAMES,
  type CodecName,
  describeFailure,
  type FuzzReport,
  fuzz,
} from '../src/framing/_fuzz.test.helpers.js';

function parseArgs(argv: string[]): { inputs: number; seed: number; codecs: CodecName[] } {
  let inputs = 1_000_000;
  const given = process.env.SOCKETKIT_FUZZ_SEED;
  let seed = given ? Number(given) : (Math.random() * 2 ** 32) >>> 0;
  const codecs: CodecName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--inputs':
        inputs = Number(value);
        i++;
        break;
      case '--seed':
        seed = Number(value);
        i++;
        break;
      case '--codec':
        if (!CODEC_NAMES.includes(value as CodecName)) {
          throw new RangeError(
            `Unknown codec ${JSON.stringify(value)}: use one of ${CODEC_NAMES.join(', ')}`,
          );
        }
        codecs.push(value as CodecName);
        i++;
        break;
      default:
        throw new RangeError(
          `Unknown argument ${JSON.stringify(argv[i])}: use --inputs, --seed or --codec`,
        );
    }
  }
  if (!Number.isSafeInteger(inputs) || inputs < 1)
    throw new RangeError(`Invalid --inputs ${inputs}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`Invalid seed ${seed}: use 0 to 4294967295`);
  }
  return { inputs, seed, codecs: codecs.length > 0 ? codecs : [...CODEC_NAMES] };
}

const count = (n: number) => n.toLocaleString('en-US');

function summarize(report: FuzzReport): string {
  const { escape: escapes = 0, difference = 0, ...rest } = report.counts;
  const others = Object.entries(rest)
    .map(([kind, n]) => `${count(n)} ${kind}`)
    .join(', ');
  return `${report.codec}: ${count(report.inputs)} inputs, seed ${report.seed}, ${report.seconds.toFixed(0)} s: ${count(escapes)} escapes, ${count(difference)} differences${others === '' ? '' : `, ${others}`}`;
}

const { inputs, seed, codecs } = parseArgs(process.argv.slice(2));
console.log(`fuzzing ${codecs.join(', ')}: ${count(inputs)} inputs each, seed ${seed}`);
let found = 0;
const lines: string[] = [];
for (const codec of codecs) {
  const report = fuzz(codec, { seed, inputs, keepGoing: true, keep: 3 });
  const line = summarize(report);
  lines.push(line);
  console.log(line);
  for (const failure of report.failures)
    console.log(`  ${describeFailure(failure).replaceAll('\n', '\n  ')}`);
  found += Object.values(report.counts).reduce((a, b) => a + b, 0);
}
console.log(
  `\n${lines.join('\n')}\n${found === 0 ? 'nothing found' : `${count(found)} inputs failed`}`,
);
process.exitCode = found === 0 ? 0 : 1;
