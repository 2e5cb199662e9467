#!/usr/bin/env node
/**
 * The `socketkit` command: builds the command tree (program.ts, one module per subcommand,
 * loaded only when needed), maps commander's usage errors to exit code 2 and socketkit's errors
 * to curl-style exit codes.
 *
 * @module
 */

import { CommanderError } from 'commander';
import { reportError } from './_output.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { program } from './program.js';

async function main(argv: string[]): Promise<number> {
  const cli = await program(argv[2]);
  if (argv.length <= 2) {
    cli.outputHelp();
    return ExitCode.OK;
  }
  try {
    await cli.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successes; everything else is bad usage.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    reportError(error instanceof Error ? error.message : String(error));
    if (process.env.SOCKETKIT_DEBUG && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}

// Output piped into something that stopped reading (`| head`): nothing more to say, and no error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

process.exit(await main(process.argv));
