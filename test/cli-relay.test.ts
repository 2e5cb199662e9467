/**
 * `socketkit relay` between peers nobody here wrote: curl through it to `socketkit serve http`,
 * Python's socket through it to a Python echo server, a half-close passing through, the exact
 * bytes in `--record`, UDP, and a TLS target.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { request, serve } from '../src/http/index.js';
import { ConnectionResetError, connect, decode, encode, udp } from '../src/index.js';
import { fixture, requirePeer, run, startPython, startSocketkit } from './_helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'socketkit-relay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a relay and waits for the line saying where it listens. */
async function startRelay(args: string[]) {
  const relay = startSocketkit(['relay', ...args]);
  const [, port] = await relay.waitForStderr(/Relaying \w+ 127\.0\.0\.1 port (\d+)/);
  return { relay, port: Number(port) };
}

/** A UDP echo server: every datagram goes back to its sender. */
async function udpEcho() {
  const echo = await udp({ bind: 0 });
  void (async () => {
    for (;;) {
      const { data, address } = await echo.recvFrom().catch(() => ({ data: null, address: null }));
      if (data === null) return;
      await echo.sendTo(data, address!.host, address!.port);
    }
  })();
  return echo;
}

describe('socketkit relay', () => {
  test('curl through it to socketkit serve http: curl gets the page; the exchange is shown as text', async (t) => {
    if (!requirePeer(t, 'curl', 'as an independent HTTP client')) return;
    const serve = startSocketkit(['serve', 'http', '--port', '0', '--json', '-q']);
    const [, servePort] = await serve.waitForStdout(/"port":(\d+)/);
    const { relay, port } = await startRelay(['0', `127.0.0.1:${servePort}`]);
    const result = await run('curl', ['-s', `http://127.0.0.1:${port}/`]);
    assert.match(result.stdout.toString(), /<h1>Hello, world!<\/h1>/);
    assert.equal(await relay.exited(), 0, 'one connection, then it exits (no -k)');
    assert.match(relay.stderr, /\[1\] > GET \/ HTTP\/1\.1\\r\\n\n/);
    assert.match(relay.stderr, /\[1\] < HTTP\/1\.1 200 OK\\r\\n\n/);
    assert.match(relay.stderr, /\[1\] closed: \d+ bytes >, \d+ bytes </);
    serve.child.kill('SIGTERM');
    await serve.exited();
  });

  test("Python's socket through it to a Python echo server; half-close passes through; --record has the exact bytes", async (t) => {
    if (!requirePeer(t, 'python3', "for the tutorials' Python programs")) return;
    // The echo server answers only once it has read to EOF: it needs the client's half-close.
    const echo = await startPython(`
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
data = b''
while chunk := c.recv(4096): data += chunk
c.sendall(data[::-1]); c.close()
`);
    const record = join(dir, 'session.jsonl');
    const { relay, port } = await startRelay([
      '--record',
      record,
      '0',
      `127.0.0.1:${echo.firstLine}`,
    ]);
    const client = await run('python3', [
      '-c',
      `
import socket
s = socket.create_connection(('127.0.0.1', ${port}))
s.sendall(b'Hello,\\x00 world!\\r\\n')
s.shutdown(socket.SHUT_WR)
data = b''
while chunk := s.recv(4096): data += chunk
print(repr(data))
`,
    ]);
    assert.equal(client.stdout.toString(), "b'\\n\\r!dlrow \\x00,olleH'\n");
    assert.equal(await relay.exited(), 0);
    const events = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const data = events.filter((e) => e.event === 'data');
    assert.deepEqual(
      data.map((e) => [e.direction, Buffer.from(e.base64, 'base64').toString('latin1')]),
      [
        ['>', 'Hello,\x00 world!\r\n'],
        ['<', '\n\r!dlrow \x00,olleH'],
      ],
    );
    assert.deepEqual(
      events.map((e) => e.event),
      ['open', 'connected', 'data', 'end', 'data', 'end', 'close'],
    );
    assert.equal(events.at(-1).sent, 16);
    assert.equal(events.at(-1).received, 16);
  });

  test('--hex dumps both directions; -k relays one connection after another', async () => {
    const server = createServer((socket: Socket) => socket.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = (server.address() as { port: number }).port;
    const { relay, port } = await startRelay(['-k', '--hex', '0', `127.0.0.1:${target}`]);
    for (let i = 0; i < 2; i++) {
      const sock = await connect('127.0.0.1', port);
      await sock.sendAll(encode('ping'));
      assert.equal(decode(await sock.recvExactly(4)), 'pong');
      await sock.close();
    }
    await relay.waitForStderr(/\[2\] closed/);
    assert.match(relay.stderr, /\[1\] > 00000000 {2}70 69 6e 67 .*\|ping\|/);
    assert.match(relay.stderr, /\[2\] < 00000000 {2}70 6f 6e 67 .*\|pong\|/);
    relay.child.kill('SIGINT');
    assert.equal(await relay.exited(), 0);
    server.close();
  });

  test('UDP: datagrams and their replies pass through, shown as JSON lines', async () => {
    const echo = await udpEcho();
    const { relay, port } = await startRelay([
      '--json',
      'udp:0',
      `udp:127.0.0.1:${echo.localAddress!.port}`,
    ]);
    const client = await udp();
    await client.sendTo(encode('over udp'), '127.0.0.1', port);
    assert.equal(decode((await client.recvFrom(100, { timeout: 3000 })).data), 'over udp');
    await relay.waitForStdout(/"direction":"<"/);
    const lines = relay.stdout
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.filter((e) => e.event === 'data').map((e) => [e.direction, e.text]),
      [
        ['>', 'over udp'],
        ['<', 'over udp'],
      ],
    );
    relay.child.kill('SIGTERM');
    assert.equal(await relay.exited(), 0);
    await Promise.all([client.close(), echo.close()]);
  });

  test('unix:PATH on both sides: curl --unix-socket through it to serve({ path }), exact bytes shown', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-relay-unix-'));
    const backend = join(dir, 'web.sock');
    const front = join(dir, 'relay.sock');
    const server = await serve(() => ({ body: 'through a Unix relay\n' }), { path: backend });
    const relay = startSocketkit(['relay', `unix:${front}`, `unix:${backend}`]);
    try {
      await relay.waitForStderr(/Relaying the socket .*relay\.sock to the socket .*web\.sock/);
      let body: string;
      if (requirePeer(t, 'curl', 'as an independent client over a Unix socket')) {
        const curl = await run('curl', ['-s', '--unix-socket', front, 'http://localhost/x']);
        body = curl.stdout.toString();
      } else {
        const response = await request('http://localhost/x', { socketPath: front });
        body = await response.body.text();
      }
      assert.equal(body, 'through a Unix relay\n');
      assert.equal(await relay.exited(5000), 0);
      assert.match(relay.stderr, /\[1\] > GET \/x HTTP\/1\.1\\r\\n/);
      assert.match(relay.stderr, /\[1\] < .*through a Unix relay\\n/);
    } finally {
      relay.child.kill();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('UDP without -k: one client, whose session ends after --idle-timeout, and then the relay exits', async () => {
    const echo = await udpEcho();
    const { relay, port } = await startRelay([
      '--idle-timeout',
      '300ms',
      'udp:0',
      `udp:127.0.0.1:${echo.localAddress!.port}`,
    ]);
    const client = await udp();
    await client.sendTo(encode('once'), '127.0.0.1', port);
    assert.equal(decode((await client.recvFrom(100, { timeout: 3000 })).data), 'once');
    assert.equal(await relay.exited(5000), 0, 'the relay ends by itself');
    assert.match(relay.stderr, /\[1\] closed: 4 bytes >, 4 bytes < \(idle for 0\.3 s\)/);
    await Promise.all([client.close(), echo.close()]);
  });

  test('tls:TARGET: the relay speaks TLS to the target (verified, or --insecure) and plain text to the client', async () => {
    const server = createTlsServer(
      { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
      (socket) => socket.end('secret over TLS'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = (server.address() as { port: number }).port;
    const refused = await startRelay(['0', `tls:localhost:${target}`]);
    const sock = await connect('127.0.0.1', refused.port);
    // An untrusted certificate: the client gets nothing, and the abrupt end is passed on (RST).
    await assert.rejects(sock.recv(), ConnectionResetError);
    await sock.close();
    assert.equal(await refused.relay.exited(), 0);
    assert.match(
      refused.relay.stderr,
      /closed: 0 bytes >, 0 bytes < \(The TLS certificate of localhost port \d+ is not trusted/,
    );
    const insecure = await startRelay(['--insecure', '0', `tls:localhost:${target}`]);
    const plain = await connect('127.0.0.1', insecure.port);
    assert.equal(decode(await plain.recvExactly(15)), 'secret over TLS');
    await plain.close();
    assert.equal(await insecure.relay.exited(), 0);
    server.close();
  });

  test('a refused or unresolvable target: the client is reset and the relay says why in one line', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as { port: number }).port;
    probe.close();
    for (const [target, reason] of [
      [`127.0.0.1:${closedPort}`, /Connection refused by 127\.0\.0\.1 port \d+/],
      ['no.such.host!:80', /Could not resolve host "no\.such\.host!"/],
    ] as const) {
      const { relay, port } = await startRelay(['0', target]);
      const sock = await connect('127.0.0.1', port);
      await assert.rejects(sock.recv(), ConnectionResetError);
      await sock.close();
      assert.equal(await relay.exited(), 0);
      assert.match(
        relay.stderr,
        new RegExp(`\\[1\\] closed: 0 bytes >, 0 bytes < \\(${reason.source}`),
      );
      assert.doesNotMatch(relay.stderr, /\n\s+at /);
    }
  });

  test('bad LISTEN and TARGET, and TCP to UDP, are exit 2 with one sentence', async () => {
    const { socketkit } = await import('./_helpers.js');
    for (const [args, message] of [
      [['70000', '127.0.0.1:80'], /Invalid LISTEN "70000"/],
      [['9000', 'nohostport'], /Invalid TARGET "nohostport": give HOST:PORT/],
      [['9000', 'udp:127.0.0.1:7'], /Cannot relay TCP to UDP/],
      [['--insecure', '9000', '127.0.0.1:80'], /--insecure needs a tls:HOST:PORT target/],
    ] as const) {
      const result = await socketkit(['relay', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    }
  });
});
