import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HttpParseError } from '../core/errors.js';
import {
  HttpParser,
  type MessageKind,
  type ParserOptions,
  type RequestHead,
  type ResponseHead,
} from './parser.js';

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

// ── the same bytes, however they are cut ─────────────────────────────────

type Event =
  | ['head', Record<string, unknown>]
  | ['body', number, string]
  | ['trailers', Array<[string, string]>]
  | ['complete', number];

interface Outcome {
  events: Event[];
  error: { reason: string; offset: number; status: number } | null;
  remaining: number;
  phase: string;
}

interface FeedOptions extends ParserOptions {
  /** The request method responses answer. */
  method?: string;
  /** End the stream after the input. */
  finish?: boolean;
}

/** Everything a handler sees, with each body piece's stream offset, fed in `pieces`. */
function feed(kind: MessageKind, pieces: Buffer[], options: FeedOptions = {}): Outcome {
  const events: Event[] = [];
  let pieceStart = 0;
  let piece: Buffer = Buffer.alloc(0);
  const parser = new HttpParser(
    kind,
    {
      onHead(head) {
        const { headers, rawHead, ...rest } = head;
        events.push([
          'head',
          { ...rest, headers: [...headers], rawHead: rawHead?.toString('latin1') },
        ]);
      },
      onBody(chunk) {
        const at = pieceStart + chunk.byteOffset - piece.byteOffset;
        const last = events.at(-1);
        if (last?.[0] === 'body' && last[1] + last[2].length === at)
          last[2] += chunk.toString('latin1');
        else events.push(['body', at, chunk.toString('latin1')]);
      },
      onTrailers(trailers) {
        events.push(['trailers', [...trailers]]);
      },
      onComplete() {
        events.push(['complete', -1]);
      },
    },
    options,
  );
  if (options.method !== undefined) parser.expectResponseTo(options.method);
  let error: Outcome['error'] = null;
  try {
    for (piece of pieces) {
      for (let at = 0; at < piece.length; ) {
        if (parser.phase === 'upgraded') break;
        at = parser.execute(piece, at);
        const last = events.at(-1);
        if (last?.[0] === 'complete' && last[1] === -1) last[1] = pieceStart + at;
      }
      pieceStart += piece.length;
    }
    if (options.finish) parser.finish();
  } catch (e) {
    if (!(e instanceof HttpParseError)) throw e;
    error = { reason: e.reason, offset: e.offset, status: e.status };
  }
  return { events, error, remaining: parser.remaining, phase: parser.phase };
}

/**
 * Parses `input` whole, byte by byte and cut at a few fixed points, asserts that all agree,
 * and gives the outcome.
 */
function outcome(kind: MessageKind, input: string | Buffer, options: FeedOptions = {}): Outcome {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const whole = feed(kind, [bytes], options);
  const single = feed(
    kind,
    Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)),
    options,
  );
  assert.deepEqual(single, whole, 'byte by byte differs from whole');
  for (const cut of [1, 7, Math.floor(bytes.length / 2), bytes.length - 1]) {
    if (cut <= 0 || cut >= bytes.length) continue;
    const two = feed(kind, [bytes.subarray(0, cut), bytes.subarray(cut)], options);
    assert.deepEqual(two, whole, `cut at ${cut} differs from whole`);
  }
  return whole;
}

const heads = (o: Outcome) =>
  o.events.filter((e) => e[0] === 'head').map((e) => e[1] as Record<string, unknown>);
const bodyOf = (o: Outcome) =>
  o.events
    .filter((e) => e[0] === 'body')
    .map((e) => e[2])
    .join('');

function assertError(o: Outcome, offset: number, status: number, reason: RegExp): void {
  assert.ok(o.error !== null, `expected an error, got ${JSON.stringify(o.events).slice(0, 300)}`);
  assert.deepEqual(
    { offset: o.error.offset, status: o.error.status },
    { offset, status },
    o.error.reason,
  );
  assert.match(o.error.reason, reason);
}

describe('HttpParser line ends (RFC 9112 §2.2)', () => {
  test('execute() accepts a lone LF wherever CRLF may end a line, in requests', () => {
    const o = outcome(
      'request',
      '\nPOST /a HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n3\nabc\n0\nX-Sum: 1\n\nGET /b HTTP/1.1\r\n\n',
    );
    assert.equal(o.error, null);
    assert.deepEqual(
      heads(o).map((h) => [h.method, h.target, h.headers]),
      [
        [
          'POST',
          '/a',
          [
            ['Host', 'x'],
            ['Transfer-Encoding', 'chunked'],
          ],
        ],
        ['GET', '/b', []],
      ],
    );
    assert.equal(bodyOf(o), 'abc');
    assert.deepEqual(
      o.events.find((e) => e[0] === 'trailers'),
      ['trailers', [['X-Sum', '1']]],
    );
  });

  test('execute() accepts a lone LF in responses: status line, fields, chunk lines, trailers', () => {
    const o = outcome(
      'response',
      'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5;x=1\nhello\r\n0\nA: 1\r\n\n',
    );
    assert.equal(o.error, null);
    assert.equal(heads(o)[0]!.status, 200);
    assert.equal(bodyOf(o), 'hello');
    assert.equal(o.events.at(-1)![0], 'complete');
  });

  test('execute() refuses a bare CR at its own offset, in every kind of line', () => {
    const cases: Array<[MessageKind, string]> = [
      ['request', 'GET / HTTP/1.1\rX: y\r\n\r\n'],
      ['request', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n'],
      ['request', 'GET / HTTP/1.1\r\n\r\r\n'],
      ['request', '\r\rGET / HTTP/1.1\r\n\r\n'],
      ['response', 'HTTP/1.1 200 OK\rX: y\r\n\r\n'],
      ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n'],
      ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r0\r\n'],
      ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n\rx\n'],
    ];
    for (const [kind, input] of cases) {
      // The first CR that no LF follows.
      const bare = [...input].findIndex((c, i) => c === '\r' && input[i + 1] !== '\n');
      assertError(outcome(kind, input), bare, 400, /CR|LF/);
    }
  });

  test('execute() refuses NUL and other controls, whitespace before the colon, and obs-fold in requests', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n', 20, /Invalid header value char: 0x00/],
      ['GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n', 20, /Invalid header value char: 0x01/],
      ['GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n', 20, /Invalid header value char: 0x7f/],
      ['GET /\x00 HTTP/1.1\r\n\r\n', 5, /request target: 0x00/],
      ['G\x00T / HTTP/1.1\r\n\r\n', 1, /after the method, found 0x00/],
      ['GET / HTTP/1.1\r\nX : a\r\n\r\n', 17, /whitespace before the colon/],
      ['GET / HTTP/1.1\r\nX\t: a\r\n\r\n', 17, /whitespace before the colon/],
      ['GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 22, /obs-fold is not allowed in requests/],
      ['GET / HTTP/1.1\r\n X: a\r\n\r\n', 16, /Unexpected space after start line/],
    ];
    for (const [input, offset, reason] of cases)
      assertError(outcome('request', input), offset, 400, reason);
  });

  test('execute() unfolds obs-fold in responses to one SP (RFC 9112 §5.2), but not into Content-Length', () => {
    const o = outcome('response', 'HTTP/1.1 200 OK\nX: a\n  b \n\t\n c\nContent-Length: 0\n\n');
    assert.deepEqual(heads(o)[0]!.headers, [
      ['X', 'a b c'],
      ['Content-Length', '0'],
    ]);
    assertError(
      outcome('response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\n\r\n'),
      36,
      400,
      /obs-fold in Content-Length/,
    );
  });
});

describe('HttpParser framing guards (RFC 9112 §6)', () => {
  test('execute() refuses Content-Length with Transfer-Encoding, and differing Content-Lengths', () => {
    assertError(
      outcome(
        'request',
        'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      ),
      65,
      400,
      /can't be present with Transfer-Encoding/,
    );
    assertError(
      outcome(
        'response',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n',
      ),
      65,
      400,
      /can't be present with Transfer-Encoding/,
    );
    assertError(
      outcome('request', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n'),
      52,
      400,
      /different values \(3 and 4\)/,
    );
    assertError(
      outcome('request', 'POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\n'),
      33,
      400,
      /different values \(3 and 4\)/,
    );
  });

  test('execute() takes identical Content-Lengths, as a list or repeated, as one (RFC 9112 §6.3)', () => {
    const o = outcome(
      'request',
      'POST / HTTP/1.1\r\nContent-Length: 3 , 03\r\nContent-Length: 003\r\n\r\nabc',
    );
    assert.equal(o.error, null);
    assert.equal(bodyOf(o), 'abc');
  });

  test('execute() refuses bad chunk sizes', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    const cases: Array<[string, number, RegExp]> = [
      ['zz\r\n', 0, /Invalid character in chunk size: "z"/],
      ['-1\r\n', 0, /Invalid character in chunk size: "-"/],
      ['0x5\r\n', 1, /Invalid character in chunk size: "x"/],
      ['\r\n', 0, /Invalid character in chunk size: CR/],
      ['5 \r\n', 2, /whitespace without an extension/],
      ['00000000000000005\r\n', 16, /more than 16 hex digits/],
      ['20000000000000\r\n', 13, /larger than 2\^53 - 1/],
      ['5;a=\r\n', 4, /chunk extensions/],
      ['5;"x"\r\n', 2, /chunk extensions/],
    ];
    for (const [line, at, reason] of cases) {
      assertError(outcome('response', head + line), head.length + at, 400, reason);
    }
    // The largest size a JavaScript number counts exactly is a size.
    const largest = outcome('response', `${head}1fffffffffffff\r\n`);
    assert.equal(largest.error, null);
    assert.equal(largest.remaining, Number.MAX_SAFE_INTEGER);
  });
});

describe('HttpParser limits: the limit passes, one byte more fails at that byte', () => {
  /** A request head of exactly `size` bytes, after `lead` empty lines. */
  function requestHead(size: number, lead = ''): string {
    const start = `${lead}GET / HTTP/1.1\r\nX: `;
    return `${start}${'a'.repeat(size - start.length - 4)}\r\n\r\n`;
  }

  const table: Array<{
    name: string;
    kind: MessageKind;
    options: ParserOptions;
    /** Input that just fits, and input one byte over (the limit's byte is `at`). */
    fits: string;
    over: string;
    at: number;
    status: number;
    reason: RegExp;
  }> = [
    {
      name: 'maxHeadSize 100',
      kind: 'request',
      options: { maxHeadSize: 100 },
      fits: requestHead(100),
      over: requestHead(101),
      at: 100,
      status: 431,
      reason: /message head is larger than 100 bytes/,
    },
    {
      name: 'maxHeadSize counts empty lines before the start line',
      kind: 'request',
      options: { maxHeadSize: 100 },
      fits: requestHead(100, '\r\n\n\r\n'),
      over: requestHead(101, '\r\n\n\r\n'),
      at: 100,
      status: 431,
      reason: /message head is larger than 100 bytes/,
    },
    {
      name: 'maxHeadSize 16384, the size the server uses (a 16,385-byte head)',
      kind: 'request',
      options: { maxHeadSize: 16384 },
      fits: requestHead(16384),
      over: requestHead(16385),
      at: 16384,
      status: 431,
      reason: /larger than 16384 bytes/,
    },
    {
      name: 'maxHeadSize by default 64 KiB',
      kind: 'response',
      options: { method: 'HEAD' } as ParserOptions,
      fits: `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(65536 - 24)}\r\n\r\n`,
      over: `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(65536 - 23)}\r\n\r\n`,
      at: 65536,
      status: 431,
      reason: /larger than 65536 bytes/,
    },
    {
      name: 'maxHeaders 3',
      kind: 'request',
      options: { maxHeaders: 3 },
      fits: 'GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n',
      over: 'GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n',
      at: 34,
      status: 431,
      reason: /More than 3 header fields/,
    },
    {
      name: 'maxHeaders 2 in a response, obs-fold lines not counted',
      kind: 'response',
      options: { maxHeaders: 2, method: 'HEAD' } as ParserOptions,
      fits: 'HTTP/1.1 200 OK\r\nA: 1\r\n 1\r\nB: 2\r\n\r\n',
      over: 'HTTP/1.1 200 OK\r\nA: 1\r\n 1\r\nB: 2\r\nC: 3\r\n\r\n',
      at: 33,
      status: 431,
      reason: /More than 2 header fields/,
    },
    {
      name: 'maxChunkExtensionSize 8 (every byte after the size)',
      kind: 'response',
      options: { maxChunkExtensionSize: 8 },
      fits: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 ;a=bcde\r\nx\r\n0\r\n\r\n',
      over: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 ;a=bcdef\r\nx\r\n0\r\n\r\n',
      at: 47 + 1 + 8,
      status: 400,
      reason: /Chunk extensions longer than 8 bytes/,
    },
    {
      name: 'the trailer section, bounded by maxHeadSize like a head',
      kind: 'response',
      options: { maxHeadSize: 80 },
      fits: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${'t'.repeat(80 - 7)}\r\n\r\n`,
      over: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${'t'.repeat(80 - 6)}\r\n\r\n`,
      at: 50 + 80,
      status: 431,
      reason: /trailer section is larger than 80 bytes/,
    },
  ];

  for (const row of table) {
    test(`execute(): ${row.name}`, () => {
      const { method, ...options } = row.options as FeedOptions;
      const fits = outcome(row.kind, row.fits, { ...options, method });
      assert.equal(fits.error, null, JSON.stringify(fits.error));
      assert.ok(
        fits.events.some((e) => e[0] === 'complete'),
        `no complete message: ${JSON.stringify(fits.events).slice(0, 200)}`,
      );
      assertError(
        outcome(row.kind, row.over, { ...options, method }),
        row.at,
        row.status,
        row.reason,
      );
    });
  }

  test('execute(): endless empty lines before a request reach the head limit (431)', () => {
    for (const blank of ['\r\n', '\n']) {
      const o = outcome('request', blank.repeat(200), { maxHeadSize: 100 });
      assertError(o, 100, 431, /message head is larger than 100 bytes/);
    }
  });

  test('execute(): within the limit the first error wins, past it the limit does', () => {
    const line = 'GET / HTTP/1.1\r\nX: ';
    // A NUL at the limit's last byte: the error. At the limit's byte: the limit.
    const nulAt = (at: number) =>
      `${line}${'a'.repeat(at - line.length)}\x00${'a'.repeat(50)}\r\n\r\n`;
    assertError(outcome('request', nulAt(99), { maxHeadSize: 100 }), 99, 400, /0x00/);
    assertError(outcome('request', nulAt(100), { maxHeadSize: 100 }), 100, 431, /larger than 100/);
    // A CR at the last byte within the limit is bare if the byte at the limit is not LF...
    const crAt99 = (next: string) => `${line}${'a'.repeat(99 - line.length)}\r${next}`;
    assertError(outcome('request', crAt99('x\r\n\r\n'), { maxHeadSize: 100 }), 99, 400, /bare CR/);
    // ...and ends a line that is over the limit if it is.
    assertError(outcome('request', crAt99('\n\r\n'), { maxHeadSize: 100 }), 100, 431, /larger/);
  });
});

describe('HttpParser versions (RFC 9112 §2.5)', () => {
  test('execute() reads HTTP/1.0, HTTP/1.1, and later HTTP/1.x as 1.1', () => {
    for (const [sent, read] of [
      ['1.0', '1.0'],
      ['1.1', '1.1'],
      ['1.2', '1.1'],
      ['1.9', '1.1'],
    ]) {
      const request = outcome('request', `GET / HTTP/${sent}\r\n\r\n`);
      assert.equal(heads(request)[0]?.version, read, sent);
      const response = outcome('response', `HTTP/${sent} 204 No Content\r\n\r\n`);
      assert.equal(heads(response)[0]?.version, read, sent);
    }
  });

  test('execute() answers 505 to other major versions, 400 to a request line without one', () => {
    for (const version of ['0.9', '2.0', '3.0', '3.1', '9.9']) {
      assertError(
        outcome('request', `GET / HTTP/${version}\r\n\r\n`),
        6,
        505,
        /Unsupported HTTP version/,
      );
      assertError(outcome('response', `HTTP/${version} 200 OK\r\n\r\n`), 0, 505, /Unsupported/);
    }
    assertError(outcome('request', 'GET /\r\n\r\n'), 5, 400, /Expected an HTTP version/);
    assertError(outcome('request', 'GET / HTTP/11\r\n\r\n'), 12, 400, /Expected a dot/);
  });
});

describe('HttpParser Transfer-Encoding and Content-Length (RFC 9112 §6)', () => {
  test('execute() refuses Transfer-Encoding in HTTP/1.0 requests, and a final coding other than chunked', () => {
    assertError(
      outcome('request', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'),
      46,
      400,
      /HTTP\/1\.0 request/,
    );
    for (const codings of ['gzip', 'chunked, gzip', 'chunked, chunked', '']) {
      const input = `POST / HTTP/1.1\r\nTransfer-Encoding: ${codings}\r\n\r\n`;
      assertError(outcome('request', input), input.length - 1, 400, /chunked must be the last/);
    }
  });

  test('execute() answers 501 to codings before a final chunked (RFC 9112 §6.1)', () => {
    const input =
      'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n';
    assertError(
      outcome('request', input),
      input.length - 1,
      501,
      /"gzip, chunked" is not implemented/,
    );
  });

  test('execute() reads a response whose final coding is not chunked to the close (§6.3 item 4)', () => {
    const o = outcome('response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc', {
      finish: true,
    });
    assert.equal(o.error, null);
    assert.equal(heads(o)[0]!.keepAlive, false);
    assert.equal(bodyOf(o), 'abc');
    assert.equal(o.events.at(-1)![0], 'complete');
    const chunked = outcome(
      'response',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    assert.equal(bodyOf(chunked), 'abc');
    assert.equal(heads(chunked)[0]!.keepAlive, true);
  });

  test('execute() takes a Content-Length of any length; past 2^53 - 1 the body runs until the stream ends', () => {
    const huge = '123456789012345678901234567890';
    const input = `POST / HTTP/1.1\r\nContent-Length: ${huge}\r\n\r\nsome body`;
    const o = outcome('request', input, { finish: true });
    assert.equal(bodyOf(o), 'some body');
    assert.equal(o.remaining, Number.POSITIVE_INFINITY);
    assertError(o, input.length, 400, /ended inside the body/);
    // Compared as digits, not as numbers that round alike.
    assertError(
      outcome(
        'request',
        'POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\nContent-Length: 99999999999999999998\r\n\r\n',
      ),
      71,
      400,
      /different values/,
    );
    assert.equal(
      outcome(
        'request',
        'POST / HTTP/1.1\r\nContent-Length: 099999999999999999999\r\nContent-Length: 99999999999999999999\r\n\r\n',
      ).error,
      null,
    );
  });

  test('execute() accepts absolute-form, authority-form (CONNECT) and asterisk-form targets', () => {
    const o = outcome(
      'request',
      'GET http://host:8080/path?q HTTP/1.1\r\n\r\nOPTIONS * HTTP/1.1\r\n\r\nCONNECT example.com:443 HTTP/1.1\r\n\r\n',
    );
    assert.deepEqual(
      heads(o).map((h) => [h.method, h.target, h.upgrade]),
      [
        ['GET', 'http://host:8080/path?q', false],
        ['OPTIONS', '*', false],
        ['CONNECT', 'example.com:443', true],
      ],
    );
  });
});

describe('HttpParser.finish()', () => {
  test('finish() reports the first error of a line the stream cut, else where the stream ended', () => {
    assertError(
      outcome('request', 'GET / HTTP/1.1\r\nX: a\x00', { finish: true }),
      20,
      400,
      /0x00/,
    );
    assertError(
      outcome('request', 'GET / HTTP/1.1\r\nX: a', { finish: true }),
      20,
      400,
      /ended inside the head/,
    );
    assert.equal(outcome('request', '\r\n\r\n\r', { finish: true }).error, null);
  });

  test('phase stays idle through empty lines before a message', () => {
    const o = outcome('request', '\r\n\n\r');
    assert.equal(o.phase, 'idle');
    assert.equal(outcome('request', '\r\n\nG').phase, 'head');
  });

  test('head.rawHead holds the head as received from its start line, across pieces', () => {
    const input = '\r\nGET / HTTP/1.1\nHost: x\r\n\r\n';
    const o = outcome('request', input, { captureRawHead: true });
    assert.equal(heads(o)[0]!.rawHead, input.slice(2));
  });
});
