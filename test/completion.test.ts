import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Command, Option } from 'commander';
import { program } from '../src/cli/program.js';
import { CLI, hasCommand, ROOT, requireBuild, requirePeer, run, socketkit } from './_helpers.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const MAN = join(ROOT, 'man');

/** The tree as commander holds it: every command, and the options its --help shows. */
async function tree(): Promise<{ root: Command; commands: Command[] }> {
  const root = await program();
  const visible = root.createHelp().visibleCommands(root);
  // commander's own `help [command]` is visible too, but it is no command of socketkit's.
  return { root, commands: visible.filter((command) => root.commands.includes(command)) };
}

function visibleOptions(command: Command): Option[] {
  return command.createHelp().visibleOptions(command);
}

function names(option: Option): string[] {
  return [option.short, option.long].filter((n) => n !== undefined);
}

/** The file, path or directory an option's value is, as its placeholder says. */
function takesFile(option: Option): boolean {
  return /<(file|path)\b[^>]*>/.test(option.flags);
}

async function script(shell: string): Promise<string> {
  const result = await socketkit(['completion', shell]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  return result.stdout.toString();
}

/**
 * What the bash script completes for `words` (the last one is being typed), called as bash calls
 * it: COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set, the function `complete -p` names.
 */
function bashComplete(bashScript: string, words: string[]): string[] {
  const program = `source "$1"; shift
function=$(complete -p socketkit | sed -E 's/.* -F ([^ ]+) .*/\\1/')
COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}; COMPREPLY=()
"$function" socketkit "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', program, 'bash', bashScript, ...words], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '', `bash said something completing ${words.join(' ')}`);
  return result.stdout.split('\n').filter(Boolean).sort();
}

function temporary(): string {
  return mkdtempSync(join(tmpdir(), 'socketkit-completion-'));
}

describe('socketkit completion', () => {
  test('without a shell, or with one it does not know, is bad usage naming the shells', async () => {
    const none = await socketkit(['completion']);
    assert.equal(none.code, 2);
    assert.equal(none.stdout.length, 0);
    assert.match(none.stderr, /^socketkit: [^\n]*\bbash, zsh or fish\n$/);
    const unknown = await socketkit(['completion', 'tcsh']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /^socketkit: Invalid SHELL "tcsh": [^\n]*bash, zsh, fish[^\n]*\n$/,
    );
  });

  test('bash: sourcing the script registers a completion function for socketkit', async (t) => {
    if (!requirePeer(t, 'bash', 'to load the bash completion')) return;
    requireBuild();
    const result = await run('bash', [
      '-c',
      `source <("${process.execPath}" "${CLI}" completion bash); complete -p socketkit`,
    ]);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.match(result.stdout.toString(), /^complete -F \S+ socketkit\n$/);
  });

  test('bash: completes commands, options, files and choices from COMP_WORDS', async (t) => {
    if (!requirePeer(t, 'bash', 'to run the bash completion')) return;
    const dir = temporary();
    try {
      const file = join(dir, 'socketkit.bash');
      writeFileSync(file, await script('bash'));
      const complete = (...words: string[]) => bashComplete(file, ['socketkit', ...words]);
      assert.deepEqual(complete('f'), ['fetch']);
      assert.deepEqual(complete('fetch', '--ca'), ['--cacert']);
      assert.deepEqual(complete('-'), ['--help', '--version', '-V', '-h']);
      // A file where the option takes one, also after "=" (bash splits --cacert=x there).
      assert.deepEqual(complete('fetch', '--cacert', 'test/fix'), ['test/fixtures']);
      assert.deepEqual(complete('fetch', '--cacert', '=', 'test/fix'), ['test/fixtures']);
      assert.deepEqual(complete('serve', '--root', 'test/fix'), ['test/fixtures']);
      // Not after an option whose value is not a file, nor for a URL.
      assert.deepEqual(complete('fetch', '-X', 'test/fix'), []);
      assert.deepEqual(complete('fetch', 'test/fix'), []);
      // serve's services, wherever they are among its options; bench's modes; the shells.
      assert.deepEqual(complete('serve', 'e'), ['echo']);
      assert.deepEqual(complete('serve', '--host', '0.0.0.0', 'echo', 'd'), ['daytime', 'discard']);
      assert.deepEqual(complete('bench', '--mode', 'o'), ['oneshot']);
      assert.deepEqual(complete('completion', ''), ['bash', 'fish', 'zsh']);
      assert.deepEqual(complete('completion', 'bash', ''), []);
      assert.deepEqual(complete('help', 'se'), ['serve', 'service']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('zsh: the script loads, sourced after compinit and autoloaded from $fpath', async (t) => {
    const text = await script('zsh');
    assert.match(text, /^#compdef socketkit\n/);
    assert.match(text, /\n {2}compdef _socketkit socketkit\n/);
    if (!hasCommand('zsh')) {
      t.diagnostic('zsh is not installed: its script was checked as text only');
      return;
    }
    const dir = temporary();
    try {
      writeFileSync(join(dir, '_socketkit'), text);
      const syntax = await run('zsh', ['-n', join(dir, '_socketkit')]);
      assert.equal(syntax.stderr, '');
      assert.equal(syntax.code, 0);
      for (const load of [
        `source ${join(dir, '_socketkit')}`,
        `fpath=(${dir} $fpath); compinit -D -u`,
      ]) {
        const result = await run('zsh', [
          '-f',
          '-c',
          `autoload -U compinit && compinit -D -u && ${load} && print -r -- $_comps[socketkit]`,
        ]);
        assert.equal(result.stderr, '', load);
        assert.equal(result.stdout.toString(), '_socketkit\n', load);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fish: the script loads, and completes commands, options and files', async (t) => {
    const text = await script('fish');
    assert.match(text, /\ncomplete -c socketkit -n 'not __socketkit_command' -a 'fetch' /);
    if (!hasCommand('fish')) {
      t.diagnostic('fish is not installed: its script was checked as text only');
      return;
    }
    const dir = temporary();
    try {
      const file = join(dir, 'socketkit.fish');
      writeFileSync(file, text);
      const syntax = await run('fish', ['--no-execute', file]);
      assert.equal(syntax.stderr, '');
      const complete = async (line: string) => {
        const result = await run(
          'fish',
          ['--no-config', '-c', `source ${file}; complete --do-complete=${JSON.stringify(line)}`],
          { env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir } },
        );
        assert.equal(result.stderr, '', line);
        return result.stdout
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t')[0])
          .sort();
      };
      assert.deepEqual(await complete('socketkit f'), ['fetch']);
      assert.deepEqual(await complete('socketkit fetch --ca'), ['--cacert']);
      assert.deepEqual(await complete('socketkit fetch --cacert test/fix'), ['test/fixtures/']);
      assert.deepEqual(await complete('socketkit serve echo d'), ['daytime', 'discard']);
      // "daytime" after serve is a service, not the daytime command: serve's options, not its.
      assert.deepEqual(await complete('socketkit serve daytime --u'), ['--unix']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every command and every option of the tree is in the bash, zsh and fish scripts and the man pages', async () => {
    const { root, commands } = await tree();
    assert.ok(commands.length >= 14, `only ${commands.length} commands`);
    const bash = await script('bash');
    const zsh = await script('zsh');
    const fish = await script('fish');
    const rootPage = readFileSync(join(MAN, 'socketkit.1'), 'utf8');
    const roffName = (name: string) => `\\fB${name.replace(/-/g, '\\-')}\\fR`;
    const bashRoot = /\n {4}options='([^']*)'\n {4}args=\('words:([^']*)'\)/.exec(bash);
    assert.ok(bashRoot, 'bash has no completion for the first word');
    assert.deepEqual(bashRoot[1]!.split(' ').sort(), visibleOptions(root).flatMap(names).sort());
    for (const option of visibleOptions(root)) {
      for (const name of names(option)) {
        assert.ok(rootPage.includes(roffName(name)), `socketkit.1 lacks ${name}`);
        assert.match(zsh, new RegExp(`\\n {4}'${name}\\[`), `zsh lacks socketkit ${name}`);
      }
      const fishLine = `-n 'not __socketkit_command' -s ${option.short!.slice(1)} -l ${option.long!.slice(2)} `;
      assert.ok(fish.includes(fishLine), `fish lacks socketkit ${option.flags}`);
    }
    assert.deepEqual(
      bashRoot[2]!.split(' ').filter((name) => name !== 'help'),
      commands.map((command) => command.name()),
    );
    for (const command of commands) {
      const name = command.name();
      const what = `socketkit ${name}`;
      const page = readFileSync(join(MAN, `socketkit-${name}.1`), 'utf8');
      assert.ok(rootPage.includes(roffName(`socketkit ${name}`)), `socketkit.1 lacks ${name}`);
      assert.ok(page.includes(`\n.B socketkit ${name}\n`), `${name}'s page has no synopsis`);
      const bashOptions = new RegExp(`\\n {4}'${name}'\\)\\n {6}options='([^']*)'`).exec(bash);
      assert.ok(bashOptions, `bash has no case for ${name}`);
      const zshBlock = new RegExp(`\\n_socketkit_${name}\\(\\) \\{\\n([\\s\\S]*?)\\n\\}\\n`).exec(
        zsh,
      )?.[1];
      assert.ok(zshBlock, `zsh has no function for ${name}`);
      const fishLines = fish
        .split('\n')
        .filter((line) => line.includes(` -n '__socketkit_using ${name}' `));
      assert.ok(fish.includes(`-a '${name}' -d `), `fish does not offer ${name}`);
      const expected = visibleOptions(command).flatMap(names);
      assert.deepEqual(bashOptions[1]!.split(' ').sort(), [...expected].sort(), `bash ${what}`);
      for (const option of visibleOptions(command)) {
        for (const optionName of names(option)) {
          assert.ok(page.includes(roffName(optionName)), `${what}'s page lacks ${optionName}`);
          assert.match(zshBlock, new RegExp(`'${optionName}[+=]?\\[`), `zsh ${what} ${optionName}`);
        }
        const fishLine = fishLines.find(
          (line) =>
            (option.short === undefined || line.includes(` -s ${option.short.slice(1)} `)) &&
            (option.long === undefined || line.includes(` -l ${option.long.slice(2)} `)),
        );
        assert.ok(fishLine, `fish ${what} lacks ${option.flags}`);
        if (takesFile(option)) {
          assert.ok(fishLine.includes(' -r -F '), `fish ${what} ${option.flags}: no files`);
          assert.ok(
            bash.includes(`\n        ${names(option).join('|')}) kind='file' ;;`),
            `bash ${what} ${option.flags}: no files`,
          );
          for (const optionName of names(option))
            assert.match(zshBlock, new RegExp(`'${optionName}[+=]\\[[^\\n]*:_files'`));
        }
      }
      // Hidden options are left out, as --help leaves them out.
      for (const option of command.options.filter((o) => o.hidden)) {
        assert.ok(!bashOptions[1]!.split(' ').includes(option.long!), `bash offers ${option.long}`);
        assert.ok(!zshBlock.includes(`'${option.long}`), `zsh offers ${option.long}`);
      }
    }
  });
});

describe('man pages', () => {
  test('package.json lists every page build-man.ts made, and ships man/', () => {
    const pages = readdirSync(MAN).filter((file) => /\.1$/.test(file));
    assert.deepEqual(
      [...manifest.man].sort(),
      pages.map((page) => `./man/${page}`).sort(),
      'package.json "man"',
    );
    assert.ok(manifest.files.includes('man'), 'package.json "files" lacks man');
    assert.ok(pages.includes('socketkit.1') && pages.includes('socketkit-fetch.1'));
  });

  test('the pages carry the examples and exit codes each command adds to its help', () => {
    const fetch = readFileSync(join(MAN, 'socketkit-fetch.1'), 'utf8');
    assert.match(
      fetch,
      /\n\.SH EXIT STATUS\n[\s\S]*\n\.TP\n\\fB77\\fR\n\\-\\-cacert is not a CA file\n/,
    );
    assert.match(fetch, /\n\.SH EXAMPLES\n[\s\S]*\n\$ socketkit fetch \\-i localhost:8080\n/);
    const serve = readFileSync(join(MAN, 'socketkit-serve.1'), 'utf8');
    assert.match(
      serve,
      /\n\.SH DESCRIPTION\n[\s\S]*Ports \(with the default \\-\\-base\\-port 7000\)/,
    );
    const root = readFileSync(join(MAN, 'socketkit.1'), 'utf8');
    assert.match(root, /\n\.TP\n\\fB60\\fR\ncertificate not trusted\n/);
  });

  test('the pages are the same each build: no date, the package version', async () => {
    const read = () =>
      new Map(readdirSync(MAN).map((file) => [file, readFileSync(join(MAN, file), 'utf8')]));
    const before = read();
    for (const [file, text] of before) {
      assert.match(
        text,
        new RegExp(`\\n\\.TH \\S+ 1 "" "socketkit ${manifest.version.replace(/\./g, '\\.')}" `),
        file,
      );
    }
    const again = await run(process.execPath, ['--import', 'tsx', 'scripts/build-man.ts']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(read(), before);
  });

  test('groff renders every page without a warning', async (t) => {
    if (!requirePeer(t, 'groff', 'to check the man pages (Debian: groff-base)')) return;
    for (const file of readdirSync(MAN)) {
      const result = await run('groff', ['-man', '-Tutf8', '-ww', '-z', join(MAN, file)]);
      assert.equal(result.stderr, '', file);
      assert.equal(result.code, 0, file);
    }
  });

  test('man -l man/socketkit.1 renders without a warning', async (t) => {
    if (!requirePeer(t, 'man', 'to check the man pages (Debian: man-db)')) return;
    for (const file of ['socketkit.1', 'socketkit-fetch.1', 'socketkit-completion.1']) {
      const result = await run('man', ['-l', '--warnings', '-E', 'UTF-8', join(MAN, file)], {
        env: { MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' },
      });
      assert.equal(result.stderr, '', file);
      assert.equal(result.code, 0, file);
      const text = result.stdout.toString();
      assert.match(text, /^SOCKETKIT/);
      if (file === 'socketkit-fetch.1') assert.match(text, /\n {7}--cacert file\n/);
    }
  });
});
