/**
 * An example that crashes prints Node's report of the uncaught error: where
 * it was thrown (file, source line, a caret), the error, its stack, its
 * properties, and "Node.js v20…". The tour shows none of that: it keeps
 * what the program itself printed and says in one sentence what went
 * wrong and where.
 *
 * @module
 */

/** A stack frame: `    at fn (file:///…:12:5)`, `    at file:///…:12:5`, `    at async Promise.all (index 0)`. */
const FRAME = /^ {4}at \S/;
/** The first line of Node's uncaught-error report: where it was thrown (`file:///…:12`, `node:…:389`, `[eval]:1`). */
const LOCATION = /^\S+:\d+$/;
const CARET = /^\s*\^+\s*$/;
const TRAILER = /^Node\.js v\d+\.\d+\.\d+$/;
/** The line that starts an error's description when Node printed no location above it. */
const ERROR_START = /^(?:\[?\w*(?:Error|Exception|Rejection)\b|Uncaught\b)/;
const FILE_IN_FRAME = /(file:\/\/\/[^\s()]+?):(\d+):\d+\)?$/;
const MAX_DESCRIPTION = 200;

/** What an example wrote to stderr, split into its own output and a crash, if it crashed. */
export interface CrashSummary {
  /** stderr without the crash report. */
  output: string;
  /** The crash in one sentence: the error and where it was thrown. */
  crash?: string;
}

/** A file URL from a report, shortened to the part a reader recognises (`dist/examples/…`). */
function shortPath(url: string, line: string): string {
  const path = url.replace(/^file:\/\//, '');
  const at = path.lastIndexOf('/dist/');
  return `${at === -1 ? path.slice(path.lastIndexOf('/') + 1) : path.slice(at + 1)}:${line}`;
}

function describeError(lines: string[]): string {
  const text = lines
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
  const rejected =
    /^UnhandledPromiseRejection: .*The promise rejected with the reason (.*)\.$/.exec(text);
  if (rejected !== null) return `a promise was rejected with ${rejected[1]} and nothing caught it`;
  if (text !== '' && !ERROR_START.test(text)) return abridge(`it threw ${text}`);
  return abridge(text);
}

function abridge(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION)}…`;
}

/**
 * Finds the first error report (with a stack, or Node's fatal one) in
 * `stderr`. Returns the rest of stderr as `output`, and the report as one
 * sentence in `crash`; with no report, stderr unchanged and no `crash`.
 */
export function summarizeCrash(stderr: string): CrashSummary {
  const lines = stderr.split('\n');
  const firstFrame = lines.findIndex((line) => FRAME.test(line));
  const trailer = lines.findIndex((line) => TRAILER.test(line));
  if (firstFrame === -1 && trailer === -1) return { output: stderr };
  const anchor =
    firstFrame !== -1 && (trailer === -1 || firstFrame < trailer) ? firstFrame : trailer;

  // Where the report ends: after Node's trailer, else after the frames and the properties block.
  let end: number;
  let framesEnd = anchor;
  while (framesEnd < lines.length && FRAME.test(lines[framesEnd]!)) framesEnd++;
  if (trailer !== -1 && trailer >= anchor) {
    end = trailer + 1;
  } else {
    end = framesEnd;
    if (lines[end - 1]?.endsWith(' {')) {
      while (end < lines.length && lines[end] !== '}') end++;
      end++;
    }
  }

  // Where it starts: Node's location header (file:line, the source line, a caret), else the
  // line that names the error.
  let start = -1;
  for (let k = 0; k + 2 < anchor; k++) {
    if (LOCATION.test(lines[k]!) && CARET.test(lines[k + 2]!)) {
      start = k;
      break;
    }
  }
  let description: string[];
  let location: string | undefined;
  if (start !== -1) {
    description = lines.slice(start + 3, anchor);
    const header = lines[start]!;
    if (header.startsWith('file://') || header.startsWith('/')) {
      const split = header.lastIndexOf(':');
      location = shortPath(header.slice(0, split), header.slice(split + 1));
    }
  } else {
    start = anchor - 1;
    for (let k = anchor - 1; k >= Math.max(0, anchor - 10); k--) {
      if (ERROR_START.test(lines[k]!)) {
        start = k;
        break;
      }
    }
    start = Math.max(0, start);
    description = lines.slice(start, anchor);
  }
  if (location === undefined) {
    for (const frame of lines.slice(anchor, framesEnd)) {
      const file = FILE_IN_FRAME.exec(frame);
      if (file !== null) {
        location = shortPath(file[1]!, file[2]!);
        break;
      }
    }
  }

  const sentence = describeError(description) || 'an error without a message';
  const rest = [...lines.slice(0, start), ...lines.slice(end)].join('\n').replace(/\s+$/, '');
  return {
    output: rest === '' ? '' : `${rest}\n`,
    crash: location === undefined ? sentence : `${sentence} (at ${location})`,
  };
}
