/**
 * socketkit's HTTP parser against three other projects' test corpora, read from
 * ../shared/conformance: llhttp (Node.js's parser), h11 (Python) and httparse (Rust). Every case
 * runs whole and cut into single bytes (llhttp's also with `fields: 'framing'`), and both must
 * agree with the other project: the same accept/reject decision, start line, headers in order,
 * body, trailers, and number of messages.
 *
 * Where another parser accepts what RFC 9112 lets a recipient reject, or rejects what it lets a
 * recipient accept (a lone LF as a line end, §2.2), socketkit may differ on purpose: each such
 * case is listed with its reason, and the test checks that socketkit does what the list says.
 *
 * socketkit gives its verdict on a line when the line's end arrives (or its limit, or the end of
 * the stream), never earlier, so that the verdict cannot depend on how the bytes are cut. Cases
 * whose input stops inside the offending line are therefore also asked `finish()`: an error in
 * the unfinished line counts as a rejection, "the stream ended inside the head" does not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpParseError } from '../src/core/errors.js';
import { HttpParser } from '../src/http/parser.js';
import { type H11Body, type H11Head, h11Available, loadH11Cases } from './_h11-corpus.js';
import { missing } from './_helpers.js';
import { httparseAvailable, loadHttparseCases } from './_httparse-corpus.js';
import {
  type CorpusCase,
  corpusAvailable,
  type ExpectedMessage,
  loadCases,
} from './_llhttp-corpus.js';

// ── a run of the parser over one input, whole or byte by byte ─────────────

interface Message {
  method?: string;
  target?: string;
  status?: number;
  reason?: string;
  version: string;
  headers: Array<[string, string]>;
  trailers: Array<[string, string]>;
  body: Buffer;
  complete: boolean;
}

interface Run {
  /** What execute threw, or finish when the case itself ends the stream. */
  error: HttpParseError | null;
  /** Asked at the end of input when execute threw nothing: an error in the line the input cut. */
  cutError: HttpParseError | null;
  messages: Message[];
  upgraded: boolean;
  /** finish() was part of the case and found the stream cut inside a message. */
  finishUnsafe: boolean;
  /** Stream offsets where execute stopped before the end of a piece, or at a message's end. */
  stops: number[];
  remaining: number;
}

interface RunOptions {
  bytes?: boolean;
  fields?: 'all' | 'framing';
  /** The case ends the stream: finish() is part of it. */
  finish?: boolean;
  /** Responses answer this method (HEAD: no body). */
  method?: string;
}

function run(kind: 'request' | 'response', input: Buffer, options: RunOptions = {}): Run {
  const messages: Message[] = [];
  let current: Message | null = null;
  let completed = false;
  const parser = new HttpParser(
    kind,
    {
      onHead(head) {
        current = {
          version: head.version,
          headers: [...head.headers],
          trailers: [],
          body: Buffer.alloc(0),
          complete: false,
          ...(head.kind === 'request'
            ? { method: head.method, target: head.target }
            : { status: head.status, reason: head.reason }),
        };
        messages.push(current);
      },
      onBody(chunk) {
        current!.body = Buffer.concat([current!.body, chunk]);
      },
      onTrailers(trailers) {
        current!.trailers = [...trailers];
      },
      onComplete() {
        current!.complete = true;
        completed = true;
      },
    },
    { fields: options.fields ?? 'all' },
  );
  const result: Run = {
    error: null,
    cutError: null,
    messages,
    upgraded: false,
    finishUnsafe: false,
    stops: [],
    remaining: 0,
  };
  const pieces = options.bytes
    ? Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1))
    : [input];
  let streamAt = 0;
  try {
    feeding: for (const piece of pieces) {
      let at = 0;
      while (at < piece.length) {
        if (parser.phase === 'upgraded') break feeding;
        if (options.method !== undefined && parser.phase === 'idle')
          parser.expectResponseTo(options.method);
        completed = false;
        at = parser.execute(piece, at);
        if (completed) result.stops.push(streamAt + at);
      }
      streamAt += piece.length;
    }
    result.remaining = parser.remaining;
    if (options.finish) {
      try {
        parser.finish();
      } catch (e) {
        if (!(e instanceof HttpParseError)) throw e;
        result.finishUnsafe = true;
      }
    } else if (parser.phase === 'head' || parser.phase === 'body') {
      // Only asked for a verdict: a body that runs to the close must not be completed by it.
      const complete = messages.map((m) => m.complete);
      try {
        parser.finish();
      } catch (e) {
        if (!(e instanceof HttpParseError)) throw e;
        if (!e.reason.startsWith('The stream ended inside')) result.cutError = e;
      }
      messages.forEach((m, k) => {
        m.complete = complete[k]!;
      });
    }
  } catch (e) {
    if (!(e instanceof HttpParseError)) throw e;
    result.error = e;
  }
  result.upgraded = parser.phase === 'upgraded';
  return result;
}

const rejection = (r: Run): HttpParseError | null => r.error ?? r.cutError;
const verdict = (r: Run): string => {
  const e = rejection(r);
  return e === null ? 'accepts' : `rejects (${e.message}, status ${e.status})`;
};

/** A deliberate difference: what socketkit does instead, and why. */
interface Difference {
  socketkit: 'rejects' | 'accepts' | 'differs';
  /** For rejections: the status socketkit gives. */
  status?: number;
  why: string;
  /** For 'accepts' and 'differs': what socketkit reads, checked too. */
  check?: (whole: Run) => void;
}

function checkDifference(key: string, difference: Difference, r: Run): void {
  const error = rejection(r);
  if (difference.socketkit === 'rejects') {
    assert.ok(error !== null, `${key}: expected socketkit to reject: ${difference.why}`);
    if (difference.status !== undefined) assert.equal(error.status, difference.status, key);
  } else {
    assert.equal(error, null, `${key}: expected socketkit to accept: ${difference.why}`);
  }
  difference.check?.(r);
}

function corpusMissing(name: string): void {
  test('corpus present', (t) => {
    missing(
      t,
      `${name} corpus not found at ../shared/conformance (a fresh clone has no ../shared)`,
    );
  });
}

// ── llhttp ───────────────────────────────────────────────────────────────

/** Cases where socketkit decides differently from llhttp on purpose, keyed "file :: title". */
const LLHTTP_DIFFERENCES: Record<string, Difference> = {
  'response/sample.md :: RTSP response': {
    socketkit: 'rejects',
    why: 'socketkit parses HTTP only; an RTSP status line in answer to an HTTP request is malformed (RFC 9112 §4: HTTP-version is "HTTP/" DIGIT "." DIGIT).',
  },
  'response/sample.md :: ICE response': {
    socketkit: 'rejects',
    why: 'As above: ICE/1.1 is not HTTP.',
  },
  'response/sample.md :: HTTP version 0.9': {
    socketkit: 'rejects',
    status: 505,
    why: 'HTTP/0.9 has no status line (RFC 9112 §2.3 and Appendix C.1), so "HTTP/0.9 200 OK" is no message of any version; socketkit speaks HTTP/1.x only.',
  },
  'request/method.md :: SOURCE request with ICE': {
    socketkit: 'rejects',
    why: 'ICE/1.0 is not an HTTP version; an HTTP server answers 400.',
  },
  'request/method.md :: OPTIONS request with RTSP': {
    socketkit: 'rejects',
    why: 'RTSP/1.0 is not an HTTP version.',
  },
  'request/method.md :: ANNOUNCE request with RTSP': {
    socketkit: 'rejects',
    why: 'RTSP/1.0 is not an HTTP version.',
  },
  'request/invalid.md :: HTTP protocol and ANNOUNCE method': {
    socketkit: 'accepts',
    why: "RFC 9110 §9.1: methods are an open set of tokens; a server that does not know ANNOUNCE answers 501, which is the server's decision, not a parse error.",
  },
  'request/invalid.md :: Invalid method': {
    socketkit: 'accepts',
    why: 'MKCOLA is a valid token, so a valid method by RFC 9110 §9.1 (llhttp only knows a fixed list).',
  },
  'request/invalid.md :: RTSP protocol and PUT method': {
    socketkit: 'rejects',
    why: 'Rejected by both, for a different reason: RTSP/1.0 is not HTTP.',
  },
  'request/method.md :: PRI request HTTP2': {
    socketkit: 'accepts',
    why: 'Both stop HTTP/1 parsing at PRI (the HTTP/2 preface); llhttp stops without reporting the head, socketkit reports the PRI head (marked upgrade) so a server can answer 505 or close.',
    check: (r) => assert.deepEqual([r.upgraded, r.messages[0]?.method], [true, 'PRI']),
  },
  'request/sample.md :: No HTTP version': {
    socketkit: 'rejects',
    why: 'An HTTP/0.9 simple request ("GET /" with no version) is not HTTP/1.1; RFC 9112 §2.3 lets a server refuse it, and socketkit does rather than guess.',
  },
  // A lone LF ends a line (RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line
  // terminator and ignore any preceding CR"), in every line of a message; llhttp (without its
  // lenient flags) insists on CRLF. A bare CR, which §2.2 does not allow, stays an error.
  'response/invalid.md :: Only LFs present and no body': {
    socketkit: 'accepts',
    why: 'A lone LF ends each line (RFC 9112 §2.2).',
    check: (r) => assert.equal(r.messages.length, 1),
  },
  'response/invalid.md :: Only LFs present': {
    socketkit: 'accepts',
    why: 'A lone LF ends each line (RFC 9112 §2.2); the body runs to the close.',
    check: (r) => assert.equal(r.messages[0]?.body.toString(), 'BODY\n'),
  },
  'response/sample.md :: No carriage ret': {
    socketkit: 'accepts',
    why: 'A lone LF ends each line (RFC 9112 §2.2).',
    check: (r) => assert.equal(r.messages[0]?.status, 200),
  },
  'request/invalid.md :: Headers separated by LF': {
    socketkit: 'accepts',
    why: 'A lone LF ends a field line (RFC 9112 §2.2).',
    check: (r) => assert.equal(r.messages.length, 1),
  },
  'request/invalid.md :: Empty headers separated by LF': {
    socketkit: 'accepts',
    why: 'A lone LF ends the empty-valued field line "x:" (RFC 9112 §2.2); Transfer-Encoding on the next line frames the body.',
    check: (r) => assert.deepEqual(r.messages[0]?.headers.at(-1), ['Transfer-Encoding', 'chunked']),
  },
  'request/invalid.md :: Missing CR between headers': {
    socketkit: 'accepts',
    why: 'With a lone LF as a line end (RFC 9112 §2.2), "Content-Length: 23" is a field of its own and frames a 23-byte body. llhttp refuses the input as a smuggling attempt against a front end that would keep "x\\nContent-Length: 23" as one value; RFC 9110 §5.5 forbids that reading (a recipient of LF in a field value rejects it or replaces it with SP), and nginx reads the LF as socketkit does.',
    check: (r) => {
      assert.equal(r.messages.length, 2);
      assert.equal(r.messages[0]!.body.length, 23);
      assert.equal(r.messages[1]!.target, '/admin');
    },
  },
  'request/content-length.md :: Error on `Content-Length` overflow': {
    socketkit: 'accepts',
    why: 'Content-Length = 1*DIGIT (RFC 9110 §8.6), any number of digits; a length beyond 2^53 - 1 cannot be counted exactly or satisfied, so the body runs until the stream ends and finish() reports it cut short (parser.test.ts shows that). The input stops before the empty line, so no head yet.',
    check: (r) => assert.equal(r.messages.length, 0),
  },
  'request/transfer-encoding.md :: POST with `chunked` as last transfer-encoding': {
    socketkit: 'rejects',
    status: 501,
    why: 'RFC 9112 §6.1: a server that receives a transfer coding it does not understand answers 501. socketkit decodes only chunked; llhttp frames the body and leaves "deflate" to its user.',
  },
  'request/transfer-encoding.md :: POST with `chunked` as last transfer-encoding (multiple headers)':
    {
      socketkit: 'rejects',
      status: 501,
      why: 'As above, with the codings on two Transfer-Encoding lines.',
    },
};

/**
 * Cases whose harness asks llhttp for something socketkit's API does not have. They are listed,
 * not silently skipped, and checked to exist.
 */
const LLHTTP_NOT_APPLICABLE: Record<string, string> = {
  'request/content-length.md :: Content-Length reset when no body is received':
    "The harness tells llhttp to skip a request's body. A server cannot: the body must be read to find the next request.",
};

/**
 * llhttp reports header values as raw spans, trailing whitespace included; the field value
 * excludes it (RFC 9110 §5.5), so both sides are compared without it. llhttp's log puts
 * trailers among the headers.
 */
const showLlhttp = (m: ExpectedMessage) => ({
  method: m.method,
  url: m.url,
  status: m.status,
  version: m.version,
  headers: m.headers.map(([n, v]) => [n, v.replace(/[ \t]+$/, '')]),
  body: m.body.toString('latin1'),
  complete: m.complete,
});

const asLlhttp = (m: Message): ExpectedMessage => ({
  method: m.method,
  url: m.target,
  status: m.status,
  version: m.version,
  headers: [...m.headers, ...m.trailers],
  body: m.body,
  headComplete: true,
  complete: m.complete,
});

const FRAMING_FIELDS = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade']);

/** A message as the framing-only mode reports it: only the fields that frame messages. */
function framingOnly(m: ExpectedMessage): ExpectedMessage {
  return { ...m, headers: m.headers.filter(([name]) => FRAMING_FIELDS.has(name.toLowerCase())) };
}

function checkLlhttp(c: CorpusCase, r: Run, framing = false): void {
  const key = `${c.file} :: ${c.title}`;
  const difference = LLHTTP_DIFFERENCES[key];
  if (difference) {
    checkDifference(key, difference, r);
    return;
  }
  // llhttp "pauses" on CONNECT and Upgrade: the message is accepted and HTTP stops there.
  const llhttpPaused = c.error !== null && /^Pause on /.test(c.error);
  const llhttpRejects = c.error !== null && !llhttpPaused;
  assert.equal(
    rejection(r) !== null,
    llhttpRejects,
    `${key}: llhttp ${llhttpRejects ? `rejects (${c.error})` : 'accepts'}, socketkit ${verdict(r)}`,
  );
  if (llhttpPaused)
    assert.ok(r.upgraded, `${key}: llhttp stops HTTP here (${c.error}); so must socketkit`);
  if (c.type.endsWith('-finish')) assert.equal(r.finishUnsafe, c.finishUnsafe, `${key}: finish`);
  if (llhttpRejects) return;
  const expected = c.messages
    .filter((m) => m.headComplete)
    .map((m) => (framing ? framingOnly(m) : m));
  assert.deepEqual(r.messages.map(asLlhttp).map(showLlhttp), expected.map(showLlhttp), key);
}

const llhttpPresent = corpusAvailable();

for (const kind of ['response', 'request'] as const) {
  describe(`llhttp ${kind} corpus`, () => {
    if (!llhttpPresent) {
      corpusMissing('llhttp');
      return;
    }
    const cases = loadCases(kind).filter(
      (c) =>
        (c.type === kind || c.type === `${kind}-finish`) &&
        c.meta.pause === undefined &&
        !(`${c.file} :: ${c.title}` in LLHTTP_NOT_APPLICABLE),
    );
    test('has cases', () => assert.ok(cases.length > 40, `only ${cases.length} cases`));
    for (const c of cases) {
      test(`${c.file} :: ${c.title}`, () => {
        const finish = c.type.endsWith('-finish');
        // skipBody: the harness says these responses answer HEAD, which socketkit learns per response.
        const method = c.meta.skipBody ? 'HEAD' : undefined;
        for (const fields of ['all', 'framing'] as const) {
          const whole = run(kind, c.input, { fields, finish, method });
          const bytes = run(kind, c.input, { fields, finish, method, bytes: true });
          checkLlhttp(c, whole, fields === 'framing');
          // The same input cut into single bytes must give the same result, to the error offset.
          assert.deepEqual(bytes, whole, `${c.file} :: ${c.title}: byte by byte`);
        }
      });
    }
  });
}

test('every listed llhttp difference names a case that exists', {
  skip: !llhttpPresent && 'llhttp corpus not found',
}, () => {
  const keys = new Set(
    [...loadCases('request'), ...loadCases('response')].map((c) => `${c.file} :: ${c.title}`),
  );
  for (const key of [...Object.keys(LLHTTP_DIFFERENCES), ...Object.keys(LLHTTP_NOT_APPLICABLE)])
    assert.ok(keys.has(key), key);
});

// ── h11 ──────────────────────────────────────────────────────────────────

const H11_DIFFERENCES: Record<string, Difference> = {
  'h11-test_readers_unusual-L264': {
    socketkit: 'rejects',
    status: 400,
    why: 'obs-fold in a request: RFC 9112 §5.2 lets a server reject it (400) or unfold it; socketkit rejects, since a proxy that unfolds and one that does not read different fields. h11 unfolds.',
  },
  'h11-test_allow_some_garbage_in_cookies-L561': {
    socketkit: 'rejects',
    status: 400,
    why: 'A control character (0x01) in a field value is not field-vchar (RFC 9110 §5.5); socketkit refuses every control but HTAB. h11 tolerates it in cookies.',
  },
  'h11-test_ChunkedReader-L456': {
    socketkit: 'rejects',
    status: 400,
    why: 'Whitespace after a chunk size with no extension after it: RFC 9112 §7.1.1 allows BWS only before ";" (llhttp rejects it too, "Space after chunk header").',
  },
};

/** The head h11 expects, in socketkit's terms (names compared lowercased, as h11 does). */
function h11Head(e: H11Head) {
  return {
    method: e.method,
    target: e.target,
    status: e.status_code,
    reason: e.reason,
    version: e.http_version ?? '1.1',
    headers: e.headers.map(([n, v]) => [n.toLowerCase(), v]),
  };
}

function ourHead(m: Message | undefined) {
  return m === undefined
    ? undefined
    : {
        method: m.method,
        target: m.target,
        status: m.status,
        reason: m.reason,
        version: m.version,
        headers: m.headers.map(([n, v]) => [n.toLowerCase(), v]),
      };
}

/** A body case runs behind a response head that gives it the framing it names. */
function h11BodyHead(framing: string): string {
  if (framing === 'chunked') return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  if (framing.startsWith('length:'))
    return `HTTP/1.1 200 OK\r\nContent-Length: ${framing.slice(7)}\r\n\r\n`;
  return 'HTTP/1.0 200 OK\r\n\r\n';
}

describe('h11 corpus', () => {
  if (!h11Available()) {
    corpusMissing('h11');
    return;
  }
  const cases = loadH11Cases();
  test('has cases', () => assert.ok(cases.length >= 40, `only ${cases.length} cases`));
  for (const c of cases) {
    test(c.id, () => {
      const body = c.kind === 'body';
      const kind = c.kind === 'request' ? 'request' : 'response';
      const input = body
        ? Buffer.concat([Buffer.from(h11BodyHead(c.framing!), 'latin1'), c.input])
        : c.input;
      const options: RunOptions = { finish: body && c.do_eof === true };
      const whole = run(kind, input, options);
      assert.deepEqual(
        run(kind, input, { ...options, bytes: true }),
        whole,
        `${c.id}: byte by byte`,
      );
      const difference = H11_DIFFERENCES[c.id];
      if (difference) {
        checkDifference(c.id, difference, whole);
        return;
      }
      if ('error' in c.expected) {
        assert.ok(rejection(whole) !== null, `${c.id}: h11 rejects, socketkit ${verdict(whole)}`);
        return;
      }
      assert.equal(rejection(whole), null, `${c.id}: h11 accepts, socketkit ${verdict(whole)}`);
      if (!body) {
        assert.deepEqual(ourHead(whole.messages[0]), h11Head(c.expected as H11Head), c.id);
        return;
      }
      const events = (c.expected as H11Body).events;
      const end = events.find((e) => e.event === 'EndOfMessage');
      const message = whole.messages[0]!;
      assert.equal(
        message.body.toString('latin1'),
        events.map((e) => (e.event === 'Data' ? e.data : '')).join(''),
        `${c.id}: body`,
      );
      assert.equal(message.complete, end !== undefined, `${c.id}: complete`);
      if (end?.event === 'EndOfMessage')
        assert.deepEqual(message.trailers, end.headers ?? [], `${c.id}: trailers`);
    });
  }
  test('every listed h11 difference names a case that exists', () => {
    const ids = new Set(cases.map((c) => c.id));
    for (const id of Object.keys(H11_DIFFERENCES)) assert.ok(ids.has(id), id);
  });
});

// ── httparse ─────────────────────────────────────────────────────────────

const obsFoldInResponse: Difference = {
  socketkit: 'accepts',
  why: 'obs-fold in a response: RFC 9112 §5.2 has a user agent replace it with SP, as socketkit does (a continuation of only whitespace adds nothing); httparse refuses it unless configured to allow it.',
  check: (r) => assert.equal(r.messages[0]?.headers[0]?.[0], 'Line-Folded-Header'),
};

const HTTPARSE_DIFFERENCES: Record<string, Difference> = {
  'httparse-test_forbid_response_with_obsolete_line_folding_at_start': {
    ...obsFoldInResponse,
    check: (r) => assert.deepEqual(r.messages[0]?.headers, [['Line-Folded-Header', 'hello there']]),
  },
  'httparse-test_forbid_response_with_obsolete_line_folding_at_end': {
    ...obsFoldInResponse,
    check: (r) => assert.deepEqual(r.messages[0]?.headers, [['Line-Folded-Header', 'hello there']]),
  },
  'httparse-test_forbid_response_with_obsolete_line_folding_in_middle': {
    ...obsFoldInResponse,
    check: (r) => assert.deepEqual(r.messages[0]?.headers, [['Line-Folded-Header', 'hello there']]),
  },
  'httparse-test_forbid_response_with_obsolete_line_folding_in_empty_header': {
    ...obsFoldInResponse,
    check: (r) => assert.deepEqual(r.messages[0]?.headers, [['Line-Folded-Header', '']]),
  },
  'httparse-test_response_reason_with_obsolete_text_byte': {
    socketkit: 'differs',
    why: 'The reason phrase may hold obs-text (RFC 9112 §4); httparse accepts the line but reports no reason because its reason is a str, socketkit reports the bytes as Latin-1.',
    check: (r) => assert.equal(r.messages[0]?.reason, 'X\xffZ'),
  },
  'httparse-test_chunk_size-3': {
    socketkit: 'rejects',
    status: 400,
    why: '"3735AB1;foo bar*": after the extension name "foo", RFC 9112 §7.1.1 allows only "=", ";" or the line end (with BWS); "bar*" is no part of any chunk-ext. httparse skips extensions without parsing them.',
  },
  'httparse-test_chunk_size-10': {
    socketkit: 'rejects',
    status: 400,
    why: 'A chunk of 2^64 - 1 bytes: socketkit counts lengths in JavaScript numbers, exact only up to 2^53 - 1, and refuses a larger chunk size rather than miscount it (no socket can carry such a chunk).',
  },
};

describe('httparse corpus', () => {
  if (!httparseAvailable()) {
    corpusMissing('httparse');
    return;
  }
  const cases = loadHttparseCases();
  test('has cases', () => assert.ok(cases.length >= 60, `only ${cases.length} cases`));
  const CHUNKED_HEAD = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (const c of cases) {
    test(c.id, () => {
      const kind = c.kind === 'request' ? 'request' : 'response';
      const chunkLine = c.kind === 'chunk_size';
      const input = chunkLine ? Buffer.concat([CHUNKED_HEAD, c.input]) : c.input;
      // A response to HEAD ends with its head, so where execute stops is where the head ends.
      const options: RunOptions = chunkLine ? {} : { method: 'HEAD' };
      const whole = run(kind, input, options);
      assert.deepEqual(
        run(kind, input, { ...options, bytes: true }),
        whole,
        `${c.id}: byte by byte`,
      );
      const difference = HTTPARSE_DIFFERENCES[c.id];
      if (difference) {
        checkDifference(c.id, difference, whole);
        return;
      }
      const e = c.expected;
      if (e.error !== undefined) {
        assert.ok(
          rejection(whole) !== null,
          `${c.id}: httparse rejects (${e.error}), socketkit ${verdict(whole)}`,
        );
        return;
      }
      assert.equal(
        rejection(whole),
        null,
        `${c.id}: httparse accepts, socketkit ${verdict(whole)}`,
      );
      if (chunkLine) {
        // The chunk's bytes after the line are body; what is left of the chunk is `remaining`.
        const after = c.input.length - (e.complete ?? c.input.length);
        if (e.complete !== undefined)
          assert.equal(whole.remaining + after, e.chunk_size, `${c.id}: chunk size`);
        else assert.equal(whole.messages[0]?.body.length, 0, `${c.id}: nothing taken yet`);
        return;
      }
      const message = whole.messages[0];
      if (e.partial) {
        assert.equal(message, undefined, `${c.id}: the head is not complete yet`);
        return;
      }
      assert.ok(message !== undefined, `${c.id}: no head`);
      assert.deepEqual(whole.stops, [e.complete], `${c.id}: where the head ends`);
      if (e.method !== undefined) assert.equal(message.method, e.method);
      if (e.path !== undefined) assert.equal(message.target, e.path);
      if (e.version !== undefined) assert.equal(message.version, `1.${e.version}`);
      if (e.code !== undefined) assert.equal(message.status, e.code);
      if (e.reason !== undefined) assert.equal(message.reason, e.reason);
      if (e.headers !== undefined)
        assert.deepEqual(
          message.headers,
          e.headers.map((h) => [h.name, h.value]),
        );
    });
  }
  test('every listed httparse difference names a case that exists', () => {
    const ids = new Set(cases.map((c) => c.id));
    for (const id of Object.keys(HTTPARSE_DIFFERENCES)) assert.ok(ids.has(id), id);
  });
});
