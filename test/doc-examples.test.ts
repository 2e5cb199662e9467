/**
 * The `@example` blocks in the JSDoc of self-contained modules are meant to run as written.
 * This runs each one that needs no server (imports rewritten from the package name to the
 * source), and checks the values its `// comment` says it prints.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, run } from './_helpers.js';

/** Modules whose examples run without a network peer. */
const SELF_CONTAINED = ['src/framing', 'src/core/bytes.ts'];

interface Example {
  file: string;
  code: string;
}

function examplesIn(file: string): Example[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const out: Example[] = [];
  for (const match of source.matchAll(
    /@example[^\n]*\n((?:\s*\*.*\n)*?)\s*\*\/?\s*```ts\n([\s\S]*?)\s*\*\s*```/g,
  )) {
    const body = match[2]!
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n');
    out.push({ file, code: body });
  }
  return out;
}

function filesOf(path: string): string[] {
  if (path.endsWith('.ts')) return [path];
  return readdirSync(join(ROOT, path))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => `${path}/${f}`);
}

const examples = SELF_CONTAINED.flatMap(filesOf).flatMap(examplesIn);
const needsNetwork = /\b(connect|listen|udp)\(/;

describe('JSDoc @example blocks run as written', () => {
  test('there are examples to run', () => {
    assert.ok(examples.length >= 6, `found only ${examples.length}`);
  });

  for (const [i, example] of examples.entries()) {
    if (needsNetwork.test(example.code)) continue;
    test(`${example.file} example ${i + 1}`, async () => {
      const code = example.code
        .replaceAll("from 'socketkit/framing'", `from '${join(ROOT, 'src/framing/index.ts')}'`)
        .replaceAll("from 'socketkit'", `from '${join(ROOT, 'src/index.ts')}'`);
      const result = await run(process.execPath, [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        code,
      ]);
      assert.equal(result.code, 0, `${example.code}\n${result.stderr}`);
      const printed = result.stdout.toString().trimEnd().split('\n');
      const promised = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) =>
        m[1]!.trim(),
      );
      assert.equal(printed.length, promised.length, `printed ${JSON.stringify(printed)}`);
      for (const [k, expected] of promised.entries()) {
        assert.equal(printed[k]!.trim(), expected, `line ${k + 1} of ${example.file}`);
      }
    });
  }
});
