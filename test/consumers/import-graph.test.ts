/**
 * The library's import graph is free of the CLI's dependencies: importing `socketkit` or any of its
 * subpaths from the built dist/, in a fresh Node process, loads none of the packages that only the
 * `socketkit` command needs (argument parsing, progress bars, colours). A library user then pays for
 * none of them at load time, and a bundler that follows imports pulls none of them in.
 *
 * The fresh process is plain `node` (no tsx) with a module hook that writes down every module it
 * resolves, and by whom; a package that shows up is reported with the chain of dist/ files that
 * imported it. Each subpath is also loaded with require(), which Node refuses for a module graph
 * with top-level await (ERR_REQUIRE_ASYNC_MODULE): CommonJS users depend on there being none.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLI, ROOT, requireBuild } from '../_helpers.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
};

/** Every import specifier the package offers: `socketkit`, `socketkit/framing`, … */
const SPECIFIERS = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));

/**
 * Runtime dependencies the library itself may load. Every other runtime dependency is the CLI's
 * alone; a new one is therefore forbidden to the library until it is added here on purpose.
 */
const LIBRARY_DEPENDENCIES = new Set(['hdr-histogram-js']);
const CLI_ONLY = Object.keys(manifest.dependencies ?? {}).filter(
  (name) => !LIBRARY_DEPENDENCIES.has(name),
);

const RECORDER = pathToFileURL(join(ROOT, 'test', 'consumers', '_record-loads.mjs')).href;

interface Resolved {
  url: string;
  parent: string | null;
}

/** The npm package a module URL belongs to (`commander`, `@scope/name`), or null for none. */
function packageOf(url: string): string | null {
  const at = url.lastIndexOf('/node_modules/');
  if (at === -1) return null;
  const [first, second] = url.slice(at + '/node_modules/'.length).split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
}

function show(url: string): string {
  return url.startsWith('file:') ? relative(ROOT, fileURLToPath(url)) : url;
}

/** Runs `node [args]` fresh with the recorder, in the project root; returns what it resolved. */
function recordLoads(args: string[]): {
  resolved: Resolved[];
  status: number | null;
  stderr: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'socketkit-loads-'));
  const log = join(dir, 'loads.jsonl');
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, SOCKETKIT_LOAD_LOG: log };
    delete env.NODE_OPTIONS;
    const result = spawnSync(process.execPath, ['--import', RECORDER, ...args], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // Nothing resolved at all: the assertions below say so.
    }
    const resolved = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Resolved);
    return { resolved, status: result.status, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `url`'s importers back to the program, e.g. dist/http/index.js → dist/http/client.js → … */
function chainTo(url: string, resolved: Resolved[]): string {
  const chain = [show(url)];
  const seen = new Set([url]);
  let current = url;
  for (;;) {
    const parent = resolved.find((entry) => entry.url === current)?.parent;
    if (parent == null || seen.has(parent)) break;
    chain.unshift(show(parent));
    seen.add(parent);
    current = parent;
  }
  return chain.join(' → ');
}

describe('the library as a user imports it', () => {
  test('the CLI-only dependencies are the ones package.json lists besides the library’s', () => {
    // The check below is only as good as this list: the CLI's argument parser must be on it.
    assert.ok(CLI_ONLY.includes('commander'), `CLI-only: ${CLI_ONLY.join(', ')}`);
    assert.ok(SPECIFIERS.length >= 5, `specifiers: ${SPECIFIERS.join(', ')}`);
  });

  test('the recorder sees the CLI load commander (it would see the library do so)', () => {
    requireBuild();
    const { resolved, status, stderr } = recordLoads([CLI, '--version']);
    assert.equal(status, 0, stderr);
    const packages = new Set(resolved.map((entry) => packageOf(entry.url)));
    assert.ok(
      packages.has('commander'),
      `resolved: ${resolved.map((e) => show(e.url)).join(', ')}`,
    );
  });

  for (const specifier of SPECIFIERS) {
    test(`import('${specifier}') loads no CLI-only dependency`, () => {
      requireBuild();
      const { resolved, status, stderr } = recordLoads([
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(specifier)});`,
      ]);
      assert.equal(status, 0, `import('${specifier}') failed:\n${stderr}`);
      // The program's own entry module was seen, so an empty record means the recorder broke.
      assert.ok(
        resolved.some((entry) => show(entry.url).startsWith('dist/')),
        `the recorder saw no dist/ module for ${specifier}`,
      );
      const offending = resolved.filter((entry) => CLI_ONLY.includes(packageOf(entry.url) ?? ''));
      assert.deepEqual(
        offending.map((entry) => chainTo(entry.url, resolved)),
        [],
        `${specifier} loads the CLI's dependencies through:`,
      );
    });

    test(`require('${specifier}') works (no top-level await in its graph)`, () => {
      requireBuild();
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.NODE_OPTIONS;
      const result = spawnSync(
        process.execPath,
        [
          '-e',
          `const m = require(${JSON.stringify(specifier)}); process.stdout.write(String(Object.keys(m).length));`,
        ],
        { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(result.status, 0, `require('${specifier}') failed:\n${result.stderr}`);
      assert.ok(Number(result.stdout) > 0, `require('${specifier}') exported nothing`);
    });
  }
});
