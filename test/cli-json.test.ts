/**
 * `--json` on the commands that report: connect and listen summarise each session on stderr
 * (stdout stays the byte stream), tour --list --json lists the steps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encode, listen } from '../src/index.js';
import { requirePeer, run, socketkit, startSocketkit } from './_helpers.js';

/** The last line of stderr, parsed. */
function lastJson(stderr: string): Record<string, unknown> {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

describe('--json session summaries', () => {
  test('connect --json: bytes each way, timings, how it ended, on stderr; stdout untouched', async () => {
    await using server = await listen();
    const serving = (async () => {
      const [conn] = await server.accept({ timeout: 10_000 });
      await using _conn = conn;
      await conn.recvExactly(3, { timeout: 5000 });
      await conn.sendAll(encode('hello'));
      await conn.shutdown('write');
      await conn.recv(10, { timeout: 5000 });
    })();
    const result = await socketkit(
      ['connect', '--json', '127.0.0.1', String(server.address.port)],
      {
        input: 'abc',
      },
    );
    await serving;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'hello');
    const summary = lastJson(result.stderr);
    assert.equal(summary.sent, 3);
    assert.equal(summary.received, 5);
    assert.equal(summary.exitCode, 0);
    assert.match(String(summary.ended), /the peer closed|stdin ended/);
    assert.deepEqual((summary.remote as { port: number }).port, server.address.port);
    const timings = summary.timings as { connect: number; total: number };
    assert.ok(timings.connect >= 0 && timings.total >= timings.connect, JSON.stringify(timings));
    // A connection that is never made is summed up too.
    const { unusedPort } = await import('./_helpers.js');
    const refused = await socketkit(
      ['connect', '--json', '127.0.0.1', String(await unusedPort())],
      {
        input: '',
      },
    );
    assert.equal(refused.code, 7);
    const failed = lastJson(
      refused.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    );
    assert.equal(failed.ended, 'not connected');
    assert.equal(failed.exitCode, 7);
    assert.match(String(failed.error), /Connection refused/);
    const udp = await socketkit(['connect', '--json', '--udp', '127.0.0.1', '9']);
    assert.equal(udp.code, 2);
    assert.match(udp.stderr, /--json summarises a TCP session/);
  });

  test('connect --json --tls says the TLS version, even after the peer has closed', async () => {
    const { fixture } = await import('./_helpers.js');
    await using server = await listen({
      tls: { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
    });
    const serving = (async () => {
      const [conn] = await server.accept({ timeout: 10_000 });
      await conn.sendAll(encode('bye'));
      await conn.close();
    })();
    const result = await socketkit(
      [
        'connect',
        '--json',
        '--tls',
        '--cacert',
        'test/fixtures/ca.pem',
        '--servername',
        'localhost',
        '127.0.0.1',
        String(server.address.port),
      ],
      { input: '' },
    );
    await serving;
    assert.equal(result.code, 0, result.stderr);
    assert.match(String(lastJson(result.stderr).tls), /^TLSv1\.[23]$/);
  });

  test('listen --json: one line per connection, as nc -l would have seen it', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent client')) return;
    const listener = startSocketkit(['listen', '--json', '-v', '0']);
    const [, port] = await listener.waitForStderr(/Listening on 127\.0\.0\.1 port (\d+) \(TCP\)/);
    const client = await run('nc', ['-N', '127.0.0.1', port!], { input: 'twelve bytes' });
    assert.equal(client.code, 0, client.stderr);
    assert.equal(await listener.exited(), 0);
    assert.equal(listener.stdout.toString(), 'twelve bytes');
    const summary = lastJson(
      listener.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
    );
    assert.equal(summary.received, 12);
    assert.equal(summary.sent, 0);
    assert.equal(summary.ended, 'the peer closed');
    assert.equal((summary.remote as { host: string }).host, '127.0.0.1');
  });

  test('tour --list --json: the steps, as the text list has them', async () => {
    const text = await socketkit(['tour', '--list']);
    const json = await socketkit(['tour', '--list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const steps = JSON.parse(json.stdout.toString()) as Array<{ name: string; tutorial: string }>;
    const lines = text.stdout.toString().trim().split('\n');
    assert.equal(steps.length, lines.length);
    for (const [i, step] of steps.entries()) assert.ok(lines[i]!.includes(step.name), step.name);
  });
});
