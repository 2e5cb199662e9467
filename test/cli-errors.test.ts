/**
 * Bad input on the command line, as new users type it: each gets one sentence on stderr that
 * names the flag and the value, and the documented exit code; never a stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, encode } from '../src/index.js';
import { socketkit } from './_helpers.js';

let dir: string;
let plain: Server;
let plainPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'socketkit-cli-errors-'));
  writeFileSync(join(dir, 'not-pem.txt'), 'this is not a certificate\n');
  writeFileSync(
    join(dir, 'bad-pem.pem'),
    '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
  );
  // A plain server: an HTTP reply to anything, an echo of a line, then close.
  plain = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (data) => {
      if (data.toString('latin1').startsWith('GET ')) {
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n');
      } else {
        socket.end(data);
      }
    });
  });
  plainPort = await new Promise<number>((resolve) =>
    plain.listen(0, '127.0.0.1', () => resolve((plain.address() as { port: number }).port)),
  );
});

after(() => {
  plain.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One case: the arguments, the exit code, and what the one line on stderr must say. */
type Case = [string, () => string[], number, RegExp];

const url = () => `http://127.0.0.1:${plainPort}/`;

const CASES: Case[] = [
  [
    'fetch -d @ a missing file',
    () => ['fetch', '-d', `@${join(dir, 'missing')}`, url()],
    2,
    /Cannot read -d @\S+missing: no such file/,
  ],
  [
    'fetch --cacert that is not PEM',
    () => ['fetch', '--cacert', join(dir, 'not-pem.txt'), `https://127.0.0.1:${plainPort}/`],
    77,
    /--cacert \S+not-pem\.txt holds no PEM certificate/,
  ],
  [
    'fetch --cacert with a broken PEM block',
    () => ['fetch', '--cacert', join(dir, 'bad-pem.pem'), `https://127.0.0.1:${plainPort}/`],
    77,
    /certificate 1 is not a valid PEM certificate/,
  ],
  [
    'fetch --cacert that does not exist',
    () => ['fetch', '--cacert', join(dir, 'nope.pem'), url()],
    77,
    /Cannot read --cacert \S+nope\.pem: no such file/,
  ],
  [
    'fetch -I with -d',
    () => ['fetch', '-I', '-d', 'x', url()],
    2,
    /-I \(a HEAD request\) and -d \(a request body\) cannot be used together/,
  ],
  [
    'fetch --raw with --repr',
    () => ['fetch', '--raw', '--repr', url()],
    2,
    /--raw and --repr cannot be used together/,
  ],
  [
    'fetch -o with -O',
    () => ['fetch', '-o', 'x', '-O', `${url()}file`],
    2,
    /-o and -O cannot be used together/,
  ],
  [
    'fetch -F with -d',
    () => ['fetch', '-F', 'a=b', '-d', 'c', url()],
    2,
    /-F \(a form\) cannot be used with -d/,
  ],
  [
    'fetch -u without a password',
    () => ['fetch', '-u', 'alice', url()],
    2,
    /-u needs user:password/,
  ],
  [
    'fetch -w with a variable it does not know',
    () => ['fetch', '-w', '%{time_nope}', url()],
    2,
    /Invalid -w variable %\{time_nope\}/,
  ],
  [
    'fetch -O with a URL that ends in no file name',
    () => ['fetch', '-O', url()],
    23,
    /-O needs a URL that ends in a file name/,
  ],
  [
    'fetch -m that is not a duration',
    () => ['fetch', '-m', 'soon', url()],
    2,
    /Invalid -m, --max-time "soon": /,
  ],
  [
    'fetch https:// to a server that does not speak TLS',
    () => ['fetch', `https://127.0.0.1:${plainPort}/`],
    35,
    /^socketkit: The TLS handshake with 127\.0\.0\.1 port \d+ failed: [a-z ]+( \([^)]*\))? \(ERR_SSL_[A-Z_]+\)\n$/,
  ],
  [
    'connect --insecure without --tls',
    () => ['connect', '--insecure', '127.0.0.1', String(plainPort)],
    2,
    /--insecure needs --tls/,
  ],
  [
    'connect to a port out of range',
    () => ['connect', '127.0.0.1', '70000'],
    2,
    /Invalid port "70000"/,
  ],
  [
    'listen --host 127.0.0.1 with -6',
    () => ['listen', '--host', '127.0.0.1', '-6', '0'],
    2,
    /--host 127\.0\.0\.1 is an IPv4 address and -6 asks for IPv6/,
  ],
  [
    'serve http --root that does not exist',
    () => ['serve', 'http', '--port', '0', '--root', join(dir, 'no-such-dir')],
    2,
    /Invalid --root \S+no-such-dir: no such directory/,
  ],
  [
    'serve --max-connections 0',
    () => ['serve', '--max-connections', '0'],
    2,
    /Invalid --max-connections "0": /,
  ],
  [
    'bench --size over a datagram',
    () => ['bench', '--mode', 'udp', '--size', '70000', `127.0.0.1:${plainPort}`],
    2,
    /Invalid --size 70000: it must be from 1 to 65507/,
  ],
  [
    'bench --size in http mode',
    () => ['bench', '--size', '10', url()],
    2,
    /--size is for --mode echo and udp/,
  ],
  [
    'bench a remote target',
    () => ['bench', 'http://192.0.2.1/'],
    2,
    /Refusing to load-test 192\.0\.2\.1 .* with --allow-remote/,
  ],
];

describe('bad input on the command line: one sentence, the documented exit code', () => {
  for (const [what, args, code, message] of CASES) {
    test(`${what}: exit ${code}`, async () => {
      const result = await socketkit(args());
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
      const lines = result.stderr.trimEnd().split('\n');
      const errorLines = lines.filter(
        (line) => line.startsWith('socketkit:') || line.startsWith('error:'),
      );
      assert.equal(errorLines.length, 1, `more than one error line:\n${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\n\s+at [^\n]+:\d+:\d+/, 'a stack trace');
    });
  }
});

describe('durations of any length, and 0 for no limit', () => {
  test('fetch -m 3000000 and --connect-timeout 1e9 (past 2^31 ms) do not fire early; -m 0 is no limit', async () => {
    for (const flags of [
      ['-m', '3000000'],
      ['--connect-timeout', '1e9'],
      ['-m', '0'],
      ['-m', '2m'],
    ]) {
      const result = await socketkit(['fetch', ...flags, url()]);
      assert.equal(result.code, 0, `${flags.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout.toString(), 'ok\n');
      assert.doesNotMatch(result.stderr, /TimeoutOverflowWarning/);
    }
  });

  test('connect -w 1e9 waits as long as it is told, not 1 ms', async () => {
    const result = await socketkit(['connect', '-w', '1e9', '127.0.0.1', String(plainPort)], {
      input: 'echo me\n',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'echo me\n');
    assert.doesNotMatch(result.stderr, /TimeoutOverflowWarning/);
  });

  test('recv() with a timeout of 3e9 ms waits instead of failing after 1 ms', async () => {
    const sock = await connect('127.0.0.1', plainPort);
    const reading = sock.recv(100, { timeout: 3e9 });
    await new Promise((r) => setTimeout(r, 50));
    await sock.sendAll(encode('later\n'));
    assert.equal(Buffer.from(await reading).toString(), 'later\n');
    await sock.close();
  });
});
