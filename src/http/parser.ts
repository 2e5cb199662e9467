/**
 * An incremental HTTP/1.1 message parser (RFC 9112), for requests and
 * responses, written for socketkit's sockets.
 *
 * Feed it bytes as they arrive with `execute(chunk)`; it calls its
 * handler with the head, each piece of body (views into the input, never
 * copies) and the end of each message, and stops after each message so a
 * server can answer pipelined requests one at a time and leave the rest in
 * the socket's bounded buffer.
 *
 * It is strict where leniency lets two parsers disagree about where a
 * message ends (request smuggling, RFC 9112 §6.3 and §11.2): Content-Length
 * together with Transfer-Encoding, differing Content-Lengths, chunk sizes
 * that are not hex or overflow, bare CR, NUL and other controls, whitespace
 * before a header's colon. Each is an `HttpParseError` with the byte offset
 * and a reason. A lone LF ends a line as CRLF does (RFC 9112 §2.2). obs-fold
 * is rejected in requests and, in responses, replaced by a space as RFC 9112
 * §5.2 asks of a user agent. The head is limited in size (64 KiB by
 * default), and so are the trailer section and chunk extensions.
 *
 * ## How it reads bytes, and why the answer cannot depend on how they are cut
 *
 * Everything outside a body is a sequence of lines, and each kind of line
 * has one function that states its rule (`_line-rules.ts`): it scans a
 * line left to right and says "ends at this LF", "need more bytes", or "the
 * first wrong byte is here". There is no byte-at-a-time state machine and
 * no second fast path restating the rules, so nothing can decide
 * differently for a cut line than for a whole one:
 *
 * ```
 *   chunk 1: "GET /a HTTP/1.1\r\nHost: x\r\nUser-Ag"   chunk 2: "ent: y\r\n\r\n"
 *             └─ rule, in place ─┘└ in place ┘└ kept ┘          └ LF found by indexOf ┘
 *                                               └──── kept + new bytes: rule, once ────┘
 * ```
 *
 * - A line whole in the chunk is scanned in place by its rule.
 * - A line the chunk cuts is copied aside; later chunks are only searched
 *   for its LF (`indexOf`, each byte once), and when the LF comes the rule
 *   runs once over the gathered line. Gathering is bounded by the line's
 *   limit, so this is linear however small the pieces.
 * - Every line has a limit: the byte offset it must not reach. For the head
 *   that is the message's first byte (empty lines before the start line
 *   included) plus `maxHeadSize`, so a head of exactly `maxHeadSize` bytes
 *   passes and one more byte fails; for trailers, their first byte plus
 *   `maxHeadSize`; for a chunk-size line, 16 digits plus
 *   `maxChunkExtensionSize` plus the line end. When the bytes reach the
 *   limit before the line ends, the same rule checks the part within the
 *   limit: its first error wins, else the limit's error, at the limit's
 *   offset.
 * - A line's verdict is given when its LF arrives, or its limit byte does,
 *   or the stream ends (`finish`); never earlier, even when the error is in
 *   view, because a line still open in one cut would be judged in another.
 *   So the same bytes give the same events and the same error (reason,
 *   offset, status) in any pieces, at the same byte of the input.
 * - Bodies (Content-Length, chunk data, to the close) are never scanned:
 *   they are handed out as views of the input.
 *
 * @module
 */

import { HttpParseError } from '../core/errors.js';
import {
  CR,
  fail,
  HT,
  INVALID,
  LF,
  LineParts,
  MAX_CHUNK_SIZE_DIGITS,
  NEED_MORE,
  SP,
  scanChunkDataEnd,
  scanChunkSizeLine,
  scanEmptyLine,
  scanFieldLine,
  scanRequestLine,
  scanStatusLine,
  TOKEN,
} from './_line-rules.js';
import { HttpHeaders } from './headers.js';

/** What is being parsed. */
export type MessageKind = 'request' | 'response';

/** The parts of a message head that requests and responses share. */
export interface MessageHead {
  /** `"1.1"` or `"1.0"`; a later HTTP/1.x is read as 1.1 (RFC 9112 §2.5). */
  version: string;
  /** The header fields in the order they came, names as sent; `get()` looks them up in any case. */
  headers: HttpHeaders;
  /**
   * Whether the connection may carry another message after this one: false after
   * `Connection: close` (or HTTP/1.0 without keep-alive) and for a body that runs to the close.
   */
  keepAlive: boolean;
  /** The connection leaves HTTP after this message (CONNECT, a granted Upgrade, 101). */
  upgrade: boolean;
  /** The head's bytes exactly as received, when the parser was asked to keep them. */
  rawHead?: Buffer;
}

/**
 * A request's head: its request line and header fields, as a server reads them.
 *
 * @example The head of a request, parsed
 * ```ts
 * import { HttpParser, type RequestHead } from 'socketkit/http';
 * let head: RequestHead | undefined;
 * const parser = new HttpParser('request', {
 *   onHead: (h) => {
 *     if (h.kind === 'request') head = h;
 *   },
 *   onBody: () => {},
 *   onComplete: () => {},
 * });
 * parser.execute(Buffer.from('GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n'));
 * console.log(head?.method, head?.target, head?.headers.get('host')); // GET /index.html?x=1 example.com
 * ```
 */
export interface RequestHead extends MessageHead {
  /** Tells a request's head from a response's. */
  kind: 'request';
  /** The method as sent (RFC 9110 §9: case-sensitive, `GET`, `POST`, …). */
  method: string;
  /** The request-target as sent: `/path?query`, `http://host/…`, `host:port` or `*`. */
  target: string;
}

/**
 * A response's head: its status line and header fields, as a client reads them.
 *
 * @example The status of a response, parsed
 * ```ts
 * import { HttpParser, type ResponseHead } from 'socketkit/http';
 * let head: ResponseHead | undefined;
 * const parser = new HttpParser('response', {
 *   onHead: (h) => {
 *     if (h.kind === 'response') head = h;
 *   },
 *   onBody: () => {},
 *   onComplete: () => {},
 * });
 * parser.execute(Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
 * console.log(head?.status, head?.reason); // 404 Not Found
 * ```
 */
export interface ResponseHead extends MessageHead {
  /** Tells a response's head from a request's. */
  kind: 'response';
  /** The three-digit status code (RFC 9110 §15). */
  status: number;
  /** The reason phrase as sent, possibly empty; it carries no meaning (RFC 9112 §4). */
  reason: string;
}

/** Receives what the parser finds, synchronously, during `execute` and `finish`. */
export interface ParserHandler {
  /** A whole head has been parsed (before any of its body); 1xx interim responses come here too. */
  onHead(head: RequestHead | ResponseHead): void;
  /** A piece of body: a view into the chunk given to `execute`; copy it to keep it. */
  onBody(chunk: Buffer): void;
  /** The trailer fields of a chunked message, when it has any. */
  onTrailers?(trailers: HttpHeaders): void;
  /** The message is complete: its body (if any) and trailers have all been reported. */
  onComplete(): void;
}

/** Limits and options. */
export interface ParserOptions {
  /**
   * The most bytes of a head, from the message's first byte (empty lines before the start line
   * included) through the empty line that ends it; separately, of a trailer section. Default 64 KiB.
   */
  maxHeadSize?: number;
  /**
   * The most header fields (an obs-fold line is part of its field's), and separately of
   * trailer fields. Default 256.
   */
  maxHeaders?: number;
  /** The most bytes after the size on one chunk-size line (its extensions). Default 4 KiB. */
  maxChunkExtensionSize?: number;
  /** Keep each head's raw bytes in `head.rawHead`. Default `false`. */
  captureRawHead?: boolean;
  /**
   * `'framing'`: keep only the fields that frame messages (Content-Length,
   * Transfer-Encoding, Connection, Upgrade) in `head.headers` and in
   * trailers; the others are checked and counted as usual but never turned
   * into strings. For callers that only need to find where messages end
   * (a load generator).
   * Default `'all'`.
   */
  fields?: 'all' | 'framing';
}

/** How far a stream had got when it ended, for callers that report it. */
export type ParserPhase = 'idle' | 'head' | 'body' | 'upgraded' | 'closed';

// ── states ───────────────────────────────────────────────────────────────

/**
 * Where the parser is. The first five read lines; the rest take bodies or refuse bytes. An
 * object literal of numbers rather than a TypeScript enum: V8 folds its constant fields, not an
 * enum's (measured: 1.5% of the instructions spent on a small response).
 */
const S = {
  /** Before a message: empty lines, then the request or status line. */
  StartLine: 0,
  Fields: 1,
  Trailers: 2,
  ChunkSize: 3,
  /** The line end after a chunk's data. */
  ChunkDataEnd: 4,
  BodyLength: 5,
  ChunkData: 6,
  BodyClose: 7,
  Upgraded: 8,
  Closed: 9,
  Failed: 10,
} as const;
type S = (typeof S)[keyof typeof S];

const EMPTY = Buffer.alloc(0);
const EXPECTED_LF_AFTER_HEADERS = 'Expected LF after headers';

/**
 * Parses a stream of HTTP messages of one kind.
 *
 * @example Parsing a response that arrives in pieces
 * ```ts
 * import { HttpParser } from 'socketkit/http';
 * const body: Buffer[] = [];
 * const parser = new HttpParser('response', {
 *   onHead: (head) => console.log(head.kind === 'response' && head.status), // 200
 *   onBody: (chunk) => body.push(Buffer.from(chunk)),
 *   onComplete: () => console.log(Buffer.concat(body).toString()), // hello
 * });
 * for (const piece of ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chu', 'nked\r\n\r\n5\r\nhel', 'lo\r\n0\r\n\r\n']) {
 *   parser.execute(Buffer.from(piece));
 * }
 * ```
 */
export class HttpParser {
  /** Whether this parser reads requests or responses. */
  readonly kind: MessageKind;
  readonly #handler: ParserHandler;
  readonly #maxHeadSize: number;
  readonly #maxHeaders: number;
  readonly #maxExtension: number;
  readonly #captureRaw: boolean;
  readonly #framingOnly: boolean;
  readonly #parts = new LineParts();

  #state: S = S.StartLine;
  /** Bytes of the stream consumed by earlier `execute` calls. */
  #consumed = 0;
  /** Stream offset of byte 0 of the chunk being parsed. */
  #origin = 0;
  /** The chunk being parsed (for the raw head), only during `execute`. */
  #chunk: Buffer = EMPTY;
  /** A message ended in this step: `execute` returns. */
  #done = false;

  // A line cut by the end of a chunk, gathered until its LF or its limit arrives.
  #pending: Buffer = EMPTY;
  #pendingLength = 0;
  /** Stream offset of the pending line's first byte. */
  #lineStart = 0;
  /** Stream offset of the first byte of this head (or trailer section); -1 before a message. */
  #sectionStart = -1;

  // The head (or trailer section) under construction.
  #method = '';
  #target = '';
  #version = '1.1';
  #status = 0;
  #reason = '';
  #fields: Array<[string, string]> = [];
  /** Fields in this head or trailer section, kept or not (framing-only mode skips some). */
  #fieldCount = 0;
  /** The last field was skipped: a folded line continues nothing kept. */
  #lastSkipped = false;
  /** The last field was Content-Length: a folded line may not change a framing length. */
  #lastIsLength = false;
  /** The Content-Length digits without leading zeros, or null for none yet. */
  #lengthDigits: string | null = null;
  /** Where the raw head starts in the current chunk, -1 when not capturing one. */
  #rawStart = -1;
  #rawParts: Buffer[] = [];

  // Framing of the current message.
  #keepAlive = true;
  #upgrade = false;
  #remaining = 0;
  /** The request method a response answers (responses to HEAD have no body). */
  #requestMethod = 'GET';

  constructor(kind: MessageKind, handler: ParserHandler, options: ParserOptions = {}) {
    this.kind = kind;
    this.#handler = handler;
    this.#maxHeadSize = options.maxHeadSize ?? 64 * 1024;
    this.#maxHeaders = options.maxHeaders ?? 256;
    this.#maxExtension = options.maxChunkExtensionSize ?? 4096;
    this.#captureRaw = options.captureRawHead ?? false;
    this.#framingOnly = options.fields === 'framing';
  }

  /** For a response parser: the method of the request the next response answers. */
  expectResponseTo(method: string): void {
    this.#requestMethod = method.toUpperCase();
  }

  /** Where the parser is: between messages, in a head, in a body, or done with HTTP. */
  get phase(): ParserPhase {
    switch (this.#state) {
      case S.StartLine:
        // Empty lines (and a CR that may begin one) come before a message, not inside it.
        return this.#pendingLength === 0 || (this.#pendingLength === 1 && this.#pending[0] === CR)
          ? 'idle'
          : 'head';
      case S.Fields:
        return 'head';
      case S.Upgraded:
        return 'upgraded';
      case S.Closed:
      case S.Failed:
        return 'closed';
      default:
        return 'body';
    }
  }

  /**
   * Bytes of body still expected for a Content-Length body (or the current
   * chunk); `Infinity` for a Content-Length too large to count exactly.
   */
  get remaining(): number {
    return this.#remaining;
  }

  /**
   * Parses `chunk` from `offset` on. Returns the offset where it stopped:
   * the end of the chunk, or just past a complete message (call again with
   * that offset for the next one), or the first byte after HTTP ended
   * (upgrade).
   *
   * @throws {HttpParseError} the bytes break HTTP/1.1; `offset` says where, `status` what a server should answer.
   */
  execute(chunk: Buffer, offset = 0): number {
    const end = chunk.length;
    let i = offset;
    this.#origin = this.#consumed - offset;
    this.#chunk = chunk;
    if (this.#rawStart >= 0) this.#rawStart = offset;
    try {
      while (i < end) {
        const state = this.#state;
        if (state <= S.ChunkDataEnd) {
          i =
            this.#pendingLength === 0
              ? this.#lines(chunk, i, end)
              : this.#restOfLine(chunk, i, end);
        } else if (state === S.BodyLength) {
          i = this.#lengthBody(chunk, i, end);
        } else if (state === S.ChunkData) {
          i = this.#chunkData(chunk, i, end);
        } else if (state === S.BodyClose) {
          this.#handler.onBody(chunk.subarray(i, end));
          i = end;
        } else if (state === S.Upgraded) {
          return this.#stop(i, offset);
        } else if (state === S.Closed) {
          throw new HttpParseError('Data after `Connection: close`', this.#origin + i, 400);
        } else {
          throw new HttpParseError(
            'The parser already failed on this stream',
            this.#origin + i,
            400,
          );
        }
        if (this.#done) {
          this.#done = false;
          return this.#stop(i, offset);
        }
      }
      // The chunk ended inside a head that is being kept: copy its part (chunks may be reused).
      if (this.#rawStart >= 0)
        this.#rawParts.push(Buffer.from(chunk.subarray(this.#rawStart, end)));
      return this.#stop(end, offset);
    } catch (error) {
      this.#state = S.Failed;
      this.#pendingLength = 0;
      this.#chunk = EMPTY;
      throw error;
    }
  }

  /**
   * The stream has ended. Completes a body that runs to the end of the
   * stream; anywhere else inside a message it is an error: the first error
   * in a line the stream cut short, else that the stream ended there.
   *
   * @throws {HttpParseError} the stream ended inside a head or a body of known length.
   */
  finish(): void {
    const state = this.#state;
    if (state === S.BodyClose) {
      this.#complete();
      this.#done = false;
      return;
    }
    if (state >= S.Upgraded || this.phase === 'idle') return;
    const where = this.phase === 'body' ? 'the body' : 'the head';
    const cut = this.#pendingLength > 0 && this.#scan(this.#pending, 0, this.#pendingLength);
    this.#state = S.Failed;
    this.#pendingLength = 0;
    if (cut === INVALID) throw this.#lineError(this.#lineStart);
    throw new HttpParseError(
      `The stream ended inside ${where} of the message`,
      this.#consumed,
      400,
    );
  }

  // ── lines ──────────────────────────────────────────────────────────────

  #stop(i: number, offset: number): number {
    this.#consumed += i - offset;
    this.#chunk = EMPTY;
    return i;
  }

  /**
   * Lines from `i` on in this chunk, each taken in place while it ends in the
   * chunk; one the chunk cuts is kept for the next. Returns where the lines
   * stopped: after a line that ended a head or a section, or `end`.
   */
  #lines(chunk: Buffer, i: number, end: number): number {
    const origin = this.#origin;
    while (i < end) {
      if (this.#state === S.Fields) {
        i = this.#fieldLines(chunk, i, end);
        if (i === end || this.#state !== S.Fields) return i;
      }
      const state = this.#state;
      if (state === S.StartLine) {
        if (this.#sectionStart < 0) this.#sectionStart = origin + i;
        if (this.#captureRaw && chunk[i] !== CR && chunk[i] !== LF) this.#rawStart = i;
      }
      const limit = this.#limit(state, origin + i) - origin;
      // One byte past the limit is looked at, to tell a CR that ends the line from a bare one.
      const scanEnd = limit < end ? limit + 1 : end;
      // A start line (the first line of every message) goes to its rule without the dispatch.
      const first = chunk[i]!;
      const startLine = state === S.StartLine && first !== CR && first !== LF;
      const e = !startLine
        ? this.#scan(chunk, i, scanEnd)
        : this.kind === 'request'
          ? scanRequestLine(chunk, i, scanEnd, this.#parts)
          : scanStatusLine(chunk, i, scanEnd, this.#parts);
      if (e >= 0) {
        if (e >= limit) throw this.#limitError(origin + limit);
        if (startLine) this.#startLine(chunk, i);
        else this.#apply(chunk, i, e, origin);
        i = e + 1;
        if (this.#state > S.ChunkDataEnd || this.#done) return i;
        continue;
      }
      if (e === NEED_MORE) {
        if (scanEnd > limit) throw this.#limitError(origin + limit);
      } else {
        const at = this.#parts.errorAt;
        if (at >= limit) throw this.#limitError(origin + limit);
        // Judged now only if the line's end (or its limit) is here too; else when it arrives.
        if (end > limit || chunk.indexOf(LF, at) >= 0) throw this.#lineError(origin);
      }
      this.#lineStart = origin + i;
      this.#pendingLength = 0;
      this.#gather(chunk, i, end);
      return end;
    }
    return i;
  }

  /**
   * The commonest run of lines, header fields whole in the chunk and within
   * the limit, then the empty line after them, in a tight loop: the same
   * rules and the same steps as `#lines` would choose, without its general
   * dispatch (measured: 5% of the instructions spent on a request of ten
   * short fields). Stops at any other line, which `#lines` then takes.
   */
  #fieldLines(chunk: Buffer, i: number, end: number): number {
    const parts = this.#parts;
    const origin = this.#origin;
    const limit = this.#sectionStart + this.#maxHeadSize - origin;
    const scanEnd = limit < end ? limit + 1 : end;
    while (i < end) {
      const c = chunk[i]!;
      if (TOKEN[c] === 1 && this.#fieldCount < this.#maxHeaders) {
        const e = scanFieldLine(chunk, i, scanEnd, parts);
        if (e < 0 || e >= limit) break;
        this.#field(chunk, i, origin);
        i = e + 1;
      } else {
        // The empty line that ends the head.
        if (c !== CR && c !== LF) break;
        const e = scanEmptyLine(chunk, i, scanEnd, parts, EXPECTED_LF_AFTER_HEADERS);
        if (e < 0 || e >= limit) break;
        this.#endHead(origin + e + 1);
        return e + 1;
      }
    }
    return i;
  }

  /** More of a line an earlier chunk cut: look for its LF in the new bytes only. */
  #restOfLine(chunk: Buffer, i: number, end: number): number {
    const origin = this.#origin;
    const base = this.#lineStart;
    const limit = this.#limit(this.#state, base) - origin;
    const lf = findLF(chunk, i, end);
    const ended = lf >= 0 && lf <= limit;
    const stop = ended ? lf + 1 : Math.min(end, limit + 1);
    this.#gather(chunk, i, stop);
    if (!ended && stop <= limit) return end;
    const length = this.#pendingLength;
    this.#pendingLength = 0;
    const lineLimit = limit + origin - base;
    const e = this.#scan(this.#pending, 0, length);
    if (e >= 0 && e < lineLimit) {
      this.#apply(this.#pending, 0, e, base);
      return stop;
    }
    if (e === INVALID && this.#parts.errorAt < lineLimit) throw this.#lineError(base);
    throw this.#limitError(base + lineLimit);
  }

  #gather(chunk: Buffer, from: number, to: number): void {
    const length = this.#pendingLength + (to - from);
    if (length > this.#pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(256, length, this.#pending.length * 2));
      this.#pending.copy(grown, 0, 0, this.#pendingLength);
      this.#pending = grown;
    }
    const pending = this.#pending;
    if (to - from > SHORT_SPAN) chunk.copy(pending, this.#pendingLength, from, to);
    else for (let k = from, at = this.#pendingLength; k < to; k++, at++) pending[at] = chunk[k]!;
    this.#pendingLength = length;
  }

  /** The stream offset a line starting at `lineStart` must end before. */
  #limit(state: S, lineStart: number): number {
    if (state <= S.Trailers) return this.#sectionStart + this.#maxHeadSize;
    return state === S.ChunkSize
      ? lineStart + MAX_CHUNK_SIZE_DIGITS + this.#maxExtension + 2
      : lineStart + 2;
  }

  #limitError(at: number): HttpParseError {
    switch (this.#state) {
      case S.Trailers:
        return new HttpParseError(
          `The trailer section is larger than ${this.#maxHeadSize} bytes`,
          at,
          431,
        );
      case S.ChunkSize:
        return new HttpParseError('Chunk-size line too long', at, 400);
      case S.ChunkDataEnd:
        return new HttpParseError('Expected CRLF after chunk data', at, 400);
      default:
        return new HttpParseError(
          `The message head is larger than ${this.#maxHeadSize} bytes`,
          at,
          431,
        );
    }
  }

  /** The error a scan found; `base` is the stream offset of the scanned buffer's byte 0. */
  #lineError(base: number): HttpParseError {
    const parts = this.#parts;
    return new HttpParseError(parts.reason, base + parts.errorAt, parts.errorStatus);
  }

  /**
   * Applies the rule for the line expected now to `buf[start, end)`. Reads
   * the parser's state but changes none of it, so a line may be scanned
   * again when more of it arrives.
   */
  #scan(buf: Buffer, start: number, end: number): number {
    const parts = this.#parts;
    const c = buf[start]!;
    switch (this.#state) {
      case S.StartLine:
        // RFC 9112 §2.2: empty lines before the start line are skipped (within the head limit).
        if (c === CR || c === LF)
          return scanEmptyLine(
            buf,
            start,
            end,
            parts,
            'Expected LF after CR at the start of the message',
          );
        return this.kind === 'request'
          ? scanRequestLine(buf, start, end, parts)
          : scanStatusLine(buf, start, end, parts);
      case S.Fields:
      case S.Trailers:
        if (c === CR || c === LF) {
          const reason =
            this.#state === S.Trailers ? 'Expected LF after trailers' : EXPECTED_LF_AFTER_HEADERS;
          return scanEmptyLine(buf, start, end, parts, reason);
        }
        if (c === SP || c === HT) {
          const refusal = this.#foldRefusal();
          return refusal === ''
            ? scanFieldLine(buf, start, end, parts)
            : fail(parts, start, refusal);
        }
        if (this.#fieldCount >= this.#maxHeaders) {
          const what = this.#state === S.Trailers ? 'trailer' : 'header';
          return fail(parts, start, `More than ${this.#maxHeaders} ${what} fields`, 431);
        }
        return scanFieldLine(buf, start, end, parts);
      case S.ChunkSize:
        return scanChunkSizeLine(buf, start, end, this.#maxExtension, parts);
      default:
        return scanChunkDataEnd(buf, start, end, parts);
    }
  }

  /** Why a line that starts with whitespace (obs-fold, RFC 9112 §5.2) is refused here, or ''. */
  #foldRefusal(): string {
    if (this.#state === S.Trailers)
      return 'Unexpected whitespace at the start of a trailer line (obs-fold is not allowed in trailers)';
    // RFC 9112 §2.2: whitespace between the start line and the first field is refused.
    if (this.#fieldCount === 0) return 'Unexpected space after start line';
    if (this.kind === 'request')
      return 'Unexpected whitespace after header value (obs-fold is not allowed in requests)';
    if (this.#lastIsLength)
      return 'obs-fold in Content-Length is refused: a folded length could frame the body two ways';
    return '';
  }

  /** A whole line `buf[start, lf]` that passed its rule; `base` is the stream offset of `buf[0]`. */
  #apply(buf: Buffer, start: number, lf: number, base: number): void {
    const c = buf[start]!;
    switch (this.#state) {
      case S.StartLine:
        if (c !== CR && c !== LF) this.#startLine(buf, start);
        return;
      case S.Fields:
        if (c === CR || c === LF) this.#endHead(base + lf + 1);
        else if (c === SP || c === HT) this.#fold(buf);
        else this.#field(buf, start, base);
        return;
      case S.Trailers:
        if (c === CR || c === LF) this.#endTrailers();
        else this.#field(buf, start, base);
        return;
      case S.ChunkSize: {
        const size = this.#parts.chunkSize;
        if (size === 0) {
          // The last chunk: trailer fields follow, then an empty line, bounded like a head.
          this.#state = S.Trailers;
          this.#sectionStart = base + lf + 1;
          this.#fields = [];
          this.#fieldCount = 0;
        } else {
          this.#state = S.ChunkData;
          this.#remaining = size;
        }
        return;
      }
      default:
        this.#state = S.ChunkSize;
    }
  }

  #startLine(buf: Buffer, start: number): void {
    const parts = this.#parts;
    this.#version = parts.minor === 0 ? '1.0' : '1.1';
    if (this.kind === 'request') {
      const line = latin1(buf, start, parts.targetEnd);
      this.#method = line.slice(0, parts.methodEnd - start);
      this.#target = line.slice(parts.targetStart - start);
    } else {
      this.#status = parts.status;
      this.#reason =
        parts.reasonEnd > parts.reasonStart ? latin1(buf, parts.reasonStart, parts.reasonEnd) : '';
    }
    this.#fields = [];
    this.#fieldCount = 0;
    this.#lastSkipped = false;
    this.#lastIsLength = false;
    this.#lengthDigits = null;
    this.#state = S.Fields;
  }

  #field(buf: Buffer, start: number, base: number): void {
    const parts = this.#parts;
    const nameEnd = parts.nameEnd;
    const nameLength = nameEnd - start;
    this.#fieldCount++;
    this.#lastIsLength = false;
    const valueStart = parts.valueStart;
    const valueEnd = parts.valueEnd;
    let framing = NOT_FRAMING;
    if (this.#framingOnly) {
      // Told by its bytes: a field that does not frame the message is never a string at all.
      framing = framingField(buf, start, nameLength);
      if (framing === NOT_FRAMING) {
        this.#lastSkipped = true;
        return;
      }
    }
    // One string for the line, cut in two by JavaScript: each Buffer slice is a native call.
    const line = latin1(buf, start, valueEnd);
    const name = line.slice(0, nameLength);
    const value = valueEnd > valueStart ? line.slice(valueStart - start) : '';
    const isLength = this.#framingOnly
      ? framing === CONTENT_LENGTH
      : nameLength === 14 && name.toLowerCase() === 'content-length';
    this.#lastSkipped = false;
    // Checked at once, not at the end of the head: a conflict is final. (In trailers it frames
    // nothing.)
    if (isLength && this.#state === S.Fields) {
      this.#lastIsLength = true;
      this.#contentLength(value, base + valueStart);
    }
    this.#fields.push([name, value]);
  }

  /** An obs-fold line of a response: its text joins the last field's value after one space. */
  #fold(buf: Buffer): void {
    const parts = this.#parts;
    if (this.#lastSkipped || parts.valueEnd === parts.valueStart) return;
    const more = latin1(buf, parts.valueStart, parts.valueEnd);
    const last = this.#fields[this.#fields.length - 1]!;
    last[1] = last[1] === '' ? more : `${last[1]} ${more}`;
  }

  /**
   * One Content-Length line: digits, or a list of identical ones (RFC 9112
   * §6.3 item 5), agreeing with any earlier line. Any number of digits is
   * a length; the values are compared as digit strings, so lengths too large
   * to count still compare exactly.
   */
  #contentLength(value: string, at: number): void {
    let digits = '';
    // The usual case first: one run of digits without a leading zero (or "0" itself).
    if (
      value.length > 0 &&
      (value.length === 1 || value.charCodeAt(0) !== 0x30) &&
      isDigits(value)
    ) {
      digits = value;
    } else {
      for (const part of value.split(',')) {
        const text = trimOws(part);
        if (text === '') throw new HttpParseError('Empty Content-Length', at, 400);
        if (!isDigits(text)) {
          throw new HttpParseError(
            `Invalid character in Content-Length ${JSON.stringify(value)}`,
            at,
            400,
          );
        }
        const number = stripZeros(text);
        if (digits !== '' && number !== digits) {
          throw new HttpParseError(
            `Duplicate Content-Length with different values (${digits} and ${number})`,
            at,
            400,
          );
        }
        digits = number;
      }
    }
    const earlier = this.#lengthDigits;
    if (earlier !== null && earlier !== digits) {
      throw new HttpParseError(
        `Duplicate Content-Length with different values (${earlier} and ${digits})`,
        at,
        400,
      );
    }
    this.#lengthDigits = digits;
  }

  // ── heads and bodies ───────────────────────────────────────────────────

  /** The head is complete, `next` being the stream offset after it: frame the body (RFC 9112 §6.3). */
  #endHead(next: number): void {
    const fields = this.#fields;
    const version = this.#version;
    // The fields that frame the message, found in one pass (names told apart by length first).
    let hasTransferEncoding = false;
    let codings: string[] = NO_TOKENS;
    let connection: string[] = NO_TOKENS;
    let upgradeField = false;
    for (let k = 0; k < fields.length; k++) {
      const [name, value] = fields[k]!;
      const length = name.length;
      if (length === 10 && name.toLowerCase() === 'connection')
        connection =
          connection.length === 0 ? listTokens(value) : [...connection, ...listTokens(value)];
      else if (length === 17 && name.toLowerCase() === 'transfer-encoding') {
        hasTransferEncoding = true;
        codings = codings.length === 0 ? listTokens(value) : [...codings, ...listTokens(value)];
      } else if (length === 7 && name.toLowerCase() === 'upgrade') upgradeField = true;
    }
    let keepAlive =
      version === '1.1' ? !connection.includes('close') : connection.includes('keep-alive');

    let rawHead: Buffer | undefined;
    if (this.#rawStart >= 0) {
      // Within one chunk (the usual case) a view is enough: chunks are never reused.
      const tail = this.#chunk.subarray(this.#rawStart, next - this.#origin);
      rawHead = this.#rawParts.length === 0 ? tail : Buffer.concat([...this.#rawParts, tail]);
      this.#rawParts = [];
      this.#rawStart = -1;
    }

    const digits = this.#lengthDigits;
    const at = next - 1;
    if (hasTransferEncoding && digits !== null) {
      throw new HttpParseError(
        "Content-Length can't be present with Transfer-Encoding (request smuggling risk)",
        at,
        400,
      );
    }
    // chunked, applied once and last (RFC 9112 §6.1).
    const chunked = codings.length > 0 && codings.indexOf('chunked') === codings.length - 1;
    // A length past 2^53 cannot be counted exactly, and cannot be satisfied: the body runs on.
    const contentLength =
      digits === null ? -1 : digits.length <= 15 ? Number(digits) : safeOrInfinite(digits);

    let head: RequestHead | ResponseHead;
    let noBody: boolean;
    let upgrade: boolean;
    if (this.kind === 'request') {
      const method = this.#method;
      if (hasTransferEncoding) {
        // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
        if (version === '1.0')
          throw new HttpParseError('Transfer-Encoding in an HTTP/1.0 request', at, 400);
        // RFC 9112 §6.3 item 4: a request whose final coding is not chunked has no knowable end.
        if (!chunked) {
          throw new HttpParseError(
            `Request has invalid \`Transfer-Encoding\` ${JSON.stringify(codings.join(', '))}: chunked must be the last coding`,
            at,
            400,
          );
        }
        // RFC 9110 §15.6.2 and RFC 9112 §6.1: codings this server cannot decode are 501.
        if (codings.length > 1) {
          throw new HttpParseError(
            `Transfer-Encoding ${JSON.stringify(codings.join(', '))} is not implemented: only chunked is decoded`,
            at,
            501,
          );
        }
      }
      upgrade =
        method === 'CONNECT' ||
        method === 'PRI' ||
        (upgradeField && connection.includes('upgrade'));
      noBody = method === 'CONNECT' || method === 'PRI' || (!chunked && contentLength <= 0);
      head = {
        kind: 'request',
        method,
        target: this.#target,
        version,
        headers: HttpHeaders.adopt(fields),
        keepAlive,
        upgrade,
        rawHead,
      };
    } else {
      const status = this.#status;
      const method = this.#requestMethod;
      upgrade = status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
      noBody =
        method === 'HEAD' ||
        (status >= 100 && status < 200) ||
        status === 204 ||
        status === 304 ||
        upgrade ||
        (!chunked && contentLength === 0);
      // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 response: read it, then close.
      if (hasTransferEncoding && version === '1.0') keepAlive = false;
      // RFC 9112 §6.3 items 4 and 7: no length, or a final coding other than chunked: to the close.
      if (!noBody && !chunked && contentLength < 0) keepAlive = false;
      head = {
        kind: 'response',
        status,
        reason: this.#reason,
        version,
        headers: HttpHeaders.adopt(fields),
        keepAlive,
        upgrade,
        rawHead,
      };
    }
    this.#keepAlive = keepAlive;
    this.#upgrade = upgrade;
    this.#handler.onHead(head);

    if (noBody) this.#complete();
    else if (chunked) {
      this.#state = S.ChunkSize;
      this.#remaining = 0;
    } else if (contentLength >= 0) {
      this.#state = S.BodyLength;
      this.#remaining = contentLength;
    } else {
      this.#state = S.BodyClose;
    }
  }

  #endTrailers(): void {
    if (this.#fields.length > 0) this.#handler.onTrailers?.(HttpHeaders.adopt(this.#fields));
    this.#complete();
  }

  #complete(): void {
    this.#fieldCount = 0;
    this.#sectionStart = -1;
    this.#remaining = 0;
    this.#state = this.#upgrade ? S.Upgraded : this.#keepAlive ? S.StartLine : S.Closed;
    this.#done = true;
    this.#handler.onComplete();
  }

  /** A Content-Length body: views of the chunk. */
  #lengthBody(chunk: Buffer, i: number, end: number): number {
    const take = Math.min(this.#remaining, end - i);
    this.#remaining -= take;
    if (take > 0) this.#handler.onBody(chunk.subarray(i, i + take));
    if (this.#remaining === 0) this.#complete();
    return i + take;
  }

  #chunkData(chunk: Buffer, i: number, end: number): number {
    const take = Math.min(this.#remaining, end - i);
    this.#remaining -= take;
    if (take > 0) this.#handler.onBody(chunk.subarray(i, i + take));
    if (this.#remaining === 0) this.#state = S.ChunkDataEnd;
    return i + take;
  }
}

const NO_TOKENS: string[] = [];

/**
 * Spans up to this long are searched and copied in JavaScript: Buffer's indexOf and copy are
 * native calls that cost more than the loop for the few bytes of a small piece (measured with
 * 1-to-64-byte pieces); longer spans go to them (memchr, memcpy).
 */
const SHORT_SPAN = 48;

/** The first LF in `chunk[from, end)`, or -1. */
function findLF(chunk: Buffer, from: number, end: number): number {
  if (end - from > SHORT_SPAN) return chunk.indexOf(LF, from);
  for (let k = from; k < end; k++) if (chunk[k] === LF) return k;
  return -1;
}

/** The elements of a comma-separated list value, trimmed and lowercased, empty ones dropped. */
function listTokens(value: string): string[] {
  // The usual case, one token ("keep-alive", "chunked"): no split.
  if (value.indexOf(',') === -1) {
    const token = trimOws(value).toLowerCase();
    return token === '' ? [] : [token];
  }
  const out: string[] = [];
  for (const part of value.split(',')) {
    const token = trimOws(part).toLowerCase();
    if (token !== '') out.push(token);
  }
  return out;
}

/**
 * Bytes as a latin1 string: Buffer's own `latin1Slice`, which
 * `toString('latin1', …)` ends up calling after argument checks that cost
 * more than the copy for the short spans of a head.
 */
function latin1(chunk: Buffer, start: number, end: number): string {
  return (chunk as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(
    start,
    end,
  );
}

function isDigits(value: string): boolean {
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Digits without leading zeros ("0" stays "0"). */
function stripZeros(digits: string): string {
  let k = 0;
  while (k < digits.length - 1 && digits.charCodeAt(k) === 0x30) k++;
  return k === 0 ? digits : digits.slice(k);
}

function safeOrInfinite(digits: string): number {
  const n = Number(digits);
  return n <= Number.MAX_SAFE_INTEGER ? n : Number.POSITIVE_INFINITY;
}

/** OWS is SP and HTAB only (RFC 9110 §5.6.3); String#trim would also take U+00A0 (obs-text 0xA0). */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === SP || value.charCodeAt(start) === HT)) start++;
  while (end > start && (value.charCodeAt(end - 1) === SP || value.charCodeAt(end - 1) === HT))
    end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

const NOT_FRAMING = 0;
const CONTENT_LENGTH = 1;
const OTHER_FRAMING = 2;

/**
 * Whether the field name at `buf[start, start + length)` is one of the four that frame
 * messages (Content-Length, Transfer-Encoding, Connection, Upgrade), told apart by length and
 * then compared byte by byte in any case, so that no string is made for the others.
 */
function framingField(buf: Buffer, start: number, length: number): number {
  if (length === 14) return nameIs(buf, start, 'content-length') ? CONTENT_LENGTH : NOT_FRAMING;
  const framing =
    (length === 17 && nameIs(buf, start, 'transfer-encoding')) ||
    (length === 10 && nameIs(buf, start, 'connection')) ||
    (length === 7 && nameIs(buf, start, 'upgrade'));
  return framing ? OTHER_FRAMING : NOT_FRAMING;
}

/**
 * Whether the token at `start` is `lower` in any case. Setting bit 0x20 lowercases ASCII
 * letters and leaves "-" and digits alone; no other token byte (RFC 9110 §5.6.2) becomes a
 * letter or "-" by it, so for a name that has passed the token rule this is exact.
 */
function nameIs(buf: Buffer, start: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++)
    if ((buf[start + k]! | 0x20) !== lower.charCodeAt(k)) return false;
  return true;
}
