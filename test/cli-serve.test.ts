import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connect, decode, encode, udp } from '../src/index.js';
import {
  CLI,
  FIXTURES,
  type Running,
  requirePeer,
  run,
  socketkit,
  socketkitInPty,
  startSocketkit,
  until,
  unusedPort,
} from './_helpers.js';

interface Endpoint {
  service: string;
  protocol: 'tcp' | 'udp';
  host: string;
  port: number;
}

async function startServe(args: string[] = []): Promise<{ serve: Running; endpoints: Endpoint[] }> {
  const serve = startSocketkit(['serve', '--base-port', '0', '--json', ...args]);
  const [line] = await serve.waitForStdout(/^\[.*\]\n/);
  return { serve, endpoints: JSON.parse(line!) as Endpoint[] };
}

const portOf = (endpoints: Endpoint[], service: string, protocol: 'tcp' | 'udp' = 'tcp') =>
  endpoints.find((e) => e.service === service && e.protocol === protocol)!.port;

describe('socketkit serve', () => {
  test('with no argument serves every classic service over TCP and UDP, and http, on 127.0.0.1', async () => {
    const { serve, endpoints } = await startServe();
    assert.deepEqual(
      endpoints.map((e) => `${e.service}/${e.protocol}`),
      ['echo', 'discard', 'daytime', 'qotd', 'chargen', 'reverse']
        .flatMap((s) => [`${s}/tcp`, `${s}/udp`])
        .concat('http/tcp'),
    );
    assert.ok(endpoints.every((e) => e.host === '127.0.0.1'));
    const sock = await connect('127.0.0.1', portOf(endpoints, 'echo'));
    await sock.writeLine('through serve');
    assert.equal(await sock.readLine(), 'through serve');
    await sock.close();
    const fetched = await socketkit(['fetch', `127.0.0.1:${portOf(endpoints, 'http')}`]);
    assert.match(fetched.stdout.toString(), /Hello, world!/);
    await serve.waitForStderr(/echo\/tcp 127\.0\.0\.1:\d+ done/);
    await serve.waitForStderr(/http 127\.0\.0\.1:\d+ "GET \/ HTTP\/1\.1" 200/);
    serve.child.kill('SIGINT');
    assert.equal(await serve.exited(), 0);
    // One line per request; the raw request is for -v.
    assert.doesNotMatch(serve.stderr, /\| User-Agent/);
  });

  test('-v also logs the raw head of each page request; log lines are whole under load', async () => {
    const { serve, endpoints } = await startServe(['http', '-v']);
    const port = portOf(endpoints, 'http');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        socketkit(['fetch', '-o', '/dev/null', `127.0.0.1:${port}`]),
      ),
    );
    await serve.waitForStderr(/\| User-Agent: socketkit\//);
    await until(
      () => (serve.stderr.match(/"GET \/ HTTP\/1\.1" 200/g) ?? []).length === 20,
      'twenty access-log lines',
    );
    serve.child.kill('SIGINT');
    assert.equal(await serve.exited(), 0);
    for (const line of serve.stderr.split('\n').filter((l) => l !== '')) {
      assert.match(
        line,
        /^(\d\d:\d\d:\d\d http 127\.0\.0\.1:\d+ "GET \/ HTTP\/1\.1" 200 \d+ [\d.]+ms| {4}\| .*|SIGINT: .*)$/,
        'every line is a whole log line or a whole line of a raw head',
      );
    }
  });

  test('prints a table whose every "try it" command works as printed, from the project directory', async () => {
    const serve = startSocketkit(['serve', '--base-port', '0']);
    await serve.waitForStdout(
      /http\s+tcp\s+127\.0\.0\.1:\d+\s+open http:\/\/127\.0\.0\.1:\d+\/.*\n/,
    );
    const text = serve.stdout.toString();
    assert.match(text, /^socketkit [\d.]+ is serving 13 endpoints on 127\.0\.0\.1/);
    assert.match(text, /service\s+proto\s+address\s+try it/);
    const rows = text
      .split('\n')
      .map((line) => /^(\w+)\s+(tcp|udp)\s+(\S+)\s+(.+)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'service');
    assert.equal(rows.length, 13);
    // Not on PATH here, so the listing says `npx socketkit`. One row runs through npx as printed
    // (npx takes seconds to start); the others run the same words with npx's lookup done by hand.
    const commands = rows.map(([, service, proto, , tryIt]) => ({
      what: `${service}/${proto}`,
      service: service!,
      command: tryIt!.replace(/^open \S+ or: /, '').replace(/\s+\(no reply, by design\)$/, ''),
    }));
    assert.ok(commands.every((c) => c.command.includes('npx socketkit ')));
    const results = await Promise.all(
      commands.map(async ({ what, service, command }, i) => {
        const shell = i === 0 ? command : command.replaceAll('npx socketkit ', `node ${CLI} `);
        const result = await run('sh', ['-c', shell], { timeoutMs: 30_000 });
        return { what: `${what}: ${command}`, service, ...result };
      }),
    );
    for (const result of results) {
      assert.equal(result.code, 0, `${result.what} exited ${result.code}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, `${result.what} printed a stack`);
      if (result.service !== 'discard')
        assert.ok(result.stdout.length > 0, `${result.what} printed nothing`);
    }
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited(), 0);
  });

  test('run through npm or npx (node_modules/.bin on its PATH), the listing still says npx socketkit', async () => {
    // What npx does: a node_modules/.bin holding socketkit, first on the PATH it runs us with.
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-npx-'));
    const bin = join(dir, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(CLI, join(bin, 'socketkit'));
    try {
      const serve = startSocketkit(['serve', '--base-port', '0', 'echo'], {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
      });
      const [row] = await serve.waitForStdout(/^echo\s+tcp\s+.*\n/m);
      assert.match(row!, /npx socketkit echo /);
      serve.child.kill('SIGTERM');
      assert.equal(await serve.exited(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--port serves one service there; with several services it is bad usage', async () => {
    // Below the ephemeral range: a port the OS handed out can be some client's own a moment later
    // (CI once lost this test to that).
    const port = await unusedPort();
    const serve = startSocketkit(['serve', 'qotd', '--port', String(port), '--json']);
    await serve.waitForStdout(/\n/);
    const quote = await socketkit(['qotd', '127.0.0.1', String(port)]);
    assert.equal(quote.code, 0, quote.stderr);
    assert.ok(quote.stdout.length > 5);
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited(), 0);
    const bad = await socketkit(['serve', 'echo', 'qotd', '--port', '9999']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port 9999 needs exactly one service; 2 were chosen/);
    const unknown = await socketkit(['serve', 'gopher']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown service/);
  });

  test('SIGTERM: stops accepting, finishes the transfer in flight, exits 0 within 5 s', async () => {
    const root = join(FIXTURES, '..', 'artifacts', 'big');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 0x62));
    const { serve, endpoints } = await startServe(['http', '--root', root]);
    const port = portOf(endpoints, 'http');
    const sock = await connect('127.0.0.1', port);
    await sock.sendAll(encode('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
    const head = decode(await sock.recvUntil('\r\n\r\n'));
    assert.match(head, /Content-Length: 8388608/);
    // Read slowly: the transfer is still going when SIGTERM arrives.
    let received = 0;
    const buffer = Buffer.alloc(256 * 1024);
    received += await sock.recvInto(buffer);
    const signalled = performance.now();
    serve.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(
      connect('127.0.0.1', port, { timeout: 1000 }),
      /refused/i,
      'no longer accepting',
    );
    while (received < 8 * 1024 * 1024) {
      const n = await sock.recvInto(buffer, { timeout: 5000 });
      if (n === 0) break;
      received += n;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(received, 8 * 1024 * 1024, 'the transfer in flight completed');
    assert.equal(await serve.exited(6000), 0);
    assert.ok(performance.now() - signalled < 5000);
    await sock.close();
  });

  test('--host 0.0.0.0 prints where other devices can connect', async () => {
    const serve = startSocketkit([
      'serve',
      'echo',
      'reverse',
      '--base-port',
      '0',
      '--host',
      '0.0.0.0',
    ]);
    // Every service's port, not only the first one's.
    await serve.waitForStderr(
      /Other devices on your network can connect to ports \d+, \d+ at: \S+/,
    );
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited(), 0);
  });
});

describe('socketkit echo (tutorial 004)', () => {
  test('on a terminal: asks Host and Port again until they make sense, then Message/Response until empty', async (t) => {
    if (!requirePeer(t, 'python3', 'to drive a pseudo-terminal')) return;
    const { serve, endpoints } = await startServe(['echo']);
    const port = portOf(endpoints, 'echo');
    const result = await socketkitInPty(
      ['echo'],
      [
        ['Host: $', ''],
        ['Host: $', '127.0.0.1'],
        ['Port: $', 'seventy'],
        ['Port: $', '70000'],
        ['Port: $', String(port)],
        ['Message: $', 'Hello there'],
        ['Message: $', 'Second line'],
        ['Message: $', ''],
      ],
    );
    assert.equal(result.status, 0, result.output);
    const out = result.output.replace(/\r/g, '');
    assert.match(out, /Host: \nA host is needed[^\n]*\nHost: 127\.0\.0\.1\n/);
    assert.match(
      out,
      /Port: seventy\nThe port must be a whole number from 0 to 65535\.\nPort: 70000\nThe port must be/,
    );
    assert.match(
      out,
      new RegExp(`Connecting to 127\\.0\\.0\\.1 \\(port ${port}\\)\\.\\.\\.\\nConnected!\\n`),
    );
    assert.match(
      out,
      /Message: Hello there\nResponse: Hello there\nMessage: Second line\nResponse: Second line\nMessage: \nClosing connection\.\.\.\nClosed!\n/,
    );
    serve.child.kill('SIGTERM');
    await serve.exited();
  });

  test('with piped stdin: the same answers line by line, prompts still printed; lines go out ending in CRLF', async () => {
    let received = '';
    const { listen } = await import('../src/index.js');
    const server = await listen();
    void (async () => {
      const [conn] = await server.accept();
      for (let data = await conn.recv(); data.length > 0; data = await conn.recv()) {
        received += decode(data);
        await conn.sendAll(data);
      }
      await conn.close();
    })();
    const result = await socketkit(['echo'], {
      input: `127.0.0.1\n${server.address.port}\nHello there\n\n`,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout.toString(),
      `Host: Port: Connecting to 127.0.0.1 (port ${server.address.port})...\nConnected!\nMessage: Response: Hello there\nMessage: Closing connection...\nClosed!\n`,
    );
    assert.equal(received, 'Hello there\r\n');
    await server.close();
  });

  test('HOST PORT on the command line skip the first two questions; bad ones exit 2', async () => {
    const { serve, endpoints } = await startServe(['echo']);
    const port = portOf(endpoints, 'echo');
    const result = await socketkit(['echo', '127.0.0.1', String(port)], { input: 'ping\n\n' });
    assert.equal(
      result.stdout.toString(),
      `Connecting to 127.0.0.1 (port ${port})...\nConnected!\nMessage: Response: ping\nMessage: Closing connection...\nClosed!\n`,
    );
    const bad = await socketkit(['echo', '127.0.0.1', '70000']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid port "70000"/);
    serve.child.kill('SIGTERM');
    await serve.exited();
  });
});

describe('socketkit daytime and socketkit qotd', () => {
  test('daytime over TCP (default) and UDP; qotd over UDP (default) and TCP', async () => {
    const { serve, endpoints } = await startServe(['daytime', 'qotd']);
    const day = portOf(endpoints, 'daytime');
    const quote = portOf(endpoints, 'qotd');
    for (const args of [
      ['daytime', '127.0.0.1', String(day)],
      ['daytime', '--udp', '127.0.0.1', String(day)],
    ]) {
      const result = await socketkit(args);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout.toString(), /-UTC\r\n$/);
    }
    for (const args of [
      ['qotd', '127.0.0.1', String(quote)],
      ['qotd', '--tcp', '127.0.0.1', String(quote)],
    ]) {
      const result = await socketkit(args);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.toString().trim().length > 5);
    }
    serve.child.kill('SIGTERM');
    await serve.exited();
  });

  test('over UDP with nobody answering: 3 tries of 2 s, then exit 28', async () => {
    const silent = await udp({ bind: 0 });
    const seen: number[] = [];
    void (async () => {
      for (;;) {
        try {
          await silent.recvFrom();
          seen.push(Date.now());
        } catch {
          return;
        }
      }
    })();
    const result = await socketkit(['qotd', '127.0.0.1', String(silent.localAddress!.port)], {
      timeoutMs: 15000,
    });
    assert.equal(result.code, 28, result.stderr);
    assert.match(result.stderr, /after 3 tries of 2 s each/);
    assert.equal(seen.length, 3);
    await silent.close();
  });

  test('refused and unknown hosts exit 7 and 6', async () => {
    const port = await unusedPort();
    assert.equal((await socketkit(['daytime', '127.0.0.1', String(port)])).code, 7);
    assert.equal((await socketkit(['qotd', '127.0.0.1', String(port)])).code, 7);
    assert.equal((await socketkit(['daytime', 'no.such.host!'])).code, 6);
  });
});

test('nc against socketkit serve: the tutorial flows through a peer nobody here wrote', async (t) => {
  if (!requirePeer(t, 'nc', 'as an independent client')) return;
  const { serve, endpoints } = await startServe(['reverse', 'daytime']);
  const reversed = await run('nc', ['-N', '127.0.0.1', String(portOf(endpoints, 'reverse'))], {
    input: 'Hello, world!\n',
  });
  assert.equal(reversed.stdout.toString(), '!dlrow ,olleH\n');
  const day = await run('nc', ['-N', '127.0.0.1', String(portOf(endpoints, 'daytime'))], {
    input: '',
  });
  assert.match(day.stdout.toString(), /UTC/);
  serve.child.kill('SIGTERM');
  await serve.exited();
});
