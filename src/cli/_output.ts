/**
 * Writing to stdout and stderr from commands: byte-exact stdout with
 * backpressure, hex dumps, narration and error lines on stderr.
 *
 * @module
 */

import pc from 'picocolors';

/** Writes bytes or text to stdout and waits until it has taken them. */
export function writeOut(data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

/** A line on stderr (the newline is added). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** `socketkit: <message>` on stderr, in red when stderr is a terminal and NO_COLOR is unset. */
export function reportError(message: string): void {
  process.stderr.write(`${pc.red('socketkit:')} ${message}\n`);
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
