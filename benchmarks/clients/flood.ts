// Attacks an HTTP server on loopback and measures how a normal client fares meanwhile.
//
//   flood.ts PORT slow HEADS BODIES   HEADS slowloris connections (a header byte every 2 s) and
//                                     BODIES slow-body POSTs (a body byte every 2 s), then 20
//                                     normal GETs one after another; prints JSON with their
//                                     latencies and how many attack connections the server
//                                     closed or evicted.
//   flood.ts PORT bytes CONNS SIZE    CONNS POSTs of SIZE bytes each sent one byte per write;
//                                     prints JSON with the time taken and the replies.
//
// It stops by itself: every phase has a bound in time.

import { request } from '../../dist/http/index.js';
import { connect, type StreamSocket } from '../../dist/index.js';

const [portText, mode, a, b] = process.argv.slice(2);
const port = Number(portText);

async function openAll(n: number, first: string): Promise<StreamSocket[]> {
  const out: StreamSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, async () => {
        const sock = await connect('127.0.0.1', port, { timeout: 5000 });
        sock.send(Buffer.from(first));
        return sock;
      }),
    );
    out.push(...batch);
  }
  return out;
}

if (mode === 'slow') {
  const heads = await openAll(Number(a), 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  const bodies = await openAll(
    Number(b),
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n',
  );
  const attackers = [...heads, ...bodies];
  const drip = setInterval(() => {
    for (const sock of attackers) {
      if (sock.closed || sock.atEof) continue;
      try {
        sock.send(Buffer.from('a'));
      } catch {
        // Closed by the server.
      }
    }
  }, 2000);
  // Count the attackers the server has closed (evicted or timed out) by reading their ends.
  let closedByServer = 0;
  for (const sock of attackers) {
    void (async () => {
      try {
        for (;;) if ((await sock.recv(65536)).length === 0) break;
      } catch {
        // Reset: also closed.
      }
      closedByServer++;
    })();
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const latencies: number[] = [];
  let failures = 0;
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    try {
      const response = await request(`http://127.0.0.1:${port}/`, { maxTime: 5000 });
      await response.body.text();
      if (response.status === 200) latencies.push(performance.now() - started);
      else failures++;
    } catch {
      failures++;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  clearInterval(drip);
  process.stdout.write(
    `${JSON.stringify({ attackers: attackers.length, closedByServer, latencies, failures })}\n`,
  );
  await Promise.all(attackers.map((s) => s.abort()));
  process.exit(0);
}

if (mode === 'bytes') {
  const conns = Number(a);
  const size = Number(b);
  const started = performance.now();
  const socks = await openAll(
    conns,
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
  );
  for (const sock of socks) sock.setNoDelay(true);
  const one = Buffer.from('b');
  for (let i = 0; i < size; i++) {
    for (const sock of socks) {
      try {
        sock.send(one);
      } catch {
        // The server gave up on this one (a 408 past its body timeout): counted in the replies.
      }
    }
    // Let each byte leave as its own segment before the next is queued.
    if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
  }
  const replies = await Promise.all(
    socks.map(async (sock) => {
      let text = '';
      for (let chunk = await sock.recv(); chunk.length > 0; chunk = await sock.recv())
        text += Buffer.from(chunk).toString();
      return /^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 'none';
    }),
  );
  process.stdout.write(
    `${JSON.stringify({ seconds: (performance.now() - started) / 1000, replies })}\n`,
  );
  process.exit(0);
}

process.stderr.write('usage: flood.ts PORT slow HEADS BODIES | flood.ts PORT bytes CONNS SIZE\n');
process.exit(2);
