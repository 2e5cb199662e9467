/**
 * Tutorial 001's load test, with ApacheBench itself: `ab -c 50 -n 1000` against `socketkit serve
 * http` must complete with no failed requests, without and with keep-alive (ab speaks HTTP/1.0).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requirePeer, run, startSocketkit } from './_helpers.js';

async function serveHttp() {
  const serve = startSocketkit(['serve', 'http', '--base-port', '0', '--json', '--quiet']);
  const [line] = await serve.waitForStdout(/^\[.*\]\n/);
  return { serve, port: (JSON.parse(line!) as Array<{ port: number }>)[0]!.port };
}

for (const keepAlive of [false, true]) {
  test(`ab -c 50 -n 1000${keepAlive ? ' -k' : ''} completes with 0 failed requests`, async (t) => {
    if (!requirePeer(t, 'ab', 'to reproduce the tutorial load test (apache2-utils)')) return;
    const { serve, port } = await serveHttp();
    try {
      const result = await run(
        'ab',
        [...(keepAlive ? ['-k'] : []), '-c', '50', '-n', '1000', `http://127.0.0.1:${port}/`],
        {
          timeoutMs: 60000,
        },
      );
      const out = result.stdout.toString();
      assert.equal(result.code, 0, `${out}\n${result.stderr}`);
      assert.match(out, /Complete requests:\s+1000\n/);
      assert.match(out, /Failed requests:\s+0\n/);
      assert.doesNotMatch(out, /Non-2xx responses/);
      if (keepAlive) assert.match(out, /Keep-Alive requests:\s+1000\n/);
      t.diagnostic(/Requests per second:\s+.*/.exec(out)?.[0] ?? '');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited();
    }
  });
}
