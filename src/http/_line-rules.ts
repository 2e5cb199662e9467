/**
 * The grammar of each kind of line in an HTTP/1.1 message (RFC 9112), one
 * function per rule: request line (§3), status line (§4), field line (§5),
 * obs-fold continuation (§5.2), chunk-size line (§7.1), and the empty lines
 * that end a head, a trailer section or a chunk's data.
 *
 * Each function scans `buf[start, end)` once, left to right, and answers
 * with the index of the LF that ends the line, or `NEED_MORE` when the
 * bytes ran out before the line ended with nothing wrong in them so far,
 * or `INVALID` with the first error in `parts`. Every answer depends only
 * on the bytes scanned up to where it is given (one byte past a CR, to
 * tell a line end from a bare CR), never on what follows, so a rule gives
 * the same answer for a line however much more of it is available: that
 * is what lets the parser check a line cut short by a limit, or by the end
 * of the stream, with the very rule it uses for whole lines. (An error may
 * be reported before the byte that decided it: an unsupported version is
 * known at its second digit and reported at its "HTTP/".)
 *
 * Positions found on the way (where the method ends, where a value starts
 * and ends…) are left in `parts`; only an error's reason is a string.
 *
 * @module
 */

/** The bytes ran out before the line ended; nothing wrong so far. */
export const NEED_MORE = -1;
/** The line breaks its rule: `parts.errorAt`, `parts.reason` and `parts.errorStatus` say how. */
export const INVALID = -2;

/** What a scan found: positions in the scanned buffer, or the first error. */
export class LineParts {
  methodEnd = 0;
  targetStart = 0;
  targetEnd = 0;
  /** Where `HTTP/` begins, and its minor digit (start lines; the major is always 1). */
  versionStart = 0;
  minor = 0;
  status = 0;
  reasonStart = 0;
  reasonEnd = 0;
  nameEnd = 0;
  /** A field value without the whitespace around it (RFC 9110 §5.5). */
  valueStart = 0;
  valueEnd = 0;
  chunkSize = 0;
  errorAt = 0;
  reason = '';
  errorStatus = 400;
}

// ── character classes ────────────────────────────────────────────────────

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HT = 0x09;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** tchar (RFC 9110 §5.6.2): methods, field names, chunk extension names and tokens. */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/** field-vchar and obs-text (RFC 9110 §5.5). */
const FIELD_VCHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) FIELD_VCHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VCHAR[c] = 1;

/** Bytes of a field value or reason phrase: field-vchar, obs-text, SP and HTAB. */
const VALUE_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) if (FIELD_VCHAR[c] || c === SP || c === HT) VALUE_CHAR[c] = 1;

/** request-target: visible ASCII only (RFC 3986 plus the characters browsers send raw). */
const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c <= 9; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

/** qdtext (RFC 9110 §5.6.4). */
const QDTEXT = new Uint8Array(256);
QDTEXT[HT] = 1;
QDTEXT[SP] = 1;
QDTEXT[0x21] = 1;
for (let c = 0x23; c <= 0x5b; c++) QDTEXT[c] = 1;
for (let c = 0x5d; c <= 0x7e; c++) QDTEXT[c] = 1;
for (let c = 0x80; c <= 0xff; c++) QDTEXT[c] = 1;

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/** The most hex digits of a chunk size: 16 already exceed any size this parser can count. */
export const MAX_CHUNK_SIZE_DIGITS = 16;

/** A byte as an error message names it: `"x"` when printable, else by name or in hex. */
function describeByte(c: number): string {
  if (c === CR) return 'CR';
  if (c === LF) return 'LF';
  if (c === SP) return 'SP';
  if (c === HT) return 'HTAB';
  if (c > 0x20 && c < 0x7f) return JSON.stringify(String.fromCharCode(c));
  return `0x${c.toString(16).padStart(2, '0')}`;
}

export function fail(parts: LineParts, at: number, reason: string, status = 400): number {
  parts.errorAt = at;
  parts.reason = reason;
  parts.errorStatus = status;
  return INVALID;
}

/**
 * At a CR or LF at `p`: the index of the LF that ends the line there (a
 * lone LF is a line end, RFC 9112 §2.2), `NEED_MORE` for a CR that is the
 * last byte available, or `INVALID` for a bare CR.
 */
function endOfLine(buf: Uint8Array, p: number, end: number): number {
  if (buf[p] === LF) return p;
  if (p + 1 >= end) return NEED_MORE;
  return buf[p + 1] === LF ? p + 1 : INVALID;
}

/** A line that must be empty (CRLF or LF), whose first byte is CR or LF. */
export function scanEmptyLine(
  buf: Uint8Array,
  start: number,
  end: number,
  parts: LineParts,
  bareCrReason: string,
): number {
  const e = endOfLine(buf, start, end);
  return e === INVALID ? fail(parts, start, bareCrReason) : e;
}

/** `HTTP/` DIGIT `.` DIGIT at `p`: the index after it, or NEED_MORE / INVALID. */
function scanVersion(buf: Uint8Array, p: number, end: number, parts: LineParts): number {
  parts.versionStart = p;
  for (let k = 0; k < 5; k++, p++) {
    if (p >= end) return NEED_MORE;
    if (buf[p] !== HTTP_SLASH[k])
      return fail(parts, p, `Expected "HTTP/" in the HTTP version, found ${describeByte(buf[p]!)}`);
  }
  // DIGIT "." DIGIT, each byte checked as soon as it is there.
  for (let k = 0; k < 3; k++, p++) {
    if (p >= end) return NEED_MORE;
    const c = buf[p]!;
    if (k === 1 ? c !== 0x2e : c < 0x30 || c > 0x39)
      return fail(
        parts,
        p,
        `Expected ${k === 1 ? 'a dot' : 'a digit'} in the HTTP version, found ${describeByte(c)}`,
      );
  }
  const major = buf[p - 3]! - 0x30;
  const minor = buf[p - 1]! - 0x30;
  // RFC 9112 §2.5: a later minor version of HTTP/1 is read as 1.1; another major is not HTTP/1.
  if (major !== 1) {
    return fail(
      parts,
      parts.versionStart,
      `Unsupported HTTP version ${major}.${minor} (only HTTP/1.x is supported)`,
      505,
    );
  }
  parts.minor = minor;
  return p;
}

/**
 * request-line = method SP request-target SP HTTP-version (RFC 9112 §3):
 * single spaces, a token method, a target of visible ASCII.
 */
export function scanRequestLine(
  buf: Uint8Array,
  start: number,
  end: number,
  parts: LineParts,
): number {
  let p = start;
  while (p < end && TOKEN[buf[p]!] === 1) p++;
  if (p === end) return NEED_MORE;
  let c = buf[p]!;
  if (p === start) return fail(parts, p, `Invalid character in the method: ${describeByte(c)}`);
  if (c !== SP)
    return fail(parts, p, `Expected a space after the method, found ${describeByte(c)}`);
  parts.methodEnd = p;
  const target = ++p;
  while (p < end && TARGET[buf[p]!] === 1) p++;
  if (p === end) return NEED_MORE;
  c = buf[p]!;
  if (p === target)
    return fail(
      parts,
      p,
      `Invalid character at the start of the request target: ${describeByte(c)}`,
    );
  if (c !== SP) {
    if (c === CR || c === LF) {
      // An HTTP/0.9 simple request; RFC 9112 §2.3 lets a server refuse it.
      return fail(parts, p, 'Expected an HTTP version after the request target');
    }
    return fail(parts, p, `Invalid character in the request target: ${describeByte(c)}`);
  }
  parts.targetStart = target;
  parts.targetEnd = p;
  p = scanVersion(buf, p + 1, end, parts);
  if (p < 0) return p;
  if (p === end) return NEED_MORE;
  c = buf[p]!;
  if (c === CR || c === LF) {
    const e = endOfLine(buf, p, end);
    return e === INVALID
      ? fail(parts, p, 'Expected LF after CR at the end of the request line')
      : e;
  }
  return fail(
    parts,
    p,
    `Expected the end of the request line after the version, found ${describeByte(c)}`,
  );
}

/**
 * status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112
 * §4); a status line that ends right after the code is accepted too.
 */
export function scanStatusLine(
  buf: Uint8Array,
  start: number,
  end: number,
  parts: LineParts,
): number {
  let p = scanVersion(buf, start, end, parts);
  if (p < 0) return p;
  if (p === end) return NEED_MORE;
  if (buf[p] !== SP)
    return fail(
      parts,
      p,
      `Expected a space after the HTTP version, found ${describeByte(buf[p]!)}`,
    );
  p++;
  let status = 0;
  for (let k = 0; k < 3; k++, p++) {
    if (p >= end) return NEED_MORE;
    const digit = buf[p]! - 0x30;
    if (digit < 0 || digit > 9 || (k === 0 && digit === 0))
      return fail(
        parts,
        p,
        `Invalid status code: ${describeByte(buf[p]!)} where a digit was expected`,
      );
    status = status * 10 + digit;
  }
  parts.status = status;
  if (p === end) return NEED_MORE;
  let c = buf[p]!;
  if (c === SP) {
    const reason = ++p;
    while (p < end && VALUE_CHAR[buf[p]!] === 1) p++;
    if (p === end) return NEED_MORE;
    parts.reasonStart = reason;
    c = buf[p]!;
    if (c !== CR && c !== LF)
      return fail(parts, p, `Invalid character in the reason phrase: ${describeByte(c)}`);
  } else if (c !== CR && c !== LF) {
    return fail(parts, p, `Invalid status code: ${describeByte(c)} after three digits`);
  } else {
    parts.reasonStart = p;
  }
  parts.reasonEnd = p;
  const e = endOfLine(buf, p, end);
  return e === INVALID ? fail(parts, p, 'Missing expected LF after the status line (bare CR)') : e;
}

/**
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 §5), or, when
 * the line begins with whitespace, an obs-fold continuation line (§5.2):
 * OWS field-value OWS. Whether a continuation is allowed where it stands is
 * the parser's business, not the grammar's.
 */
export function scanFieldLine(
  buf: Uint8Array,
  start: number,
  end: number,
  parts: LineParts,
): number {
  let p = start;
  if (buf[p] !== SP && buf[p] !== HT) {
    while (p < end && TOKEN[buf[p]!] === 1) p++;
    if (p === end) return NEED_MORE;
    if (buf[p] !== COLON || p === start) return fieldNameError(buf, start, p, parts);
    parts.nameEnd = p++;
  }
  while (p < end && (buf[p] === SP || buf[p] === HT)) p++;
  const value = p;
  while (p < end && VALUE_CHAR[buf[p]!] === 1) p++;
  if (p === end) return NEED_MORE;
  const c = buf[p]!;
  const e = c === CR || c === LF ? endOfLine(buf, p, end) : INVALID;
  if (e < 0) return e === NEED_MORE ? e : fieldValueError(buf, p, parts);
  let last = p;
  while (last > value && (buf[last - 1] === SP || buf[last - 1] === HT)) last--;
  parts.valueStart = value;
  parts.valueEnd = last;
  return e;
}

function fieldValueError(buf: Uint8Array, p: number, parts: LineParts): number {
  const c = buf[p]!;
  if (c === CR) return fail(parts, p, 'Missing expected LF after header value (bare CR)');
  return fail(parts, p, `Invalid header value char: ${describeByte(c)}`);
}

function fieldNameError(buf: Uint8Array, start: number, p: number, parts: LineParts): number {
  const c = buf[p]!;
  // RFC 9112 §5.1: no whitespace is allowed between the name and the colon.
  if (p > start && (c === SP || c === HT))
    return fail(
      parts,
      p,
      `Invalid header field char ${describeByte(c)} (whitespace before the colon)`,
    );
  if (p > start && (c === CR || c === LF))
    return fail(parts, p, 'Invalid header token: the line has no colon');
  return fail(parts, p, `Invalid header token: ${describeByte(c)}`);
}

// Where a chunk-size line's scan is, after the size (chunk-ext, RFC 9112 §7.1.1).
const AFTER_SIZE = 0;
const BWS = 1;
const NAME_START = 2;
const NAME = 3;
const AFTER_NAME = 4;
const VALUE_START = 5;
const TOKEN_VALUE = 6;
const QUOTED = 7;
const ESCAPE = 8;
const AFTER_VALUE = 9;

/** States in which a chunk-size line may end. */
const MAY_END = [true, false, false, true, true, false, true, false, false, true];

/**
 * chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1): at most 16 hex digits
 * whose value fits a JavaScript integer exactly, then extensions of at most
 * `maxExtension` bytes (everything between the size and the line end).
 */
export function scanChunkSizeLine(
  buf: Uint8Array,
  start: number,
  end: number,
  maxExtension: number,
  parts: LineParts,
): number {
  let p = start;
  let size = 0;
  for (; p < end; p++) {
    const digit = HEX[buf[p]!]!;
    if (digit < 0) break;
    if (p - start === MAX_CHUNK_SIZE_DIGITS)
      return fail(parts, p, `Chunk size overflow: more than ${MAX_CHUNK_SIZE_DIGITS} hex digits`);
    size = size * 16 + digit;
    if (size > Number.MAX_SAFE_INTEGER)
      return fail(parts, p, 'Chunk size overflow: larger than 2^53 - 1 bytes');
  }
  if (p === end) return NEED_MORE;
  if (p === start)
    return fail(parts, p, `Invalid character in chunk size: ${describeByte(buf[p]!)}`);
  parts.chunkSize = size;
  const extensions = p;
  let state = AFTER_SIZE;
  for (; p < end; p++) {
    const c = buf[p]!;
    if (c === CR || c === LF) {
      if (!MAY_END[state]) return extensionError(parts, p, state);
      const e = endOfLine(buf, p, end);
      return e === INVALID ? fail(parts, p, 'Expected LF after chunk size (bare CR)') : e;
    }
    if (p - extensions >= maxExtension)
      return fail(parts, p, `Chunk extensions longer than ${maxExtension} bytes`);
    switch (state) {
      case AFTER_SIZE:
      case BWS:
        if (c === SEMICOLON) state = NAME_START;
        else if (c === SP || c === HT) state = BWS;
        else return fail(parts, p, `Invalid character in chunk size: ${describeByte(c)}`);
        break;
      case NAME_START:
        if (TOKEN[c] === 1) state = NAME;
        else if (c !== SP && c !== HT) return extensionError(parts, p, state);
        break;
      case NAME:
      case AFTER_NAME:
      case TOKEN_VALUE:
      case AFTER_VALUE: {
        const inName = state === NAME || state === AFTER_NAME;
        if ((state === NAME || state === TOKEN_VALUE) && TOKEN[c] === 1) break;
        if (c === SEMICOLON) state = NAME_START;
        else if (inName && c === EQUALS) state = VALUE_START;
        else if (c === SP || c === HT) state = inName ? AFTER_NAME : AFTER_VALUE;
        else return extensionError(parts, p, state);
        break;
      }
      case VALUE_START:
        if (c === DQUOTE) state = QUOTED;
        else if (TOKEN[c] === 1) state = TOKEN_VALUE;
        else if (c !== SP && c !== HT) return extensionError(parts, p, state);
        break;
      case QUOTED:
        if (c === DQUOTE) state = AFTER_VALUE;
        else if (c === BACKSLASH) state = ESCAPE;
        else if (QDTEXT[c] !== 1) return extensionError(parts, p, state);
        break;
      case ESCAPE:
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        if (c !== HT && c !== SP && FIELD_VCHAR[c] !== 1) return extensionError(parts, p, state);
        state = QUOTED;
        break;
    }
  }
  return NEED_MORE;
}

function extensionError(parts: LineParts, p: number, state: number): number {
  if (state === BWS)
    return fail(parts, p, 'Invalid character in chunk size: whitespace without an extension');
  if (state === QUOTED || state === ESCAPE)
    return fail(parts, p, 'Invalid character in chunk extensions quoted value');
  return fail(parts, p, 'Invalid character in chunk extensions');
}

/** The CRLF (or LF) that must follow a chunk's data. */
export function scanChunkDataEnd(
  buf: Uint8Array,
  start: number,
  end: number,
  parts: LineParts,
): number {
  const c = buf[start]!;
  if (c !== CR && c !== LF)
    return fail(parts, start, `Expected CRLF after chunk data, found ${describeByte(c)}`);
  return scanEmptyLine(buf, start, end, parts, 'Expected LF after the CR that ends chunk data');
}
