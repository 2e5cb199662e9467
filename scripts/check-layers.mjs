#!/usr/bin/env node
// The layer rule of DESIGN.md, checked: dependencies point down only, and a private file
// (its name starts with `_`) is imported only from inside its own folder.
//
//   cli → tour, relay → bench → services → http → framing → names → socket → core
//
// `node scripts/check-layers.mjs` checks src/ and exits 1 naming every import that breaks the
// rule; `npm run lint` runs it. The test in test/layers.test.ts feeds it an upward import to
// show that it fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each folder of src/ and its height: a file may import from its own height or below. */
export const LAYERS = {
  core: 0,
  socket: 1,
  names: 2,
  framing: 3,
  http: 4,
  services: 5,
  bench: 6,
  tour: 7,
  relay: 7,
  cli: 8,
};

/** src/index.ts, the root barrel, sits with names: it re-exports core, socket and names. */
const ROOT_FILE_LAYER = LAYERS.names;

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The folder of src/ a path is in, or '' for a file at src/'s top. */
function folderOf(srcRoot, file) {
  const parts = relative(srcRoot, file).split(sep);
  return parts.length > 1 ? parts[0] : '';
}

function layerOf(folder) {
  if (folder === '') return ROOT_FILE_LAYER;
  return LAYERS[folder];
}

/**
 * Every import in `files` (a map from absolute path to source text) that breaks the rule, as
 * sentences. Paths are resolved against `srcRoot`.
 */
export function violations(srcRoot, files) {
  const found = [];
  for (const [file, text] of files) {
    const from = folderOf(srcRoot, file);
    const fromLayer = layerOf(from);
    if (fromLayer === undefined) {
      found.push(`${relative(srcRoot, file)}: src/${from}/ is not a layer of DESIGN.md`);
      continue;
    }
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(srcRoot + sep)) continue;
      const to = folderOf(srcRoot, target);
      const toLayer = layerOf(to);
      const where = `${relative(srcRoot, file)} imports ${specifier}`;
      if (toLayer === undefined) {
        found.push(`${where}: src/${to}/ is not a layer`);
      } else if (toLayer > fromLayer) {
        found.push(`${where}: ${from || 'src/'} may not import from the higher layer ${to}/`);
      }
      const base = target.split(sep).at(-1);
      if (base.startsWith('_') && !dirname(file).startsWith(dirname(target))) {
        found.push(
          `${where}: ${base} is private to ${relative(srcRoot, dirname(target)) || 'src'}/`,
        );
      }
    }
  }
  return found;
}

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const files = new Map(sources(srcRoot).map((file) => [file, readFileSync(file, 'utf8')]));
  const found = violations(srcRoot, files);
  if (found.length > 0) {
    console.error(`Layer rule broken (${found.length}):\n${found.map((f) => `  ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`Layers: ${files.size} files in src/, every import points down.`);
}
