#!/usr/bin/env node
// Exports nobody imports are dead code or a public API nobody meant: each export of a file in
// src/ must be imported by another file (src/, test/, benchmarks/, examples/, scripts/) or be
// re-exported by one of the package's barrels (src/index.ts, src/*/index.ts). A type the
// file's own signatures use counts as used: callers may need to name it.
//
// `node scripts/check-exports.mjs` exits 1 naming each unused export; `npm run lint` runs it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function files(dir, keep) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, keep));
    else if (keep(name)) out.push(path);
  }
  return out;
}

const code = (name) => /\.(ts|mts|mjs)$/.test(name);
const sources = files(join(root, 'src'), (n) => n.endsWith('.ts') && !n.includes('.test.'));
const everything = ['src', 'test', 'benchmarks', 'examples', 'scripts'].flatMap((d) =>
  files(join(root, d), code),
);
const texts = new Map(everything.map((f) => [f, readFileSync(f, 'utf8')]));

const DECLARED =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(function\*?|class|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;

const unused = [];
for (const file of sources) {
  if (file.endsWith('/index.ts')) continue; // a barrel is the public surface itself
  const text = texts.get(file);
  const base = file.replace(/\.ts$/, '');
  for (const [, kind, name] of text.matchAll(DECLARED)) {
    // A type that the file's own signatures use is part of them (callers may name it).
    const pattern = new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`, 'g');
    if ((kind === 'interface' || kind === 'type') && (text.match(pattern)?.length ?? 0) > 1)
      continue;
    const used = [...texts].some(([other, otherText]) => {
      if (other === file) return false;
      // Only files that import this one (by any relative path) can use its export.
      const imports = [
        ...otherText.matchAll(/from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]/g),
      ].some((m) => resolve(dirname(other), (m[1] ?? m[2]).replace(/\.(m?js|ts)$/, '')) === base);
      return imports && new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(otherText);
    });
    if (!used) unused.push(`${relative(root, file)}: ${name}`);
  }
}
if (unused.length > 0) {
  console.error(
    `Exports nothing imports (${unused.length}); remove them or stop exporting them:\n${unused.map((u) => `  ${u}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(
  `Exports: every export of ${sources.length} files in src/ is imported somewhere or public.`,
);
