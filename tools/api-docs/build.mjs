#!/usr/bin/env node
// `npm run docs`: socketkit's API reference in docs/api/, made by TypeDoc from the JSDoc in the
// .d.ts files that `npm run build` emits, one page per entry point of package.json's exports.
//
// Why the .d.ts and not src/: TypeDoc needs TypeScript's JavaScript compiler API, which the project's
// TypeScript 7 (the native compiler) does not have, so this folder pins TypeDoc with a TypeScript 5
// of its own (npm ci --prefix tools/api-docs). The emitted declarations are also exactly what a
// user's editor shows, and TypeScript 5 reads them whatever TypeScript 7 syntax src/ comes to use.
//
// Every TypeDoc warning fails the build (treatWarningsAsErrors): a link that resolves to nothing, a
// public type that refers to one not exported. The only exceptions are PENDING below, each a known
// defect in src/ with its fix, and each must still occur: once src/ is fixed, delete its entry.
//
// `--coverage` then checks that the reference is complete, and fails when it is not (CI runs it):
// every public symbol has documentation, and every function and class a titled `@example`
// (`@example Ask a daytime server for the time`), as does every other example there is.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..');
const manifest = createRequire(import.meta.url)(join(ROOT, 'package.json'));

if (!existsSync(join(HERE, 'node_modules', 'typedoc'))) {
  console.error('TypeDoc is not installed here: run npm ci --prefix tools/api-docs once.');
  process.exit(1);
}
const { Application, ConsoleLogger, Converter, LogLevel, ReflectionKind } = await import('typedoc');

/**
 * Known defects in src/'s JSDoc that TypeDoc rightly warns about, until src/ is fixed: each entry
 * `{ warning, fix }` is a text the warning contains and where and how to fix it. None at present.
 */
const PENDING = [];

// The entry points and their names as a user imports them: './framing' → socketkit/framing.
const entries = Object.entries(manifest.exports)
  .filter(([key, target]) => key !== './package.json' && typeof target === 'object')
  .map(([key, target]) => ({
    specifier: key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`,
    file: join(ROOT, target.types),
  }));
const missing = entries.filter((entry) => !existsSync(entry.file));
if (missing.length > 0) {
  console.error(
    `${missing.map((e) => relative(ROOT, e.file)).join(', ')} missing: run npm run build`,
  );
  process.exit(1);
}

/** Prints as TypeDoc's console logger does, and keeps each warning and error for the verdict. */
class RecordingLogger extends ConsoleLogger {
  warnings = [];
  errors = [];
  quiet = false;
  log(message, level) {
    const plain = message.replace(/\x1b\[[0-9;]*m/g, '');
    if (level === LogLevel.Warn) this.warnings.push(plain);
    if (level === LogLevel.Error) this.errors.push(plain);
    const pending = level === LogLevel.Warn && PENDING.some((p) => plain.includes(p.warning));
    if (!this.quiet && !pending) super.log(message, level);
  }
}

const coverage = process.argv.includes('--coverage');
const app = await Application.bootstrapWithPlugins({
  name: manifest.name,
  includeVersion: true,
  entryPoints: entries.map((entry) => entry.file),
  tsconfig: join(HERE, 'tsconfig.json'),
  out: join(ROOT, 'docs', 'api'),
  readme: join(ROOT, 'README.md'),
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  treatWarningsAsErrors: false, // decided below, so that PENDING can be told apart
  validation: {
    notExported: true,
    invalidLink: true,
    invalidPath: true,
    rewrittenLink: true,
    notDocumented: false,
  },
});
const logger = new RecordingLogger();
app.logger = logger;

// TypeDoc names modules by path (index, framing, …); readers import them as socketkit/framing.
app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
  for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
    const entry = entries.find((e) => {
      const name = relative(join(ROOT, 'dist'), e.file).replace(/(^|\/)index\.d\.ts$/, '');
      return (name === '' ? 'index' : name) === module.name;
    });
    if (entry !== undefined) module.name = entry.specifier;
  }
});

const project = await app.convert();
if (project === undefined) {
  console.error('TypeDoc could not convert the declarations (see above).');
  process.exit(1);
}
app.validate(project);
await app.generateDocs(project, join(ROOT, 'docs', 'api'));

const unexpected = [
  ...logger.errors,
  ...logger.warnings.filter((w) => !PENDING.some((p) => w.includes(p.warning))),
];
const stale = PENDING.filter((p) => !logger.warnings.some((w) => w.includes(p.warning)));
for (const p of PENDING) {
  if (!stale.includes(p)) console.log(`pending fix in src/: ${p.fix}`);
}
for (const p of stale) {
  console.error(
    `no longer warned, so delete it from PENDING in tools/api-docs/build.mjs: ${p.warning}`,
  );
}

let incomplete = 0;
if (coverage) {
  // The same project, validated once more for documentation only; its warnings are the report.
  logger.quiet = true;
  const before = logger.warnings.length;
  app.options.setValue('validation', {
    notExported: false,
    invalidLink: false,
    invalidPath: false,
    rewrittenLink: false,
    notDocumented: true,
  });
  app.validate(project);
  const named = new Map();
  for (const reflection of Object.values(project.reflections)) {
    const key = `${reflection.getFriendlyFullName()} (${ReflectionKind[reflection.kind]})`;
    named.set(key, [...(named.get(key) ?? []), reflection]);
  }
  // A member a subclass inherits undocumented is listed again under every subclass; it takes its
  // documentation from the base, so only the base's entry is work to do.
  const inherited = (reflection) =>
    (reflection.inheritedFrom ?? reflection.parent?.inheritedFrom) !== undefined;
  const own = [];
  let copies = 0;
  for (const warning of logger.warnings.slice(before)) {
    const name = warning
      .replace(/^\[warning\] /, '')
      .replace(/, defined in .*$/, '')
      .replace(/ does not have any documentation\.?$/, '');
    if ((named.get(name) ?? []).some(inherited)) copies += 1;
    else own.push(name);
  }

  // What TypeDoc requires documentation for (its requiredToBeDocumented kinds), inherited copies aside.
  const required = app.options
    .getValue('requiredToBeDocumented')
    .reduce((kinds, kind) => kinds | ReflectionKind[kind], 0);
  const checked = Object.values(project.reflections).filter(
    (r) => r.kindOf(required) && !inherited(r),
  ).length;

  // Examples: each function and class has one with a title; so does every other example. A
  // function's comment sits on its signatures, each of them a reflection of its own.
  const examplesIn = (reflection) =>
    (reflection.comment?.blockTags ?? []).filter((tag) => tag.tag === '@example');
  const name = (r) => `${r.getFriendlyFullName()} (${ReflectionKind[r.kind]})`;
  const all = Object.values(project.reflections).filter((r) => !inherited(r));
  // An overloaded function shows its comment on every signature: count its examples once.
  const examples = new Set(
    all.flatMap((r) =>
      examplesIn(r).map(
        (t) => `${(r.kindOf(ReflectionKind.CallSignature) ? r.parent : r).id} ${t.name}`,
      ),
    ),
  ).size;
  const untitled = all.filter((r) => examplesIn(r).some((t) => !t.name)).map(name);
  const exampleless = project
    .getReflectionsByKind(ReflectionKind.Function | ReflectionKind.Class)
    .filter((r) => ![r, ...(r.signatures ?? [])].some((s) => examplesIn(s).some((t) => t.name)))
    .map(name);

  console.log(
    `\nDocumentation: ${checked - own.length} of ${checked} public symbols documented, ${examples} examples.`,
  );
  if (own.length + copies > 0) {
    console.error(
      `${own.length + copies} public symbols have no documentation: these ${own.length}, and ` +
        `${copies} inherited copies of them that subclasses show:`,
    );
    for (const n of own) console.error(`  ${n}`);
  }
  if (exampleless.length > 0) {
    console.error(`${exampleless.length} functions and classes have no titled @example:`);
    for (const n of exampleless) console.error(`  ${n}`);
  }
  if (untitled.length > 0) {
    console.error(
      `${untitled.length} symbols have an @example without a title (\`@example What it shows\`):`,
    );
    for (const n of untitled) console.error(`  ${n}`);
  }
  incomplete = own.length + copies + exampleless.length + untitled.length;
}

if (unexpected.length > 0 || stale.length > 0) {
  console.error(
    `\nThe API reference must build without warnings: ${unexpected.length} unexpected, ${stale.length} stale PENDING entries.`,
  );
  process.exit(1);
}
if (incomplete > 0) {
  console.error(`\nThe API reference must be complete (--coverage): ${incomplete} gaps above.`);
  process.exit(1);
}
console.log(
  `API reference: ${relative(ROOT, join(ROOT, 'docs', 'api', 'index.html'))}, 0 warnings` +
    (PENDING.length > 0 ? ` besides the ${PENDING.length} pending fixes in src/ above` : ''),
);
