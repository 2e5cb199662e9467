/**
 * `npm run bench [suite…]`: runs the benchmark suites and rewrites their sections of
 * BENCHMARKS.md, leaving the sections of suites not run as they were.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, machineLine, ROOT, type Section } from './_lib.js';
import { clientBenchmark } from './client.js';
import { codecBenchmark } from './codecs.js';
import { defencesBenchmark } from './defences.js';
import { echoBenchmark } from './echo.js';
import { fetchBenchmark } from './fetch.js';
import { httpServeBenchmark } from './http-serve.js';
import { loadBenchmark } from './load.js';
import { relayBenchmark } from './relay.js';

const SUITES: Record<string, () => Promise<Section>> = {
  echo: echoBenchmark,
  codecs: codecBenchmark,
  fetch: fetchBenchmark,
  http: httpServeBenchmark,
  load: loadBenchmark,
  defences: defencesBenchmark,
  relay: relayBenchmark,
  client: clientBenchmark,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in SUITES)) {
    console.error(`Unknown suite "${name}"; the suites are: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length > 0 ? wanted : Object.keys(SUITES);
const file = join(ROOT, 'BENCHMARKS.md');
let document = existsSync(file)
  ? readFileSync(file, 'utf8')
  : `# Benchmarks\n\nWritten by \`npm run bench\`; each section is rewritten when its suite runs. Machines\nare shared and noisy: read the medians and the ratios, not any one absolute number.\n`;

for (const name of names) {
  log(`── ${name}`);
  const section = await SUITES[name]!();
  const stamped = `<!-- bench:${section.id}:start -->\n${section.markdown.trim()}\n\n_Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine()}._\n<!-- bench:${section.id}:end -->`;
  const pattern = new RegExp(
    `<!-- bench:${section.id}:start -->[\\s\\S]*?<!-- bench:${section.id}:end -->`,
  );
  document = pattern.test(document)
    ? document.replace(pattern, stamped)
    : `${document.trimEnd()}\n\n${stamped}\n`;
  writeFileSync(file, document);
  log(section.markdown);
}
