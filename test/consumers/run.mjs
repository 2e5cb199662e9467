#!/usr/bin/env node
// The consumer job (`npm run test:consumers`, run by .ci/run): packs socketkit as npm would
// publish it and installs the tarball into fresh projects in a temporary folder, as users would:
//
//   esm-ts     TypeScript, ES modules, nodenext, strict, exactOptionalPropertyTypes, skipLibCheck
//              off: type-checked by the project's tsc against the installed .d.ts, then run
//   cjs        plain CommonJS: require('socketkit') and every subpath, then run
//   node10-ts  esm-ts's program compiled as CommonJS with the old `node` (node10) resolver, which
//              finds the subpaths only through typesVersions; type-checked by the TypeScript 5 of
//              tools/api-docs (TypeScript 7 no longer has that resolver), then run; skipLibCheck
//              on there, since esm-ts already checks the .d.ts themselves and TypeScript 5 takes
//              40 s over @types/node on this machine
//   global     `npm install -g` into a temporary prefix: the man pages linked, socketkit
//              --version, --help, a tour excerpt (examples and certificates as shipped), serve +
//              fetch
//
// Every program talks to 127.0.0.1 only. The tarball is installed from its file; only its
// dependencies (and @types/node for the TypeScript projects) come from npm, from its cache when
// it has them. `--keep` leaves the folder for a look. Ends with "consumers: N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'consumers');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const typesNode = JSON.parse(
  readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8'),
).version;
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const TSC5 = join(ROOT, 'tools', 'api-docs', 'node_modules', 'typescript', 'bin', 'tsc');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'socketkit-consumers-'));

// The npm that runs this script passes its own settings down as npm_* variables (the project's
// prefix among them); the consumers' npm must see a fresh project, not this one.
const KEPT_NPM_SETTINGS = new Set([
  'npm_config_cache',
  'npm_config_registry',
  'npm_config_userconfig',
]);
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) =>
      !(name.toLowerCase().startsWith('npm_') && !KEPT_NPM_SETTINGS.has(name.toLowerCase())) &&
      name !== 'INIT_CWD' &&
      name !== 'NODE_OPTIONS',
  ),
);

/** Runs a command to completion; throws with its output when it fails. */
function run(command, args, { cwd, env = cleanEnv, timeout = 180_000 } = {}) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}): ${why}\n${result.stdout}${result.stderr}`.trim(),
    );
  }
  return result.stdout;
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/** A fresh project: its package.json, the fixture's files, then `npm install` of `packages`. */
function project(name, packageJson, packages) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `consumer-${name}`, private: true, ...packageJson }, null, 2)}\n`,
  );
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  run('npm', ['install', ...NPM_QUIET, ...packages], { cwd: dir });
  return dir;
}

const results = [];

async function check(name, body) {
  const started = performance.now();
  try {
    await body();
    results.push(true);
    console.log(`✔ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push(false);
    const text = error instanceof Error ? error.message : String(error);
    console.log(`✖ ${name}\n${text.replace(/^/gm, '    ')}`);
  }
}

let tarball = '';

await check('npm pack builds the tarball, and it holds what the package needs and no more', () => {
  run('npm', ['pack', '--loglevel=warn', '--pack-destination', work], { cwd: ROOT });
  const name = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (name === undefined) throw new Error(`npm pack left no .tgz in ${work}`);
  tarball = join(work, name);
  const entries = run('tar', ['-tzf', tarball]).split('\n').filter(Boolean);
  const unwanted = entries.filter((entry) =>
    /\.map$|\.test\.|^package\/(src|test|benchmarks|scripts|tools|docs|\.ci)\//.test(entry),
  );
  if (unwanted.length > 0) throw new Error(`the tarball ships ${unwanted.join(', ')}`);
  const needed = [
    'package/package.json',
    'package/README.md',
    'package/LICENSE',
    'package/CHANGELOG.md',
    'package/dist/index.js',
    'package/dist/index.d.ts',
    'package/dist/cli/main.js',
    'package/dist/examples/003-reverse-server.js',
    'package/assets/tour/README.md',
    'package/assets/tour/ca.pem',
    // The man pages npm links on a global install (scripts/build-man.ts makes them at build).
    ...manifest.man.map((page) => `package/${page.replace(/^\.\//, '')}`),
    ...Object.values(manifest.exports)
      .flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))
      .map((path) => `package/${path.replace(/^\.\//, '')}`),
  ];
  const absent = needed.filter((entry) => !entries.includes(entry));
  if (absent.length > 0) throw new Error(`the tarball lacks ${absent.join(', ')}`);
  // The node10 resolver sees only typesVersions: every subpath of exports needs its line there.
  const mapped = manifest.typesVersions?.['*'] ?? {};
  const unmapped = Object.entries(manifest.exports)
    .filter(([key, target]) => key !== '.' && typeof target === 'object')
    .filter(([key, target]) => mapped[key.slice(2)]?.[0] !== target.types)
    .map(([key]) => key);
  if (unmapped.length > 0) {
    throw new Error(`typesVersions does not map ${unmapped.join(', ')} to its exports types`);
  }
});

if (tarball === '') {
  console.log('consumers: 0 passed, 1 failed');
  process.exit(1);
}

await check('esm-ts: nodenext + exactOptionalPropertyTypes type-check and run', () => {
  const dir = project('esm-ts', { type: 'module' }, [tarball, `@types/node@${typesNode}`]);
  run(TSC, ['-p', dir], { cwd: dir });
  process.stdout.write(run(process.execPath, [join(dir, 'out', 'main.js')], { cwd: dir }));
});

await check('cjs: require() of every subpath runs', () => {
  const dir = project('cjs', {}, [tarball]);
  // An optional peer: a JavaScript user is not handed Node's type definitions.
  if (existsSync(join(dir, 'node_modules', '@types', 'node'))) {
    throw new Error('npm installed @types/node, which is an optional peer dependency');
  }
  process.stdout.write(run(process.execPath, [join(dir, 'main.cjs')], { cwd: dir }));
});

await check(
  'node10-ts: the old resolver finds every subpath (typesVersions); CommonJS runs',
  () => {
    if (!existsSync(TSC5)) throw new Error(`${TSC5} is missing: npm ci --prefix tools/api-docs`);
    const dir = project('node10-ts', {}, [tarball, `@types/node@${typesNode}`]);
    cpSync(join(FIXTURES, 'esm-ts', 'main.ts'), join(dir, 'main.ts'));
    run(process.execPath, [TSC5, '-p', dir], { cwd: dir });
    process.stdout.write(run(process.execPath, [join(dir, 'out', 'main.js')], { cwd: dir }));
  },
);

const prefix = join(work, 'prefix');
const globalEnv = {
  ...cleanEnv,
  npm_config_prefix: prefix,
  PATH: [join(prefix, 'bin'), process.env.PATH].join(delimiter),
};
const elsewhere = join(work, 'elsewhere');
mkdirSync(elsewhere);

await check('global: npm install -g puts socketkit on the PATH', () => {
  run('npm', ['install', '-g', ...NPM_QUIET, tarball], { cwd: elsewhere, env: globalEnv });
  const where = run('sh', ['-c', 'command -v socketkit'], {
    cwd: elsewhere,
    env: globalEnv,
  }).trim();
  if (where !== join(prefix, 'bin', 'socketkit')) throw new Error(`socketkit is ${where}`);
  // `man socketkit` finds its page: npm links each page of "man" into the prefix's share/man.
  const unlinked = manifest.man
    .map((page) => join(prefix, 'share', 'man', 'man1', page.split('/').at(-1)))
    .filter((page) => !existsSync(page));
  if (unlinked.length > 0) throw new Error(`npm install -g did not link ${unlinked.join(', ')}`);
});

await check('global: socketkit --version and --help', () => {
  const version = run('socketkit', ['--version'], { cwd: elsewhere, env: globalEnv }).trim();
  if (version !== manifest.version) throw new Error(`--version printed ${version}`);
  const help = run('socketkit', ['--help'], { cwd: elsewhere, env: globalEnv });
  for (const word of ['Usage: socketkit', 'fetch', 'serve', 'tour']) {
    if (!help.includes(word)) throw new Error(`--help lacks "${word}":\n${help}`);
  }
});

await check('global: socketkit tour runs shipped examples, HTTPS with the shipped tour CA', () => {
  run('socketkit', ['tour', '--only', 'reverse,head-https,framing-length'], {
    cwd: elsewhere,
    env: globalEnv,
    timeout: 60_000,
  });
});

await check('global: socketkit serve http, and socketkit fetch of its page', async () => {
  const server = spawn('socketkit', ['serve', 'http', '--base-port', '0', '--json', '-q'], {
    cwd: elsewhere,
    env: globalEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) =>
    server.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  try {
    const listing = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no listing after 10 s: ${out}`)), 10_000);
      server.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
        }
      });
      server.on('exit', () => reject(new Error(`socketkit serve exited early: ${out}`)));
    });
    const port = listing.find((entry) => entry.service === 'http').port;
    const page = run('socketkit', ['fetch', '-m', '10', `127.0.0.1:${port}`], {
      cwd: elsewhere,
      env: globalEnv,
    });
    if (!page.includes('Hello, world!')) throw new Error(`fetch printed ${page}`);
  } finally {
    server.kill('SIGTERM');
  }
  const code = await exited;
  if (code !== 0) throw new Error(`socketkit serve exited ${code} on SIGTERM`);
});

if (keep) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
const passed = results.filter(Boolean).length;
console.log(`consumers: ${passed} passed, ${results.length - passed} failed`);
process.exitCode = passed === results.length ? 0 : 1;
