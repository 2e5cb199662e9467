import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpParseError } from '../core/errors.js';
import { HttpHeaders } from './headers.js';
import { type RequestHop, redirectHop } from './redirect.js';
import { parseTarget } from './url.js';

const CREDENTIALS: Array<[string, string]> = [
  ['Authorization', 'Basic dXNlcjpwYXNz'],
  ['Cookie', 'session=1'],
  ['Proxy-Authorization', 'Basic cHJveHk6cHc='],
];
const CONTENT: Array<[string, string]> = [
  ['Content-Type', 'application/json'],
  ['Content-Encoding', 'gzip'],
  ['Content-Language', 'en'],
];

function hop(url: string, method: string, body?: string): RequestHop {
  return {
    target: parseTarget(url),
    method,
    headers: new HttpHeaders([...CREDENTIALS, ...CONTENT, ['X-Custom', 'kept']]),
    body,
  };
}

const names = (h: RequestHop) => [...h.headers].map(([name]) => name.toLowerCase());

describe('redirectHop(): credentials never follow to another origin (RFC 9110 §15.4)', () => {
  const from = 'http://127.0.0.1:8080/start';
  const table: Array<[string, string, string, boolean]> = [
    ['same origin, other path', from, 'http://127.0.0.1:8080/next', true],
    ['relative location', from, '/next', true],
    ['default port spelled out', 'http://127.0.0.1/start', 'http://127.0.0.1:80/next', true],
    ['other port', from, 'http://127.0.0.1:8081/next', false],
    ['other host', from, 'http://127.0.0.2:8080/next', false],
    ['127.0.0.1 to [::1]', from, 'http://[::1]:8080/next', false],
    ['localhost to 127.0.0.1', 'http://localhost:8080/start', 'http://127.0.0.1:8080/next', false],
    ['http to https, same host and port', from, 'https://127.0.0.1:8080/next', false],
    [
      'https to http, same host and port',
      'https://127.0.0.1:8080/start',
      'http://127.0.0.1:8080/next',
      false,
    ],
  ];
  for (const [what, start, location, same] of table) {
    for (const status of [301, 302, 303, 307, 308]) {
      test(`${what}, ${status}: credentials ${same ? 'kept' : 'dropped'}`, () => {
        const next = redirectHop(hop(start, 'GET'), status, location);
        const kept = names(next);
        for (const [name] of CREDENTIALS)
          assert.equal(kept.includes(name.toLowerCase()), same, name);
        assert.ok(kept.includes('x-custom'), 'other headers follow');
      });
    }
  }
});

describe('redirectHop(): methods and bodies', () => {
  const table: Array<[number, string, string, boolean]> = [
    // status, method before, method after, body kept
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [303, 'POST', 'GET', false],
    [303, 'PUT', 'GET', false],
    [301, 'PUT', 'PUT', true],
    [302, 'DELETE', 'DELETE', true],
    [307, 'POST', 'POST', true],
    [308, 'POST', 'POST', true],
    [308, 'PUT', 'PUT', true],
  ];
  for (const [status, before, after, bodyKept] of table) {
    test(`${status} after ${before}: ${after}, body ${bodyKept ? 'kept with its headers' : 'and its headers dropped'}`, () => {
      const next = redirectHop(hop('http://127.0.0.1:8080/a', before, 'payload'), status, '/b');
      assert.equal(next.method, after);
      assert.equal(next.target.path, '/b');
      if (bodyKept) {
        assert.equal(next.body, 'payload');
        assert.ok(names(next).includes('content-type'));
      } else {
        assert.equal(next.body, undefined);
        for (const [name] of CONTENT) assert.ok(!names(next).includes(name.toLowerCase()), name);
      }
    });
  }

  test('303 after HEAD stays HEAD (RFC 9110 §15.4.4 changes only to GET or HEAD)', () => {
    const next = redirectHop(hop('http://127.0.0.1:8080/a', 'HEAD'), 303, '/b');
    assert.equal(next.method, 'HEAD');
  });

  test('a streamed body cannot be sent again: a 307 after one is a TypeError', () => {
    const streamed: RequestHop = {
      ...hop('http://127.0.0.1:8080/a', 'POST'),
      body: (async function* () {
        yield new Uint8Array([1]);
      })(),
    };
    assert.throws(
      () => redirectHop(streamed, 307, '/b'),
      /streamed request body cannot be sent again/,
    );
    assert.equal(redirectHop(streamed, 303, '/b').body, undefined);
  });

  test('a Location that is not http(s) is a malformed reply (HttpParseError), not a crash', () => {
    assert.throws(
      () => redirectHop(hop('http://127.0.0.1/', 'GET'), 302, 'ftp://127.0.0.1/x'),
      HttpParseError,
    );
    assert.throws(
      () => redirectHop(hop('http://127.0.0.1/', 'GET'), 302, 'http://'),
      HttpParseError,
    );
  });
});
