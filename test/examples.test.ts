/**
 * Every tutorial program in examples/ runs against its loopback stand-in and does what the
 * tutorial says (the tour's steps, each checked here and again against the outputs below);
 * `socketkit tour` itself exits 0 offline; and the examples type-check against the packed package
 * exactly as a user who installed `socketkit` would import it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runStep, STEPS } from '../src/tour/run.js';
import { ROOT, requireBuild, socketkit } from './_helpers.js';

/**
 * What each step's programs print, checked here apart from the step's own checks, so a
 * weakened check in the tour cannot pass unnoticed.
 */
const OUTPUT: Record<string, RegExp> = {
  'fetch-root': /b'HTTP\/1\.1 200 OK\\r\\n[\s\S]*<\/html>\\n'/,
  gethostbyname: /^127\.0\.0\.1$/m,
  'qotd-udp': /\S/,
  'daytime-tcp': /^\w+day, \w+ \d{1,2}, \d{4} \d\d:\d\d:\d\d-UTC$/m,
  'head-http': /^HTTP\/1\.1 200 OK$/m,
  'head-https': /^HTTP\/1\.1 200 OK$/m,
  'get-https': /<h1>A stand-in site<\/h1>/,
  echo: /^hello there$/m,
  'async-server': /serving on 127\.0\.0\.1 port \d+/,
  services: /^ssh uses port 22\nport 80 is http$/m,
  hosts: /addresses \[127\.0\.0\.1\]/,
  'socket-properties': /family=AF_INET, type=SOCK_STREAM, proto=6/,
  'bytes-and-text': /b'hello world!' \(12 bytes\)/,
  'browse-in-chunks': /<\/html>/,
  'hello-server': /^GET \/ HTTP\/1\.1\r?$/m,
  'host-header': /421 Misdirected Request[\s\S]*200 OK/,
  reverse: /^!dlrow ,olleH$/m,
  lan: /says: Hey there/,
  'framing-fixed':
    /message: Hello, world!\nmessage: Second message\nmessage: Third, sent on its own/,
  'framing-delimited':
    /message: Hello, world!\nmessage: Second message\nmessage: Third, sent on its own/,
  'framing-length':
    /message: Hello, world!\nmessage: Second message\nmessage: Third, sent on its own/,
  'framing-close':
    /message: Hello, world!\nmessage: Second message\nmessage: Third, sent on its own/,
  'send-all': /^sent 4194304 bytes in/m,
  'shutdown-vs-close': /^answer: desserts$/m,
  'echo-client': /Response: Hello there\nMessage: Response: How are you\?/,
};

describe('every tutorial program against its stand-in', () => {
  requireBuild();
  for (const step of STEPS) {
    test(`${step.tutorial} ${step.name}: ${step.title}`, async () => {
      const result = await runStep(step);
      const failed = result.checks.filter((c) => !c.ok);
      assert.equal(
        result.error,
        undefined,
        `${step.name}: ${result.error}\n${result.runs.map((r) => `${r.command}\n${r.stdout}${r.stderr}`).join('\n')}`,
      );
      assert.deepEqual(failed, [], `${step.name}: failed checks`);
      assert.ok(result.checks.length >= 1);
      const output = result.runs.map((r) => r.stdout).join('\n');
      assert.match(output, OUTPUT[step.name]!, `${step.name}: output`);
    });
  }

  test('every example file is run by some step, and every step has an output check', () => {
    const files = readdirSync(join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    const run = [...new Set(STEPS.flatMap((s) => s.examples))].sort();
    assert.deepEqual(run, files);
    assert.ok(files.length >= 25, `only ${files.length} examples`);
    assert.deepEqual(Object.keys(OUTPUT).sort(), STEPS.map((s) => s.name).sort());
  });
});

describe('socketkit tour', () => {
  test('runs every step offline and exits 0; --json says the same', async () => {
    const result = await socketkit(['tour'], { timeoutMs: 120_000 });
    const out = result.stdout.toString();
    assert.equal(result.code, 0, `${out}\n${result.stderr}`);
    assert.match(
      out,
      new RegExp(`All ${STEPS.length} steps did what the tutorials say \\(\\d+ checks\\)`),
    );
    assert.match(out, /✔ \[003\] The reverse server and its client/);
    assert.match(out, /> b'Hello, world!' \(13 bytes\)\n {4}< b'!dlrow ,olleH' \(13 bytes\)/);

    const json = await socketkit(['tour', '--json', '--only', 'reverse,daytime-tcp'], {
      timeoutMs: 60_000,
    });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout.toString()) as {
      ok: boolean;
      steps: Array<{ name: string; ok: boolean; wire: Array<{ sent: string; received: string }> }>;
    };
    assert.equal(parsed.ok, true);
    assert.deepEqual(
      parsed.steps.map((s) => s.name),
      ['daytime-tcp', 'reverse'],
    );
    assert.equal(parsed.steps[1]!.wire[0]!.received, '!dlrow ,olleH');
  });

  test('--list names every step in tutorial order; --only takes an example name too', async () => {
    const list = await socketkit(['tour', '--list']);
    const lines = list.stdout.toString().trimEnd().split('\n');
    assert.equal(lines.length, STEPS.length);
    assert.match(lines[0]!, /^000 {2}fetch-root +Fetch a root document by hand$/);
    assert.deepEqual(
      lines.map((l) => l.slice(0, 3)),
      [...lines.map((l) => l.slice(0, 3))].sort(),
    );
    const one = await socketkit(['tour', '--only', '003-reverse-client']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout.toString(), /All 1 step did what the tutorials say/);
  });

  test('an example that crashes: its step says so in one sentence, and no stack trace is shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-crash-'));
    try {
      // Loaded into every Node process of the run; it crashes only the examples.
      const plant = join(dir, 'plant.cjs');
      writeFileSync(
        plant,
        "if (process.argv[1]?.includes('/examples/')) throw new TypeError('a crash planted by the test');\n",
      );
      const env = { NODE_OPTIONS: `--require ${plant}` };
      const text = await socketkit(['tour', '--only', 'gethostbyname,echo'], { env });
      const out = text.stdout.toString();
      assert.equal(text.code, 1, `${out}\n${text.stderr}`);
      assert.match(
        out,
        /✘ 001-gethostbyname crashed: TypeError: a crash planted by the test \(at plant\.cjs:1\)\n/,
      );
      assert.match(out, /✘ 001-echo-server crashed: TypeError: a crash planted by the test/);
      assert.doesNotMatch(out, /^\s*(!\s*)?at \S|Node\.js v\d|^\s*(!\s*)?\^\s*$/m, out);
      // The examples printed nothing to stderr but the crash, so no stderr line is shown.
      assert.doesNotMatch(out, /^ {4}! /m, out);
      assert.match(out, /2 of 2 steps failed: gethostbyname, echo\n$/);

      const json = await socketkit(['tour', '--json', '--only', 'gethostbyname'], { env });
      const [step] = (
        JSON.parse(json.stdout.toString()) as {
          steps: Array<{ error: string; runs: Array<{ stderr: string; crash: string }> }>;
        }
      ).steps;
      assert.match(step!.error, /^001-gethostbyname crashed: TypeError: a crash planted/);
      assert.equal(step!.runs[0]!.stderr, '');
      assert.equal(step!.runs[0]!.crash, 'TypeError: a crash planted by the test (at plant.cjs:1)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown step exits 2 and names it', async () => {
    const result = await socketkit(['tour', '--only', 'nope']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Unknown tour step "nope": socketkit tour --list shows the names/);
  });
});

describe('examples as an installed package sees them', () => {
  test('each example type-checks against the packed socketkit', () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-installed-'));
    try {
      // What npm would install: the files `npm pack` puts in the tarball, nothing else.
      const packed = JSON.parse(
        execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
          cwd: ROOT,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      ) as Array<{ filename: string }>;
      const modules = join(dir, 'node_modules');
      mkdirSync(join(modules, 'socketkit'), { recursive: true });
      execFileSync('tar', [
        '-xzf',
        join(dir, packed[0]!.filename),
        '-C',
        join(modules, 'socketkit'),
        '--strip-components=1',
      ]);
      // Its dependencies (and Node's types) as npm would place them beside it.
      for (const dep of ['commander', 'picocolors', 'cli-progress', '@types']) {
        symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
      }
      const project = join(dir, 'project');
      mkdirSync(project);
      cpSync(join(ROOT, 'examples'), join(project, 'examples'), { recursive: true });
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2023',
            lib: ['ES2023', 'ESNext.Disposable'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
          },
          include: ['examples'],
        }),
      );
      writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }\n');
      // node_modules one level up from the project, as in a workspace.
      symlinkSync(modules, join(project, 'node_modules'));
      try {
        execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', project], {
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (error) {
        const { stdout, stderr } = error as { stdout: string; stderr: string };
        assert.fail(
          `examples do not type-check against the installed package:\n${stdout}${stderr}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
