import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { decode, udp } from '../src/index.js';
import {
  exited,
  FIXTURES,
  fixture,
  requirePeer,
  run,
  socketkit,
  startPython,
  startSocketkit,
  until,
  unusedPort,
} from './_helpers.js';

function listening(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

const freePort = () => unusedPort('tcp');

const PYTHON_ECHO_UNTIL_EOF = `
import socket
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    s.listen()
    print(s.getsockname()[1], flush=True)
    con, _ = s.accept()
    with con:
        while True:
            data = con.recv(65536)
            if not data:
                break
            con.sendall(data)
`;

describe('socketkit connect (TCP)', () => {
  test('a peer that half-closes first still gets all of stdin, as nc sends it', async () => {
    const received: string[] = [];
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {});
      // Its write half ends at once (as `listen < /dev/null` does); it goes on reading.
      socket.end();
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
      });
      socket.on('end', () => received.push(text));
    });
    const port = await listening(server);
    for (let i = 1; i <= 5; i++) {
      const result = await socketkit(['connect', '127.0.0.1', String(port)], {
        input: `msg ${i}\n`,
      });
      assert.equal(result.code, 0, result.stderr);
    }
    await until(() => received.length === 5, 'five connections to end');
    assert.deepEqual(
      received,
      [1, 2, 3, 4, 5].map((i) => `msg ${i}\n`),
    );
    server.close();
  });

  test('pipes an HTTP request to Python http.server and prints the whole reply (half-close)', async (t) => {
    if (!requirePeer(t, 'python3', 'for python3 -m http.server')) return;
    const port = await freePort();
    const server = await startPython(
      `
import http.server, socketserver, sys, os
os.chdir(sys.argv[2])
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
with socketserver.TCPServer(('127.0.0.1', int(sys.argv[1])), H) as httpd:
    print('ready', flush=True)
    httpd.serve_forever()
`,
      [String(port), 'test/fixtures'],
    );
    try {
      const result = await socketkit(['connect', '127.0.0.1', String(port)], {
        input: 'GET /README.md HTTP/1.0\r\n\r\n',
      });
      assert.equal(result.code, 0, result.stderr);
      const out = result.stdout.toString();
      assert.match(out, /^HTTP\/1\.0 200 OK\r\n/);
      assert.ok(
        out.endsWith(fixture('README.md').toString()),
        'the body arrives complete, to the last byte',
      );
    } finally {
      server.child.kill();
    }
  });

  test('is byte-exact both ways: 1 MiB of random bytes through a Python echo server', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent echo server')) return;
    const { child, firstLine } = await startPython(PYTHON_ECHO_UNTIL_EOF);
    const payload = randomBytes(1024 * 1024);
    const result = await socketkit(['connect', '127.0.0.1', firstLine], { input: payload });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.equals(payload), `got ${result.stdout.length} bytes back`);
    assert.equal(await exited(child), 0);
  });

  test('-v narrates on stderr and --hex dumps both directions with > and < markers', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent echo server')) return;
    const { firstLine } = await startPython(PYTHON_ECHO_UNTIL_EOF);
    const result = await socketkit(['connect', '-v', '--hex', '127.0.0.1', firstLine], {
      input: 'GET / HTTP/1.0\r\n',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`Connected to 127\\.0\\.0\\.1 port ${firstLine} from 127\\.0\\.0\\.1 port \\d+`),
    );
    assert.match(
      result.stderr,
      /^> 00000000 {2}47 45 54 20 2f 20 48 54 {2}54 50 2f 31 2e 30 0d 0a {2}\|GET \/ HTTP\/1\.0\.\.\|$/m,
    );
    assert.match(result.stderr, /^< 00000000 {2}47 45 54 20/m);
    assert.match(result.stderr, /Sent 16 bytes, received 16 bytes\./);
  });

  test('--crlf sends line ends as CRLF, leaving existing CRLFs alone', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent echo server')) return;
    const { firstLine } = await startPython(PYTHON_ECHO_UNTIL_EOF);
    const result = await socketkit(['connect', '--crlf', '127.0.0.1', firstLine], {
      input: 'a\nb\r\nc\n',
    });
    assert.equal(result.stdout.toString(), 'a\r\nb\r\nc\r\n');
  });

  test('--no-shutdown keeps the write half open at stdin EOF; -q quits after a delay', async (t) => {
    if (!requirePeer(t, 'python3', 'as a peer that reports whether it saw EOF')) return;
    const script = `
import socket
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    s.listen()
    print(s.getsockname()[1], flush=True)
    con, _ = s.accept()
    con.settimeout(1.0)
    got = b''
    try:
        while True:
            d = con.recv(100)
            if not d:
                con.sendall(b'EOF after ' + got)
                break
            got += d
    except socket.timeout:
        con.sendall(b'no EOF after ' + got)
    con.close()
`;
    const withShutdown = await startPython(script);
    const normal = await socketkit(['connect', '127.0.0.1', withShutdown.firstLine], {
      input: 'hi',
    });
    assert.equal(normal.stdout.toString(), 'EOF after hi');
    const withoutShutdown = await startPython(script);
    const kept = await socketkit(
      ['connect', '--no-shutdown', '127.0.0.1', withoutShutdown.firstLine],
      { input: 'hi' },
    );
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(kept.stdout.toString(), 'no EOF after hi');
  });

  test('-q SECS stops waiting after stdin ends even though the peer stays open', async () => {
    const server = createServer(() => {});
    const port = await listening(server);
    const started = performance.now();
    const result = await socketkit(['connect', '-q', '0.3', '127.0.0.1', String(port)], {
      input: 'x',
    });
    const elapsed = performance.now() - started;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(elapsed >= 300, `exited after ${elapsed} ms`);
    server.close();
  });

  test('refused → 7, unresolvable → 6, each naming host and port', async () => {
    const port = await freePort();
    const refused = await socketkit(['connect', '127.0.0.1', String(port)]);
    assert.equal(refused.code, 7);
    assert.match(refused.stderr, new RegExp(`Connection refused by 127\\.0\\.0\\.1 port ${port}`));
    const unknown = await socketkit(['connect', 'a.non.existent.name!', '80']);
    assert.equal(unknown.code, 6);
    assert.match(unknown.stderr, /Could not resolve host "a\.non\.existent\.name!"/);
  });

  test('-w bounds the idle time: a silent peer and open stdin give exit 28', async () => {
    const server = createServer(() => {});
    const port = await listening(server);
    const result = await socketkit(['connect', '-w', '0.3', '127.0.0.1', String(port)], {
      holdStdin: true,
      timeoutMs: 10000,
    });
    assert.equal(result.code, 28);
    assert.match(result.stderr, /No data in either direction for 0\.3 s/);
    server.close();
  });

  test('-w bounds connecting too: a TLS server that never answers gives exit 28', async () => {
    const server = createServer((socket: Socket) => socket.on('data', () => {}));
    const port = await listening(server);
    const result = await socketkit(['connect', '--tls', '-w', '0.3', '127.0.0.1', String(port)], {
      holdStdin: true,
    });
    assert.equal(result.code, 28);
    assert.match(result.stderr, /timed out after 300 ms/);
    server.close();
  });

  test('a reset mid-transfer exits 56 after printing every byte that arrived', async () => {
    const server = createServer((socket: Socket) => {
      socket.write('partial reply', () => setTimeout(() => socket.resetAndDestroy(), 50));
    });
    const port = await listening(server);
    const result = await socketkit(['connect', '127.0.0.1', String(port)], { holdStdin: true });
    assert.equal(result.code, 56, result.stderr);
    assert.equal(result.stdout.toString(), 'partial reply');
    assert.match(result.stderr, /Connection reset by 127\.0\.0\.1 port \d+/);
    server.close();
  });

  test('bad arguments exit 2 and name the argument and the value', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['connect', '127.0.0.1', '70000'], /Invalid port "70000"/],
      [['connect', '127.0.0.1', '-1'], /Unknown option '-1'|Invalid port "-1"/],
      [['connect', '127.0.0.1', 'eighty'], /Invalid port "eighty": no service has that name/],
      [['connect', '', '80'], /Invalid HOST "": /],
      [['connect', 'bad host', '80'], /Invalid HOST "bad host": /],
      [['connect', 'ctl\u0001host', '80'], /Invalid HOST /],
      [['connect', '-w', 'soon', '127.0.0.1', '80'], /Invalid -w, --wait "soon": /],
      [['connect', '--udp', '--tls', '127.0.0.1', '80'], /--tls cannot be used with --udp/],
    ];
    for (const [args, pattern] of cases) {
      const result = await socketkit(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    }
  });
});

describe('socketkit connect --tls', () => {
  async function tlsServer(
    cert: 'localhost' | 'self-signed',
  ): Promise<{ port: number; server: Server }> {
    const server = createTlsServer(
      { key: fixture(`${cert}-key.pem`), cert: fixture(`${cert}.pem`) },
      (socket) => socket.end('hello over TLS\n'),
    );
    server.on('tlsClientError', () => {});
    return { port: await listening(server), server };
  }

  test('an untrusted certificate exits 60; --insecure connects', async () => {
    const { port, server } = await tlsServer('self-signed');
    const refused = await socketkit(['connect', '--tls', 'localhost', String(port)], {
      holdStdin: true,
    });
    assert.equal(refused.code, 60, refused.stderr);
    assert.match(refused.stderr, /not trusted/);
    const insecure = await socketkit(
      ['connect', '--tls', '--insecure', 'localhost', String(port)],
      {
        holdStdin: true,
      },
    );
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.equal(insecure.stdout.toString(), 'hello over TLS\n');
    server.close();
  });

  test('--servername sets the name sent in SNI and the name the certificate must match', async () => {
    const seen: Array<string | false | null> = [];
    const server = createTlsServer(
      { key: fixture('localhost-key.pem'), cert: fixture('localhost.pem') },
      (socket) => {
        seen.push(socket.servername);
        socket.end('hello over TLS\n');
      },
    );
    server.on('tlsClientError', () => {});
    const port = await listening(server);
    // The test CA signed the certificate for localhost; the child trusts it through Node's
    // NODE_EXTRA_CA_CERTS, as a user would add a private CA.
    const env = { NODE_EXTRA_CA_CERTS: join(FIXTURES, 'ca.pem') };
    const ok = await socketkit(
      ['connect', '--tls', '--servername', 'localhost', '127.0.0.1', String(port)],
      { holdStdin: true, env },
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.toString(), 'hello over TLS\n');
    assert.equal(seen.at(-1), 'localhost');
    const wrong = await socketkit(
      ['connect', '--tls', '--servername', 'example.org', '127.0.0.1', String(port)],
      { holdStdin: true, env },
    );
    assert.equal(wrong.code, 60, wrong.stderr);
    assert.match(wrong.stderr, /example\.org/);
    server.close();
  });

  test('TLS to a server that does not speak it exits 35', async () => {
    const plain = createServer((socket: Socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
    const port = await listening(plain);
    const result = await socketkit(['connect', '--tls', '127.0.0.1', String(port)], {
      holdStdin: true,
    });
    assert.equal(result.code, 35, result.stderr);
    assert.match(result.stderr, /TLS handshake/);
    plain.close();
  });
});

describe('socketkit connect --udp', () => {
  test('sends each stdin line as one datagram and prints each reply (Python echo peer)', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent UDP echo server')) return;
    const { child, firstLine } = await startPython(`
import socket
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.bind(('127.0.0.1', 0))
    print(s.getsockname()[1], flush=True)
    for _ in range(3):
        data, addr = s.recvfrom(2048)
        s.sendto(b'[' + data + b']', addr)
`);
    const result = await socketkit(['connect', '--udp', '127.0.0.1', firstLine], {
      input: 'one\ntwo\nthree',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), '[one\n][two\n][three]');
    assert.equal(await exited(child), 0);
  });

  test('nobody listening: ICMP port unreachable exits 7', async () => {
    const port = await unusedPort('udp');
    const result = await socketkit(['connect', '--udp', '127.0.0.1', String(port)], {
      input: 'hello?\n',
    });
    assert.equal(result.code, 7, result.stderr);
    assert.match(result.stderr, /Connection refused/);
  });

  test('a silent peer is not a failure: exit 0 once -q passes without a reply, as nc -u (the discard case)', async (t) => {
    const silent = await udp({ bind: 0 });
    const port = String(silent.localAddress!.port);
    const result = await socketkit(['connect', '--udp', '-q', '0.3', '127.0.0.1', port], {
      input: 'hello?\n',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(decode((await silent.recvFrom()).data), 'hello?\n');
    if (requirePeer(t, 'nc', 'to compare with netcat-openbsd')) {
      const nc = await run('nc', ['-u', '-w', '1', '127.0.0.1', port], { input: 'hello?\n' });
      assert.equal(nc.code, 0, 'nc -u exits 0 for a datagram nobody answers');
    }
    await silent.close();
  });

  test('an unresolvable host is exit 6 with one sentence, an IPv6 address works without -6', async () => {
    const unknown = await socketkit(['connect', '--udp', 'no.such.host!', '7'], { input: 'hi\n' });
    assert.equal(unknown.code, 6, unknown.stderr);
    assert.match(unknown.stderr, /^socketkit: Could not resolve host "no\.such\.host!": [^\n]+\n$/);
    const six = await udp({ bind: { host: '::1', port: 0 } });
    const sending = socketkit(
      ['connect', '--udp', '-q', '0.3', '::1', String(six.localAddress!.port)],
      {
        input: 'over six\n',
      },
    );
    assert.equal(decode((await six.recvFrom()).data), 'over six\n');
    assert.equal((await sending).code, 0);
    await six.close();
  });
});

describe('socketkit listen', () => {
  test('prints what an nc client sends, byte for byte, and exits when it closes', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent client (netcat-openbsd)')) return;
    const listener = startSocketkit(['listen', '-v', '0']);
    const [, port] = await listener.waitForStderr(/Listening on 127\.0\.0\.1 port (\d+) \(TCP\)/);
    const sent = Buffer.from('hello from nc\n\u0000\u00ff', 'latin1');
    const client = await run('nc', ['-N', '127.0.0.1', port!], { input: sent });
    assert.equal(client.code, 0, client.stderr);
    assert.equal(await listener.exited(), 0);
    assert.ok(listener.stdout.equals(sent), JSON.stringify(listener.stdout.toString('latin1')));
  });

  test('sends stdin to the peer, then half-closes so the peer sees EOF (Python client)', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent client')) return;
    const listener = startSocketkit(['listen', '-v', '0']);
    listener.child.stdin!.end('reply from socketkit\n');
    const [, port] = await listener.waitForStderr(/port (\d+) \(TCP\)/);
    const client = await run('python3', [
      '-c',
      `
import socket, sys
c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
got = b''
while True:
    d = c.recv(100)
    if not d:
        break
    got += d
c.sendall(b'thanks')
c.close()
print(got.decode(), end='')
`,
      port!,
    ]);
    assert.equal(client.stdout.toString(), 'reply from socketkit\n', client.stderr);
    assert.equal(await listener.exited(), 0);
    assert.equal(listener.stdout.toString(), 'thanks');
  });

  test('-k keeps accepting; SIGTERM stops it with exit 0', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent client (netcat-openbsd)')) return;
    const listener = startSocketkit(['listen', '-k', '-v', '0']);
    const [, port] = await listener.waitForStderr(/port (\d+) \(TCP\)/);
    await run('nc', ['-N', '127.0.0.1', port!], { input: 'first\n' });
    await listener.waitForStdout(/first\n/);
    await run('nc', ['-N', '127.0.0.1', port!], { input: 'second\n' });
    await listener.waitForStdout(/first\nsecond\n/);
    listener.child.kill('SIGTERM');
    assert.equal(await listener.exited(), 0);
    assert.equal(listener.stdout.toString(), 'first\nsecond\n');
    assert.equal(listener.stderr.match(/Connection from 127\.0\.0\.1/g)?.length, 2);
  });

  test('--udp prints datagrams from a Python sender', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent UDP sender')) return;
    const listener = startSocketkit(['listen', '--udp', '-v', '0']);
    const [, port] = await listener.waitForStderr(/port (\d+) \(UDP\)/);
    await run('python3', [
      '-c',
      "import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'datagram one\\n', ('127.0.0.1', int(sys.argv[1])))",
      port!,
    ]);
    await listener.waitForStdout(/datagram one\n/);
    assert.match(listener.stderr, /Datagram from 127\.0\.0\.1 port \d+/);
    listener.child.kill('SIGTERM');
    assert.equal(await listener.exited(), 0);
  });

  test('a port in use is reported with the address; a bad port exits 2', async () => {
    const server = createServer();
    const port = await listening(server);
    const busy = await socketkit(['listen', String(port)]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`Address 127\\.0\\.0\\.1 port ${port} is already in use`));
    server.close();
    const bad = await socketkit(['listen', '65536']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"65536".*0 to 65535/);
  });
});

describe('socketkit connect -z', () => {
  test('lists the ports that accept, as nc -z tells them apart; --json gives every state', async (t) => {
    const servers = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Server>((resolve) => {
            const server = createServer((socket) => socket.destroy());
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    const open = servers.map((s) => (s.address() as { port: number }).port).sort((a, b) => a - b);
    const low = Math.min(...open);
    const high = Math.min(low + 50, 65535);
    const result = await socketkit(['connect', '-z', '127.0.0.1', `${low}-${high}`]);
    assert.equal(result.code, 0, result.stderr);
    const listed = [...result.stdout.toString().matchAll(/port (\d+) \(tcp\) is open/g)].map((m) =>
      Number(m[1]),
    );
    for (const port of open.filter((p) => p <= high))
      assert.ok(listed.includes(port), `${port} not listed`);
    const json = await socketkit(['connect', '-z', '--json', '127.0.0.1', String(open[0])]);
    assert.deepEqual(JSON.parse(json.stdout.toString()).ports, [{ port: open[0], state: 'open' }]);
    if (requirePeer(t, 'nc', 'to compare with netcat-openbsd')) {
      for (const port of open)
        assert.equal((await run('nc', ['-z', '127.0.0.1', String(port)])).code, 0);
    }
    for (const server of servers) server.close();
    const none = await socketkit(['connect', '-z', '127.0.0.1', String(open[0])]);
    assert.equal(none.code, 1, 'no port open: exit 1, as nc -z');
  });

  test('refuses more than 1024 ports, a host that is not this machine, and --udp', async () => {
    const many = await socketkit(['connect', '-z', '127.0.0.1', '1-2000']);
    assert.equal(many.code, 2);
    assert.match(many.stderr, /2000 ports, more than the 1024 one run checks/);
    const remote = await socketkit(['connect', '-z', '192.0.2.1', '80']);
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /Refusing to check ports on 192\.0\.2\.1 .* --allow-remote/);
    const udp = await socketkit(['connect', '-z', '--udp', '127.0.0.1', '80']);
    assert.equal(udp.code, 2);
  });
});
