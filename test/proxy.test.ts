/**
 * HTTP proxies against one nobody here wrote: tinyproxy on loopback, with and without Basic
 * credentials. Plain http goes in absolute form; https through a CONNECT tunnel with TLS end to
 * end (the origin's certificate is checked by socketkit, and the origin never sees the proxy's
 * credentials); curl -x side by side; the environment (https_proxy, no_proxy) as curl reads it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type HttpServer, parseProxy, request, serve } from '../src/http/index.js';
import { connect, ProxyError } from '../src/index.js';
import {
  exited,
  FIXTURES,
  fixture,
  hasCommand,
  missing,
  run,
  socketkit,
  until,
  unusedPort,
} from './_helpers.js';

interface Tinyproxy {
  child: ChildProcess;
  port: number;
  url: string;
}

const dir = mkdtempSync(join(tmpdir(), 'socketkit-proxy-'));

/** tinyproxy in the foreground on a free loopback port, with Basic credentials if given. */
async function startTinyproxy(auth?: string): Promise<Tinyproxy> {
  const port = await unusedPort();
  const config = join(dir, `tinyproxy-${port}.conf`);
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      'Allow 127.0.0.1',
      'MaxClients 50',
      'DisableViaHeader Yes',
      'LogLevel Warning',
      ...(auth === undefined ? [] : [`BasicAuth ${auth.replace(':', ' ')}`]),
    ].join('\n'),
  );
  const child = spawn('tinyproxy', ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  await until(
    async () =>
      (await connect('127.0.0.1', port).then(
        async (s) => {
          await s.close();
          return true;
        },
        () => false,
      )) || child.exitCode !== null,
    'tinyproxy accepts connections',
  );
  assert.equal(child.exitCode, null, 'tinyproxy exited at start');
  return { child, port, url: `http://127.0.0.1:${port}` };
}

describe('through an HTTP proxy (tinyproxy)', () => {
  let open: Tinyproxy | null = null;
  let guarded: Tinyproxy | null = null;
  let plain: HttpServer | null = null;
  let secure: HttpServer | null = null;
  /** The headers each origin saw, last request first. */
  const seen: Array<Record<string, string>> = [];
  const handler = (req: { target: string; headers: Iterable<[string, string]> }) => {
    seen.unshift(Object.fromEntries(req.headers));
    return { body: `origin saw ${req.target}\n` };
  };

  before(async () => {
    if (!hasCommand('tinyproxy')) return;
    open = await startTinyproxy();
    guarded = await startTinyproxy('alice:s3cret');
    plain = await serve(handler);
    secure = await serve(handler, {
      tls: { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
    });
  });
  after(async () => {
    for (const proxy of [open, guarded]) {
      proxy?.child.kill();
      if (proxy) await exited(proxy.child).catch(() => {});
    }
    await plain?.close();
    await secure?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('http in absolute form; https through CONNECT with the certificate checked end to end', async (t) => {
    if (open === null) {
      missing(t, 'tinyproxy is not installed; it is needed as the proxy');
      return;
    }
    const viaHttp = await request(`http://127.0.0.1:${plain!.address.port}/plain?q=1`, {
      proxy: open.url,
    });
    assert.equal(await viaHttp.body.text(), 'origin saw /plain?q=1\n');
    const viaTunnel = await request(`https://localhost:${secure!.address.port}/tunnel`, {
      proxy: open.url,
      ca: fixture('ca.pem'),
    });
    assert.equal(viaTunnel.status, 200);
    assert.equal(await viaTunnel.body.text(), 'origin saw /tunnel\n');
    // The certificate is still checked, through the tunnel: trusting another CA fails.
    const untrusted = await request(`https://localhost:${secure!.address.port}/`, {
      proxy: open.url,
      ca: fixture('self-signed.pem'),
    }).catch((e: unknown) => e);
    assert.match(
      String(untrusted),
      /certificate of localhost port \d+ \(through the proxy 127\.0\.0\.1:\d+\) is not trusted/,
    );
    // noProxy: straight to the origin, the proxy never asked.
    const direct = await request(`http://127.0.0.1:${plain!.address.port}/direct`, {
      proxy: 'http://127.0.0.1:1',
      noProxy: '127.0.0.0/8',
    });
    assert.equal(await direct.body.text(), 'origin saw /direct\n');
  });

  test('credentials go to the proxy alone; without them the tunnel is a ProxyError 407', async (t) => {
    if (guarded === null) {
      missing(t, 'tinyproxy is not installed; it is needed as the proxy');
      return;
    }
    const withUser = guarded.url.replace('http://', 'http://alice:s3cret@');
    const http = await request(`http://127.0.0.1:${plain!.address.port}/auth`, { proxy: withUser });
    assert.equal(await http.body.text(), 'origin saw /auth\n');
    const https = await request(`https://localhost:${secure!.address.port}/auth-tls`, {
      proxy: withUser,
      ca: fixture('ca.pem'),
    });
    assert.equal(await https.body.text(), 'origin saw /auth-tls\n');
    assert.equal(seen[0]!['proxy-authorization'], undefined, 'the origin never sees them');
    const refused = await request(`https://localhost:${secure!.address.port}/`, {
      proxy: guarded.url,
      ca: fixture('ca.pem'),
    }).catch((e: unknown) => e);
    assert.ok(refused instanceof ProxyError, String(refused));
    assert.equal(refused.status, 407);
    assert.match(
      refused.message,
      /refused the tunnel to localhost:\d+: 407 .*it wants credentials/,
    );
    // Plain http without credentials: the proxy's 407 is the response, as curl shows it.
    const page = await request(`http://127.0.0.1:${plain!.address.port}/`, { proxy: guarded.url });
    assert.equal(page.status, 407);
    await page.body.text();
  });

  test('fetch -x gives the bytes curl -x gives; https_proxy and no_proxy are read as curl reads them', async (t) => {
    if (open === null) {
      missing(t, 'tinyproxy is not installed; it is needed as the proxy');
      return;
    }
    const ca = join(FIXTURES, 'ca.pem');
    const target = `https://localhost:${secure!.address.port}/side-by-side`;
    const ours = await socketkit(['fetch', '-x', open.url, '--cacert', ca, target]);
    assert.equal(ours.code, 0, ours.stderr);
    if (hasCommand('curl')) {
      const curl = await run('curl', ['-s', '-x', open.url, '--cacert', ca, target]);
      assert.equal(curl.code, 0, curl.stderr);
      assert.ok(ours.stdout.equals(curl.stdout), 'the same body bytes');
    } else missing(t, 'curl is not installed; it is needed to compare with');
    const env = { https_proxy: open.url, no_proxy: '' };
    const fromEnv = await socketkit(['fetch', '-v', '--cacert', ca, target], { env });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stderr, /\* Via the proxy http:\/\/127\.0\.0\.1:\d+\/ \(a CONNECT tunnel/);
    const bypassed = await socketkit(['fetch', '-v', '--cacert', ca, target], {
      env: { ...env, no_proxy: 'localhost' },
    });
    assert.equal(bypassed.code, 0, bypassed.stderr);
    assert.doesNotMatch(bypassed.stderr, /Via the proxy/);
    const disabled = await socketkit(['fetch', '-v', '-x', '', '--cacert', ca, target], { env });
    assert.doesNotMatch(disabled.stderr, /Via the proxy/);
    const noproxyFlag = await socketkit(['fetch', '-v', '--noproxy', '*', '--cacert', ca, target], {
      env,
    });
    assert.doesNotMatch(noproxyFlag.stderr, /Via the proxy/);
    // -U puts the credentials in; a 407 tunnel is curl's exit 56.
    const noAuth = await socketkit(['fetch', '-x', guarded!.url, '--cacert', ca, target]);
    assert.equal(noAuth.code, 56, noAuth.stderr);
    assert.match(noAuth.stderr, /refused the tunnel to localhost:\d+: 407/);
    const auth = await socketkit([
      'fetch',
      '-x',
      guarded!.url,
      '-U',
      'alice:s3cret',
      '--cacert',
      ca,
      target,
    ]);
    assert.equal(auth.code, 0, auth.stderr);
  });

  test('hostile proxies: LF-only and interim answers are read, junk before TLS, a trickle and a silence are bounded', async () => {
    /** A fake proxy that answers every CONNECT with `answer`, then relays nothing. */
    const fake = async (answer: (socket: import('node:net').Socket) => void) => {
      const server = createNetServer((socket) => {
        socket.on('error', () => {});
        socket.once('data', () => answer(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
    };
    const target = `https://localhost:${secure?.address.port ?? 9}/`;
    const attempt = async (
      answer: (socket: import('node:net').Socket) => void,
      timeout?: number,
    ) => {
      const proxy = await fake(answer);
      try {
        return await request(target, {
          proxy: proxy.url,
          ca: fixture('ca.pem'),
          ...(timeout === undefined ? {} : { timeout }),
        }).catch((e: unknown) => e);
      } finally {
        proxy.server.close();
      }
    };
    // LF-only lines, as curl accepts them; the tunnel opens and TLS starts (and fails: nothing relays).
    const lf = await attempt((s) => s.write('HTTP/1.1 200 OK\n\n'), 1000);
    assert.ok(!(lf instanceof ProxyError), `an LF-only 200 opens the tunnel: ${String(lf)}`);
    const interim = await attempt((s) =>
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\n\r\n'),
    );
    assert.ok(interim instanceof ProxyError);
    assert.equal(interim.status, 403, 'the interim answer is skipped');
    const junk = await attempt((s) => s.write('HTTP/1.1 200 OK\r\n\r\nEVIL'));
    assert.ok(junk instanceof ProxyError, String(junk));
    assert.match(junk.message, /sent 4 bytes after opening the tunnel/);
    const started = performance.now();
    const trickle = await attempt((s) => {
      const timer = setInterval(() => s.write('X'), 50);
      s.on('close', () => clearInterval(timer));
    }, 500);
    assert.ok(trickle instanceof ProxyError, String(trickle));
    assert.match(trickle.message, /did not answer CONNECT localhost:\d+ within \d+ ms/);
    assert.ok(performance.now() - started < 3000);
    assert.throws(() => parseProxy('http://a%zz:b@127.0.0.1:3128'), {
      name: 'TypeError',
      message: /its user or password has a bad percent-escape/,
    });
  });

  test('bad proxies are bad usage; a proxy that is not there is exit 7', async () => {
    const socks = await socketkit([
      'fetch',
      '-x',
      'socks5://127.0.0.1:1080',
      'http://127.0.0.1:1/',
    ]);
    assert.equal(socks.code, 2);
    assert.match(socks.stderr, /only http:\/\/ proxies are supported, not socks5:/);
    const user = await socketkit([
      'fetch',
      '-x',
      '127.0.0.1:1',
      '-U',
      'nocolon',
      'http://127.0.0.1:1/',
    ]);
    assert.equal(user.code, 2);
    assert.match(user.stderr, /expected user:password/);
    const port = await unusedPort();
    const gone = await socketkit(['fetch', '-x', `127.0.0.1:${port}`, 'http://127.0.0.1:1/']);
    assert.equal(gone.code, 7, gone.stderr);
    // It says it was the proxy that was not there, not the site.
    assert.match(
      gone.stderr,
      new RegExp(
        `^socketkit: Could not connect to the proxy 127\\.0\\.0\\.1:${port}: Connection refused`,
        'm',
      ),
    );
    await assert.rejects(
      request('http://localhost/', { proxy: 'http://127.0.0.1:1', socketPath: '/tmp/x.sock' }),
      /Cannot use the proxy 127\.0\.0\.1:1 and the Unix socket/,
    );
  });
});
