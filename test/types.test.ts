/**
 * Types users write against the public API, checked by `npm run lint` (tsc over test/, strict):
 * if one of these stops compiling, a user's code stops compiling too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Handler,
  HttpHeaders,
  type ServerRequest,
  type ServerResponse,
  serve,
} from '../src/http/index.js';
import { echo, runTcp } from '../src/services/index.js';

// A handler declared apart from serve(), whose branches give headers of different shapes: an
// object, pairs (inferred as string[][]), HttpHeaders, none.
const handler = (request: ServerRequest) => {
  if (request.path === '/object')
    return { headers: { 'Content-Type': 'text/plain', 'X-Count': 2 }, body: 'o' };
  if (request.path === '/pairs')
    return {
      status: 201,
      headers: [
        ['X-A', '1'],
        ['X-A', '2'],
      ],
      body: 'p',
    };
  if (request.path === '/class')
    return { headers: new HttpHeaders({ 'X-B': 'b' }), body: new Uint8Array([0x63]) };
  return { status: 404 };
};
const typed: Handler = handler;

test('serve() takes a handler whose branches return differently shaped headers (strict)', async () => {
  await using server = await serve(typed);
  const { request } = await import('../src/http/index.js');
  const pairs = await request(`http://127.0.0.1:${server.address.port}/pairs`);
  assert.equal(pairs.status, 201);
  assert.deepEqual(pairs.headers.getAll('x-a'), ['1', '2']);
  assert.equal(await pairs.body.text(), 'p');
  const missing = await request(`http://127.0.0.1:${server.address.port}/nothing`);
  assert.equal(missing.status, 404);
  await missing.body.text();
});

test('new HttpHeaders() takes what HttpHeaders.from() takes', () => {
  const fromObject = new HttpHeaders({ A: '1', B: 2 });
  const fromPairs = new HttpHeaders([
    ['A', '1'],
    ['B', '2'],
  ]);
  assert.deepEqual([...fromObject], [...HttpHeaders.from({ A: '1', B: 2 })]);
  assert.deepEqual([...fromPairs], [...fromObject]);
  assert.deepEqual([...new HttpHeaders(fromPairs)], [...fromPairs]);
  assert.throws(
    () => new HttpHeaders([['only-a-name'] as unknown as [string, string]]),
    /each one must be \[name, value\]/,
  );
});

test('servers and running services close at the end of an await using block', async () => {
  let port = 0;
  {
    await using service = await runTcp(echo);
    port = service.address.port;
  }
  const { connect } = await import('../src/index.js');
  await assert.rejects(connect('127.0.0.1', port, { timeout: 1000 }), /refused/i);
  const response: ServerResponse = { body: 'typed' };
  assert.equal(response.body, 'typed');
});
