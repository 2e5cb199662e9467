/**
 * Colour is decided per stream (stderr's own terminal, not stdout's), with FORCE_COLOR, NO_COLOR
 * and TERM=dumb as their conventions say, and CI not forcing it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { colourEnabled } from '../src/cli/_colour.js';
import { CLI, requirePeer, runPython, socketkit, unusedPort } from './_helpers.js';

const RED = '\u001b[31m';

describe('colour', () => {
  test('the rules, one row each', () => {
    const rows: Array<[boolean, Record<string, string | undefined>, boolean]> = [
      [true, {}, true],
      [false, {}, false],
      [true, { TERM: 'dumb' }, false],
      [true, { NO_COLOR: '1' }, false],
      // no-color.org: an empty NO_COLOR is as good as unset.
      [true, { NO_COLOR: '' }, true],
      [false, { FORCE_COLOR: '1' }, true],
      [false, { FORCE_COLOR: 'true' }, true],
      [true, { FORCE_COLOR: '0' }, false],
      [true, { FORCE_COLOR: 'false' }, false],
      [false, { FORCE_COLOR: '' }, false],
      // FORCE_COLOR wins over NO_COLOR, as in Node.
      [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
      // CI does not force colour into a log.
      [false, { CI: 'true' }, false],
    ];
    for (const [tty, env, expected] of rows)
      assert.equal(
        colourEnabled(tty, env),
        expected,
        `${tty ? 'tty' : 'pipe'} ${JSON.stringify(env)}`,
      );
  });

  test('the error line is red only when asked, never because of CI', async () => {
    const port = String(await unusedPort());
    const base = { NO_COLOR: '', TERM: 'xterm' };
    const forced = await socketkit(['connect', '127.0.0.1', port], {
      env: { ...base, FORCE_COLOR: '1' },
    });
    assert.equal(forced.code, 7);
    assert.ok(forced.stderr.startsWith(`${RED}socketkit:`), JSON.stringify(forced.stderr));
    const envs: Array<Record<string, string>> = [{ FORCE_COLOR: '0' }, { CI: 'true' }, {}];
    for (const env of envs) {
      const plain = await socketkit(['connect', '127.0.0.1', port], { env: { ...base, ...env } });
      assert.equal(plain.code, 7);
      assert.ok(plain.stderr.startsWith('socketkit:'), `${JSON.stringify(env)}: ${plain.stderr}`);
    }
  });

  test('stderr on a terminal is red while stdout goes to a pipe', async (t) => {
    if (!requirePeer(t, 'python3', 'to give the CLI a pseudo-terminal for stderr alone')) return;
    const port = String(await unusedPort());
    const result = await runPython(
      `
import json, os, pty, subprocess, sys
master, slave = pty.openpty()
env = {k: v for k, v in os.environ.items() if k not in ('NO_COLOR', 'FORCE_COLOR', 'CI')}
env['TERM'] = 'xterm'
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=slave, env=env, timeout=20)
os.close(slave)
seen = b''
try:
    while True:
        chunk = os.read(master, 4096)
        if not chunk: break
        seen += chunk
except OSError:
    pass
print(json.dumps({'code': p.returncode, 'stderr': seen.decode('utf8', 'replace'), 'stdout': p.stdout.decode()}))
`,
      [process.execPath, CLI, 'connect', '127.0.0.1', port],
    );
    const { code, stderr } = JSON.parse(result.stdout.toString()) as {
      code: number;
      stderr: string;
    };
    assert.equal(code, 7, result.stderr);
    assert.ok(stderr.startsWith(`${RED}socketkit:`), JSON.stringify(stderr));
  });
});
