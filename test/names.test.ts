import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  getAddrInfo,
  getHostByName,
  getHostByNameEx,
  getHostName,
  getServByName,
  getServByPort,
  NameResolutionError,
} from '../src/index.js';
import { requirePeer, runPython } from './_helpers.js';

/** Asks Python's socket module; returns its JSON answer. */
async function python(expression: string): Promise<unknown> {
  const result = await runPython(
    `import json, socket\ntry:\n    print(json.dumps(${expression}))\nexcept OSError as e:\n    print(json.dumps({'error': type(e).__name__}))`,
  );
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString());
}

describe('names agree with Python 3 socket', () => {
  test('getHostName() is socket.gethostname()', async (t) => {
    if (!requirePeer(t, 'python3', 'to compare host lookups with Python')) return;
    assert.equal(getHostName(), await python('socket.gethostname()'));
  });

  test('getHostByName() and getHostByNameEx() match gethostbyname(_ex) for local names', async (t) => {
    if (!requirePeer(t, 'python3', 'to compare host lookups with Python')) return;
    for (const name of ['localhost', getHostName(), '127.0.0.1']) {
      assert.equal(
        await getHostByName(name),
        await python(`socket.gethostbyname(${JSON.stringify(name)})`),
        name,
      );
      const ours = await getHostByNameEx(name);
      const theirs = (await python(`socket.gethostbyname_ex(${JSON.stringify(name)})`)) as [
        string,
        string[],
        string[],
      ];
      assert.deepEqual([ours.hostname, ours.aliases, ours.addresses], theirs, name);
    }
  });

  test('an unknown host fails in both: NameResolutionError here, gaierror there', async (t) => {
    if (!requirePeer(t, 'python3', 'to compare host lookups with Python')) return;
    assert.deepEqual(await python("socket.gethostbyname('a.non.existent.name!')"), {
      error: 'gaierror',
    });
    await assert.rejects(getHostByName('a.non.existent.name!'), NameResolutionError);
    // Python: gethostbyname('::1') is "Address family for hostname not supported".
    assert.deepEqual(await python("socket.gethostbyname('::1')"), { error: 'gaierror' });
    await assert.rejects(getHostByName('::1'), NameResolutionError);
  });

  test('getServByName()/getServByPort() match getservbyname/getservbyport, errors included', async (t) => {
    if (!requirePeer(t, 'python3', 'to compare service lookups with Python')) return;
    const names = [
      'echo',
      'discard',
      'daytime',
      'qotd',
      'chargen',
      'ftp',
      'ssh',
      'telnet',
      'smtp',
      'domain',
      'http',
      'pop3',
      'imap',
      'https',
      'www',
      'nosuchservice',
    ];
    const ports = [7, 9, 13, 17, 19, 21, 22, 23, 25, 53, 80, 110, 143, 443, 1, 4];
    const script = `
import json, socket
def attempt(f):
    try:
        return f()
    except OSError:
        return None
names = ${JSON.stringify(names)}
ports = ${JSON.stringify(ports)}
out = {
  'byName': [[attempt(lambda: socket.getservbyname(n, p)) for p in ('tcp', 'udp')] for n in names],
  'byPort': [[attempt(lambda: socket.getservbyport(n, p)) for p in ('tcp', 'udp')] for n in ports],
}
print(json.dumps(out))`;
    const result = await runPython(script);
    assert.equal(result.code, 0, result.stderr);
    const expected = JSON.parse(result.stdout.toString()) as {
      byName: (number | null)[][];
      byPort: (string | null)[][];
    };
    const attempt = <T>(f: () => T): T | null => {
      try {
        return f();
      } catch {
        return null;
      }
    };
    const byName = names.map((n) =>
      (['tcp', 'udp'] as const).map((p) => attempt(() => getServByName(n, p))),
    );
    const byPort = ports.map((n) =>
      (['tcp', 'udp'] as const).map((p) => attempt(() => getServByPort(n, p))),
    );
    assert.deepEqual(byName, expected.byName);
    assert.deepEqual(byPort, expected.byPort);
  });

  test('getAddrInfo() matches getaddrinfo for stream and datagram sockets', async (t) => {
    if (!requirePeer(t, 'python3', 'to compare getaddrinfo with Python')) return;
    for (const port of ['http', 'echo', 80]) {
      const theirs = (await python(
        `[(f.name, t.name, p, c, list(a[:2])) for f, t, p, c, a in socket.getaddrinfo('localhost', ${JSON.stringify(port)}) if t in (socket.SOCK_STREAM, socket.SOCK_DGRAM)]`,
      )) as unknown[];
      const ours = (await getAddrInfo('localhost', port)).map((i) => [
        i.family,
        i.type,
        i.proto,
        i.canonname,
        [i.address.host, i.address.port],
      ]);
      assert.deepEqual(ours, theirs, `port ${port}`);
    }
    const streamOnly = await getAddrInfo('localhost', 80, { type: 'SOCK_STREAM' });
    assert.ok(streamOnly.every((i) => i.type === 'SOCK_STREAM' && i.proto === 6));
  });
});
