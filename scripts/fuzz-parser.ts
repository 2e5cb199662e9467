/**
 * The long fuzz run of HttpParser: the checks of test/http-parser-fuzz.test.ts over a million
 * inputs per parser kind (or as many as asked), going on past failures to count them.
 *
 *   node --import tsx scripts/fuzz-parser.ts [--inputs 1000000] [--seed N] [--kind request|response]
 *
 * Prints, per kind: inputs, inputs/s, the seed, escapes (errors other than HttpParseError),
 * whole-versus-cut differences, handler bytes that differ from the input, valid inputs that
 * failed, and the first failures as cases to copy into parser.test.ts. Exits 1 on any failure.
 */
import { parseArgs } from 'node:util';
import { describeFailure, type FuzzReport, fuzz, runSeed } from '../test/_parser-fuzz.js';

const { values: flags } = parseArgs({
  options: {
    inputs: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    kind: { type: 'string' },
  },
});

const inputs = Number(flags.inputs);
if (!Number.isInteger(inputs) || inputs < 1)
  throw new RangeError(
    `Invalid --inputs ${JSON.stringify(flags.inputs)}: it must be a positive integer`,
  );
if (flags.seed !== undefined) process.env.SOCKETKIT_FUZZ_SEED = flags.seed;
const seed = runSeed();
const kinds =
  flags.kind === undefined ? (['request', 'response'] as const) : ([flags.kind] as const);

function summary(r: FuzzReport): string {
  return `${r.kind}s: ${r.inputs} inputs in ${r.seconds.toFixed(0)} s (${Math.round(r.inputs / r.seconds)}/s), seed ${r.seed}: ${r.escapes} escapes, ${r.differences} whole-vs-cut differences, ${r.changed} changed bytes, ${r.invalidValid} valid inputs refused`;
}

let failed = false;
for (const kind of kinds) {
  if (kind !== 'request' && kind !== 'response')
    throw new RangeError(`Invalid --kind ${JSON.stringify(kind)}: it must be request or response`);
  const report = fuzz({
    kind,
    seed,
    seconds: Number.POSITIVE_INFINITY,
    maxInputs: inputs,
    keepGoing: true,
    onProgress: (r) => console.log(`  … ${summary(r)}`),
  });
  console.log(summary(report));
  for (const f of report.failures.slice(0, 5)) console.log(describeFailure(f));
  if (report.failures.length > 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
