/**
 * socketkit's HTTP parser against llhttp's own test corpus (Node.js's parser), read from
 * ../shared/conformance/llhttp: for each request and response case, the same accept/reject
 * decision, start line, headers in order, body, and number of messages.
 *
 * Where llhttp accepts something RFC 9112 lets a recipient reject, or speaks protocols that
 * are not HTTP, socketkit may differ on purpose: each such case is listed in DIFFERENCES with
 * its reason, and the test checks that socketkit does what the list says.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpParseError } from '../src/core/errors.js';
import { HttpParser } from '../src/http/parser.js';
import { missing } from './_helpers.js';
import {
  type CorpusCase,
  corpusAvailable,
  type ExpectedMessage,
  loadCases,
} from './_llhttp-corpus.js';

/** Cases where socketkit decides differently from llhttp on purpose, keyed "file :: title". */
const DIFFERENCES: Record<string, { socketkit: 'rejects' | 'accepts'; why: string }> = {
  'response/sample.md :: RTSP response': {
    socketkit: 'rejects',
    why: 'socketkit parses HTTP only; an RTSP status line in answer to an HTTP request is malformed (RFC 9112 §4: HTTP-version is "HTTP/" DIGIT "." DIGIT).',
  },
  'response/sample.md :: ICE response': {
    socketkit: 'rejects',
    why: 'As above: ICE/1.1 is not HTTP.',
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
  },
  'request/sample.md :: No HTTP version': {
    socketkit: 'rejects',
    why: 'An HTTP/0.9 simple request ("GET /" with no version) is not HTTP/1.1; RFC 9112 §2.3 lets a server refuse it, and socketkit does rather than guess.',
  },
};

interface Observed {
  error: HttpParseError | null;
  messages: ExpectedMessage[];
  upgraded: boolean;
  finishUnsafe: boolean;
}

/**
 * Cases whose harness asks llhttp for something socketkit's API does not have. They are listed,
 * not silently skipped, and checked to exist.
 */
const NOT_APPLICABLE: Record<string, string> = {
  'request/content-length.md :: Content-Length reset when no body is received':
    "The harness tells llhttp to skip a request's body. A server cannot: the body must be read to find the next request.",
};

function runParser(
  c: CorpusCase,
  kind: 'request' | 'response',
  pieces: number[] = [],
  fields: 'all' | 'framing' = 'all',
): Observed {
  const messages: ExpectedMessage[] = [];
  let current: ExpectedMessage | null = null;
  const parser = new HttpParser(
    kind,
    {
      onHead(head) {
        current = {
          headers: [...head.headers],
          body: Buffer.alloc(0),
          version: head.version,
          headComplete: true,
          complete: false,
          ...(head.kind === 'request'
            ? { method: head.method, url: head.target }
            : { status: head.status }),
        };
        messages.push(current);
      },
      onBody(chunk) {
        current!.body = Buffer.concat([current!.body, chunk]);
      },
      onTrailers(trailers) {
        current!.headers.push(...trailers);
      },
      onComplete() {
        current!.complete = true;
      },
    },
    { fields },
  );
  let error: HttpParseError | null = null;
  let finishUnsafe = false;
  try {
    // Feed in the given pieces (or whole), resuming after each complete message.
    const cuts = [...pieces.filter((p) => p > 0 && p < c.input.length), c.input.length];
    let start = 0;
    for (const cut of cuts) {
      const chunk = c.input.subarray(start, cut);
      let at = 0;
      while (at < chunk.length && parser.phase !== 'upgraded') {
        // skipBody: the harness says these responses answer HEAD, which socketkit learns per response.
        if (c.meta.skipBody && parser.phase === 'idle') parser.expectResponseTo('HEAD');
        at = parser.execute(chunk, at);
      }
      start = cut;
    }
    if (c.type.endsWith('-finish')) {
      try {
        parser.finish();
      } catch (e) {
        if (!(e instanceof HttpParseError)) throw e;
        finishUnsafe = true;
      }
    }
  } catch (e) {
    if (!(e instanceof HttpParseError)) throw e;
    error = e;
  }
  return { error, messages, upgraded: parser.phase === 'upgraded', finishUnsafe };
}

/**
 * llhttp reports header values as raw spans, trailing whitespace included; the field value
 * excludes it (RFC 9110 §5.5), so both sides are compared without it.
 */
const show = (m: ExpectedMessage) => ({
  method: m.method,
  url: m.url,
  status: m.status,
  version: m.version,
  headers: m.headers.map(([n, v]) => [n, v.replace(/[ \t]+$/, '')]),
  body: m.body.toString('latin1'),
  complete: m.complete,
});

const FRAMING_FIELDS = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade']);

/** A message as the framing-only mode reports it: only the fields that frame messages. */
function framingOnly(m: ExpectedMessage): ExpectedMessage {
  return { ...m, headers: m.headers.filter(([name]) => FRAMING_FIELDS.has(name.toLowerCase())) };
}

function check(
  c: CorpusCase,
  kind: 'request' | 'response',
  observed: Observed,
  framing = false,
): void {
  const key = `${c.file} :: ${c.title}`;
  const difference = DIFFERENCES[key];
  // llhttp "pauses" on CONNECT and Upgrade: the message is accepted and HTTP stops there.
  const llhttpPaused = c.error !== null && /^Pause on /.test(c.error);
  const llhttpRejects = c.error !== null && !llhttpPaused;
  if (difference) {
    assert.equal(
      observed.error !== null,
      difference.socketkit === 'rejects',
      `${key}: ${difference.why}`,
    );
    return;
  }
  assert.equal(
    observed.error !== null,
    llhttpRejects,
    `${key}: llhttp ${llhttpRejects ? `rejects (${c.error})` : 'accepts'}, socketkit ${observed.error ? `rejects (${observed.error.message})` : 'accepts'}`,
  );
  if (llhttpPaused)
    assert.ok(observed.upgraded, `${key}: llhttp stops HTTP here (${c.error}); so must socketkit`);
  if (c.type.endsWith('-finish'))
    assert.equal(observed.finishUnsafe, c.finishUnsafe, `${key}: finish`);
  if (llhttpRejects) return;
  const expected = c.messages
    .filter((m) => m.headComplete)
    .map((m) => (framing ? framingOnly(m) : m));
  assert.deepEqual(observed.messages.map(show), expected.map(show), key);
  void kind;
}

const available = corpusAvailable();

for (const kind of ['response', 'request'] as const) {
  describe(`llhttp ${kind} corpus`, () => {
    if (!available) {
      test('corpus present', (t) => {
        missing(
          t,
          'llhttp corpus not found at ../shared/conformance/llhttp (a fresh clone has no ../shared)',
        );
      });
      return;
    }
    const cases = loadCases(kind).filter(
      (c) =>
        (c.type === kind || c.type === `${kind}-finish`) &&
        c.meta.pause === undefined &&
        !(`${c.file} :: ${c.title}` in NOT_APPLICABLE),
    );
    test('has cases', () => assert.ok(cases.length > 40, `only ${cases.length} cases`));
    for (const c of cases) {
      test(`${c.file} :: ${c.title}`, () => {
        check(c, kind, runParser(c, kind));
        // The same input cut into single bytes must give the same result.
        check(
          c,
          kind,
          runParser(
            c,
            kind,
            Array.from({ length: c.input.length }, (_, i) => i),
          ),
        );
        // Keeping only the framing fields must frame every message the same way, whole or cut.
        check(c, kind, runParser(c, kind, [], 'framing'), true);
        check(
          c,
          kind,
          runParser(
            c,
            kind,
            Array.from({ length: c.input.length }, (_, i) => i),
            'framing',
          ),
          true,
        );
      });
    }
  });
}

test('every listed difference names a case that exists', {
  skip: !available && 'llhttp corpus not found',
}, () => {
  const keys = new Set(
    [...loadCases('request'), ...loadCases('response')].map((c) => `${c.file} :: ${c.title}`),
  );
  for (const key of [...Object.keys(DIFFERENCES), ...Object.keys(NOT_APPLICABLE)])
    assert.ok(keys.has(key), key);
});
