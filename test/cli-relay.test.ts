/**
 * `socketkit relay` between peers nobody here wrote: curl through it to `socketkit serve http`,
 * Python's socket through it to a Python echo server, a half-close passing through, the exact
 * bytes in `--record`, UDP, and a TLS target; `--tls-terminate` with curl and openssl s_client as
 * the TLS clients.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { request, serve } from '../src/http/index.js';
import { ConnectionResetError, connect, decode, encode, udp } from '../src/index.js';
import { relay as startLibraryRelay } from '../src/relay/relay.js';
import {
  FIXTURES,
  fixture,
  type Running,
  requirePeer,
  run,
  startPython,
  startSocketkit,
} from './_helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'socketkit-relay-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** Every process a test started: one a failed test leaves running is killed, not left to hang the file. */
const started: Running[] = [];
afterEach(() => {
  for (const proc of started.splice(0))
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
});

/** Starts a relay and waits for the line saying where it listens. */
async function startRelay(args: string[]) {
  const relay = startSocketkit(['relay', ...args]);
  started.push(relay);
  const [, port] = await relay.waitForStderr(/Relaying \w+ 127\.0\.0\.1 port (\d+)/);
  return { relay, port: Number(port) };
}

/** Starts `socketkit serve http` (plain) and returns it with its port. */
async function startServeHttp(): Promise<{ serve: Running; port: number }> {
  const serve = startSocketkit(['serve', 'http', '--port', '0', '--json', '-q']);
  started.push(serve);
  const [, port] = await serve.waitForStdout(/"port":(\d+)/);
  return { serve, port: Number(port) };
}

/** Starts `socketkit relay --tls-terminate …` and waits for its port and the certificate file it prints. */
async function startTlsRelay(args: string[]) {
  const { relay, port } = await startRelay(['--tls-terminate', ...args]);
  const [, certFile] = await relay.waitForStderr(/trust it with --cacert (\S+)\n/);
  assert.match(relay.stderr, /port \d+ \(TLS, decrypted here\) to /);
  return { relay, port, certFile: certFile! };
}

/**
 * The plaintext curl sent and received, from its `--trace` file: the "Send header/data" and
 * "Recv header/data" sections (the "SSL data" ones are the encrypted records and handshake).
 */
function curlPlaintext(trace: string): { sent: Buffer; received: Buffer } {
  const sent: number[] = [];
  const received: number[] = [];
  let into: number[] | null = null;
  for (const line of trace.split('\n')) {
    if (/^(=>|<=|==)/.test(line)) {
      into = /^=> Send (header|data),/.test(line)
        ? sent
        : /^<= Recv (header|data),/.test(line)
          ? received
          : null;
    } else if (into !== null && /^[0-9a-f]{4}: /.test(line)) {
      // "0000: 47 45 54 … GET…": 16 hex bytes in fixed columns, then the same bytes as text.
      for (const hex of line.slice(6, 6 + 48).match(/[0-9a-f]{2}/g) ?? [])
        into.push(parseInt(hex, 16));
    }
  }
  return { sent: Buffer.from(sent), received: Buffer.from(received) };
}

/** The `--record` file's data events, joined per direction. */
function recorded(file: string): {
  events: Array<Record<string, unknown>>;
  sent: Buffer;
  received: Buffer;
} {
  const events = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const joined = (direction: string) =>
    Buffer.concat(
      events
        .filter((e) => e.event === 'data' && e.direction === direction)
        .map((e) => Buffer.from(e.base64 as string, 'base64')),
    );
  return { events, sent: joined('>'), received: joined('<') };
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

  test('--tls-terminate: curl --cacert <the printed file> gets the page over https; --record holds the plaintext both ways, byte for byte', async (t) => {
    if (!requirePeer(t, 'curl', 'as an independent TLS client')) return;
    const { serve, port: servePort } = await startServeHttp();
    const record = join(dir, 'tls-session.jsonl');
    const trace = join(dir, 'curl-trace.txt');
    try {
      const { relay, port, certFile } = await startTlsRelay([
        '--record',
        record,
        '0',
        `127.0.0.1:${servePort}`,
      ]);
      const curl = await run('curl', [
        '-s',
        '--cacert',
        certFile,
        '--trace',
        trace,
        `https://localhost:${port}/`,
      ]);
      assert.equal(curl.code, 0, curl.stderr);
      const page = curl.stdout.toString();
      assert.match(page, /<h1>Hello, world!<\/h1>/);
      // The page shows the request the server read: it got the plaintext, not TLS records.
      assert.ok(page.includes(`GET / HTTP/1.1\r\nHost: localhost:${port}\r\n`), page);
      assert.equal(await relay.exited(), 0, 'one connection, then it exits (no -k)');
      const wire = curlPlaintext(readFileSync(trace, 'latin1'));
      const { events, sent, received } = recorded(record);
      assert.ok(
        wire.sent.length > 0 && wire.received.length > 0,
        'curl --trace has both directions',
      );
      assert.equal(sent.toString('latin1'), wire.sent.toString('latin1'), 'the request curl sent');
      assert.equal(
        received.toString('latin1'),
        wire.received.toString('latin1'),
        'the response curl read',
      );
      assert.match(
        sent.toString('latin1'),
        new RegExp(`^GET / HTTP/1\\.1\r\nHost: localhost:${port}\r\n[\\s\\S]*\r\n\r\n$`),
      );
      assert.match(
        received.toString('latin1'),
        /^HTTP\/1\.1 200 OK\r\n[\s\S]*<h1>Hello, world!<\/h1>/,
      );
      assert.deepEqual(
        events.map((e) => e.event).filter((e) => e !== 'data'),
        ['open', 'tls', 'connected', 'end', 'end', 'close'],
      );
      const tls = events.find((e) => e.event === 'tls')!;
      assert.match(String(tls.protocol), /^TLSv1\.[23]$/);
      assert.equal(events.at(-1)!.sent, wire.sent.length);
      assert.equal(events.at(-1)!.received, wire.received.length);
      assert.match(relay.stderr, /\[1\] TLS with the client: TLSv1\.[23], \S+\n/);
      assert.match(relay.stderr, /\[1\] > GET \/ HTTP\/1\.1\\r\\n\n/);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited();
    }
  });

  test('--tls-terminate: openssl s_client verifies the printed certificate and gets the page through it', async (t) => {
    if (!requirePeer(t, 'openssl', 'as an independent TLS client')) return;
    const { serve, port: servePort } = await startServeHttp();
    try {
      const { relay, port, certFile } = await startTlsRelay(['0', `127.0.0.1:${servePort}`]);
      const client = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-servername',
          'localhost',
          '-CAfile',
          certFile,
          '-verify_return_error',
          '-verify_hostname',
          'localhost',
          '-ign_eof',
        ],
        {
          input: 'GET / HTTP/1.1\r\nHost: localhost\r\nX-Via: openssl\r\nConnection: close\r\n\r\n',
        },
      );
      assert.equal(client.code, 0, client.stderr);
      const out = client.stdout.toString('latin1');
      assert.match(out, /Verify return code: 0 \(ok\)/);
      assert.match(out, /HTTP\/1\.1 200 OK\r\n[\s\S]*<h1>Hello, world!<\/h1>/);
      // The page shows the request the server read, in the clear.
      assert.match(out, /X-Via: openssl\r\n/);
      assert.equal(await relay.exited(), 0);
      assert.match(relay.stderr, /\[1\] > X-Via: openssl\\r\\n\n/);
      assert.match(relay.stderr, /\[1\] closed: 70 bytes >, \d+ bytes </);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited();
    }
  });

  test('--tls-terminate: a client that does not speak TLS is closed with one clear line, and the relay goes on serving', async (t) => {
    if (!requirePeer(t, 'curl', 'as an independent HTTP and TLS client')) return;
    const { serve, port: servePort } = await startServeHttp();
    try {
      const { relay, port, certFile } = await startTlsRelay(['-k', '0', `127.0.0.1:${servePort}`]);
      const plainHttp = await run('curl', ['-s', `http://127.0.0.1:${port}/`]);
      assert.notEqual(plainHttp.code, 0, 'plain HTTP to a TLS port gets no page');
      await relay.waitForStderr(/\[1\] closed/);
      // Not TLS, not HTTP either: the bytes of a line-based protocol.
      const junk = await connect('127.0.0.1', port);
      await junk.sendAll(encode('HELO relay.example\r\n'));
      assert.equal((await junk.recv().catch(() => new Uint8Array(0))).length, 0);
      await junk.close();
      await relay.waitForStderr(/\[2\] closed/);
      const curl = await run('curl', ['-s', '--cacert', certFile, `https://127.0.0.1:${port}/`]);
      assert.equal(curl.code, 0, curl.stderr);
      assert.match(curl.stdout.toString(), /<h1>Hello, world!<\/h1>/);
      await relay.waitForStderr(/\[3\] closed/);
      assert.match(
        relay.stderr,
        /\[1\] closed: 0 bytes >, 0 bytes < \(the client sent plain HTTP, not a TLS handshake: it should ask for https:\/\/ \(ERR_SSL_HTTP_REQUEST\)\)\n/,
      );
      assert.match(
        relay.stderr,
        /\[2\] closed: 0 bytes >, 0 bytes < \(the client does not speak TLS: its first bytes are not a TLS handshake \([a-z ]+\) \(ERR_SSL_\w+\)\)\n/,
      );
      assert.doesNotMatch(relay.stderr, /\[[12]\] connected to/, 'no target connection for them');
      assert.match(relay.stderr, /\[3\] TLS with the client: .*\n\[3\] connected to/);
      assert.doesNotMatch(relay.stderr, /\n\s+at /);
      relay.child.kill('SIGTERM');
      assert.equal(await relay.exited(), 0);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited();
    }
  });

  test('--tls-terminate with --cert/--key and a tls:TARGET: TLS on both sides, plaintext shown between them', async (t) => {
    const server = createTlsServer(
      { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
      (socket) => {
        socket.once('data', (data) => socket.end(`you said: ${data.toString()}`));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = (server.address() as { port: number }).port;
    try {
      const { relay, port } = await startRelay([
        '--tls-terminate',
        '--cert',
        `${FIXTURES}/localhost.pem`,
        '--key',
        `${FIXTURES}/localhost-key.pem`,
        '--cacert',
        `${FIXTURES}/ca.pem`,
        '0',
        `tls:localhost:${target}`,
      ]);
      await relay.waitForStderr(/TLS with \S+localhost\.pem \(SHA-256 [0-9A-F:]{95}\)\.\n/);
      let reply: string;
      if (requirePeer(t, 'openssl', 'as an independent TLS client')) {
        const client = await run(
          'openssl',
          [
            's_client',
            '-quiet',
            '-connect',
            `127.0.0.1:${port}`,
            '-servername',
            'localhost',
            '-CAfile',
            `${FIXTURES}/ca.pem`,
            '-verify_return_error',
            '-ign_eof',
          ],
          { input: 'secret\n' },
        );
        assert.equal(client.code, 0, client.stderr);
        reply = client.stdout.toString();
      } else {
        const sock = await connect('127.0.0.1', port, {
          tls: { ca: fixture('ca.pem'), servername: 'localhost' },
        });
        await sock.sendAll(encode('secret\n'));
        reply = decode(await sock.recvExactly(17));
        await sock.close();
      }
      assert.equal(reply, 'you said: secret\n');
      assert.equal(await relay.exited(), 0);
      assert.match(relay.stderr, /\[1\] TLS with the client: /);
      assert.match(relay.stderr, /\[1\] connected to 127\.0\.0\.1 port \d+ \(TLS\)\n/);
      assert.match(relay.stderr, /\[1\] > secret\\n\n/);
      assert.match(relay.stderr, /\[1\] < you said: secret\\n\n/);
    } finally {
      server.close();
    }
  });

  test('--tls-terminate on unix:PATH: curl --unix-socket speaks https to the relay', async (t) => {
    if (!requirePeer(t, 'curl', 'as an independent TLS client over a Unix socket')) return;
    const { serve, port: servePort } = await startServeHttp();
    const front = join(dir, 'tls-relay.sock');
    const relay = startSocketkit([
      'relay',
      '--tls-terminate',
      `unix:${front}`,
      `127.0.0.1:${servePort}`,
    ]);
    started.push(relay);
    try {
      const [, certFile] = await relay.waitForStderr(/trust it with --cacert (\S+)\n/);
      const curl = await run('curl', [
        '-s',
        '--unix-socket',
        front,
        '--cacert',
        certFile!,
        'https://localhost/',
      ]);
      assert.equal(curl.code, 0, curl.stderr);
      assert.match(curl.stdout.toString(), /<h1>Hello, world!<\/h1>/);
      assert.equal(await relay.exited(), 0);
      assert.match(relay.stderr, /\[1\] > GET \/ HTTP\/1\.1\\r\\n\n/);
    } finally {
      relay.child.kill();
      serve.child.kill('SIGTERM');
      await serve.exited();
    }
  });

  test('relay({ listen: { tls } }) refuses UDP, and a key that is not PEM, before anything listens', async () => {
    const tls = { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') };
    const target = { protocol: 'tcp', host: '127.0.0.1', port: 9 } as const;
    await assert.rejects(
      startLibraryRelay({
        listen: { protocol: 'udp', port: 0, tls },
        target: { ...target, protocol: 'udp' },
      }),
      { name: 'TypeError', message: /tls is for TCP .*a UDP relay has no TLS/ },
    );
    await assert.rejects(
      startLibraryRelay({
        listen: { protocol: 'tcp', port: 0, tls: { ...tls, key: 'not a key' } },
        target,
      }),
      { name: 'TypeError', message: /Invalid TLS key: it is not PEM/ },
    );
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

  test('bad LISTEN and TARGET, TCP to UDP, and --tls-terminate where it cannot go, are exit 2 with one sentence', async () => {
    const { socketkit } = await import('./_helpers.js');
    for (const [args, message] of [
      [['70000', '127.0.0.1:80'], /Invalid LISTEN "70000"/],
      [['9000', 'nohostport'], /Invalid TARGET "nohostport": give HOST:PORT/],
      [['9000', 'udp:127.0.0.1:7'], /Cannot relay TCP to UDP/],
      [['--insecure', '9000', '127.0.0.1:80'], /--insecure needs a tls:HOST:PORT target/],
      [
        ['--tls-terminate', 'udp:9000', 'udp:127.0.0.1:7'],
        /^socketkit: --tls-terminate needs a TCP or unix: LISTEN: there is no TLS over UDP here/m,
      ],
      [
        ['--cert', `${FIXTURES}/localhost.pem`, '9000', '127.0.0.1:80'],
        /^socketkit: --cert needs --tls-terminate/m,
      ],
      [
        ['--tls-terminate', '--cert', `${FIXTURES}/localhost.pem`, '9000', '127.0.0.1:80'],
        /--cert needs --key too/,
      ],
      [
        [
          '--tls-terminate',
          '--cert',
          `${FIXTURES}/localhost-key.pem`,
          '--key',
          `${FIXTURES}/localhost-key.pem`,
          '9000',
          '127.0.0.1:80',
        ],
        /--cert \S+ is not a PEM certificate/,
      ],
    ] as const) {
      const result = await socketkit(['relay', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    }
  });
});
