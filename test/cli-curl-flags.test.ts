/**
 * The curl flags people type from habit: each spelling run through curl and through
 * `socketkit fetch` against the same node:http server, which records what it was sent. The two
 * must send the same method, target, body and the headers the flag is about.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requirePeer, run, socketkit } from './_helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let port = 0;
let seen: Seen[] = [];
const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => {
    seen.push({
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      body: Buffer.concat(parts),
    });
    res.setHeader('Content-Type', 'text/plain');
    res.end('answer\n');
  });
});
const dir = mkdtempSync(join(tmpdir(), 'socketkit-curl-flags-'));

before(async () => {
  writeFileSync(join(dir, 'lines.txt'), 'one\r\ntwo\nthree\n');
  writeFileSync(join(dir, 'upload.bin'), Buffer.from([0, 1, 2, 255]));
  port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a client sent, through each tool. */
async function through(tool: 'curl' | 'socketkit', flags: string[], path = '/p'): Promise<Seen> {
  seen = [];
  const url = `http://127.0.0.1:${port}${path}`;
  const result =
    tool === 'curl'
      ? await run('curl', ['-s', ...flags, url])
      : await socketkit(['fetch', ...flags, url]);
  assert.equal(result.code, 0, `${tool} ${flags.join(' ')}: ${result.stderr}`);
  assert.equal(seen.length, 1);
  return seen[0]!;
}

/** The flag spellings, and the headers each one is about. */
const CASES: Array<[string[], string[]]> = [
  [['-d', 'a=1', '-d', 'b=2'], ['content-type']],
  [['-d', `@${join(dir, 'lines.txt')}`], ['content-type']],
  [['--data-binary', `@${join(dir, 'lines.txt')}`], ['content-type']],
  [['--data-raw', '@not-a-file'], []],
  [['--data-urlencode', 'msg=hello world & more', '--data-urlencode', 'x'], []],
  [['-G', '-d', 'q=1', '-d', 'r=two'], []],
  [
    ['--json', '{"a":1}'],
    ['content-type', 'accept'],
  ],
  [['-X', 'PUT', '-d', 'x'], []],
  [['-A', 'my-agent/1.0'], ['user-agent']],
  [['-e', 'http://referer.example/'], ['referer']],
  [['-u', 'alice:s3cret'], ['authorization']],
  [
    ['-H', 'X-One: 1', '-H', 'X-Two: two'],
    ['x-one', 'x-two'],
  ],
  [['-H', 'Accept:'], ['accept']],
  // What the shell passes is UTF-8; curl sends those bytes, never a character cut to a byte.
  [
    ['-H', 'X-Emoji: caf\u00e9 \u{1f600} v\u010d\u010aInjected: yes', '-A', 'agent\u20ac'],
    ['x-emoji', 'user-agent', 'injected'],
  ],
  [['-H', 'Cookie: a=1', '-H', 'cookie: b=2'], ['cookie']],
  [['-H', 'X-Empty;'], ['x-empty']],
  [['-I'], []],
];

describe('curl habits: socketkit fetch sends what curl sends', () => {
  for (const [flags, headers] of CASES) {
    test(`${flags.join(' ')}`, async (t) => {
      if (!requirePeer(t, 'curl', 'to compare with')) return;
      const fromCurl = await through('curl', flags);
      const fromUs = await through('socketkit', flags);
      assert.equal(fromUs.method, fromCurl.method);
      assert.equal(fromUs.url, fromCurl.url);
      assert.equal(fromUs.body.toString('latin1'), fromCurl.body.toString('latin1'));
      for (const name of headers) assert.equal(fromUs.headers[name], fromCurl.headers[name], name);
    });
  }

  test('user:pass@ in the URL is Basic authentication, as with -u', async (t) => {
    if (!requirePeer(t, 'curl', 'to compare with')) return;
    seen = [];
    await run('curl', ['-s', `http://bob:pw@127.0.0.1:${port}/a`]);
    const fromCurl = seen[0]!;
    seen = [];
    await socketkit(['fetch', `http://bob:pw@127.0.0.1:${port}/a`]);
    assert.equal(seen[0]!.headers.authorization, fromCurl.headers.authorization);
    assert.equal(seen[0]!.headers.host, fromCurl.headers.host);
  });

  test('-F sends multipart/form-data fields and an upload with its file name', async (t) => {
    if (!requirePeer(t, 'curl', 'to compare with')) return;
    const form = [
      '-F',
      'name=bob',
      '-F',
      `file=@${join(dir, 'upload.bin')}`,
      '-F',
      `text=<${join(dir, 'lines.txt')}`,
    ];
    const normalise = (s: Seen) =>
      s.body
        .toString('latin1')
        .replaceAll(/-{2,}[\w-]*?[0-9a-f]{8,}/g, '--BOUNDARY')
        .replace(/Content-Type: application\/octet-stream\r\n/g, '');
    const fromCurl = await through('curl', form);
    const fromUs = await through('socketkit', form);
    assert.match(fromUs.headers['content-type']!, /^multipart\/form-data; boundary=/);
    assert.equal(normalise(fromUs), normalise(fromCurl));
  });

  test('-w prints what curl prints for the common variables; -s keeps errors quiet, -sS does not', async (t) => {
    if (!requirePeer(t, 'curl', 'to compare with')) return;
    const format = '%{http_code} %{size_download} %{content_type} %{num_redirects} %{remote_ip}\\n';
    const url = `http://127.0.0.1:${port}/w`;
    const curl = await run('curl', ['-s', '-o', '/dev/null', '-w', format, url]);
    const ours = await socketkit(['fetch', '-s', '-o', '/dev/null', '-w', format, url]);
    assert.equal(ours.stdout.toString(), curl.stdout.toString());
    const timed = await socketkit(['fetch', '-s', '-o', '/dev/null', '-w', '%{time_total}', url]);
    assert.match(timed.stdout.toString(), /^\d+\.\d{6}$/);
    const quiet = await socketkit(['fetch', '-s', 'http://127.0.0.1:1/']);
    assert.equal(quiet.code, 7);
    assert.equal(quiet.stderr, '');
    const shown = await socketkit(['fetch', '-sS', 'http://127.0.0.1:1/']);
    assert.equal(shown.code, 7);
    assert.match(shown.stderr, /Connection refused/);
  });

  test("-O writes the body to the URL's file name", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'socketkit-O-'));
    try {
      const result = await socketkit(['fetch', '-O', `http://127.0.0.1:${port}/dir/report.txt`], {
        cwd,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(readFileSync(join(cwd, 'report.txt'), 'utf8'), 'answer\n');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
