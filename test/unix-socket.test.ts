/**
 * Unix domain sockets (AF_UNIX, stream): connect({ path }), listen({ path }), serve({ path }),
 * request(url, { socketPath }) and the CLI's -U / --unix-socket / --unix, against peers nobody
 * here wrote: Python's socket module, curl --unix-socket and netcat-openbsd's -U.
 */
import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { request, serve } from '../src/http/index.js';
import {
  AddressInUseError,
  ConnectionRefusedError,
  connect,
  decode,
  encode,
  listen,
  SocketError,
} from '../src/index.js';
import { qotd, runTcp } from '../src/services/index.js';
import {
  FIXTURES,
  fixture,
  requirePeer,
  run,
  runPython,
  socketkit,
  startPython,
  startSocketkit,
  until,
} from './_helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'socketkit-unix-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
const fresh = (name = 'sock') => join(dir, `${name}-${++count}.sock`);

/** Every byte value, several times over, so that nothing on the way can change one unseen. */
const PAYLOAD = Buffer.concat(
  Array.from({ length: 64 }, (_, i) =>
    Buffer.from(Array.from({ length: 256 }, (_, b) => (b + i) % 256)),
  ),
);

const PY_ECHO_SERVER = `
import socket, sys, os
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(1)
print("ready", flush=True)
conn, addr = s.accept()
print(repr(addr), file=sys.stderr)
while True:
    data = conn.recv(4096)
    if not data: break
    conn.sendall(data)
conn.close(); s.close(); os.unlink(path)
`;

describe('connect({ path }) and listen({ path })', () => {
  test("to Python's AF_UNIX echo server: every byte comes back, half-close included", async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent AF_UNIX server')) return;
    const path = fresh('py');
    const { child } = await startPython(PY_ECHO_SERVER, [path]);
    try {
      await using sock = await connect({ path, timeout: 5000 });
      assert.equal(sock.family, 'AF_UNIX');
      assert.equal(sock.proto, 0);
      assert.deepEqual(sock.remoteAddress, { path, family: 'AF_UNIX' });
      assert.deepEqual(sock.localAddress, { path: '', family: 'AF_UNIX' });
      await sock.sendAll(PAYLOAD);
      await sock.shutdown('write');
      const back: Buffer[] = [];
      for (let piece = await sock.recv(); piece.length > 0; piece = await sock.recv()) {
        back.push(Buffer.from(piece));
      }
      assert.ok(Buffer.concat(back).equals(PAYLOAD));
    } finally {
      child.kill();
    }
  });

  test("Python's AF_UNIX client against listen({ path }); repr as Python prints it", async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent AF_UNIX client')) return;
    const path = fresh('ours');
    await using server = await listen({ path });
    assert.deepEqual(server.address, { path, family: 'AF_UNIX' });
    assert.equal(
      inspect(server),
      `<ServerSocket fd=${(inspect(server).match(/fd=(-?\d+)/) ?? [])[1]}, family=AF_UNIX, type=SOCK_STREAM, proto=0, laddr=${path}>`,
    );
    const client = runPython(
      `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
print(s.family.name, s.getpeername())
s.sendall(bytes(range(256)) * 4)
s.shutdown(socket.SHUT_WR)
print(s.recv(100).decode())`,
      [path],
    );
    const [conn, peer] = await server.accept({ timeout: 5000 });
    assert.deepEqual(peer, { path: '', family: 'AF_UNIX' });
    assert.match(
      inspect(conn),
      /^<StreamSocket fd=\d+, family=AF_UNIX, type=SOCK_STREAM, proto=0, laddr=.*\.sock>$/,
    );
    const got = await conn.recvExactly(1024);
    assert.ok(
      Buffer.from(got).equals(
        Buffer.concat(
          Array.from({ length: 4 }, () => Buffer.from(Array.from({ length: 256 }, (_, b) => b))),
        ),
      ),
    );
    assert.equal((await conn.recv()).length, 0, 'EOF after the client shut down its write half');
    await conn.sendAll(encode('thanks'));
    await conn.close();
    const result = await client;
    assert.equal(result.code, 0, result.stderr);
    const [family, ...rest] = result.stdout.toString().trim().split('\n')[0]!.split(' ');
    assert.equal(family, 'AF_UNIX');
    // The kernel reports the name the server bound: a private one beside the path, which the
    // path is linked to (so that close() can never remove a file that is not its own).
    assert.match(rest.join(' '), /\/\.socketkit-[0-9a-f]{8}\.sock$/);
    assert.equal(dirname(rest.join(' ')), dirname(path));
    assert.equal(result.stdout.toString().trim().split('\n')[1], 'thanks');
  });

  test('a stale socket file is replaced; a live one is refused and keeps serving; close removes the file', async (t) => {
    if (!requirePeer(t, 'python3', 'to leave a socket file with nobody behind it')) return;
    const path = fresh('stale');
    // What a server that was killed leaves: the file, with nothing listening.
    const stale = await runPython(
      `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1])`,
      [path],
    );
    assert.equal(stale.code, 0, stale.stderr);
    assert.ok(lstatSync(path).isSocket(), 'the stale socket file exists');
    await assert.rejects(connect({ path }), ConnectionRefusedError);
    const server = await listen({ path });
    const error = await listen({ path }).catch((e: unknown) => e);
    assert.ok(error instanceof AddressInUseError, String(error));
    assert.match(error.message, /a server is already listening on it/);
    // Still serving. The refused listen() knocked once to see that it was alive: that shows as
    // an empty connection, which this server reads as such and closes.
    const serving = (async () => {
      for (;;) {
        const [conn] = await server.accept({ timeout: 5000 });
        const data = await conn.recv(100);
        if (data.length > 0) await conn.sendAll(encode(`pong to ${decode(data)}`));
        await conn.close();
        if (data.length > 0) return;
      }
    })();
    await using sock = await connect({ path });
    await sock.sendAll(encode('ping'));
    assert.equal(decode(await sock.recv(100)), 'pong to ping');
    await serving;
    await server.close();
    assert.throws(() => lstatSync(path), { code: 'ENOENT' });
  });

  test('a path that is not a socket is refused and left untouched, for listen and connect', async () => {
    const file = join(dir, 'precious.txt');
    writeFileSync(file, 'do not delete me');
    const listening = await listen({ path: file }).catch((e: unknown) => e);
    assert.ok(listening instanceof AddressInUseError);
    assert.equal(
      listening.message,
      `Cannot listen on ${file}: it is a regular file, not a socket, so it is left alone`,
    );
    assert.equal(readFileSync(file, 'utf8'), 'do not delete me');
    const connecting = await connect({ path: file }).catch((e: unknown) => e);
    assert.ok(connecting instanceof SocketError);
    assert.equal(connecting.message, `${file} is not a socket: it is a regular file`);
    const folder = await listen({ path: dir }).catch((e: unknown) => e);
    assert.match(String(folder), /it is a folder, not a socket/);
  });

  test('errors name the path: nothing there, nobody listening, bad paths', async () => {
    const missingPath = join(dir, 'nobody-here.sock');
    const missing = await connect({ path: missingPath }).catch((e: unknown) => e);
    assert.ok(missing instanceof SocketError);
    assert.equal(missing.message, `No socket at ${missingPath}: the file does not exist (ENOENT)`);
    assert.equal(missing.path, missingPath);
    await assert.rejects(connect({ path: '' }), {
      name: 'TypeError',
      message: /must name a socket file/,
    });
    await assert.rejects(connect({ path: 'a\0b' }), {
      name: 'TypeError',
      message: /only its first byte may be NUL/,
    });
    await assert.rejects(connect({ path: `/tmp/${'x'.repeat(120)}` }), {
      name: 'RangeError',
      message: /a Unix socket path holds at most 107/,
    });
    await assert.rejects(listen({ path: fresh(), mode: 0o1777 }), {
      name: 'TypeError',
      message: /Invalid mode 1023/,
    });
  });

  test('close() removes its own socket file only: a file or another server put there since stays', async () => {
    const path = fresh('owner');
    const first = await listen({ path });
    unlinkSync(path);
    writeFileSync(path, 'precious');
    await first.close();
    assert.equal(readFileSync(path, 'utf8'), 'precious', 'a regular file at the path survives');
    unlinkSync(path);
    const a = await listen({ path });
    unlinkSync(path);
    const b = await listen({ path });
    await a.close();
    await using sock = await connect({ path });
    assert.equal(
      sock.family,
      'AF_UNIX',
      'the second server is still reachable after the first closes',
    );
    await b.close();
    assert.throws(() => lstatSync(path), { code: 'ENOENT' }, 'and its own file goes with it');
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith('.socketkit-')),
      [],
      'no private name left behind',
    );
  });

  test('a symbolic link to a socket is followed, as connect(2) and curl follow it', async () => {
    const path = fresh('target');
    const link = join(dir, `link-${count}.lnk`);
    await using server = await listen({ path });
    symlinkSync(path, link);
    const accepted = server.accept({ timeout: 5000 });
    await using sock = await connect({ path: link });
    const [conn] = await accepted;
    await conn.close();
    assert.equal(sock.family, 'AF_UNIX');
  });

  test('mode sets the socket file’s permission bits', async () => {
    const path = fresh('mode');
    await using server = await listen({ path, mode: 0o600 });
    assert.equal(lstatSync(path).mode & 0o777, 0o600);
    assert.equal(server.address.path, path);
  });

  test('an abstract name (Linux): no file, same calls', async (t) => {
    if (process.platform !== 'linux') {
      t.skip('abstract socket names are a Linux feature');
      return;
    }
    const name = `\0socketkit-test-${process.pid}-${++count}`;
    await using server = await listen({ path: name });
    assert.match(inspect(server), /laddr=@socketkit-test-/);
    const accepted = server.accept({ timeout: 5000 });
    await using sock = await connect({ path: name });
    const [conn] = await accepted;
    await conn.sendAll(encode('abstract'));
    await conn.close();
    assert.equal(decode(await sock.recv(100)), 'abstract');
    await server.close();
    await assert.rejects(connect({ path: name }), ConnectionRefusedError);

    // The longest abstract name uses all 108 bytes of sun_path; ss (iproute2) shows it whole.
    const longest = `\0${'a'.repeat(90)}${process.pid}`.padEnd(108, 'z');
    await using big = await listen({ path: longest });
    const bigAccepted = big.accept({ timeout: 5000 });
    await using _bigSock = await connect({ path: longest });
    await using _bigConn = (await bigAccepted)[0];
    if (requirePeer(t, 'ss', 'to see the name the kernel holds')) {
      const ss = await run('ss', ['-xlH']);
      assert.ok(ss.stdout.toString().includes(`@${longest.slice(1)}`), ss.stdout.toString());
    }
    // One byte more, and Node would cut the name short without a word: refused.
    await assert.rejects(
      listen({ path: `${longest}z` }),
      /an abstract name holds at most 107 bytes after its \\0, and this has 108/,
    );
  });
});

describe('HTTP over a Unix socket', () => {
  test('serve({ path }) answers curl --unix-socket and request({ socketPath }) alike', async (t) => {
    const path = fresh('http');
    await using server = await serve(
      (req) =>
        req.path === '/old'
          ? { status: 301, headers: { Location: '/' } }
          : { body: `you asked for ${req.path} at ${req.headers.get('host')}\n` },
      { path },
    );
    assert.equal(server.address.path, path);
    const response = await request('http://localhost/hello', { socketPath: path });
    assert.equal(response.status, 200);
    assert.equal(await response.body.text(), 'you asked for /hello at localhost\n');
    assert.deepEqual(response.remoteAddress, { path, family: 'AF_UNIX' });
    const moved = await request('http://localhost/old', {
      socketPath: path,
      followRedirects: true,
    });
    assert.equal(await moved.body.text(), 'you asked for / at localhost\n');
    if (!requirePeer(t, 'curl', 'as an independent HTTP client')) return;
    const curl = await run('curl', ['-s', '--unix-socket', path, 'http://localhost/from-curl']);
    assert.equal(curl.stdout.toString(), 'you asked for /from-curl at localhost\n');
  });

  test('https over a Unix socket: serve({ path, tls }) answers request({ socketPath }) and curl, the certificate checked against the URL host', async (t) => {
    const path = fresh('https');
    const [key, cert, ca] = ['localhost-key.pem', 'localhost.pem', 'ca.pem'].map(fixture);
    await using server = await serve((req) => ({ body: `secure ${req.path}\n` }), {
      path,
      tls: { key: key!, cert: cert! },
    });
    assert.equal(server.address.path, path);
    const response = await request('https://localhost/over-unix', { socketPath: path, ca });
    assert.equal(await response.body.text(), 'secure /over-unix\n');
    // The certificate names localhost, not example.test: refused, as over TCP.
    await assert.rejects(request('https://example.test/', { socketPath: path, ca }), {
      code: 'SOCKETKIT_ERR_TLS',
      message: /certificate/,
    });
    // The raw socket API too: connect({ path, tls }).
    await using sock = await connect({ path, tls: { ca, servername: 'localhost' } });
    assert.match(sock.tlsProtocol ?? '', /^TLSv1\.[23]$/);
    assert.equal(sock.peerCertificate()?.subject.CN, 'localhost');
    if (!requirePeer(t, 'curl', 'as an independent HTTPS client')) return;
    const curl = await run('curl', [
      '-s',
      '--unix-socket',
      path,
      '--cacert',
      join(FIXTURES, 'ca.pem'),
      'https://localhost/from-curl',
    ]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.equal(curl.stdout.toString(), 'secure /from-curl\n');
  });
});

describe('the command line', () => {
  test('connect -U against nc -lU, and listen -U against nc -U, byte for byte', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent AF_UNIX peer (netcat-openbsd)')) return;
    const path = fresh('nc');
    const ncServer = run('nc', ['-lU', path], { timeoutMs: 10_000 });
    await until(
      () => {
        try {
          return lstatSync(path).isSocket();
        } catch {
          return false;
        }
      },
      'nc to create its socket',
      5000,
    );
    const ours = await socketkit(['connect', '-U', path], { input: 'to nc\n' });
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal((await ncServer).stdout.toString(), 'to nc\n');

    const path2 = fresh('listen');
    const listening = startSocketkit(['listen', '-v', '-U', path2]);
    await listening.waitForStderr(/Listening on the socket/);
    const nc = await run('nc', ['-NU', path2], { input: 'from nc\n', timeoutMs: 10_000 });
    assert.equal(nc.code, 0);
    assert.equal(await listening.exited(), 0);
    assert.equal(listening.stdout.toString(), 'from nc\n');
  });

  test('fetch --unix-socket and serve http --unix, side by side with curl', async (t) => {
    const path = fresh('web');
    const serving = startSocketkit(['serve', 'http', '--unix', path, '-q']);
    try {
      await serving.waitForStdout(/curl --unix-socket/);
      const ours = await socketkit(['fetch', '-i', '--unix-socket', path, 'http://localhost/']);
      assert.equal(ours.code, 0, ours.stderr);
      assert.match(
        ours.stdout.toString(),
        /^HTTP\/1\.1 200 OK\r\n[\s\S]*<title>Hello, world!<\/title>/,
      );
      if (requirePeer(t, 'curl', 'to compare with')) {
        const curl = await run('curl', [
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--unix-socket',
          path,
          'http://localhost/',
        ]);
        assert.equal(curl.stdout.toString(), '200');
      }
    } finally {
      serving.child.kill('SIGTERM');
      await serving.exited();
    }
    assert.throws(
      () => lstatSync(path),
      { code: 'ENOENT' },
      'the socket file is gone after SIGTERM',
    );
  });

  test('serve echo --unix and serve daytime --unix: nc -U and Python reach them; two services on one path are refused', async (t) => {
    const echoPath = fresh('echo');
    const serving = startSocketkit(['serve', 'echo', '--unix', echoPath, '-q']);
    try {
      await serving.waitForStdout(
        new RegExp(`echo +unix +${echoPath} +echo hello \\| .*connect -U`),
      );
      if (requirePeer(t, 'python3', 'as an AF_UNIX client nobody here wrote')) {
        const python = await runPython(
          `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(bytes(range(256)) * 40)
s.shutdown(socket.SHUT_WR)
got = b''
while True:
    data = s.recv(65536)
    if not data: break
    got += data
print(got == bytes(range(256)) * 40, len(got))
`,
          [echoPath],
        );
        assert.equal(python.stdout.toString().trim(), 'True 10240', python.stderr);
      }
    } finally {
      serving.child.kill('SIGTERM');
      await serving.exited();
    }
    const daytimePath = fresh('daytime');
    const daytime = startSocketkit(['serve', 'daytime', '--unix', daytimePath, '-q']);
    try {
      await daytime.waitForStdout(/connect -U/);
      if (requirePeer(t, 'nc', 'as an AF_UNIX client nobody here wrote')) {
        const nc = await run('nc', ['-U', daytimePath], { input: '', timeoutMs: 5000 });
        assert.match(nc.stdout.toString(), /\d{2}:\d{2}:\d{2}/);
      }
    } finally {
      daytime.child.kill('SIGTERM');
      await daytime.exited();
    }
    const two = await socketkit(['serve', 'echo', 'daytime', '--unix', fresh('two')]);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /needs exactly one service/);
  });

  test('runTcp(service, { path }): a library service on a Unix socket', async () => {
    const path = fresh('qotd');
    await using running = await runTcp(qotd, { path });
    assert.deepEqual(running.address, { path, family: 'AF_UNIX' });
    await using sock = await connect({ path });
    const quote = decode(await sock.recv());
    assert.ok(quote.length > 0 && quote.length <= 512, quote);
    await assert.rejects(runTcp(qotd, { path: fresh(), port: 17 }), {
      name: 'TypeError',
      message: /a service listens on one or the other/,
    });
  });

  test('bad -U use: one sentence each, with curl’s exit codes', async () => {
    const nothing = await socketkit(['connect', '-U', join(dir, 'none.sock')]);
    assert.equal(nothing.code, 7);
    assert.match(
      nothing.stderr,
      /^socketkit: No socket at .*none\.sock: the file does not exist \(ENOENT\)\n$/,
    );
    const both = await socketkit(['connect', '-U', join(dir, 'x.sock'), '127.0.0.1', '80']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /HOST and PORT \(127\.0\.0\.1 80\) cannot be given too/);
    const udp = await socketkit(['listen', '-U', join(dir, 'y.sock'), '--udp']);
    assert.equal(udp.code, 2);
    assert.match(udp.stderr, /cannot be used with --udp/);
    const fetchMissing = await socketkit([
      'fetch',
      '--unix-socket',
      join(dir, 'none.sock'),
      'http://localhost/',
    ]);
    assert.equal(fetchMissing.code, 7);
    const nc = await socketkit(['connect', '-l', '8080']);
    assert.equal(nc.code, 2);
    assert.match(nc.stderr, /nc -l is socketkit listen/);
  });
});
