/**
 * Asking questions on stdin, as Python's `input()` does: the prompt goes to
 * stdout, the answer is the next line of stdin, whether stdin is a terminal
 * or a pipe.
 *
 * @module
 */

import { createInterface, type Interface } from 'node:readline';

export class Prompter {
  readonly #rl: Interface;
  readonly #lines: AsyncIterator<string>;

  constructor() {
    const terminal = Boolean(process.stdin.isTTY);
    this.#rl = createInterface({
      input: process.stdin,
      output: terminal ? process.stdout : undefined,
      terminal,
    });
    this.#lines = this.#rl[Symbol.asyncIterator]();
  }

  /** Prints `prompt` and resolves with the next line, or `null` at the end of stdin. */
  async ask(prompt: string): Promise<string | null> {
    process.stdout.write(prompt);
    const next = await this.#lines.next();
    if (next.done) {
      // Python's input() ends the prompt line with the EOFError; keep the terminal tidy the same way.
      process.stdout.write('\n');
      return null;
    }
    return next.value;
  }

  close(): void {
    this.#rl.close();
  }
}
