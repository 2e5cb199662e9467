/**
 * TLS in full, against peers nobody here wrote: the peer certificate's fields as Python's ssl
 * decodes them, ALPN and client certificates with openssl s_server / s_client, STARTTLS both
 * ways (openssl's `-starttls smtp` client against a socketkit server, a socketkit client against
 * a Python server that upgrades with `wrap_socket(server_side=True)`), and the refusals: unread
 * clear-text bytes, a second upgrade, bad settings, a handshake that never finishes.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { Agent, request } from '../src/http/index.js';
import {
  connect,
  encode,
  InvalidStateError,
  listen,
  SocketTimeoutError,
  type StreamSocket,
  TlsError,
} from '../src/index.js';
import {
  exited,
  FIXTURES,
  fixture,
  requirePeer,
  run,
  runPython,
  socketkit,
  startPython,
  until,
  unusedPort,
  waitForLine,
} from './_helpers.js';

const key = fixture('localhost-key.pem');
const cert = fixture('localhost.pem');
const ca = fixture('ca.pem');
const selfSigned = fixture('self-signed.pem');
const selfSignedKey = fixture('self-signed-key.pem');
const file = (name: string) => join(FIXTURES, name);

/** s_server's certificate and key: the fixture for localhost. */
const SERVER_CERT = ['-cert', file('localhost.pem'), '-key', file('localhost-key.pem')];
/** s_server demands a client certificate that the self-signed fixture's key made. */
const DEMAND_CLIENT_CERT = [
  '-Verify',
  '1',
  '-CAfile',
  file('self-signed.pem'),
  '-verify_return_error',
];

/** `openssl s_server` on a free loopback port, ready once it prints ACCEPT. */
async function startSServer(
  args: string[],
  connections = 1,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await unusedPort();
  const child = spawn(
    'openssl',
    ['s_server', '-accept', `127.0.0.1:${port}`, '-naccept', String(connections), ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  try {
    await waitForLine(child.stdout!, /ACCEPT/);
  } catch (error) {
    // A server that never said it was ready must not outlive the test.
    child.kill();
    throw error;
  }
  return { child, port };
}

/** Everything a child writes to stdout until it exits (bounded). */
async function stdoutOf(child: ChildProcess): Promise<string> {
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  await exited(child, 10_000);
  return Buffer.concat(chunks).toString();
}

/** A line without what OpenSSL's raw errors look like. */
function assertOneSentence(message: string): void {
  assert.doesNotMatch(message, /\n/, message);
  assert.doesNotMatch(message, /error:[0-9A-F]{8}:/, message);
}

describe('TLS: the peer certificate', () => {
  test("peerCertificate() says what Python's ssl decodes from the same file, and the chain reaches the CA", async (t) => {
    if (!requirePeer(t, 'python3', 'as the TLS server and to decode the certificate')) return;
    const decoded = await runPython(
      'import json, ssl, sys; print(json.dumps(ssl._ssl._test_decode_cert(sys.argv[1])))',
      [file('localhost.pem')],
    );
    assert.equal(decoded.code, 0, decoded.stderr);
    const python = JSON.parse(decoded.stdout.toString()) as {
      subject: Array<Array<[string, string]>>;
      issuer: Array<Array<[string, string]>>;
      serialNumber: string;
      notBefore: string;
      notAfter: string;
      subjectAltName: string[][];
    };
    const server = await startPython(
      `
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv = socket.create_server(('127.0.0.1', 0))
print(srv.getsockname()[1], flush=True)
srv.settimeout(10)
conn, _ = srv.accept()
with ctx.wrap_socket(conn, server_side=True) as tls:
    tls.sendall(b'hi\\n')
    tls.recv(1)
`,
      [file('localhost.pem'), file('localhost-key.pem')],
    );
    const sock = await connect('127.0.0.1', Number(server.firstLine), {
      tls: { ca, servername: 'localhost' },
      timeout: 5000,
    });
    try {
      assert.equal(await sock.readLine(), 'hi');
      const peer = sock.peerCertificate();
      assert.ok(peer !== null);
      const flat = (name: Array<Array<[string, string]>>) =>
        Object.fromEntries(name.map((rdn) => rdn[0]!));
      const names: Record<string, string> = { commonName: 'CN', organizationName: 'O' };
      const renamed = (name: Record<string, string>) =>
        Object.fromEntries(Object.entries(name).map(([k, v]) => [names[k] ?? k, v]));
      assert.deepEqual(peer.subject, renamed(flat(python.subject)));
      assert.deepEqual(peer.issuer, renamed(flat(python.issuer)));
      assert.equal(peer.serialNumber, python.serialNumber);
      assert.equal(peer.validFrom.getTime(), Date.parse(python.notBefore));
      assert.equal(peer.validTo.getTime(), Date.parse(python.notAfter));
      assert.deepEqual(
        peer.subjectAltName,
        python.subjectAltName.map(([kind, value]) => `${kind}:${value}`),
      );
      assert.equal(sock.authorized, true);
      assert.equal(sock.authorizationError, null);
      const chain = sock.peerCertificateChain();
      assert.equal(chain.length, 2, 'the leaf and the CA that verified it');
      assert.deepEqual(chain[1]!.subject, peer.issuer);
      // The PEM it gives back is the file's certificate, byte for byte in base64.
      const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');
      assert.equal(body(peer.pem), body(cert.toString()));
      assert.equal(Buffer.from(peer.der).toString('base64'), body(cert.toString()));
    } finally {
      await sock.close();
      await exited(server.child);
    }
  });

  test('the fingerprint is the one `openssl x509 -fingerprint -sha256` prints', async (t) => {
    if (!requirePeer(t, 'openssl', 'to compute the fingerprint independently')) return;
    const x509 = await run('openssl', [
      'x509',
      '-in',
      file('localhost.pem'),
      '-noout',
      '-fingerprint',
      '-sha256',
    ]);
    const expected = /=([0-9A-F:]+)/.exec(x509.stdout.toString())?.[1];
    await using server = await listen({ tls: { key, cert } });
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port, {
      tls: { ca, servername: 'localhost' },
    });
    const [conn] = await accepting;
    await using _conn = conn;
    assert.equal(sock.peerCertificate()?.fingerprint256, expected);
    // The server saw no client certificate: none was asked for.
    assert.equal(conn.peerCertificate(), null);
    assert.deepEqual(conn.peerCertificateChain(), []);
  });

  test('plain TCP has no TLS facts: each getter says null', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port);
    await using _conn = (await accepting)[0];
    assert.equal(sock.peerCertificate(), null);
    assert.equal(sock.tlsProtocol, null);
    assert.equal(sock.tlsCipher, null);
    assert.equal(sock.alpnProtocol, null);
    assert.equal(sock.authorized, null);
  });
});

describe('TLS: ALPN', () => {
  test('a socketkit client offering h2 and http/1.1 gets what openssl s_server picks', async (t) => {
    if (!requirePeer(t, 'openssl', 'as an ALPN server nobody here wrote')) return;
    const { child, port } = await startSServer([...SERVER_CERT, '-alpn', 'http/1.1']);
    try {
      const sock = await connect('127.0.0.1', port, {
        tls: { ca, servername: 'localhost', alpnProtocols: ['h2', 'http/1.1'] },
        timeout: 5000,
      });
      assert.equal(sock.alpnProtocol, 'http/1.1');
      await sock.sendAll(encode('ping\n'));
      await sock.close();
    } finally {
      child.kill();
    }
  });

  test('openssl s_client -alpn gets the protocol a socketkit server agrees on; no overlap fails in one sentence', async (t) => {
    if (!requirePeer(t, 'openssl', 'as an ALPN client nobody here wrote')) return;
    await using server = await listen({ tls: { key, cert, alpnProtocols: ['smtp', 'http/1.1'] } });
    const accepting = server.accept();
    const client = await run(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${server.address.port}`, '-alpn', 'h2,http/1.1'],
      { input: '', timeoutMs: 10_000 },
    );
    assert.match(client.stdout.toString(), /ALPN protocol: http\/1\.1/);
    const [conn] = await accepting;
    await using _conn = conn;
    assert.equal(conn.alpnProtocol, 'http/1.1');

    const refused = await connect('127.0.0.1', server.address.port, {
      tls: { ca, servername: 'localhost', alpnProtocols: ['x-nothing'] },
      timeout: 5000,
    }).catch((e: unknown) => e);
    assert.ok(refused instanceof TlsError, String(refused));
    assertOneSentence(refused.message);
  });
});

describe('TLS: client certificates', () => {
  test('connect() shows cert and key to openssl s_server -Verify, which sees the certificate', async (t) => {
    if (!requirePeer(t, 'openssl', 'as a server that demands a client certificate')) return;
    const { child, port } = await startSServer([...SERVER_CERT, ...DEMAND_CLIENT_CERT]);
    const output = stdoutOf(child);
    try {
      const sock = await connect('127.0.0.1', port, {
        tls: { ca, servername: 'localhost', cert: selfSigned, key: selfSignedKey },
        timeout: 5000,
      });
      const arrived = waitForLine(child.stdout!, /from a client with a certificate/);
      await sock.sendAll(encode('from a client with a certificate\n'));
      await arrived;
      // s_server ends at the end of its standard input, and says what it saw.
      child.stdin!.end();
      await sock.recv().catch(() => {});
      await sock.close();
      const seen = await output;
      assert.match(
        seen,
        /Client certificate\n-----BEGIN CERTIFICATE-----[\s\S]*subject=CN ?= ?localhost/,
      );
    } finally {
      child.kill();
    }
  });

  test('listen({ tls: { requestCert, ca } }): openssl s_client with a certificate is let in and seen; without one it is refused', async (t) => {
    if (!requirePeer(t, 'openssl', 'as a client with a certificate')) return;
    await using server = await listen({
      tls: { key, cert, requestCert: true, ca: selfSigned },
    });
    const accepting = server.accept({ timeout: 10_000 });
    const client = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${server.address.port}`,
        '-cert',
        file('self-signed.pem'),
        '-key',
        file('self-signed-key.pem'),
        '-CAfile',
        file('ca.pem'),
      ],
      { input: 'hello with a certificate\n', timeoutMs: 10_000 },
    );
    const [conn] = await accepting;
    await using _conn = conn;
    assert.equal(await conn.readLine({ timeout: 5000 }), 'hello with a certificate', client.stderr);
    assert.equal(conn.authorized, true);
    const peer = conn.peerCertificate();
    assert.equal(peer?.subject.CN, 'localhost');
    assert.deepEqual(peer?.subject, peer?.issuer, 'the self-signed client certificate');

    // Without a certificate the server refuses the handshake, so accept() never sees it.
    const noCert = await run(
      'openssl',
      // TLS 1.2, where the server's refusal comes inside the handshake, before s_client can quit.
      [
        's_client',
        '-tls1_2',
        '-connect',
        `127.0.0.1:${server.address.port}`,
        '-CAfile',
        file('ca.pem'),
      ],
      { input: 'no certificate\n', timeoutMs: 10_000 },
    );
    assert.match(`${noCert.stdout.toString()}${noCert.stderr}`, /alert|certificate required/i);
    const none = await server.accept({ timeout: 300 }).catch((e: unknown) => e);
    assert.ok(none instanceof SocketTimeoutError, String(none));
  });

  test('fetch -E/--cert and --key show a client certificate to a server that demands one; bad files exit 58', async (t) => {
    if (!requirePeer(t, 'openssl', 'as a server that demands a client certificate')) return;
    const { child, port } = await startSServer([...SERVER_CERT, ...DEMAND_CLIENT_CERT, '-www']);
    try {
      const result = await socketkit([
        'fetch',
        '-E',
        file('self-signed.pem'),
        '--key',
        file('self-signed-key.pem'),
        '--cacert',
        file('ca.pem'),
        `https://localhost:${port}/`,
      ]);
      assert.equal(result.code, 0, result.stderr);
      // s_server -www answers with a page describing the session, client certificate included.
      assert.match(result.stdout.toString(), /Client certificate|no client certificate/i);
      assert.doesNotMatch(result.stdout.toString(), /no client certificate available/i);
    } finally {
      child.kill();
    }
    // curl's -E with one PEM file holding the certificate and its key.
    const combined = join(mkdtempSync(join(tmpdir(), 'socketkit-combined-')), 'client.pem');
    writeFileSync(combined, Buffer.concat([selfSigned, selfSignedKey]));
    const second = await startSServer([...SERVER_CERT, ...DEMAND_CLIENT_CERT, '-www']);
    try {
      const both = await socketkit([
        'fetch',
        '-E',
        combined,
        '--cacert',
        file('ca.pem'),
        `https://localhost:${second.port}/`,
      ]);
      assert.equal(both.code, 0, both.stderr);
    } finally {
      second.child.kill();
      rmSync(dirname(combined), { recursive: true, force: true });
    }
    // A certificate file without a key in it still needs --key.
    const noKey = await socketkit(['fetch', '--cert', file('ca.pem'), 'https://localhost:1/']);
    assert.equal(noKey.code, 2, noKey.stderr);
    assert.match(noKey.stderr, /--cert needs --key too/);
    const notPem = await socketkit([
      'fetch',
      '--cert',
      file('README.md'),
      '--key',
      file('self-signed-key.pem'),
      'https://localhost:1/',
    ]);
    assert.equal(notPem.code, 58, notPem.stderr);
    assert.match(notPem.stderr, /--cert .*README\.md holds no PEM certificate/);
    const wrongKey = await socketkit([
      'fetch',
      '--cert',
      file('self-signed.pem'),
      '--key',
      file('localhost-key.pem'),
      'https://localhost:1/',
    ]);
    assert.equal(wrongKey.code, 58, wrongKey.stderr);
    assert.match(wrongKey.stderr, /is not the key of the certificate/);
  });
});

describe('TLS: session resumption', () => {
  /** What s_server -www says of each session ("New" or "Reused"), and what the client saw. */
  async function threeRequests(port: number, agent: Agent | undefined) {
    const seen: Array<{ server: string; client: boolean | undefined }> = [];
    for (let i = 0; i < 3; i++) {
      let resumed: boolean | undefined;
      const response = await request(`https://localhost:${port}/`, {
        ca,
        agent,
        onRequest: (info) => {
          resumed = info.tls?.resumed;
        },
      });
      const page = await response.body.text();
      seen.push({ server: /^(New|Reused), /m.exec(page)?.[1] ?? page, client: resumed });
    }
    return seen;
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`through an Agent, ${version}: the second and third connections resume (s_server -www says Reused)`, async (t) => {
      if (!requirePeer(t, 'openssl', 'as the TLS server')) return;
      const only = version === 'TLSv1.2' ? ['-tls1_2'] : ['-tls1_3'];
      // -www answers once per connection and closes it, so each request opens a new one.
      const { child, port } = await startSServer([...SERVER_CERT, ...only, '-www'], 3);
      try {
        await using agent = new Agent();
        assert.deepEqual(await threeRequests(port, agent), [
          { server: 'New', client: false },
          { server: 'Reused', client: true },
          { server: 'Reused', client: true },
        ]);
        assert.equal(agent.stats.opened, 3);
      } finally {
        child.kill();
      }
    });
  }

  test('without an agent every connection has a full handshake', async (t) => {
    if (!requirePeer(t, 'openssl', 'as the TLS server')) return;
    const { child, port } = await startSServer([...SERVER_CERT, '-www'], 3);
    try {
      const seen = await threeRequests(port, undefined);
      assert.deepEqual(
        seen.map((s) => s.server),
        ['New', 'New', 'New'],
      );
    } finally {
      child.kill();
    }
  });

  test('a session offered to a server that does not know it: a full handshake, the certificate checked', async () => {
    await using first = await listen({ tls: { key, cert } });
    await using second = await listen({ tls: { key, cert } });
    const serve = async (server: typeof first) => {
      for await (const conn of server) await conn.sendAll(encode('hi\n')).then(() => conn.close());
    };
    void serve(first);
    void serve(second);
    const tls = { ca, servername: 'localhost' };
    await using a = await connect('127.0.0.1', first.address.port, { tls });
    assert.equal(await a.readLine(), 'hi');
    // Node's server sends its TLS 1.3 tickets with the first bytes; the event comes a turn later.
    await until(() => a.tlsSession() !== null, 'the server gave a session');
    const session = a.tlsSession()!;
    await using again = await connect('127.0.0.1', first.address.port, {
      tls: { ...tls, session },
    });
    assert.equal(again.tlsSessionReused, true);
    await using other = await connect('127.0.0.1', second.address.port, {
      tls: { ...tls, session },
    });
    assert.equal(other.tlsSessionReused, false);
    assert.equal(other.authorized, true);
    assert.equal(other.peerCertificate()?.subject.CN, 'localhost');
    // Under another CA or another name the session is not offered: the full handshake checks
    // the certificate, and fails (a resumed session would not have been checked at all).
    for (const changed of [
      { ca: selfSigned, servername: 'localhost' },
      { ca, servername: 'other.test' },
    ]) {
      const error = await connect('127.0.0.1', first.address.port, {
        tls: { ...changed, session },
      }).catch((e: unknown) => e);
      assert.ok(
        error instanceof TlsError,
        `${JSON.stringify(changed.servername)}: ${String(error)}`,
      );
    }
    await assert.rejects(
      connect('127.0.0.1', first.address.port, { tls: { ...tls, session: 'abc' as never } }),
      (error: Error) =>
        error instanceof TypeError && /Invalid TLS session "abc"/.test(error.message),
    );
  });
});

describe('TLS: connect on the command line', () => {
  test('connect --tls --alpn --cert --key against openssl s_server -Verify; -v tells the handshake', async (t) => {
    if (!requirePeer(t, 'openssl', 'as a server that demands a client certificate')) return;
    const { child, port } = await startSServer([
      ...SERVER_CERT,
      '-alpn',
      'h2',
      '-Verify',
      '1',
      '-CAfile',
      file('self-signed.pem'),
      '-verify_return_error',
    ]);
    const arrived = waitForLine(child.stdout!, /hello from the command line/);
    try {
      const result = await socketkit(
        [
          'connect',
          '-v',
          '-q',
          '0.5',
          '--tls',
          '--cacert',
          file('ca.pem'),
          '--servername',
          'localhost',
          '--alpn',
          'h2,http/1.1',
          '--cert',
          file('self-signed.pem'),
          '--key',
          file('self-signed-key.pem'),
          '127.0.0.1',
          String(port),
        ],
        { input: 'hello from the command line\n', timeoutMs: 10_000 },
      );
      await arrived;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /using TLSv1\.3\./);
      assert.match(result.stderr, /^TLS: TLS_[A-Z0-9_]+; ALPN: h2\.$/m);
      assert.match(
        result.stderr,
        /^Certificate: CN=localhost, issued by CN=.+, valid until \d{4}-/m,
      );
    } finally {
      child.kill();
    }
    const alone = await socketkit(['connect', '--cert', file('self-signed.pem'), '127.0.0.1', '1']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--cert needs --tls/);
    const badAlpn = await socketkit(['connect', '--tls', '--alpn', 'h2,,x', '127.0.0.1', '1']);
    assert.equal(badAlpn.code, 2);
    assert.match(badAlpn.stderr, /Invalid --alpn "h2,,x"/);
  });
});

describe('TLS: STARTTLS', () => {
  /** An SMTP-like greeting, EHLO, STARTTLS, then one line over TLS: what `openssl s_client -starttls smtp` speaks. */
  async function smtpLike(conn: StreamSocket): Promise<string | null> {
    await conn.writeLine('220 localhost ESMTP socketkit test', { newline: '\r\n' });
    const ehlo = await conn.readLine({ timeout: 5000 });
    assert.match(ehlo ?? '', /^EHLO /);
    await conn.writeLine('250-localhost\r\n250 STARTTLS', { newline: '\r\n' });
    assert.equal(await conn.readLine({ timeout: 5000 }), 'STARTTLS');
    await conn.writeLine('220 2.0.0 Ready to start TLS', { newline: '\r\n' });
    await conn.startTls({ key, cert, timeout: 5000 });
    const line = await conn.readLine({ timeout: 5000 });
    await conn.writeLine(`250 got ${line} over ${conn.tlsProtocol}`, { newline: '\r\n' });
    return line;
  }

  test('openssl s_client -starttls smtp upgrades a socketkit server and talks over TLS', async (t) => {
    if (!requirePeer(t, 'openssl', 'as a STARTTLS client nobody here wrote')) return;
    await using server = await listen();
    const serving = (async () => {
      const [conn] = await server.accept({ timeout: 10_000 });
      await using _conn = conn;
      return await smtpLike(conn);
    })();
    const client = spawn(
      'openssl',
      [
        's_client',
        '-starttls',
        'smtp',
        '-connect',
        `127.0.0.1:${server.address.port}`,
        '-CAfile',
        file('ca.pem'),
        '-verify_return_error',
        '-quiet',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const output = stdoutOf(client);
    client.stdin!.write('NOOP\r\n');
    const line = await serving;
    client.stdin!.end();
    assert.equal(line, 'NOOP');
    assert.match(await output, /250 got NOOP over TLSv1\.[23]/);
  });

  test("a socketkit client upgrades with startTls() against Python's ssl wrap_socket(server_side=True)", async (t) => {
    if (!requirePeer(t, 'python3', 'as a STARTTLS server nobody here wrote')) return;
    const server = await startPython(
      `
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv = socket.create_server(('127.0.0.1', 0))
print(srv.getsockname()[1], flush=True)
srv.settimeout(10)
conn, _ = srv.accept()
conn.settimeout(10)
f = conn.makefile('rb')
conn.sendall(b'+OK POP3 ready\\r\\n')
assert f.readline() == b'STLS\\r\\n'
conn.sendall(b'+OK begin TLS\\r\\n')
with ctx.wrap_socket(conn, server_side=True) as tls:
    line = tls.recv(100)
    tls.sendall(b'+OK you said ' + line.strip() + b' over ' + tls.version().encode() + b'\\r\\n')
    tls.recv(1)
`,
      [file('localhost.pem'), file('localhost-key.pem')],
    );
    const sock = await connect('127.0.0.1', Number(server.firstLine), { timeout: 5000 });
    try {
      assert.equal(await sock.readLine({ timeout: 5000 }), '+OK POP3 ready');
      await sock.writeLine('STLS', { newline: '\r\n' });
      assert.equal(await sock.readLine({ timeout: 5000 }), '+OK begin TLS');
      assert.equal(sock.tlsProtocol, null);
      await sock.startTls({ servername: 'localhost', ca, timeout: 5000 });
      assert.match(sock.tlsProtocol ?? '', /^TLSv1\.[23]$/);
      assert.equal(sock.peerCertificate()?.subject.CN, 'localhost');
      await sock.writeLine('CAPA', { newline: '\r\n' });
      assert.equal(
        await sock.readLine({ timeout: 5000 }),
        `+OK you said CAPA over ${sock.tlsProtocol}`,
      );
      // Addresses and the repr carry on; the repr says TLS now.
      assert.match(String(sock), /tls=TLSv1\.[23]>$/);
    } finally {
      await sock.close();
      await exited(server.child);
    }
  });

  test('startTls() refuses unread clear-text bytes, a second upgrade, a read in flight, and bad settings, touching nothing', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port);
    const [conn] = await accepting;
    await using _conn = conn;
    // The server's reply and an injected command arrive in one segment (RFC 3207 §6).
    await conn.sendAll(encode('220 go ahead\r\nRSET\r\n'));
    assert.equal(await sock.readLine({ timeout: 5000 }), '220 go ahead');
    await new Promise((r) => setTimeout(r, 50));
    const unread = await sock.startTls({ servername: 'localhost', ca }).catch((e: unknown) => e);
    assert.ok(unread instanceof InvalidStateError, String(unread));
    assert.match(unread.message, /startTls\(\) with 6 unread bytes that arrived in the clear/);
    // Nothing was taken or changed: the bytes are still there, and the socket is still plain.
    assert.equal(sock.bufferedAmount, 6);
    assert.equal(await sock.readLine(), 'RSET');
    assert.equal(sock.tlsProtocol, null);

    // A read waiting when startTls() is called: refused, and the read still gets its bytes.
    const waiting = sock.readLine({ timeout: 5000 });
    const busy = await sock.startTls({ servername: 'localhost', ca }).catch((e: unknown) => e);
    assert.match(String(busy), /startTls\(\) was called while another read is reading/);
    await conn.sendAll(encode('still plain\n'));
    assert.equal(await waiting, 'still plain');

    // Bad settings are TypeErrors naming the setting, before anything changes.
    const notPem = await sock.startTls({ ca: 'not a certificate' }).catch((e: unknown) => e);
    assert.ok(notPem instanceof TypeError);
    assert.match(notPem.message, /Invalid TLS ca: it is not PEM/);
    const noKey = await conn.startTls({}).catch((e: unknown) => e);
    assert.ok(noKey instanceof TypeError);
    assert.match(noKey.message, /a TLS server needs its key and cert/);
    const mismatch = await conn.startTls({ key: selfSignedKey, cert }).catch((e: unknown) => e);
    assert.ok(mismatch instanceof TypeError);
    assert.match(mismatch.message, /Invalid TLS key or certificate: key values mismatch/);
    assert.equal(conn.tlsProtocol, null);

    // Now both upgrade, and a second upgrade is refused.
    await Promise.all([
      conn.startTls({ key, cert }),
      sock.startTls({ servername: 'localhost', ca }),
    ]);
    const again = await sock.startTls({ servername: 'localhost', ca }).catch((e: unknown) => e);
    assert.ok(again instanceof InvalidStateError);
    assert.match(again.message, /on a socket that already speaks TLSv1\.3/);
    await conn.writeLine('secret');
    assert.equal(await sock.readLine({ timeout: 5000 }), 'secret');
  });

  test('a handshake that never finishes times out in one sentence and closes the socket; a failed one is a TlsError', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port);
    const [conn] = await accepting;
    await using _conn = conn;
    const started = performance.now();
    const error = await sock
      .startTls({ servername: 'localhost', ca, timeout: 200 })
      .catch((e: unknown) => e);
    assert.ok(error instanceof SocketTimeoutError, String(error));
    assert.match(
      error.message,
      /^The TLS handshake on 127\.0\.0\.1 port \d+ timed out after 200 ms$/,
    );
    assert.ok(performance.now() - started < 3000);
    assert.equal(sock.closed, true);

    // The peer answers the ClientHello with clear text: a TlsError, one sentence.
    await using server2 = await listen();
    const accepting2 = server2.accept();
    await using sock2 = await connect('127.0.0.1', server2.address.port);
    const [conn2] = await accepting2;
    await using _conn2 = conn2;
    const upgrading = sock2.startTls({ servername: 'localhost', ca, timeout: 5000 });
    await conn2.recv();
    await conn2.sendAll(encode('500 what?\r\n'));
    const failed = await upgrading.catch((e: unknown) => e);
    assert.ok(failed instanceof TlsError, String(failed));
    assertOneSentence(failed.message);
    assert.equal(sock2.closed, true);
  });

  test('a ClientHello that arrives before the server calls startTls() is the handshake, not clear text', async () => {
    await using server = await listen();
    const accepting = server.accept();
    await using sock = await connect('127.0.0.1', server.address.port);
    const [conn] = await accepting;
    await using _conn = conn;
    await conn.writeLine('220 go ahead');
    assert.equal(await sock.readLine({ timeout: 5000 }), '220 go ahead');
    // The client upgrades at once; the server is busy for a moment before it does.
    const client = sock.startTls({ servername: 'localhost', ca, timeout: 5000 });
    await until(() => conn.bufferedAmount > 0, 'the ClientHello reaches the server');
    await conn.startTls({ key, cert, timeout: 5000 });
    await client;
    await conn.writeLine('over TLS');
    assert.equal(await sock.readLine({ timeout: 5000 }), 'over TLS');
    assert.match(conn.tlsProtocol ?? '', /^TLSv1\.[23]$/);
  });

  test("startTls({ requestCert, ca }) on the server checks the client's certificate against ca", async () => {
    // It let in any certificate from any CA: a TLSSocket made by hand is not checked by a
    // tls.Server, so nobody verified the chain.
    for (const trusted of [true, false]) {
      await using server = await listen();
      const accepting = server.accept();
      await using sock = await connect('127.0.0.1', server.address.port);
      const [conn] = await accepting;
      await using _conn = conn;
      const serverSide = conn
        .startTls({ key, cert, requestCert: true, ca: trusted ? selfSigned : ca, timeout: 5000 })
        .then(
          () => 'upgraded',
          (error: unknown) => error,
        );
      const clientSide = sock
        .startTls({
          servername: 'localhost',
          ca,
          cert: selfSigned,
          key: selfSignedKey,
          timeout: 5000,
        })
        .then(
          () => 'upgraded',
          (error: unknown) => error,
        );
      const outcome = await serverSide;
      await clientSide;
      if (trusted) {
        assert.equal(outcome, 'upgraded');
        assert.equal(conn.authorized, true);
        assert.equal(conn.peerCertificate()?.subject.CN, 'localhost');
        // A session from this server resumes on the next STARTTLS (it failed the handshake:
        // OpenSSL's session id context was never set on the server's context).
        await conn.writeLine('bye');
        assert.equal(await sock.readLine({ timeout: 5000 }), 'bye');
        await until(() => sock.tlsSession() !== null, 'the server gave a session');
        const session = sock.tlsSession();
        const accepting2 = server.accept();
        await using again = await connect('127.0.0.1', server.address.port);
        const [conn2] = await accepting2;
        await using _conn2 = conn2;
        await Promise.all([
          conn2.startTls({ key, cert, requestCert: true, ca: selfSigned, timeout: 5000 }),
          again.startTls({
            servername: 'localhost',
            ca,
            cert: selfSigned,
            key: selfSignedKey,
            session,
            timeout: 5000,
          }),
        ]);
        assert.equal(again.tlsSessionReused, true);
      } else {
        assert.ok(outcome instanceof TlsError, String(outcome));
        assertOneSentence(outcome.message);
        assert.equal(conn.closed, true);
      }
    }
  });

  test('a peer that sends FIN instead of a handshake ends startTls() at once, not at the timeout', async () => {
    await using server = await listen();
    const accepting = server.accept();
    const client = await connect('127.0.0.1', server.address.port);
    const [conn] = await accepting;
    await using _conn = conn;
    const upgrading = conn.startTls({ key, cert, timeout: 10_000 });
    const started = performance.now();
    await client.shutdown('write');
    const error = await upgrading.catch((e: unknown) => e);
    assert.ok(performance.now() - started < 2000, 'not the 10 s timeout');
    assert.ok(error instanceof TlsError, String(error));
    assert.match(
      error.message,
      /^The TLS handshake with .* failed: the peer closed the connection before it was done/,
    );
    assert.equal(conn.closed, true);
    await client.close();
  });

  test('minVersion newer than the server offers: a TlsError in one sentence', async (t) => {
    if (!requirePeer(t, 'openssl', 'as a TLS 1.2-only server')) return;
    const { child, port } = await startSServer([...SERVER_CERT, '-tls1_2']);
    try {
      const error = await connect('127.0.0.1', port, {
        tls: { ca, servername: 'localhost', minVersion: 'TLSv1.3' },
        timeout: 5000,
      }).catch((e: unknown) => e);
      assert.ok(error instanceof TlsError, String(error));
      assertOneSentence(error.message);
      assert.match(error.message, /TLS (handshake|version)|protocol version|share no TLS version/);
      const backwards = await connect('127.0.0.1', port, {
        tls: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' },
      }).catch((e: unknown) => e);
      assert.ok(backwards instanceof RangeError);
      assert.match(backwards.message, /minVersion TLSv1\.3 is newer than maxVersion TLSv1\.2/);
    } finally {
      child.kill();
    }
  });
});

describe('TLS: fetch -v', () => {
  test('prints the version, cipher, ALPN and the certificate as curl -v does', async () => {
    await using server = await listen({ tls: { key, cert, alpnProtocols: ['http/1.1'] } });
    const serving = (async () => {
      const [conn] = await server.accept({ timeout: 10_000 });
      await using _conn = conn;
      await conn.recvUntil('\r\n\r\n', { timeout: 5000 });
      await conn.sendAll(encode('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'));
    })();
    const result = await socketkit([
      'fetch',
      '-v',
      '--cacert',
      file('ca.pem'),
      `https://localhost:${server.address.port}/`,
    ]);
    await serving;
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr;
    assert.match(lines, /^\* TLS connection using TLSv1\.3 \/ TLS_[A-Z0-9_]+$/m);
    assert.match(lines, /^\* ALPN: server accepted http\/1\.1$/m);
    assert.match(lines, /^\* {2}subject: CN=localhost$/m);
    assert.match(lines, /^\* {2}issuer: CN=.+$/m);
    assert.match(lines, /^\* {2}expire date: [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/m);
    assert.match(lines, /^\* {2}subjectAltName: DNS:localhost, IP Address:127\.0\.0\.1/m);
    assert.match(lines, /^\* {2}SSL certificate verify ok/m);
  });

  test('says what it tried when connecting or the handshake fails, before the one-sentence error', async () => {
    // Refused: the attempt and why, then the error (exit 7, as curl).
    const port = await unusedPort();
    const refused = await socketkit(['fetch', '-v', `https://127.0.0.1:${port}/`]);
    assert.equal(refused.code, 7, refused.stderr);
    assert.match(
      refused.stderr,
      /^\* {3}Trying 127\.0\.0\.1 at [\d.]+ ms: failed after [\d.]+ ms: Connection refused/m,
    );
    // Connected, then a certificate the client does not trust: the attempt shows it connected.
    // (The handshake fails, so the server never has a connection to accept.)
    await using server = await listen({ tls: { key: selfSignedKey, cert: selfSigned } });
    const untrusted = await socketkit(['fetch', '-v', `https://localhost:${server.address.port}/`]);
    assert.equal(untrusted.code, 60, untrusted.stderr);
    const lines = untrusted.stderr.split('\n');
    const tried = lines.findIndex((line) => /^\* {3}Trying .* connected in [\d.]+ ms$/.test(line));
    assert.ok(tried >= 0, untrusted.stderr);
    assert.ok(
      lines.slice(tried + 1).some((line) => /^socketkit: /.test(line)),
      untrusted.stderr,
    );
  });
});
