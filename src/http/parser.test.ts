import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HttpParseError } from '../core/errors.js';
import { HttpParser, type RequestHead, type ResponseHead } from './parser.js';

interface Parsed {
  heads: Array<{
    status?: number;
    reason?: string;
    method?: string;
    target?: string;
    headers: Array<[string, string]>;
  }>;
  bodies: string[];
  trailers: Array<Array<[string, string]>>;
  complete: number;
}

function parse(
  kind: 'request' | 'response',
  input: Buffer,
  cuts: number[] = [],
  finish = false,
): Parsed {
  const out: Parsed = { heads: [], bodies: [], trailers: [], complete: 0 };
  const parser = new HttpParser(kind, {
    onHead(head: RequestHead | ResponseHead) {
      out.heads.push(
        head.kind === 'response'
          ? { status: head.status, reason: head.reason, headers: [...head.headers] }
          : { method: head.method, target: head.target, headers: [...head.headers] },
      );
      out.bodies.push('');
      out.trailers.push([]);
    },
    onBody(chunk) {
      out.bodies[out.bodies.length - 1] += chunk.toString('latin1');
    },
    onTrailers(trailers) {
      out.trailers[out.trailers.length - 1] = [...trailers];
    },
    onComplete() {
      out.complete++;
    },
  });
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const point of [...points, input.length]) {
    const piece = input.subarray(start, point);
    for (let at = 0; at < piece.length; ) at = parser.execute(piece, at);
    start = point;
  }
  if (finish) parser.finish();
  return out;
}

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const fieldValue = fc.stringMatching(/^[!-~](?:[ -~]{0,20}[!-~])?$/).filter((v) => v.length > 0);
const body = fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b));
const reserved = /^(content-length|transfer-encoding|connection|trailer)$/i;

/** A response, valid by RFC 9112, with one of the three framings and, when chunked, extensions and trailers. */
const response = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  reason: fc.stringMatching(/^[A-Za-z ]{0,20}$/),
  headers: fc.array(
    fc.tuple(
      token.filter((n) => !reserved.test(n)),
      fieldValue,
    ),
    { maxLength: 8 },
  ),
  body,
  framing: fc.constantFrom('length', 'chunked', 'close'),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 10 }),
  extensions: fc.array(fc.constantFrom('', ';a', ';name=value', ';q="quoted \\"x\\"; y"'), {
    maxLength: 10,
  }),
  trailers: fc.array(
    fc.tuple(
      token.filter((n) => !reserved.test(n)),
      fieldValue,
    ),
    { maxLength: 3 },
  ),
});

type GeneratedResponse = typeof response extends fc.Arbitrary<infer T> ? T : never;

function serialize(r: GeneratedResponse): Buffer {
  const head = [`HTTP/1.1 ${r.status} ${r.reason}`, ...r.headers.map(([n, v]) => `${n}: ${v}`)];
  if (r.framing === 'length') head.push(`Content-Length: ${r.body.length}`);
  if (r.framing === 'chunked') head.push('Transfer-Encoding: chunked');
  const parts: Buffer[] = [Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1')];
  if (r.framing !== 'chunked') {
    parts.push(r.body);
  } else {
    let at = 0;
    let i = 0;
    while (at < r.body.length) {
      const size = Math.min(
        r.chunkSizes[i % Math.max(r.chunkSizes.length, 1)] ?? 512,
        r.body.length - at,
      );
      parts.push(
        Buffer.from(`${size.toString(16)}${r.extensions[i] ?? ''}\r\n`),
        r.body.subarray(at, at + size),
        Buffer.from('\r\n'),
      );
      at += size;
      i++;
    }
    parts.push(
      Buffer.from(`0\r\n${r.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1'),
    );
  }
  return Buffer.concat(parts);
}

describe('HttpParser', () => {
  test('any valid response, cut at arbitrary points, parses as it does in one piece (fast-check)', () => {
    fc.assert(
      fc.property(response, fc.array(fc.nat(), { maxLength: 30 }), (r, cuts) => {
        const wire = serialize(r);
        const whole = parse('response', wire, [], r.framing === 'close');
        const pieces = parse('response', wire, cuts, r.framing === 'close');
        assert.deepEqual(pieces, whole);
        assert.equal(whole.complete, 1);
        assert.equal(whole.heads[0]!.status, r.status);
        assert.equal(whole.bodies[0], r.body.toString('latin1'));
        assert.deepEqual(whole.trailers[0], r.framing === 'chunked' ? r.trailers : []);
        assert.deepEqual(whole.heads[0]!.headers.slice(0, r.headers.length), r.headers);
      }),
      { numRuns: 400 },
    );
  });

  test('any request line, valid or not, parses (or fails, at the same offset) whole as byte by byte (fast-check)', () => {
    // Whole lines take a fast path; a line split anywhere goes byte by byte. Both must agree on
    // every input, so the request line is built from pieces that are sometimes wrong.
    const method = fc.oneof(token, fc.constantFrom('', 'G T', 'GET\t', 'GÉT'));
    const target = fc.oneof(
      fc.stringMatching(/^\/[!-~]{0,30}$/),
      fc.constantFrom('*', 'example.com:443', '', '/a b', '/\x7f', '/\x00'),
    );
    const version = fc.constantFrom(
      'HTTP/1.1',
      'HTTP/1.0',
      'HTTP/0.9',
      'HTTP/2.0',
      'HTTP/1.2',
      'HTTP/3.0',
      'http/1.1',
      'HTTP/1.',
      'HTTP/11',
    );
    const lineEnd = fc.constantFrom('\r\n', '\n', '\r', ' \r\n');
    const request = fc.record({
      lead: fc.constantFrom('', '\r\n'),
      method,
      target,
      version,
      lineEnd,
      headers: fc.array(
        fc.tuple(
          token.filter((n) => !reserved.test(n)),
          fieldValue,
        ),
        {
          maxLength: 4,
        },
      ),
      body,
    });
    const outcome = (wire: Buffer, cuts: number[]) => {
      try {
        return { parsed: parse('request', wire, cuts) };
      } catch (error) {
        assert.ok(error instanceof HttpParseError, String(error));
        return { error: { offset: error.offset, status: error.status } };
      }
    };
    fc.assert(
      fc.property(request, (r) => {
        const head = [
          `${r.method} ${r.target} ${r.version}`,
          ...r.headers.map(([n, v]) => `${n}: ${v}`),
        ];
        head.push(`Content-Length: ${r.body.length}`);
        const wire = Buffer.concat([
          Buffer.from(`${r.lead}${head.join(r.lineEnd)}\r\n\r\n`, 'latin1'),
          r.body,
        ]);
        const everyByte = Array.from({ length: wire.length }, (_, i) => i);
        const whole = outcome(wire, []);
        assert.deepEqual(outcome(wire, everyByte), whole);
        const valid =
          r.lineEnd === '\r\n' &&
          /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(r.method) &&
          /^HTTP\/1\.[01]$/.test(r.version) &&
          /^[!-~]+$/.test(r.target);
        if (valid) {
          const parsed = whole.parsed;
          assert.ok(parsed !== undefined, JSON.stringify(whole));
          assert.equal(parsed.heads[0]!.method, r.method);
          assert.equal(parsed.heads[0]!.target, r.target);
          assert.equal(parsed.bodies[0], r.body.toString('latin1'));
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('pipelined requests: execute stops after each message, and the rest parses from there', () => {
    const wire = Buffer.from(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\n\r\n',
    );
    const targets: string[] = [];
    const parser = new HttpParser('request', {
      onHead: (h) => targets.push((h as RequestHead).target),
      onBody: () => {},
      onComplete: () => {},
    });
    const stops: number[] = [];
    for (let at = 0; at < wire.length; ) {
      at = parser.execute(wire, at);
      stops.push(at);
    }
    assert.deepEqual(targets, ['/a', '/b', '/c']);
    assert.deepEqual(stops, [28, 28 + 42, wire.length]);
  });

  test('obs-fold: unfolded to one space in responses (RFC 9112 §5.2), rejected in requests', () => {
    const folded = parse(
      'response',
      Buffer.from(
        'HTTP/1.1 200 OK\r\nX-Long: first\r\n   second\r\n\tthird\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    assert.deepEqual(folded.heads[0]!.headers[0], ['X-Long', 'first second third']);
    assert.throws(
      () => parse('request', Buffer.from('GET / HTTP/1.1\r\nX-Long: first\r\n second\r\n\r\n')),
      /obs-fold is not allowed in requests/,
    );
  });

  test('a head over the limit is an HttpParseError with status 431, found before the head ends', () => {
    const parser = new HttpParser(
      'request',
      { onHead() {}, onBody() {}, onComplete() {} },
      { maxHeadSize: 100 },
    );
    assert.throws(
      () => parser.execute(Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(200)}`)),
      (error: unknown) =>
        error instanceof HttpParseError &&
        error.status === 431 &&
        /larger than 100 bytes/.test(error.message),
    );
  });

  test('too many header fields is 431', () => {
    const parser = new HttpParser(
      'request',
      { onHead() {}, onBody() {}, onComplete() {} },
      { maxHeaders: 3 },
    );
    assert.throws(
      () => parser.execute(Buffer.from('GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n')),
      (e: unknown) => e instanceof HttpParseError && e.status === 431,
    );
  });

  test('chunk extensions are bounded', () => {
    const parser = new HttpParser(
      'response',
      { onHead() {}, onBody() {}, onComplete() {} },
      { maxChunkExtensionSize: 64 },
    );
    assert.throws(
      () =>
        parser.execute(
          Buffer.from(
            `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;${'x'.repeat(100)}\r\n`,
          ),
        ),
      /Chunk extensions longer than 64 bytes/,
    );
  });

  test('smuggling guards: CL with TE, differing CLs, bad chunk sizes, NUL, bare CR', () => {
    const cases: Array<[string, RegExp]> = [
      [
        'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
        /can't be present with Transfer-Encoding/,
      ],
      [
        'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n',
        /different values \(3 and 4\)/,
      ],
      [
        'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        /Invalid character in chunk size/,
      ],
      [
        'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n',
        /Chunk size overflow/,
      ],
      ['GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n', /Invalid header value char/],
      ['GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', /Missing expected LF after header value/],
      ['GET / HTTP/1.1\r\nX : a\r\n\r\n', /whitespace before the colon/],
      ['POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', /chunked must be the last coding/],
    ];
    for (const [input, reason] of cases) {
      assert.throws(
        () => parse('request', Buffer.from(input, 'latin1')),
        (e: unknown) => {
          assert.ok(e instanceof HttpParseError, String(e));
          assert.match(e.message, reason);
          assert.ok(e.offset >= 0 && e.offset <= input.length);
          return true;
        },
      );
    }
  });

  test('identical duplicate Content-Lengths are one value (RFC 9112 §6.3)', () => {
    const parsed = parse(
      'request',
      Buffer.from('POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc'),
    );
    assert.equal(parsed.bodies[0], 'abc');
  });

  test('responses to HEAD, and 1xx/204/304, have no body whatever the headers say', () => {
    const parser = new HttpParser('response', {
      onHead() {},
      onBody: () => assert.fail('no body expected'),
      onComplete() {},
    });
    parser.expectResponseTo('HEAD');
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
    assert.equal(parser.execute(wire), wire.length);
    assert.equal(parser.phase, 'idle');
  });

  test('finish(): completes a body that runs to the end; an unfinished one is an error', () => {
    let done = false;
    const closeDelimited = new HttpParser('response', {
      onHead() {},
      onBody() {},
      onComplete: () => {
        done = true;
      },
    });
    closeDelimited.execute(Buffer.from('HTTP/1.1 200 OK\r\n\r\npartial'));
    closeDelimited.finish();
    assert.ok(done);
    const short = new HttpParser('response', { onHead() {}, onBody() {}, onComplete() {} });
    short.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    assert.equal(short.phase, 'body');
    assert.throws(() => short.finish(), /ended inside the body/);
  });
});

describe("HttpParser { fields: 'framing' }", () => {
  function heads(input: string, options: { maxHeaders?: number } = {}) {
    const seen: Array<Array<[string, string]>> = [];
    const bodies: string[] = [];
    const parser = new HttpParser(
      'response',
      {
        onHead(head) {
          seen.push([...head.headers]);
          bodies.push('');
        },
        onBody(chunk) {
          bodies[bodies.length - 1] += chunk.toString('latin1');
        },
        onComplete() {},
      },
      { fields: 'framing', ...options },
    );
    const bytes = Buffer.from(input, 'latin1');
    // Byte by byte: spans cut anywhere, skipped or kept, must come out the same.
    for (let i = 0; i < bytes.length; i++) parser.execute(bytes.subarray(i, i + 1));
    return { seen, bodies };
  }

  test('keeps only Content-Length, Transfer-Encoding, Connection and Upgrade; frames the same', () => {
    const { seen, bodies } = heads(
      'HTTP/1.1 200 OK\r\nServer: x\r\nSet-Cookie: a=b\r\nContent-Length: 3\r\nConnection: keep-alive\r\nX-Very-Long-Header-Name: 1\r\n\r\nabc' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n2\r\nhi\r\n0\r\nExpires: 0\r\n\r\n',
    );
    assert.deepEqual(seen, [
      [
        ['Content-Length', '3'],
        ['Connection', 'keep-alive'],
      ],
      [['Transfer-Encoding', 'chunked']],
    ]);
    assert.deepEqual(bodies, ['abc', 'hi']);
  });

  test('a folded line of a skipped field stays skipped; of a kept one, joins it', () => {
    const { seen } = heads(
      'HTTP/1.1 204 No Content\r\nX-Skip: a\r\n  b\r\nConnection: keep-alive,\r\n close\r\n\r\n',
    );
    assert.deepEqual(seen, [[['Connection', 'keep-alive, close']]]);
  });

  test('skipped fields still count against maxHeaders', () => {
    assert.throws(
      () => heads('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', { maxHeaders: 2 }),
      (error: unknown) =>
        error instanceof HttpParseError && /More than 2 header fields/.test(error.message),
    );
  });
});
