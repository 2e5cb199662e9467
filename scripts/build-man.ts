/**
 * The man pages, made at build time (`npm run build` runs this after tsc) from the command tree in
 * dist/ — the same commander definitions that parse the flags and print `--help`: each command's
 * description, arguments, options (with their defaults and choices) and the text its help adds
 * with `addHelpText` (its examples, its exit codes, its notes).
 *
 *   node --import tsx scripts/build-man.ts
 *
 * One page per command, `man/socketkit-fetch.1` and so on, beside `man/socketkit.1`, which lists
 * them all: git and npm are read this way, `man socketkit-fetch` opens at fetch's forty options
 * instead of somewhere in one long page, and each page's NAME line is its own entry for `apropos`
 * and `whatis`.
 *
 * The output is the same for the same definitions: no date, the package version in the footer.
 * man/ is rewritten whole; package.json's `man` must list exactly the pages made (npm links those
 * on a global install), and this script fails naming the difference when it does not.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArgumentNode, CommandNode, OptionNode } from '../src/cli/command-tree.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAN = join(ROOT, 'man');

/** A module of the build, typed by its source. */
async function built<T>(path: string): Promise<T> {
  return (await import(new URL(`../dist/${path}`, import.meta.url).href)) as T;
}

/**
 * Text as roff: backslashes, hyphens (as `\-`, so that options copy and paste as typed), quotes
 * that must stay ASCII, and every other non-ASCII character as a `\[uXXXX]` escape, so the pages
 * are ASCII and need no preprocessor. A line is never left starting with a control character.
 */
function roff(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\') out += '\\e';
    else if (char === '-') out += '\\-';
    else if (char === "'") out += '\\(aq';
    else if (char === '`') out += '\\(ga';
    else if (code > 0x7e) out += `\\[u${code.toString(16).toUpperCase().padStart(4, '0')}]`;
    else out += char;
  }
  return out.replace(/^([.'])/gm, '\\&$1');
}

const bold = (text: string) => `\\fB${roff(text)}\\fR`;
const italic = (text: string) => `\\fI${roff(text)}\\fR`;

/** A description from the definitions (`fetch a URL …`) as a sentence. */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A description as a NAME line wants it: no capital, no full stop. */
function summary(text: string): string {
  const trimmed = text.trim().replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(trimmed) ? trimmed.charAt(0).toLowerCase() + trimmed.slice(1) : trimmed;
}

/** `[options] <host> [port]` with the placeholders in italics. */
function usageLine(usage: string): string {
  return usage
    .split(/(\s+)/)
    .map((word) => {
      const match = /^([<[])([^>\]]+?)(\.\.\.)?([>\]])$/.exec(word);
      if (match === null) return roff(word);
      const [, open, name, dots = '', close] = match;
      // An angle bracket says "required" in --help; the man convention is the bare italic name.
      return open === '<'
        ? `${italic(name!)}${roff(dots)}`
        : `${roff(open!)}${italic(name!)}${roff(dots)}${roff(close!)}`;
    })
    .join('');
}

function synopsis(command: CommandNode): string[] {
  const rest = command.usage.slice(command.path.length).trim();
  return ['.SH SYNOPSIS', `.B ${roff(command.path)}`, usageLine(rest)];
}

function optionTerm(option: OptionNode): string {
  const names = [option.short, option.long].filter((n) => n !== undefined).map(bold);
  if (option.value === undefined) return names.join(', ');
  const value = italic(option.value.name);
  return `${names.join(', ')} ${option.value.optional ? `[${value}]` : value}`;
}

function optionsSection(options: OptionNode[]): string[] {
  if (options.length === 0) return [];
  return ['.SH OPTIONS', ...options.flatMap((o) => ['.TP', optionTerm(o), roff(o.description)])];
}

function argumentsSection(args: ArgumentNode[]): string[] {
  const described = args.filter((a) => a.description !== '');
  if (described.length === 0) return [];
  return [
    '.SH ARGUMENTS',
    ...described.flatMap((a) => [
      '.TP',
      `${italic(a.name)}${a.variadic ? '...' : ''}`,
      roff(a.description),
    ]),
  ];
}

interface Sections {
  description: string[];
  exitStatus: string[];
  examples: string[];
}

/** Lines shown as typed: the indentation they share removed, the rest kept. */
function display(lines: string[]): string[] {
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return ['.RS 4', '.nf', ...lines.map((l) => roff(l.slice(indent))), '.fi', '.RE'];
}

/**
 * "Exit codes: 0 ok, 2 bad usage, 35/60 TLS failed." as a list of codes; null when the text is
 * not such a list (then it is printed as it is).
 */
function exitCodes(text: string): string[] | null {
  const match = /^Exit codes([^:]*):\s*(.*)$/s.exec(text.replace(/\s+/g, ' ').trim());
  if (match === null) return null;
  let body = match[2]!;
  // A sentence after the list ("See the README for the full list.") is kept as a paragraph.
  const after = /^(.*?\D)\.\s+([A-Z].*)$/.exec(body);
  const tail = after?.[2] ?? '';
  body = (after?.[1] ?? body).replace(/\.$/, '');
  const items = body.split(/,\s+(?=\d+(?:\/\d+)*\s)/);
  const parsed = items.map((item) => /^(\d+(?:\/\d+)*)\s+(.+)$/.exec(item));
  if (parsed.some((p) => p === null)) return null;
  const label = match[1]!.trim();
  return [
    ...(label === '' ? [] : ['.PP', roff(`Exit codes ${label}:`)]),
    // One line per code (.PD 0: no blank line between the items).
    '.PD 0',
    ...parsed.flatMap((p) => ['.TP', bold(p![1]!), roff(p![2]!)]),
    '.PD',
    ...(tail === '' ? [] : ['.PP', roff(tail)]),
  ];
}

/**
 * The text a command adds to its help, by paragraph: "Example…:" blocks go to EXAMPLES, "Exit
 * codes…" to EXIT STATUS, anything else to DESCRIPTION; indented lines are shown as typed.
 */
function helpSections(text: string): Sections {
  const sections: Sections = { description: [], exitStatus: [], examples: [] };
  for (const paragraph of text.split(/\n\s*\n/).filter((p) => p.trim() !== '')) {
    const lines = paragraph.replace(/^\n+/, '').split('\n');
    const first = lines[0]!.trim();
    const rest = lines.slice(1);
    const block = rest.length > 0 && rest.every((l) => /^\s/.test(l) || l.trim() === '');
    if (/^Examples?\b.*:$/.test(first) && block) {
      const label = /^Examples?:$/.test(first) ? [] : ['.PP', roff(first)];
      sections.examples.push(...label, ...display(rest));
      continue;
    }
    const codes = exitCodes(paragraph);
    if (codes !== null) {
      sections.exitStatus.push(...codes);
      continue;
    }
    if (/^Exit codes\b/.test(first)) {
      sections.exitStatus.push('.PP', ...lines.map((l) => roff(l.trim())));
      continue;
    }
    if (block && first.endsWith(':')) {
      sections.description.push('.PP', roff(first), ...display(rest));
      continue;
    }
    sections.description.push('.PP', ...lines.map((l) => roff(l.trim())));
  }
  return sections;
}

function pageName(command: CommandNode): string {
  return command.path.replace(/ /g, '-');
}

function header(command: CommandNode, version: string): string[] {
  return [
    `.\\" ${pageName(command)}(1), made by scripts/build-man.ts from socketkit's command definitions`,
    '.\\" (npm run build): edit those, not this file.',
    `.TH ${roff(pageName(command).toUpperCase())} 1 "" "socketkit ${roff(version)}" "socketkit manual"`,
    // Left-aligned and unhyphenated: flags, URLs and file names read as they are typed.
    '.ad l',
    '.nh',
    '.SH NAME',
    `${roff(pageName(command))} \\- ${roff(summary(command.description))}`,
  ];
}

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : [`.SH ${title}`, ...lines];
}

function seeAlso(pages: string[]): string[] {
  return [
    '.SH SEE ALSO',
    pages.map((page, i) => `.BR ${roff(page)} (1)${i < pages.length - 1 ? ',' : ''}`).join('\n'),
  ];
}

function commandPage(command: CommandNode, root: CommandNode, version: string): string {
  const extra = helpSections([command.helpBefore, command.helpAfter].join('\n\n'));
  return [
    ...header(command, version),
    ...synopsis(command),
    '.SH DESCRIPTION',
    roff(sentence(command.description)),
    ...extra.description,
    ...argumentsSection(command.arguments),
    ...optionsSection(command.options),
    ...section('EXIT STATUS', extra.exitStatus),
    ...section('EXAMPLES', extra.examples),
    ...seeAlso([pageName(root)]),
    '',
  ].join('\n');
}

function rootPage(root: CommandNode, version: string): string {
  const extra = helpSections([root.helpBefore, root.helpAfter].join('\n\n'));
  const commands = root.commands.flatMap((command) => [
    '.TP',
    `${bold(command.path)} ${usageLine(command.usage.slice(command.path.length).trim())}`,
    roff(sentence(command.description)),
    ...(command.implicitHelp ? [] : [`See \\fB${roff(pageName(command))}\\fR(1).`]),
  ]);
  return [
    ...header(root, version),
    ...synopsis(root),
    '.SH DESCRIPTION',
    roff(sentence(root.description)),
    ...extra.description,
    '.SH COMMANDS',
    ...commands,
    ...optionsSection(root.options),
    ...section('EXIT STATUS', extra.exitStatus),
    ...section('EXAMPLES', extra.examples),
    ...seeAlso(root.commands.filter((c) => !c.implicitHelp).map(pageName)),
    '',
  ].join('\n');
}

/** Every page of the tree: file name → roff. */
function manPages(root: CommandNode, version: string): Map<string, string> {
  const pages = new Map([[`${pageName(root)}.1`, rootPage(root, version)]]);
  for (const command of root.commands) {
    if (!command.implicitHelp)
      pages.set(`${pageName(command)}.1`, commandPage(command, root, version));
  }
  return pages;
}

const { program } = await built<typeof import('../src/cli/program.js')>('cli/program.js');
const { commandTree } =
  await built<typeof import('../src/cli/command-tree.js')>('cli/command-tree.js');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const pages = manPages(commandTree(await program()), manifest.version);

mkdirSync(MAN, { recursive: true });
for (const file of readdirSync(MAN)) if (/\.\d$/.test(file)) rmSync(join(MAN, file));
for (const [file, text] of pages) writeFileSync(join(MAN, file), text);

const made = [...pages.keys()].map((file) => `./man/${file}`);
const listed: string[] = Array.isArray(manifest.man) ? manifest.man : [];
const missing = made.filter((page) => !listed.includes(page));
const extra = listed.filter((page) => !made.includes(page));
if (missing.length > 0 || extra.length > 0) {
  console.error(
    `package.json "man" must list every page in man/ and no other${missing.length > 0 ? `; add ${missing.join(', ')}` : ''}${extra.length > 0 ? `; remove ${extra.join(', ')}` : ''}`,
  );
  process.exit(1);
}
