/**
 * Kept-alive connections: Agent and Client against node:http (a server nobody here wrote),
 * counting the connections the server saw; the rules for giving a connection back; the cap per
 * origin; the retry of an idempotent request on a reused connection the server dropped; and
 * unread bodies, which must never pin a socket.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { Agent, Client, request } from '../src/http/index.js';
import { EmptyReplyError, SocketTimeoutError } from '../src/index.js';
import { collect, delay, ROOT, until } from './_helpers.js';

interface Counted {
  server: Server;
  port: number;
  /** Connections the server accepted. */
  connections: () => number;
  /** Connections open at the server now. */
  open: () => number;
  /** Most open at once. */
  peak: () => number;
  close: () => Promise<void>;
}

async function countingServer(handler: Parameters<typeof createServer>[1]): Promise<Counted> {
  const server = createServer(handler);
  let connections = 0;
  let peak = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    connections: () => connections,
    open: () => sockets.size,
    peak: () => peak,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Agent and Client: connections kept alive', () => {
  test('five requests, one connection at the server; stats say so', async () => {
    const peer = await countingServer((req, res) => res.end(`you asked for ${req.url}`));
    try {
      await using agent = new Agent();
      for (let i = 0; i < 5; i++) {
        const response = await request(`http://127.0.0.1:${peer.port}/${i}`, { agent });
        assert.equal(await response.body.text(), `you asked for /${i}`);
      }
      assert.equal(peer.connections(), 1);
      assert.deepEqual(agent.stats, { opened: 1, reused: 4, active: 0, idle: 1, queued: 0 });
      await agent.close();
      await until(() => peer.open() === 0, 'the server sees the idle connection closed');
    } finally {
      await peer.close();
    }
  });

  test('not given back: Connection: close, a close-delimited body, a body cut short, Keep-Alive: timeout=1', async () => {
    const peer = await countingServer((req, res) => {
      if (req.url === '/close') res.setHeader('Connection', 'close');
      if (req.url === '/brief') res.setHeader('Keep-Alive', 'timeout=1');
      if (req.url === '/eof') {
        // No length and not chunked: the body ends with the connection.
        res.socket?.write('HTTP/1.1 200 OK\r\n\r\nuntil the end');
        res.socket?.end();
        return;
      }
      res.end('x'.repeat(req.url === '/big' ? 200_000 : 10));
    });
    try {
      await using agent = new Agent();
      for (const path of ['/close', '/eof', '/brief']) {
        const response = await request(`http://127.0.0.1:${peer.port}${path}`, { agent });
        await response.body.text();
        assert.equal(agent.stats.idle, 0, `${path} is not kept`);
      }
      const big = await request(`http://127.0.0.1:${peer.port}/big`, { agent });
      await big.body.cancel();
      assert.equal(agent.stats.idle, 0, 'a cancelled body closes its connection');
      assert.equal(agent.stats.reused, 0);
      assert.equal(peer.connections(), 4);
    } finally {
      await peer.close();
    }
  });

  test('an idle connection the server closed is not lent; the next request opens another', async () => {
    const peer = await countingServer((_req, res) => res.end('ok'));
    peer.server.keepAliveTimeout = 100;
    try {
      await using agent = new Agent();
      await (await request(`http://127.0.0.1:${peer.port}/`, { agent })).body.text();
      await until(() => peer.open() === 0, 'the server closes the idle connection');
      await delay(20);
      const again = await request(`http://127.0.0.1:${peer.port}/`, { agent });
      assert.equal(await again.body.text(), 'ok');
      assert.equal(agent.stats.opened, 2);
    } finally {
      await peer.close();
    }
  });

  test('at most `connections` per origin; the rest wait their turn', async () => {
    const peer = await countingServer((_req, res) => setTimeout(() => res.end('slow'), 50));
    try {
      await using agent = new Agent({ connections: 2 });
      const responses = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const response = await request(`http://127.0.0.1:${peer.port}/`, { agent });
          return response.body.text();
        }),
      );
      assert.deepEqual(responses, Array(6).fill('slow'));
      assert.equal(peer.peak(), 2);
      assert.equal(peer.connections(), 2);
      assert.equal(agent.stats.reused, 4);
    } finally {
      await peer.close();
    }
  });

  test('a reused connection dropped under an idempotent request: sent again on a new one; a POST is not', async () => {
    // A server that answers the first request on each connection, then closes on the second
    // without a word (as a server whose keep-alive timer fired as the request arrived).
    let connections = 0;
    const server = createNetServer((socket) => {
      connections++;
      let served = 0;
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        while (buffered.includes('\r\n\r\n')) {
          buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
          if (served++ === 0)
            socket.write(
              'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nKeep-Alive: timeout=60\r\n\r\nfirst',
            );
          else socket.destroy();
        }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await using agent = new Agent();
      await (await request(`http://127.0.0.1:${port}/`, { agent })).body.text();
      const retried = await request(`http://127.0.0.1:${port}/`, { agent });
      assert.equal(await retried.body.text(), 'first', 'answered on a second connection');
      assert.equal(connections, 2);
      const post = await request(`http://127.0.0.1:${port}/`, {
        agent,
        method: 'POST',
        body: 'once only',
      }).catch((e: unknown) => e);
      assert.ok(post instanceof EmptyReplyError, String(post));
      assert.equal(connections, 2, 'a POST is not sent twice');
    } finally {
      server.close();
    }
  });

  test('dump() reads a small body away and keeps the connection; past its limit it closes; json() parses', async () => {
    const peer = await countingServer((req, res) =>
      res.end(
        req.url === '/json' ? '{"ok":true}' : 'z'.repeat(req.url === '/big' ? 500_000 : 1000),
      ),
    );
    try {
      await using agent = new Agent();
      const small = await request(`http://127.0.0.1:${peer.port}/small`, { agent });
      assert.equal(await small.body.dump(), 1000);
      assert.equal(agent.stats.idle, 1);
      const json = await request(`http://127.0.0.1:${peer.port}/json`, { agent });
      assert.deepEqual(await json.body.json(), { ok: true });
      const big = await request(`http://127.0.0.1:${peer.port}/big`, { agent });
      const read = await big.body.dump();
      assert.ok(read > 128 * 1024 && read < 500_000, `read ${read}`);
      assert.equal(
        agent.stats.idle,
        0,
        'a large body is not read to the end: its connection closes',
      );
      assert.equal(agent.stats.reused, 2);
    } finally {
      await peer.close();
    }
  });

  test('an unread body is given up after bodyTimeout, and reading it later says why', async () => {
    const peer = await countingServer((_req, res) => res.end('y'.repeat(300_000)));
    try {
      await using agent = new Agent();
      const response = await request(`http://127.0.0.1:${peer.port}/`, { agent, bodyTimeout: 100 });
      await until(() => peer.open() === 0, 'the server sees the connection closed', 3000);
      assert.equal(agent.stats.active, 0, 'the slot is free again');
      const late = await response.body.text().catch((e: unknown) => e);
      assert.ok(late instanceof SocketTimeoutError, String(late));
      assert.match(
        late.message,
        /waited over 100 ms for its reader and was cancelled \(bodyTimeout\)/,
      );
    } finally {
      await peer.close();
    }
  });

  test('a response dropped unread gives its connection back once collected (no bodyTimeout needed)', async () => {
    const peer = await countingServer((_req, res) => res.end('w'.repeat(400_000)));
    try {
      const script = `
        import { Agent, request } from './src/http/index.ts';
        const agent = new Agent({ connections: 1 });
        const url = 'http://127.0.0.1:${peer.port}/';
        // Its 30 s bodyTimeout is armed: the timer must not keep the response alive either.
        await (async () => { await request(url, { agent }); })();
        // The only connection is held by a response nobody can reach any more.
        const second = request(url, { agent, bodyTimeout: null });
        for (let i = 0; i < 50; i++) {
          globalThis.gc();
          await new Promise((r) => setTimeout(r, 20));
        }
        const timer = setTimeout(() => { console.log('stuck', JSON.stringify(agent.stats)); process.exit(3); }, 5000);
        const response = await second;
        console.log('served', (await response.body.bytes()).length);
        clearTimeout(timer);
        await agent.close();
      `;
      const child = spawn(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const result = await collect(child, { timeoutMs: 20_000 });
      assert.equal(result.stdout.toString().trim(), 'served 400000', result.stderr);
      assert.equal(result.code, 0);
    } finally {
      await peer.close();
    }
  });

  test('Client: one origin, paths only; an idle pool does not keep the process alive', async () => {
    const peer = await countingServer((req, res) => res.end(`path ${req.url}`));
    try {
      await using client = new Client(`http://127.0.0.1:${peer.port}`);
      assert.equal(await (await client.request('/a?b=c')).body.text(), 'path /a?b=c');
      assert.equal(await (await client.request('/d')).body.text(), 'path /d');
      assert.equal(client.stats.opened, 1);
      assert.throws(
        () => new Client('http://127.0.0.1:1/path'),
        /a Client is for scheme, host and port alone/,
      );
      assert.throws(() => new Client('ftp://x'), /only http:\/\/ and https:\/\//);
      await assert.rejects(client.request('relative'), /it must start with "\/"/);
      // A script that makes a pooled request and never closes its agent still exits at once.
      const script = `
        import { Agent, request } from './src/http/index.ts';
        const agent = new Agent({ keepAliveTimeout: 60000 });
        const response = await request('http://127.0.0.1:${peer.port}/', { agent });
        await response.body.text();
        console.log('idle', agent.stats.idle);
      `;
      const started = performance.now();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const result = await collect(child, { timeoutMs: 20_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.toString().trim(), 'idle 1');
      assert.ok(performance.now() - started < 15_000);
    } finally {
      await peer.close();
    }
  });
});
