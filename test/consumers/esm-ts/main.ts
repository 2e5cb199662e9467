/**
 * A user's TypeScript program against the installed socketkit, type-checked against the package's
 * own .d.ts files: esm-ts compiles it as an ES module (nodenext, exactOptionalPropertyTypes),
 * node10-ts as CommonJS with the old resolver. No top-level await, so it is valid as both.
 * Every subpath once, all on 127.0.0.1: a socket round trip, a refused connection, a framing codec,
 * an HTTP server and request, a classic service, a short load run.
 */
import assert from 'node:assert/strict';
import {
  ConnectionRefusedError,
  connect,
  decode,
  encode,
  listen,
  SocketError,
  type StreamSocket,
} from 'socketkit';
import { bench } from 'socketkit/bench';
import { lengthPrefixed } from 'socketkit/framing';
import { request, type ServerResponse, serve } from 'socketkit/http';
import { echo, runTcp } from 'socketkit/services';

async function roundTrip(sock: StreamSocket, text: string): Promise<string> {
  await sock.sendAll(encode(text));
  return decode(await sock.recvExactly(encode(text).length));
}

async function main(): Promise<void> {
  // socketkit: listen(), connect(), send and receive.
  const server = await listen({ host: '127.0.0.1', port: 0 });
  const served = (async () => {
    const [conn] = await server.accept();
    await conn.sendAll(await conn.recvExactly(5));
    await conn.close();
  })();
  const client = await connect('127.0.0.1', server.address.port, { timeout: 5000 });
  assert.equal(await roundTrip(client, 'hello'), 'hello');
  await client.close();
  await served;
  const freed = server.address.port;
  await server.close();

  // A documented error, its class and its stable code.
  const refused = await connect('127.0.0.1', freed, { timeout: 5000 }).then(
    () => null,
    (error: unknown) => error,
  );
  assert.ok(refused instanceof ConnectionRefusedError, String(refused));
  assert.ok(refused instanceof SocketError);
  assert.equal(refused.code, 'SOCKETKIT_ERR_CONNECTION_REFUSED');

  // socketkit/framing: encode, then decode from two arbitrary halves.
  const codec = lengthPrefixed({ header: 'u32be', maxLength: 1024 });
  const wire = codec.encode(encode('Hello, world!'));
  const decoder = codec.decoder();
  const frames = [...decoder.push(wire.subarray(0, 3)), ...decoder.push(wire.subarray(3))];
  assert.deepEqual(
    frames.map((frame) => decode(frame)),
    ['Hello, world!'],
  );

  // socketkit/http: serve() and request().
  const hello: ServerResponse = { headers: { 'Content-Type': 'text/plain' }, body: 'hi there' };
  const web = await serve(() => hello, { host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${web.address.port}/`;
  const response = await request(url, { timeout: 5000 });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain');
  assert.equal(await response.body.text(), 'hi there');

  // socketkit/bench: a bounded run against that server.
  const report = await bench({ target: url, connections: 2, requests: 20, timeout: 5000 });
  assert.equal(report.ok, 20);
  await web.close();

  // socketkit/services: the echo service on TCP.
  const service = await runTcp(echo, { host: '127.0.0.1', port: 0 });
  const peer = await connect('127.0.0.1', service.address.port, { timeout: 5000 });
  assert.equal(await roundTrip(peer, 'echo?'), 'echo?');
  await peer.close();
  await service.close();

  console.log('typescript: socket, error, framing, http, bench and services all worked');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
