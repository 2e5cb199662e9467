// A user's CommonJS program against the installed socketkit: require() of an ES module package
// (Node 20.19 and later), every subpath once, all on 127.0.0.1. It also checks that require() and
// import() hand out the same module, so an error class is one class whichever way it was loaded,
// and that loading the library pulled in none of the CLI's dependencies.
'use strict';
const assert = require('node:assert/strict');
const {
  ConnectionRefusedError,
  SocketError,
  connect,
  decode,
  encode,
  listen,
} = require('socketkit');
const { lengthPrefixed } = require('socketkit/framing');
const { request, serve } = require('socketkit/http');
const { echo, runTcp } = require('socketkit/services');
const { bench } = require('socketkit/bench');

const CLI_ONLY = ['commander', 'cli-progress', 'picocolors'];

async function roundTrip(sock, text) {
  await sock.sendAll(encode(text));
  return decode(await sock.recvExactly(encode(text).length));
}

async function main() {
  const loaded = Object.keys(require.cache).filter((file) =>
    CLI_ONLY.some((name) => file.includes(`/node_modules/${name}/`)),
  );
  assert.deepEqual(loaded, [], 'the library loaded CLI-only dependencies');

  const esm = await import('socketkit');
  assert.equal(esm.SocketError, SocketError, 'require() and import() gave two copies');

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

  const refused = await connect('127.0.0.1', freed, { timeout: 5000 }).then(
    () => null,
    (error) => error,
  );
  assert.ok(refused instanceof ConnectionRefusedError, String(refused));
  assert.ok(refused instanceof esm.SocketError);
  assert.equal(refused.code, 'SOCKETKIT_ERR_CONNECTION_REFUSED');

  const codec = lengthPrefixed({ header: 'u32be', maxLength: 1024 });
  const wire = codec.encode(encode('Hello, world!'));
  const decoder = codec.decoder();
  const frames = [...decoder.push(wire.subarray(0, 3)), ...decoder.push(wire.subarray(3))];
  assert.deepEqual(
    frames.map((frame) => decode(frame)),
    ['Hello, world!'],
  );

  const web = await serve(() => ({ body: 'hi there' }), { host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${web.address.port}/`;
  const response = await request(url, { timeout: 5000 });
  assert.equal(response.status, 200);
  assert.equal(await response.body.text(), 'hi there');
  const report = await bench({ target: url, connections: 2, requests: 20, timeout: 5000 });
  assert.equal(report.ok, 20);
  await web.close();

  const service = await runTcp(echo, { host: '127.0.0.1', port: 0 });
  const peer = await connect('127.0.0.1', service.address.port, { timeout: 5000 });
  assert.equal(await roundTrip(peer, 'echo?'), 'echo?');
  await peer.close();
  await service.close();

  console.log('cjs: socket, error, framing, http, bench and services all worked');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
