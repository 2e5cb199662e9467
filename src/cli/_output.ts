/**
 * Writing to stdout and stderr from commands: byte-exact stdout with
 * backpressure, hex dumps, narration and error lines on stderr.
 *
 * @module
 */

import { colours } from './_colour.js';
import { CliError, ExitCode } from './exit-codes.js';

/** Writes bytes or text to stdout and waits until it has taken them. */
export function writeOut(data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => {
      if (!error) resolve();
      // A reader that stopped (`| head`) is not a failure: main.ts ends the process quietly.
      else if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
      else reject(outputError(error, 'the output'));
    });
  });
}

const FS_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EIO: 'an input/output error',
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'the file system is read-only',
  EFBIG: 'the file is too large',
};

/** A failed write of the output (stdout, `-o FILE`), as curl's exit 23, in one sentence. */
export function outputError(error: unknown, what: string): CliError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason = FS_REASONS[code] ?? (error as Error).message;
  return new CliError(
    `Cannot write ${what}: ${reason}${code ? ` (${code})` : ''}`,
    ExitCode.WRITE_ERROR,
  );
}

/** A line on stderr (the newline is added). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** `socketkit: <message>` on stderr, in red when stderr itself is a terminal (see _colour.ts). */
export function reportError(message: string): void {
  process.stderr.write(`${colours('stderr').red('socketkit:')} ${message}\n`);
}

/**
 * Formats bytes as a hex dump in the style of `xxd`/`ncat --hex-dump`, each
 * line prefixed by `marker` (`>` sent, `<` received) and the running offset.
 *
 *     > 00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 30 0d 0a  |GET / HTTP/1.0..|
 */
export function hexDump(marker: string, bytes: Uint8Array, startOffset: number): string {
  let out = '';
  for (let line = 0; line < bytes.length; line += 16) {
    const slice = bytes.subarray(line, line + 16);
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      const byte = slice[i];
      hex += byte === undefined ? '   ' : `${byte.toString(16).padStart(2, '0')} `;
      if (byte !== undefined) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
    }
    const offset = (startOffset + line).toString(16).padStart(8, '0');
    out += `${marker} ${offset}  ${hex} |${text}|\n`;
  }
  return out;
}

/** A right-padded table of rows, columns separated by two spaces. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * A log for servers: lines gathered and written to stderr together, each stamped `HH:MM:SS`,
 * as nginx's buffered access log does. A server under load logs thousands of lines a second;
 * one write each is a system call per request (stderr is synchronous for files and pipes), which
 * costs about as much as serving the request. Lines are written once 32 KiB have gathered or
 * 100 ms after the first of them, whichever comes first, and whatever is left at exit.
 */
export class LogWriter {
  #lines: string[] = [];
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #second = -1;
  #stamp = '';
  readonly #write: (text: string) => void;

  constructor(write: (text: string) => void = (text) => process.stderr.write(text)) {
    this.#write = write;
    process.once('exit', () => this.flush());
  }

  /** Queues one line (without its line end). */
  line(text: string): void {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#stamp = new Date(now).toISOString().slice(11, 19);
    }
    this.#queue(`${this.#stamp} ${text}\n`);
  }

  /** Queues text as it is (already stamped or not a log line: a raw request, say). */
  raw(text: string): void {
    this.#queue(text.endsWith('\n') ? text : `${text}\n`);
  }

  #queue(text: string): void {
    this.#lines.push(text);
    this.#bytes += text.length;
    if (this.#bytes >= 32 * 1024) this.flush();
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.flush(), 100);
      this.#timer.unref();
    }
  }

  /** Writes every queued line now. */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('');
    this.#lines = [];
    this.#bytes = 0;
    this.#write(text);
  }
}
