/**
 * Tutorial 001 — the asyncio server, load-tested with `ab -c 50 -n 1000`.
 *
 * Each client is served concurrently: read once (up to 1024 bytes), send it
 * back, hang up. Nothing waits for one client before accepting the next.
 * Try it with `socketkit bench --mode oneshot -c 50 -n 1000 http://localhost:8001/`.
 *
 *     npx tsx examples/001-async-server.ts                # localhost port 8001
 *     npx tsx examples/001-async-server.ts 127.0.0.1 0
 */
import { listen, type StreamSocket } from 'socketkit';
import { main } from './_main.js';

async function handleClient(conn: StreamSocket): Promise<void> {
  try {
    conn.setTimeout(10_000);
    const data = await conn.recv(1024);
    await conn.sendAll(data);
  } catch {
    // A client that vanished or went quiet costs nothing but its connection.
  } finally {
    await conn.close();
  }
}

await main(async () => {
  const [host = 'localhost', port = '8001'] = process.argv.slice(2);
  const server = await listen({ host, port: Number(port) });
  console.log(`serving on ${server.address.host} port ${server.address.port} (Ctrl-C stops)`);
  process.once('SIGINT', () => void server.close());
  process.once('SIGTERM', () => void server.close());

  // Iterating the server accepts connections until it is closed; not awaiting handleClient
  // is what makes this concurrent.
  for await (const conn of server) void handleClient(conn);
});
