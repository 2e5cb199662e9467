/**
 * How every example ends when something goes wrong: one sentence on stderr, naming the
 * example and the problem, and exit code 1. Python's tutorials put their code in `main()` and
 * call it under `if __name__ == '__main__'`; this is that `main()`, with the one `except` a
 * command-line program wants. socketkit's errors already say what failed, with which host and
 * port, in a sentence: the stack trace Node would print adds nothing a reader can act on.
 *
 *     import { main } from './_main.js';
 *     await main(async () => {
 *       await using sock = await connect(host, port, { timeout: 10_000 });
 *       …
 *     });
 */
import { basename } from 'node:path';

/** Runs `program`; if it throws, prints `<example>: <message>` and sets the exit code to 1. */
export async function main(program: () => Promise<void>): Promise<void> {
  try {
    await program();
  } catch (error) {
    const name = basename(process.argv[1] ?? 'example').replace(/\.[cm]?[jt]s$/, '');
    const message = error instanceof Error ? error.message : String(error);
    // One line, whatever the message: a sentence per problem.
    console.error(`${name}: ${message.replace(/\s*\n\s*/g, ' ')}`);
    process.exitCode = 1;
  }
}
