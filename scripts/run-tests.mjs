#!/usr/bin/env node
// Runs every test file (unit tests beside their source as src/**/*.test.ts, socket and
// CLI tests in test/) with Node's own test runner, TypeScript loaded through tsx.
//
//   npm test                    all of them
//   npm test -- test/cli        only files whose path contains "test/cli"
//
// Files run in parallel processes; each test file opens its own loopback ports, so they
// do not collide. SOCKETKIT_TEST_CONCURRENCY overrides the default of 3.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...findTests(join(root, 'src')), ...findTests(join(root, 'test'))]
  .map((file) => relative(root, file))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ')}`);
  process.exit(1);
}

const concurrency = process.env.SOCKETKIT_TEST_CONCURRENCY ?? '3';
// Not --test-force-exit: with concurrent files it can end a file's process before all of its
// results reach this runner, and those tests then vanish from the count without a failure
// (seen here: 19 of 491). A test that fails and leaves a socket open could instead hang its file,
// so a watchdog ends the whole run, loudly, after LIMIT_MINUTES.
const LIMIT_MINUTES = Number(process.env.SOCKETKIT_TEST_LIMIT_MINUTES ?? 8);
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=120000',
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
const watchdog = setTimeout(() => {
  console.error(
    `\nThe test run took longer than ${LIMIT_MINUTES} minutes; a test probably left something open. Stopping it.`,
  );
  child.kill('SIGKILL');
  process.exit(1);
}, LIMIT_MINUTES * 60_000);
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  process.exit(code ?? (signal ? 1 : 0));
});
