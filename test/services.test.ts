import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect, decode, encode, udp } from '../src/index.js';
import {
  chargen,
  chargenLine,
  daytime,
  daytimeText,
  discard,
  echo,
  loadQuotes,
  PROVERBS,
  qotd,
  type RunningService,
  reverse,
  runTcp,
  runUdp,
} from '../src/services/index.js';
import { FIXTURES, requirePeer, run, runPython } from './_helpers.js';

const started: RunningService[] = [];
async function tcp(service: Parameters<typeof runTcp>[0]): Promise<number> {
  const running = await runTcp(service);
  started.push(running);
  return running.address.port;
}
async function udpService(service: Parameters<typeof runUdp>[0], host?: string): Promise<number> {
  const running = await runUdp(service, { host });
  started.push(running);
  return running.address.port;
}
after(async () => {
  await Promise.all(started.map((s) => s.close(0)));
});

/** Runs OpenBSD nc against a port: stdin in, everything the server sent out. */
async function nc(port: number, input: string, extra: string[] = []): Promise<string> {
  const result = await run('nc', ['-N', ...extra, '127.0.0.1', String(port)], {
    input,
    timeoutMs: 10000,
  });
  return result.stdout.toString('latin1');
}

/** Sends one datagram from Python and returns the reply (or null after a timeout). */
async function pythonUdp(port: number, payload: string): Promise<string | null> {
  const result = await runPython(
    `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.5)
s.sendto(sys.argv[2].encode('latin1'), ('127.0.0.1', int(sys.argv[1])))
try:
    data, _ = s.recvfrom(65535)
    sys.stdout.buffer.write(b'REPLY:' + data)
except socket.timeout:
    sys.stdout.write('NO REPLY')
`,
    [String(port), payload],
  );
  const out = result.stdout.toString('latin1');
  return out.startsWith('REPLY:') ? out.slice(6) : null;
}

describe('classic services over TCP, checked with OpenBSD nc', () => {
  test('echo (RFC 862) returns every byte', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent TCP client')) return;
    const port = await tcp(echo);
    assert.equal(await nc(port, 'hello\nworld\n'), 'hello\nworld\n');
  });

  test('discard (RFC 863) answers nothing', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent TCP client')) return;
    const port = await tcp(discard);
    assert.equal(await nc(port, 'into the void\n'), '');
  });

  test('daytime (RFC 867) sends the date and closes', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent TCP client')) return;
    const port = await tcp(daytime);
    const text = await nc(port, '');
    assert.match(text, /^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4} \d{2}:\d{2}:\d{2}-UTC\r\n$/);
    const year = new Date().getUTCFullYear();
    assert.ok(text.includes(String(year)));
  });

  test('qotd (RFC 865) sends one quote under 512 characters and closes', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent TCP client')) return;
    const port = await tcp(qotd);
    const quote = await nc(port, '');
    assert.ok(PROVERBS.includes(quote.trimEnd()), quote);
    assert.ok(quote.length < 512);
  });

  test('chargen (RFC 864) streams the rotating 72-character lines', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent TCP client')) return;
    const port = await tcp(chargen);
    // nc -N half-closes; chargen keeps streaming until the connection goes, so cut it with -w.
    const result = await run('sh', ['-c', `nc -N 127.0.0.1 ${port} < /dev/null | head -c 7400`], {
      timeoutMs: 10000,
    });
    const lines = result.stdout.toString('latin1').split('\r\n').slice(0, 99);
    assert.equal(lines.length, 99);
    for (const [n, line] of lines.entries())
      assert.equal(line, chargenLine(n).subarray(0, 72).toString('latin1'), `line ${n}`);
  });

  test('reverse (tutorial 003) sends the line back reversed, keeping the line end', async (t) => {
    if (!requirePeer(t, 'nc', 'as an independent TCP client')) return;
    const port = await tcp(reverse);
    assert.equal(await nc(port, 'Hello, world!\r\n'), '!dlrow ,olleH\r\n');
  });
});

describe('reverse: when a message is complete', () => {
  test('at EOF (the client half-closes)', async () => {
    const port = await tcp(reverse);
    const sock = await connect('127.0.0.1', port);
    await sock.sendAll(encode('abc'));
    await sock.sendAll(encode('def'));
    await sock.shutdown('write');
    assert.equal(decode(await sock.recvExactly(6)), 'fedcba');
    assert.equal((await sock.recv()).length, 0, 'then the server closes');
    await sock.close();
  });

  test('after 250 ms of quiet, for a client that sends and waits (the tutorial client)', async () => {
    const port = await tcp(reverse);
    const sock = await connect('127.0.0.1', port);
    await sock.sendAll(encode('Hello, world!'));
    const started = performance.now();
    assert.equal(decode(await sock.recvExactly(13)), '!dlrow ,olleH');
    assert.ok(performance.now() - started >= 240);
    await sock.close();
  });

  test('a line arriving in pieces is one message', async () => {
    const port = await tcp(reverse);
    const sock = await connect('127.0.0.1', port);
    await sock.sendAll(encode('ab'));
    await new Promise((r) => setTimeout(r, 50));
    await sock.sendAll(encode('cd\n'));
    assert.equal(decode(await sock.recvExactly(5)), 'dcba\n');
    await sock.close();
  });
});

describe('classic services over UDP, checked with Python 3 socket', () => {
  test('echo, daytime, qotd, reverse answer one datagram; discard none', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent UDP client')) return;
    assert.equal(await pythonUdp(await udpService(echo), 'ping'), 'ping');
    assert.match((await pythonUdp(await udpService(daytime), ''))!, /-UTC\r\n$/);
    assert.ok(PROVERBS.includes((await pythonUdp(await udpService(qotd), ''))!.trimEnd()));
    assert.equal(await pythonUdp(await udpService(reverse), 'stressed'), 'desserts');
    // The line end stays at the end, as over TCP: what `echo hello | … --udp` sends.
    assert.equal(await pythonUdp(await udpService(reverse), 'hello\n'), 'olleh\n');
    assert.equal(await pythonUdp(await udpService(reverse), 'Hello\r\n'), 'olleH\r\n');
    assert.equal(await pythonUdp(await udpService(discard), 'gone'), null);
  });

  test('chargen answers one datagram of at most 512 characters per request', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent UDP client')) return;
    const port = await udpService(chargen);
    for (let i = 0; i < 5; i++) {
      const reply = await pythonUdp(port, 'x');
      assert.ok(reply !== null && reply.length <= 512);
    }
  });

  test('bound beyond loopback, replies to one source are rate-limited (reflection defence)', async () => {
    const port = await udpService(qotd, '0.0.0.0');
    const client = await udp();
    for (let i = 0; i < 40; i++) await client.sendTo(new Uint8Array(0), '127.0.0.1', port);
    let replies = 0;
    for (;;) {
      try {
        await client.recvFrom(1024, { timeout: 300 });
        replies++;
      } catch {
        break;
      }
    }
    assert.ok(replies >= 5 && replies <= 15, `${replies} replies to 40 requests`);
    await client.close();
  });

  test('on loopback, every request is answered', async () => {
    const port = await udpService(qotd);
    const client = await udp();
    for (let i = 0; i < 40; i++) {
      await client.sendTo(new Uint8Array(0), '127.0.0.1', port);
      await client.recvFrom(1024, { timeout: 2000 });
    }
    await client.close();
  });
});

describe('service details', () => {
  test("daytimeText() follows RFC 867's suggested form", () => {
    assert.equal(
      daytimeText(new Date(Date.UTC(1982, 1, 22, 17, 37, 43))),
      'Monday, February 22, 1982 17:37:43-UTC\r\n',
    );
  });

  test('loadQuotes() reads %-separated quotes and refuses ones of 512 characters or more', () => {
    const dir = join(FIXTURES, '..', 'artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'quotes.txt'), 'First quote.\n%\nSecond quote,\non two lines.\n%\n');
    assert.deepEqual(loadQuotes(join(dir, 'quotes.txt')), [
      'First quote.',
      'Second quote,\non two lines.',
    ]);
    writeFileSync(join(dir, 'long.txt'), `${'x'.repeat(600)}\n`);
    assert.throws(
      () => loadQuotes(join(dir, 'long.txt')),
      /600 characters; RFC 865 allows fewer than 512/,
    );
  });

  test('the connection cap closes connections beyond it', async () => {
    const running = await runTcp(echo, { maxConnections: 2 });
    started.push(running);
    const held = await Promise.all([0, 1].map(() => connect('127.0.0.1', running.address.port)));
    await Promise.all(held.map((s) => s.sendAll(encode('x'))));
    await Promise.all(held.map((s) => s.recvExactly(1)));
    const third = await connect('127.0.0.1', running.address.port);
    assert.equal((await third.recv(10, { timeout: 2000 })).length, 0, 'closed at once');
    await Promise.all([...held, third].map((s) => s.close()));
  });
});
