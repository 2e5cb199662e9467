/**
 * TCP options as Python users set them (TCP_NODELAY, SO_KEEPALIVE and TCP_KEEPIDLE,
 * SO_REUSEADDR, SO_REUSEPORT), checked in the kernel rather than in socketkit's own account:
 * a Python process takes a duplicate of the socket's descriptor (pidfd_getfd, Linux 5.6+) and
 * reads the options with getsockopt, as a program nobody here wrote would see them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import {
  type ConnectOptions,
  connect,
  InvalidStateError,
  type ListenOptions,
  listen,
  type StreamSocket,
} from '../src/index.js';
import { requirePeer, runPython } from './_helpers.js';

const GETSOCKOPT = `
import ctypes, json, os, socket, sys
pid, fd = int(sys.argv[1]), int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
dup = libc.syscall(438, pidfd, fd, 0)  # pidfd_getfd
if dup < 0:
    print(json.dumps({"error": os.strerror(ctypes.get_errno())}))
    sys.exit(0)
s = socket.socket(fileno=dup)
print(json.dumps({
    "nodelay": s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
    "keepalive": s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
    "keepidle": s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
}))
`;

interface KernelOptions {
  nodelay: number;
  keepalive: number;
  keepidle: number;
}

/** What the kernel says of this process's socket; `null` (test skipped, reason given) when the OS will not lend the descriptor. */
async function kernelOptions(t: TestContext, sock: StreamSocket): Promise<KernelOptions | null> {
  const result = await runPython(GETSOCKOPT, [String(process.pid), String(sock.fd)]);
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout.toString()) as KernelOptions & { error?: string };
  if (parsed.error !== undefined) {
    // Not a missing peer: the kernel refused pidfd_getfd (ptrace rules), so there is no outside view.
    t.skip(`the kernel would not lend the descriptor to python3 (${parsed.error})`);
    return null;
  }
  return parsed;
}

async function pair(options: ConnectOptions = {}, listenOptions: ListenOptions = {}) {
  const server = await listen(listenOptions);
  const accepting = server.accept();
  const sock = await connect('127.0.0.1', server.address.port, options);
  const [conn] = await accepting;
  return {
    server,
    sock,
    conn,
    async [Symbol.asyncDispose]() {
      await sock.close();
      await conn.close();
      await server.close();
    },
  };
}

describe('TCP options, as the kernel sees them', () => {
  test('TCP_NODELAY is on by default on both ends; noDelay: false and setNoDelay() change it', async (t) => {
    if (!requirePeer(t, 'python3', "to read the socket's options with getsockopt")) return;
    {
      await using p = await pair();
      const client = await kernelOptions(t, p.sock);
      if (client === null) return;
      assert.equal(client.nodelay, 1);
      assert.equal((await kernelOptions(t, p.conn))?.nodelay, 1);
      assert.equal(p.sock.noDelay, true);
      p.sock.setNoDelay(false);
      assert.equal((await kernelOptions(t, p.sock))?.nodelay, 0);
      assert.equal(p.sock.noDelay, false);
    }
    {
      await using p = await pair({ noDelay: false }, { noDelay: false });
      assert.equal((await kernelOptions(t, p.sock))?.nodelay, 0);
      assert.equal((await kernelOptions(t, p.conn))?.nodelay, 0);
      assert.equal(p.conn.noDelay, false);
    }
  });

  test('keepAlive: SO_KEEPALIVE and TCP_KEEPIDLE in whole seconds, on connect, on listen, and by setKeepAlive()', async (t) => {
    if (!requirePeer(t, 'python3', "to read the socket's options with getsockopt")) return;
    await using p = await pair({ keepAlive: 7000 }, { keepAlive: 45_000 });
    const client = await kernelOptions(t, p.sock);
    if (client === null) return;
    assert.equal(client.keepalive, 1);
    assert.equal(client.keepidle, 7);
    assert.equal(p.sock.keepAlive, 7000);
    const server = await kernelOptions(t, p.conn);
    assert.equal(server?.keepalive, 1);
    assert.equal(server?.keepidle, 45);
    // The kernel counts whole seconds: 1500 ms is 2 s there, and read back as 2000.
    p.sock.setKeepAlive(true, 1500);
    assert.equal((await kernelOptions(t, p.sock))?.keepidle, 2);
    assert.equal(p.sock.keepAlive, 2000);
    p.sock.setKeepAlive(false);
    assert.equal((await kernelOptions(t, p.sock))?.keepalive, 0);
    assert.equal(p.sock.keepAlive, false);
    // Off by default.
    await using q = await pair();
    assert.equal((await kernelOptions(t, q.sock))?.keepalive, 0);
    assert.equal(q.sock.keepAlive, false);
  });

  test('reuseAddress and reusePort: what Node can honour, and a sentence for what it cannot', async () => {
    // SO_REUSEADDR is always on: a second server binds the port of one just closed at once.
    const first = await listen({ reuseAddress: true });
    const port = first.address.port;
    const accepting = first.accept();
    const sock = await connect('127.0.0.1', port);
    const [conn] = await accepting;
    // The server's end closes first, so its side of the connection sits in TIME_WAIT.
    await conn.close();
    await sock.close();
    await first.close();
    const again = await listen({ port });
    await again.close();

    const off = await listen({ reuseAddress: false }).catch((e: unknown) => e);
    assert.ok(off instanceof TypeError);
    assert.match(off.message, /SO_REUSEADDR is always on for TCP listeners/);
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const hasReusePort =
      major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
    if (hasReusePort) {
      // Two servers on one port, the kernel sharing connections between them.
      const a = await listen({ reusePort: true });
      const b = await listen({ port: a.address.port, reusePort: true });
      assert.equal(b.address.port, a.address.port);
      await a.close();
      await b.close();
    } else {
      const refused = await listen({ reusePort: true }).catch((e: unknown) => e);
      assert.ok(refused instanceof TypeError);
      assert.match(
        refused.message,
        new RegExp(
          `reusePort \\(SO_REUSEPORT\\) needs Node\\.js 22\\.12 or later; this is ${process.version.replace(/\./g, '\\.')}`,
        ),
      );
    }
  });

  test('bad values, and options Node cannot set on TCP, are refused naming the option', async () => {
    const server = await listen();
    try {
      const port = server.address.port;
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ noDelay: 'yes' }, /^Invalid noDelay "yes": expected true or false$/],
        [{ keepAlive: -1 }, /^Invalid keepAlive -1: expected true, false, or the idle time in ms/],
        [{ keepAlive: 40_000_000 }, /at most 32767 s/],
        [{ sendBufferSize: 1 << 20 }, /sendBufferSize \(SO_SNDBUF\) cannot be set on a TCP socket/],
        [{ receiveBufferSize: 1 << 20 }, /receiveBufferSize \(SO_RCVBUF\) cannot be set/],
        [{ ttl: 4 }, /ttl \(IP_TTL\) cannot be set on a TCP socket/],
      ];
      for (const [options, message] of cases) {
        const error = await connect('127.0.0.1', port, options as never).catch((e: unknown) => e);
        assert.ok(error instanceof TypeError || error instanceof RangeError, String(error));
        assert.match((error as Error).message, message);
        const listening = await listen(options as never).catch((e: unknown) => e);
        assert.match((listening as Error).message, message);
      }
      await using p = await pair();
      assert.throws(() => p.sock.setKeepAlive(true, -5), /Invalid keep-alive delay -5/);
      assert.throws(() => p.sock.setNoDelay('no' as never), /Invalid noDelay/);
    } finally {
      await server.close();
    }
  });

  test('a Unix domain socket has no TCP options: the getters say null and the setters say why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketkit-opts-'));
    try {
      const path = join(dir, 's.sock');
      await using server = await listen({ path });
      const accepting = server.accept();
      await using sock = await connect({ path });
      await using _conn = (await accepting)[0];
      assert.equal(sock.noDelay, null);
      assert.equal(sock.keepAlive, null);
      const error = (() => {
        try {
          sock.setNoDelay(true);
        } catch (e) {
          return e;
        }
      })();
      assert.ok(error instanceof InvalidStateError);
      assert.match(
        error.message,
        /^setNoDelay\(\) on a Unix domain socket.*: TCP_NODELAY is a TCP option$/,
      );
      assert.throws(() => sock.setKeepAlive(true), /SO_KEEPALIVE is a TCP option/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
