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
 * that are not hex or overflow, bare CR, bare LF, NUL and other controls,
 * whitespace before a header's colon. Each is an `HttpParseError` with the
 * byte offset and a reason. obs-fold is rejected in requests and, in
 * responses, replaced by a space as RFC 9112 §5.2 asks of a user agent.
 * The head is limited in size (64 KiB by default), and so are chunk
 * extensions.
 *
 * @module
 */

import { HttpParseError } from '../core/errors.js';
import { HttpHeaders } from './headers.js';

/** What is being parsed. */
export type MessageKind = 'request' | 'response';

/** The parts of a message head that requests and responses share. */
export interface MessageHead {
  /** `"1.1"`, `"1.0"`. */
  version: string;
  headers: HttpHeaders;
  /** Whether the connection may carry another message after this one. */
  keepAlive: boolean;
  /** The connection leaves HTTP after this message (CONNECT, a granted Upgrade, 101). */
  upgrade: boolean;
  /** The head's bytes exactly as received, when the parser was asked to keep them. */
  rawHead?: Buffer;
}

export interface RequestHead extends MessageHead {
  kind: 'request';
  method: string;
  /** The request-target as sent: `/path?query`, `http://host/…`, `host:port` or `*`. */
  target: string;
}

export interface ResponseHead extends MessageHead {
  kind: 'response';
  status: number;
  reason: string;
}

/** Receives what the parser finds, synchronously, during `execute` and `finish`. */
export interface ParserHandler {
  onHead(head: RequestHead | ResponseHead): void;
  /** A piece of body: a view into the chunk given to `execute`; copy it to keep it. */
  onBody(chunk: Buffer): void;
  /** The trailer fields of a chunked message, when it has any. */
  onTrailers?(trailers: HttpHeaders): void;
  onComplete(): void;
}

/** Limits and options. */
export interface ParserOptions {
  /** The most bytes of start line and header fields (and, separately, of trailers). Default 64 KiB. */
  maxHeadSize?: number;
  /** The most header fields. Default 256. */
  maxHeaders?: number;
  /** The most bytes of extensions on one chunk-size line. Default 4 KiB. */
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

// ── character classes ────────────────────────────────────────────────────

const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/** field-vchar and obs-text (RFC 9110 §5.5); SP and HTAB are handled apart. */
const FIELD_VCHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) FIELD_VCHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VCHAR[c] = 1;

/** request-target: visible ASCII only (RFC 3986 plus the characters browsers send raw). */
const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c <= 9; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

/** qdtext and quoted-pair's second byte (RFC 9110 §5.6.4). */
const QDTEXT = new Uint8Array(256);
QDTEXT[0x09] = 1;
QDTEXT[0x20] = 1;
QDTEXT[0x21] = 1;
for (let c = 0x23; c <= 0x5b; c++) QDTEXT[c] = 1;
for (let c = 0x5d; c <= 0x7e; c++) QDTEXT[c] = 1;
for (let c = 0x80; c <= 0xff; c++) QDTEXT[c] = 1;

/** Bytes that may continue a reason phrase or header value: VCHAR, obs-text, SP, HTAB. */
const VALUE_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) if (FIELD_VCHAR[c] || c === 0x20 || c === 0x09) VALUE_CHAR[c] = 1;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
const SUPPORTED_VERSIONS = new Set(['0.9', '1.0', '1.1', '2.0']);

// ── states ───────────────────────────────────────────────────────────────

enum S {
  Start,
  StartLf,
  Method,
  TargetStart,
  Target,
  Version,
  StatusStart,
  Status,
  Reason,
  LineLf,
  FieldStart,
  Field,
  ValueStart,
  Value,
  ValueLf,
  Fold,
  HeadLf,
  BodyLength,
  BodyClose,
  ChunkSize,
  ChunkExtBws,
  ChunkExtNameStart,
  ChunkExtName,
  ChunkExtAfterName,
  ChunkExtValueStart,
  ChunkExtToken,
  ChunkExtQuoted,
  ChunkExtEscape,
  ChunkExtAfterValue,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  Upgraded,
  Closed,
  Failed,
}

/** The bytes each span state runs over without the state machine (see `execute`). */
const SPAN_TABLE: Array<Uint8Array | undefined> = [];
SPAN_TABLE[S.Method] = TOKEN;
SPAN_TABLE[S.Target] = TARGET;
SPAN_TABLE[S.Field] = TOKEN;
SPAN_TABLE[S.Value] = VALUE_CHAR;
SPAN_TABLE[S.Reason] = VALUE_CHAR;

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
  readonly kind: MessageKind;
  readonly #handler: ParserHandler;
  readonly #maxHeadSize: number;
  readonly #maxHeaders: number;
  readonly #maxExtension: number;
  readonly #captureRaw: boolean;
  readonly #framingOnly: boolean;

  #state: S = S.Start;
  /** Bytes of the stream parsed before this `execute` call's offset. */
  #streamBase = 0;
  /** Stream position of the current chunk's byte 0, for error offsets. */
  #origin = 0;

  // Head under construction.
  #method = '';
  #target = '';
  #versionIndex = 0;
  #major = 0;
  #minor = 0;
  #status = 0;
  #statusDigits = 0;
  #reason = '';
  #fieldName = '';
  #fieldValue = '';
  #fields: Array<[string, string]> = [];
  /** Fields in this head (or trailer section), kept or not. */
  #fieldCount = 0;
  /** The last field was skipped (framing-only mode): a folded line continues nothing kept. */
  #lastSkipped = false;
  #headBytes = 0;
  #inTrailers = false;
  #rawParts: Buffer[] = [];
  #rawStart = -1;
  /** Where a span being gathered (method, target, name, value…) began in the current chunk. */
  #mark = -1;
  #partial = '';

  // Framing of the current message.
  #keepAlive = true;
  #upgrade = false;
  #remaining = 0;
  /** The Content-Length seen so far in this head, -1 for none; checked as each line completes. */
  #contentLength = -1;
  #chunkSizeDigits = 0;
  #extensionBytes = 0;
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
    const s = this.#state;
    if (s === S.Start || s === S.StartLf) return 'idle';
    if (s === S.Upgraded) return 'upgraded';
    if (s === S.Closed || s === S.Failed) return 'closed';
    return s >= S.BodyLength || this.#inTrailers ? 'body' : 'head';
  }

  /** Bytes of body still expected for a Content-Length body (or the current chunk). */
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
    this.#origin = this.#streamBase - offset;
    if (this.#mark >= 0) this.#mark = i;
    if (this.#rawStart >= 0) this.#rawStart = i;
    try {
      while (i < end) {
        const state = this.#state;
        if (state >= S.BodyLength && state <= S.BodyClose) {
          i = this.#body(chunk, i, end);
          if (this.#state === S.Start || this.#state >= S.Upgraded)
            return this.#doneAt(chunk, i, offset);
          continue;
        }
        if (state === S.ChunkData) {
          i = this.#chunkData(chunk, i, end);
          continue;
        }
        if (state === S.Upgraded) return this.#doneAt(chunk, i, offset);
        if (state === S.Closed) throw this.#error('Data after `Connection: close`', i, 400);
        if (state === S.Failed)
          throw this.#error('The parser already failed on this stream', i, 400);
        // Whole, well-formed lines in this chunk are taken in one step; anything else (a line
        // cut by the chunk's end, a bad byte, a limit reached) goes byte by byte below, which
        // decides exactly as these would have and reports errors where they are.
        if (state === S.FieldStart) {
          const next = this.#fieldLine(chunk, i, end);
          if (next >= 0) {
            i = next;
            continue;
          }
        } else if (state === S.Start) {
          const next =
            this.kind === 'response'
              ? this.#statusLine(chunk, i, end)
              : this.#requestLine(chunk, i, end);
          if (next >= 0) {
            i = next;
            continue;
          }
        }
        // Inside a span (target, name, value, reason): run over its bytes in a tight loop,
        // leaving the byte that ends it to the state machine.
        const table = SPAN_TABLE[state];
        if (table !== undefined) {
          let j = i;
          while (j < end && table[chunk[j]!] === 1) j++;
          if (j > i) {
            this.#headBytes += j - i;
            if (this.#headBytes > this.#maxHeadSize) this.#countHead(j - 1);
            i = j;
            if (i === end) break;
          }
        }
        const completed = this.#byte(chunk, i);
        i++;
        if (completed) return this.#doneAt(chunk, i, offset);
      }
      // End of the chunk in the middle of something: keep the partial span and raw head.
      if (this.#mark >= 0) this.#partial += chunk.toString('latin1', this.#mark, end);
      if (this.#rawStart >= 0) {
        this.#rawParts.push(Buffer.from(chunk.subarray(this.#rawStart, end)));
        this.#rawStart = 0;
      }
      this.#streamBase += end - offset;
      return end;
    } catch (error) {
      this.#state = S.Failed;
      throw error;
    }
  }

  /**
   * The stream has ended. Completes a body that runs to the end of the
   * stream; anywhere else inside a message it is an error.
   *
   * @throws {HttpParseError} the stream ended inside a head or a body of known length.
   */
  finish(): void {
    const s = this.#state;
    if (s === S.BodyClose) {
      this.#complete();
      return;
    }
    if (s === S.Start || s === S.StartLf || s === S.Upgraded || s === S.Closed || s === S.Failed)
      return;
    const where = this.phase === 'body' ? 'the body' : 'the head';
    this.#state = S.Failed;
    throw this.#error(`The stream ended inside ${where} of the message`, 0, 400, true);
  }

  // ── internals ──────────────────────────────────────────────────────────

  #doneAt(_chunk: Buffer, i: number, offset: number): number {
    this.#streamBase += i - offset;
    return i;
  }

  #error(reason: string, at: number, status: number, atEnd = false): HttpParseError {
    return new HttpParseError(reason, atEnd ? this.#streamBase : this.#origin + at, status);
  }

  /** One byte of head, chunk framing or trailers. Returns true when a message completed. */
  #byte(chunk: Buffer, i: number): boolean {
    const c = chunk[i]!;
    switch (this.#state) {
      case S.Start:
        if (c === CR) {
          this.#state = S.StartLf;
          return false;
        }
        if (c === LF)
          throw this.#error('Expected CR before LF at the start of the message', i, 400);
        this.#beginHead(i);
        if (this.kind === 'request') {
          if (!TOKEN[c]) throw this.#error('Invalid character in the method', i, 400);
          this.#state = S.Method;
          this.#mark = i;
        } else {
          this.#state = S.Version;
          this.#versionIndex = 0;
          return this.#byte(chunk, i);
        }
        return false;
      case S.StartLf:
        if (c !== LF) throw this.#error('Expected LF after CR at the start of the message', i, 400);
        this.#state = S.Start;
        return false;

      // ── request line: method SP request-target SP HTTP-version CRLF
      case S.Method:
        this.#countHead(i);
        if (TOKEN[c]) return false;
        if (c !== SP) throw this.#error('Expected space after method', i, 400);
        this.#method = this.#takeSpan(chunk, i);
        this.#state = S.TargetStart;
        return false;
      case S.TargetStart:
        this.#countHead(i);
        if (!TARGET[c])
          throw this.#error('Invalid character at the start of the request target', i, 400);
        this.#mark = i;
        this.#state = S.Target;
        return false;
      case S.Target:
        this.#countHead(i);
        if (TARGET[c]) return false;
        if (c === SP) {
          this.#target = this.#takeSpan(chunk, i);
          this.#state = S.Version;
          this.#versionIndex = 0;
          return false;
        }
        if (c === CR || c === LF)
          throw this.#error('Expected HTTP version after the request target', i, 400);
        throw this.#error('Invalid character in the request target', i, 400);

      // ── HTTP-version: "HTTP/" DIGIT "." DIGIT (both kinds)
      case S.Version: {
        this.#countHead(i);
        const k = this.#versionIndex++;
        if (k < 5) {
          if (c !== HTTP_SLASH[k]) throw this.#error('Expected HTTP/', i, 400);
          return false;
        }
        if (k === 5 || k === 7) {
          if (c < 0x30 || c > 0x39)
            throw this.#error('Expected a digit in the HTTP version', i, 400);
          if (k === 5) this.#major = c - 0x30;
          else {
            this.#minor = c - 0x30;
            if (!SUPPORTED_VERSIONS.has(`${this.#major}.${this.#minor}`)) {
              throw this.#error(`Invalid HTTP version ${this.#major}.${this.#minor}`, i, 505);
            }
          }
          return false;
        }
        if (k === 6) {
          if (c !== 0x2e) throw this.#error('Expected dot', i, 400);
          return false;
        }
        // After the version: a request line ends; a status line goes on.
        if (this.kind === 'request') {
          if (c !== CR) throw this.#error('Expected CRLF after version', i, 400);
          this.#state = S.LineLf;
          return false;
        }
        if (c !== SP) throw this.#error('Expected space after version', i, 400);
        this.#state = S.StatusStart;
        this.#status = 0;
        this.#statusDigits = 0;
        return false;
      }

      // ── status line: HTTP-version SP status-code SP [ reason-phrase ] CRLF
      case S.StatusStart:
      case S.Status:
        this.#countHead(i);
        if (c >= 0x30 && c <= 0x39 && this.#statusDigits < 3) {
          this.#status = this.#status * 10 + (c - 0x30);
          this.#statusDigits++;
          this.#state = S.Status;
          return false;
        }
        if (this.#statusDigits !== 3 || this.#status < 100)
          throw this.#error('Invalid status code', i, 400);
        if (c === SP) {
          this.#state = S.Reason;
          this.#mark = i + 1;
          return false;
        }
        if (c === CR) {
          // No reason phrase and no space before it: common enough to accept.
          this.#reason = '';
          this.#state = S.LineLf;
          return false;
        }
        throw this.#error('Invalid status code', i, 400);
      case S.Reason:
        this.#countHead(i);
        if (c === CR) {
          this.#reason = this.#takeSpan(chunk, i);
          this.#state = S.LineLf;
          return false;
        }
        if (c === LF) throw this.#error('Missing expected CR after response line', i, 400);
        if (c === HT || c === SP || FIELD_VCHAR[c]) return false;
        throw this.#error('Invalid character in the reason phrase', i, 400);
      case S.LineLf:
        this.#countHead(i);
        if (c !== LF) throw this.#error('Expected LF after CR', i, 400);
        this.#state = S.FieldStart;
        return false;

      // ── header fields (and trailer fields)
      case S.FieldStart:
        this.#countHead(i);
        if (c === CR) {
          this.#state = S.HeadLf;
          return false;
        }
        if (c === SP || c === HT) {
          if (this.#fieldCount === 0 && !this.#inTrailers) {
            throw this.#error('Unexpected space after start line', i, 400);
          }
          // obs-fold (RFC 9112 §5.2): a server must reject it; a user agent replaces it with SP.
          if (this.kind === 'request' || this.#inTrailers) {
            throw this.#error(
              'Unexpected whitespace after header value (obs-fold is not allowed in requests)',
              i,
              400,
            );
          }
          this.#state = S.Fold;
          return false;
        }
        if (c === LF) throw this.#error('Missing expected CR before LF', i, 400);
        if (!TOKEN[c]) throw this.#error('Invalid header token', i, 400);
        this.#mark = i;
        this.#state = S.Field;
        return false;
      case S.Field:
        this.#countHead(i);
        if (TOKEN[c]) return false;
        if (c === 0x3a) {
          if (this.#framingOnly && !FRAMING_NAME_LENGTH[this.#partial.length + i - this.#mark]) {
            // Not a framing field (told by its length): never made into a string.
            this.#partial = '';
            this.#mark = -1;
            this.#fieldName = '';
          } else {
            const name = this.#takeSpan(chunk, i);
            this.#fieldName =
              this.#framingOnly && !FRAMING_NAMES.has(name.toLowerCase()) ? '' : name;
          }
          this.#state = S.ValueStart;
          return false;
        }
        if (c === SP || c === HT)
          throw this.#error('Invalid header field char (whitespace before the colon)', i, 400);
        throw this.#error('Invalid header token', i, 400);
      case S.ValueStart:
        this.#countHead(i);
        if (c === SP || c === HT) return false;
        if (c === CR) {
          this.#fieldValue = '';
          this.#state = S.ValueLf;
          return false;
        }
        if (!FIELD_VCHAR[c]) throw this.#error('Invalid header value char', i, 400);
        this.#mark = i;
        this.#state = S.Value;
        return false;
      case S.Value:
        this.#countHead(i);
        if (FIELD_VCHAR[c] || c === SP || c === HT) return false;
        if (c === CR) {
          if (this.#fieldName === '') {
            this.#partial = '';
            this.#mark = -1;
            this.#fieldValue = '';
          } else {
            this.#fieldValue = trimOws(this.#takeSpan(chunk, i));
          }
          this.#state = S.ValueLf;
          return false;
        }
        if (c === LF) throw this.#error('Missing expected CR after header value', i, 400);
        throw this.#error('Invalid header value char', i, 400);
      case S.ValueLf:
        this.#countHead(i);
        if (c !== LF) throw this.#error('Missing expected LF after header value', i, 400);
        if (this.#fieldCount >= this.#maxHeaders) {
          throw this.#error(`More than ${this.#maxHeaders} header fields`, i, 431);
        }
        if (
          !this.#inTrailers &&
          this.#fieldName.length === 14 &&
          this.#fieldName.toLowerCase() === 'content-length'
        ) {
          // Checked now, not at the end of the head: an overflow or a conflict is final.
          this.#contentLength = this.#parseContentLength(this.#fieldValue, i);
        }
        this.#fieldCount++;
        // A name is never empty: an empty one is a field the framing-only mode skipped.
        if (this.#fieldName !== '') this.#fields.push([this.#fieldName, this.#fieldValue]);
        this.#lastSkipped = this.#fieldName === '';
        this.#state = S.FieldStart;
        return false;
      case S.Fold:
        // A folded continuation line of a response header: whitespace, then more value.
        this.#countHead(i);
        if (c === SP || c === HT) return false;
        if (c === CR) {
          // A continuation line of nothing but whitespace adds nothing.
          this.#fieldCount--;
          const [name, value] = this.#lastSkipped ? SKIPPED_FIELD : this.#fields.pop()!;
          this.#fieldName = name;
          this.#fieldValue = value;
          this.#state = S.ValueLf;
          return false;
        }
        if (!FIELD_VCHAR[c]) throw this.#error('Invalid header value char', i, 400);
        {
          this.#fieldCount--;
          const [name, value] = this.#lastSkipped ? SKIPPED_FIELD : this.#fields.pop()!;
          this.#fieldName = name;
          this.#partial = value === '' ? '' : `${value} `;
          this.#mark = i;
          this.#state = S.Value;
        }
        return false;
      case S.HeadLf:
        this.#countHead(i);
        if (c !== LF)
          throw this.#error(
            this.#inTrailers ? 'Expected LF after trailers' : 'Expected LF after headers',
            i,
            400,
          );
        if (this.#inTrailers) {
          this.#endTrailers();
          return true;
        }
        return this.#endHead(chunk, i + 1);

      // ── chunked framing: chunk-size [ chunk-ext ] CRLF chunk-data CRLF … last-chunk trailer-section CRLF
      case S.ChunkSize: {
        const digit = HEX[c]!;
        if (digit >= 0) {
          if (++this.#chunkSizeDigits > 13) throw this.#error('Chunk size overflow', i, 400);
          this.#remaining = this.#remaining * 16 + digit;
          return false;
        }
        if (this.#chunkSizeDigits === 0)
          throw this.#error('Invalid character in chunk size', i, 400);
        if (c === CR) {
          this.#state = S.ChunkSizeLf;
          return false;
        }
        if (c === 0x3b) {
          this.#state = S.ChunkExtNameStart;
          this.#extensionBytes = 1;
          return false;
        }
        if (c === SP || c === HT) {
          this.#state = S.ChunkExtBws;
          this.#extensionBytes = 1;
          return false;
        }
        throw this.#error('Invalid character in chunk size', i, 400);
      }
      case S.ChunkExtBws:
        this.#countExtension(i);
        if (c === SP || c === HT) return false;
        if (c === 0x3b) {
          this.#state = S.ChunkExtNameStart;
          return false;
        }
        throw this.#error('Invalid character in chunk size', i, 400);
      case S.ChunkExtNameStart:
        this.#countExtension(i);
        if (c === SP || c === HT) return false;
        if (!TOKEN[c]) throw this.#error('Invalid character in chunk extensions', i, 400);
        this.#state = S.ChunkExtName;
        return false;
      case S.ChunkExtName:
        this.#countExtension(i);
        if (TOKEN[c]) return false;
        return this.#afterExtensionPart(c, i, true);
      case S.ChunkExtAfterName:
        this.#countExtension(i);
        if (c === SP || c === HT) return false;
        return this.#afterExtensionPart(c, i, true);
      case S.ChunkExtValueStart:
        this.#countExtension(i);
        if (c === SP || c === HT) return false;
        if (c === 0x22) {
          this.#state = S.ChunkExtQuoted;
          return false;
        }
        if (!TOKEN[c]) throw this.#error('Invalid character in chunk extensions', i, 400);
        this.#state = S.ChunkExtToken;
        return false;
      case S.ChunkExtToken:
        this.#countExtension(i);
        if (TOKEN[c]) return false;
        return this.#afterExtensionPart(c, i, false);
      case S.ChunkExtQuoted:
        this.#countExtension(i);
        if (c === 0x22) {
          this.#state = S.ChunkExtAfterValue;
          return false;
        }
        if (c === 0x5c) {
          this.#state = S.ChunkExtEscape;
          return false;
        }
        if (QDTEXT[c]) return false;
        throw this.#error('Invalid character in chunk extensions quoted value', i, 400);
      case S.ChunkExtEscape:
        this.#countExtension(i);
        if (c === HT || c === SP || FIELD_VCHAR[c]) {
          this.#state = S.ChunkExtQuoted;
          return false;
        }
        throw this.#error('Invalid character in chunk extensions quoted value', i, 400);
      case S.ChunkExtAfterValue:
        this.#countExtension(i);
        if (c === SP || c === HT) return false;
        return this.#afterExtensionPart(c, i, false);
      case S.ChunkSizeLf:
        if (c !== LF) throw this.#error('Expected LF after chunk size', i, 400);
        if (this.#remaining === 0) {
          // The last chunk: trailer fields follow, then an empty line.
          this.#inTrailers = true;
          this.#fields = [];
          this.#fieldCount = 0;
          this.#headBytes = 0;
          this.#state = S.FieldStart;
        } else {
          this.#state = S.ChunkData;
        }
        return false;
      case S.ChunkDataCr:
        if (c !== CR) throw this.#error('Expected LF after chunk data', i, 400);
        this.#state = S.ChunkDataLf;
        return false;
      case S.ChunkDataLf:
        if (c !== LF) throw this.#error('Expected LF after chunk data', i, 400);
        this.#state = S.ChunkSize;
        this.#remaining = 0;
        this.#chunkSizeDigits = 0;
        return false;
    }
    throw this.#error('Internal parser state', i, 500);
  }

  /** After a chunk extension name or value: `=`, `;`, whitespace or the end of the line. */
  #afterExtensionPart(c: number, i: number, afterName: boolean): boolean {
    if (c === CR) {
      this.#state = S.ChunkSizeLf;
      return false;
    }
    if (c === 0x3b) {
      this.#state = S.ChunkExtNameStart;
      return false;
    }
    if (afterName && c === 0x3d) {
      this.#state = S.ChunkExtValueStart;
      return false;
    }
    if (c === SP || c === HT) {
      this.#state = afterName ? S.ChunkExtAfterName : S.ChunkExtAfterValue;
      return false;
    }
    throw this.#error('Invalid character in chunk extensions', i, 400);
  }

  #countExtension(i: number): void {
    if (++this.#extensionBytes > this.#maxExtension) {
      throw this.#error(`Chunk extensions longer than ${this.#maxExtension} bytes`, i, 400);
    }
  }

  #countHead(i: number): void {
    if (++this.#headBytes > this.#maxHeadSize) {
      throw this.#error(
        `The ${this.#inTrailers ? 'trailer section' : 'message head'} is larger than ${this.#maxHeadSize} bytes`,
        i,
        431,
      );
    }
  }

  #beginHead(i: number): void {
    this.#fields = [];
    this.#fieldCount = 0;
    this.#headBytes = 0;
    this.#inTrailers = false;
    this.#partial = '';
    this.#rawParts = [];
    this.#contentLength = -1;
    if (this.#captureRaw) this.#rawStart = i;
  }

  /**
   * A whole status line, `HTTP/d.d SP ddd SP reason CRLF`, at `i`: parsed
   * in one step. Returns the offset after it, or -1 to go byte by byte.
   */
  #statusLine(chunk: Buffer, i: number, end: number): number {
    if (
      i + 13 > end ||
      chunk[i] !== 0x48 ||
      chunk[i + 1] !== 0x54 ||
      chunk[i + 2] !== 0x54 ||
      chunk[i + 3] !== 0x50 ||
      chunk[i + 4] !== 0x2f ||
      chunk[i + 6] !== 0x2e ||
      chunk[i + 8] !== SP
    ) {
      return -1;
    }
    const major = chunk[i + 5]! - 0x30;
    const minor = chunk[i + 7]! - 0x30;
    if (!((major === 1 && (minor === 1 || minor === 0)) || (major === 2 && minor === 0))) return -1;
    const d1 = chunk[i + 9]! - 0x30;
    const d2 = chunk[i + 10]! - 0x30;
    const d3 = chunk[i + 11]! - 0x30;
    if (d1 < 1 || d1 > 9 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9 || chunk[i + 12] !== SP) return -1;
    let e = i + 13;
    while (e < end && VALUE_CHAR[chunk[e]!] === 1) e++;
    if (e + 1 >= end || chunk[e] !== CR || chunk[e + 1] !== LF) return -1;
    if (e + 2 - i > this.#maxHeadSize) return -1;
    this.#beginHead(i);
    this.#major = major;
    this.#minor = minor;
    this.#status = d1 * 100 + d2 * 10 + d3;
    this.#statusDigits = 3;
    this.#reason = e > i + 13 ? latin1(chunk, i + 13, e) : '';
    this.#headBytes = e + 2 - i;
    this.#state = S.FieldStart;
    return e + 2;
  }

  /**
   * A whole request line, `method SP target SP HTTP/1.x CRLF`, at `i`: taken
   * in one step. Returns the offset after it, or -1 to go byte by byte (which
   * also reports every error, and handles leading blank lines and versions
   * other than 1.0 and 1.1).
   */
  #requestLine(chunk: Buffer, i: number, end: number): number {
    let j = i;
    while (j < end && TOKEN[chunk[j]!] === 1) j++;
    if (j === i || j >= end || chunk[j] !== SP) return -1;
    const t = j + 1;
    let e = t;
    while (e < end && TARGET[chunk[e]!] === 1) e++;
    // After the target: SP "HTTP/" DIGIT "." DIGIT CR LF, 11 bytes.
    if (e === t || e + 11 > end || chunk[e] !== SP) return -1;
    const v = e + 1;
    if (
      chunk[v] !== 0x48 ||
      chunk[v + 1] !== 0x54 ||
      chunk[v + 2] !== 0x54 ||
      chunk[v + 3] !== 0x50 ||
      chunk[v + 4] !== 0x2f ||
      chunk[v + 5] !== 0x31 ||
      chunk[v + 6] !== 0x2e ||
      (chunk[v + 7] !== 0x31 && chunk[v + 7] !== 0x30) ||
      chunk[v + 8] !== CR ||
      chunk[v + 9] !== LF
    ) {
      return -1;
    }
    const next = v + 10;
    if (next - i > this.#maxHeadSize) return -1;
    this.#beginHead(i);
    this.#method = latin1(chunk, i, j);
    this.#target = latin1(chunk, t, e);
    this.#major = 1;
    this.#minor = chunk[v + 7]! - 0x30;
    this.#headBytes = next - i;
    this.#state = S.FieldStart;
    return next;
  }

  /**
   * A whole header (or trailer) line, `name: value CRLF`, at `i`: taken in
   * one step. Returns the offset after it, or -1 to go byte by byte.
   */
  #fieldLine(chunk: Buffer, i: number, end: number): number {
    let j = i;
    while (j < end && TOKEN[chunk[j]!] === 1) j++;
    if (j === i || j >= end || chunk[j] !== 0x3a) return -1;
    let v = j + 1;
    while (v < end && (chunk[v] === SP || chunk[v] === HT)) v++;
    let e = v;
    while (e < end && VALUE_CHAR[chunk[e]!] === 1) e++;
    if (e + 1 >= end || chunk[e] !== CR || chunk[e + 1] !== LF) return -1;
    if (this.#headBytes + (e + 2 - i) > this.#maxHeadSize) return -1;
    if (this.#fieldCount >= this.#maxHeaders) return -1;
    let name = '';
    if (!this.#framingOnly || FRAMING_NAME_LENGTH[j - i]) {
      name = latin1(chunk, i, j);
      if (this.#framingOnly && !FRAMING_NAMES.has(name.toLowerCase())) name = '';
    }
    let value = '';
    if (name !== '') {
      let t = e;
      while (t > v && (chunk[t - 1] === SP || chunk[t - 1] === HT)) t--;
      value = t > v ? latin1(chunk, v, t) : '';
      if (!this.#inTrailers && name.length === 14 && name.toLowerCase() === 'content-length') {
        this.#contentLength = this.#parseContentLength(value, e + 1);
      }
      this.#fields.push([name, value]);
    }
    this.#headBytes += e + 2 - i;
    this.#fieldCount++;
    this.#lastSkipped = name === '';
    return e + 2;
  }

  /** The span from #mark (plus what an earlier chunk held) to `i`, ending the span. */
  #takeSpan(chunk: Buffer, i: number): string {
    const text = this.#partial + latin1(chunk, this.#mark, i);
    this.#partial = '';
    this.#mark = -1;
    return text;
  }

  /** The head is complete: decide how the body is framed (RFC 9112 §6.3) and report it. */
  #endHead(chunk: Buffer, next: number): boolean {
    const fields = this.#fields;
    const headers = HttpHeaders.adopt(fields);
    const version = `${this.#major}.${this.#minor}`;
    // The fields that frame the message, found in one pass (names told apart by length first).
    let hasTransferEncoding = false;
    let codings: string[] = NO_TOKENS;
    let connection: string[] = NO_TOKENS;
    let upgradeField = false;
    for (let k = 0; k < fields.length; k++) {
      const [name, value] = fields[k]!;
      const length = name.length;
      if (length === 10 && name.toLowerCase() === 'connection')
        connection = [...connection, ...listTokens(value)];
      else if (length === 17 && name.toLowerCase() === 'transfer-encoding') {
        hasTransferEncoding = true;
        codings = [...codings, ...listTokens(value)];
      } else if (length === 7 && name.toLowerCase() === 'upgrade') upgradeField = true;
    }
    this.#keepAlive =
      this.#major === 1 && this.#minor === 1
        ? !connection.includes('close')
        : this.#major >= 2 || (this.#major === 1 && connection.includes('keep-alive'));

    let rawHead: Buffer | undefined;
    if (this.#captureRaw && this.#rawStart >= 0) {
      // Within one chunk (the usual case) a view is enough: chunks are never reused.
      const tail = chunk.subarray(this.#rawStart, next);
      rawHead = this.#rawParts.length === 0 ? tail : Buffer.concat([...this.#rawParts, tail]);
      this.#rawParts = [];
      this.#rawStart = -1;
    }

    const contentLength = this.#contentLength;
    const at = next - 1;
    if (hasTransferEncoding && contentLength >= 0) {
      throw this.#error(
        "Content-Length can't be present with Transfer-Encoding (request smuggling risk)",
        at,
        400,
      );
    }
    const chunked =
      codings.at(-1) === 'chunked' && codings.indexOf('chunked') === codings.length - 1;

    let head: RequestHead | ResponseHead;
    let noBody = false;
    this.#upgrade = false;
    if (this.kind === 'request') {
      const method = this.#method;
      if (hasTransferEncoding && !chunked) {
        throw this.#error(
          'Request has invalid `Transfer-Encoding`: chunked must be the last coding',
          at,
          400,
        );
      }
      const upgradeAsked = upgradeField && connection.includes('upgrade');
      this.#upgrade = method === 'CONNECT' || method === 'PRI' || upgradeAsked;
      noBody = method === 'CONNECT' || method === 'PRI' || (!chunked && contentLength <= 0);
      head = {
        kind: 'request',
        method,
        target: this.#target,
        version,
        headers,
        keepAlive: this.#keepAlive,
        upgrade: this.#upgrade,
        rawHead,
      };
    } else {
      const status = this.#status;
      const method = this.#requestMethod;
      this.#upgrade = status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
      noBody =
        method === 'HEAD' ||
        (status >= 100 && status < 200) ||
        status === 204 ||
        status === 304 ||
        this.#upgrade ||
        (!chunked && contentLength === 0);
      head = {
        kind: 'response',
        status,
        reason: this.#reason,
        version,
        headers,
        keepAlive: this.#keepAlive,
        upgrade: this.#upgrade,
        rawHead,
      };
    }
    this.#handler.onHead(head);

    if (noBody) {
      this.#complete();
      return true;
    }
    if (chunked) {
      this.#state = S.ChunkSize;
      this.#remaining = 0;
      this.#chunkSizeDigits = 0;
    } else if (contentLength >= 0) {
      this.#state = S.BodyLength;
      this.#remaining = contentLength;
    } else {
      // A response with neither: the body runs to the end of the connection.
      this.#state = S.BodyClose;
      this.#keepAlive = false;
    }
    return false;
  }

  /**
   * One Content-Length line: digits, or a list of identical ones (RFC 9112
   * §6.3 item 5), agreeing with any earlier line.
   */
  #parseContentLength(value: string, at: number): number {
    let length = this.#contentLength;
    // The usual case first: one run of at most 15 digits.
    if (value.length > 0 && value.length <= 15 && isDigits(value)) {
      const n = Number(value);
      if (length >= 0 && n !== length) {
        throw this.#error(
          `Duplicate Content-Length with different values (${length} and ${n})`,
          at,
          400,
        );
      }
      return n;
    }
    for (const part of value.split(',')) {
      const text = part.trim();
      if (text === '') throw this.#error('Empty Content-Length', at, 400);
      if (!/^\d+$/.test(text))
        throw this.#error(`Invalid character in Content-Length ${JSON.stringify(value)}`, at, 400);
      if (text.length > 15 || Number(text) > Number.MAX_SAFE_INTEGER)
        throw this.#error('Content-Length overflow', at, 400);
      const n = Number(text);
      if (length >= 0 && n !== length) {
        throw this.#error(
          `Duplicate Content-Length with different values (${length} and ${n})`,
          at,
          400,
        );
      }
      length = n;
    }
    return length;
  }

  #endTrailers(): void {
    if (this.#fields.length > 0) this.#handler.onTrailers?.(new HttpHeaders(this.#fields));
    this.#inTrailers = false;
    this.#complete();
  }

  #complete(): void {
    this.#fields = [];
    this.#fieldCount = 0;
    this.#inTrailers = false;
    this.#state = this.#upgrade ? S.Upgraded : this.#keepAlive ? S.Start : S.Closed;
    this.#handler.onComplete();
  }

  /** Content-Length and close-delimited bodies: hand out views of the chunk. */
  #body(chunk: Buffer, i: number, end: number): number {
    if (this.#state === S.BodyClose) {
      this.#handler.onBody(chunk.subarray(i, end));
      return end;
    }
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
    if (this.#remaining === 0) this.#state = S.ChunkDataCr;
    return i + take;
  }
}

const NO_TOKENS: string[] = [];

/** The elements of a comma-separated list value, trimmed and lowercased, empty ones dropped. */
function listTokens(value: string): string[] {
  // The usual case, one token ("keep-alive", "chunked"): no split.
  if (value.indexOf(',') === -1) {
    const token = value.trim().toLowerCase();
    return token === '' ? [] : [token];
  }
  const out: string[] = [];
  for (const part of value.split(',')) {
    const token = part.trim().toLowerCase();
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

/** Lengths of the framing field names: upgrade, connection, content-length, transfer-encoding. */
const FRAMING_NAME_LENGTH: Record<number, true> = { 7: true, 10: true, 14: true, 17: true };
const FRAMING_NAMES = new Set(['upgrade', 'connection', 'content-length', 'transfer-encoding']);
const SKIPPED_FIELD: [string, string] = ['', ''];

function trimOws(value: string): string {
  let end = value.length;
  while (end > 0 && (value.charCodeAt(end - 1) === SP || value.charCodeAt(end - 1) === HT)) end--;
  return end === value.length ? value : value.slice(0, end);
}
