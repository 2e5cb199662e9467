/**
 * Tutorial 001 — an echo server: sends every byte back until the client hangs up.
 *
 * Serves one client, as the tutorial's does, then exits. Port 0 lets the
 * system pick a free port; the line printed says which.
 *
 *     npx tsx examples/001-echo-server.ts                 # localhost port 8001
 *     npx tsx examples/001-echo-server.ts 127.0.0.1 0
 */
import { listen } from 'socketkit';
import { main } from './_main.js';

await main(async () => {
  const [host = 'localhost', port = '8001'] = process.argv.slice(2);
  await using server = await listen({ host, port: Number(port) });
  console.log(`socket bound to ${server.address.host} port ${server.address.port}`);

  // accept() waits for a client and gives a new socket for talking to it; the listening
  // socket only ever accepts.
  const [conn, address] = await server.accept();
  console.log(`connection from ${address.host} port ${address.port}`);
  try {
    // recv() returns no bytes only when the client has closed its side.
    for (let data = await conn.recv(1024); data.length > 0; data = await conn.recv(1024)) {
      await conn.sendAll(data);
    }
    console.log('client closed the connection');
  } finally {
    await conn.close();
  }
});
