/**
 * `socketkit echo [HOST] [PORT]`: tutorial 004's interactive echo client. It
 * asks for the host and port (again, with a reason, until the answers make
 * sense), then sends each message as a line (CRLF) and prints the line that
 * comes back, until an empty message. With stdin not a terminal it reads
 * the answers line by line and still prints the prompts, as Python's
 * `input()` does.
 *
 * @module
 */

import { Command } from 'commander';
import { validateHost } from '../../core/address.js';
import { decode } from '../../core/bytes.js';
import { IncompleteReadError } from '../../core/errors.js';
import { connect } from '../../socket/connect.js';
import type { StreamSocket } from '../../socket/stream-socket.js';
import { writeOut } from '../_output.js';
import { Prompter } from '../_prompt.js';
import { CliError, ExitCode } from '../exit-codes.js';

export function echoCommand(): Command {
  return new Command('echo')
    .description(
      "tutorial 004's interactive echo client: Host, Port, then Message / Response until an empty message",
    )
    .argument('[host]', 'the server (asked for when missing)')
    .argument('[port]', 'its port (asked for when missing)')
    .addHelpText(
      'after',
      `
Example (against socketkit serve):
  $ socketkit echo 127.0.0.1 7007
  Connecting to 127.0.0.1 (port 7007)...
  Connected!
  Message: Hello there
  Response: Hello there
  Message:
  Closing connection...
  Closed!`,
    )
    .action(async (hostArgument: string | undefined, portArgument: string | undefined) => {
      process.exitCode = await runEcho(hostArgument, portArgument);
    });
}

/** Why a host answer is not usable, or `null` when it is. */
function hostProblem(answer: string): string | null {
  if (answer === '')
    return 'A host is needed: a name such as localhost, or an address such as 127.0.0.1.';
  try {
    validateHost(answer);
    return null;
  } catch {
    return 'A host cannot contain spaces or control characters.';
  }
}

/** The port an answer names, or `null` when it is not a whole number from 0 to 65535. */
function portOf(answer: string): number | null {
  return /^\d{1,5}$/.test(answer) && Number(answer) <= 65535 ? Number(answer) : null;
}

const PORT_REASON = 'The port must be a whole number from 0 to 65535.';

/** How long connecting, or waiting for an echo, may take (as daytime and qotd). */
const TIMEOUT_MS = 10_000;

/**
 * The echoed line, without its line end. A close before the line end is an error, not a
 * line: the echo was cut short (exit 18), or never came (exit 52).
 */
async function readEcho(sock: StreamSocket, host: string): Promise<string> {
  try {
    const line = decode(await sock.recvUntil('\n'));
    return line.endsWith('\r\n') ? line.slice(0, -2) : line.slice(0, -1);
  } catch (error) {
    if (!(error instanceof IncompleteReadError)) throw error;
    if (error.partial.length === 0)
      throw new CliError(
        `${host} closed the connection instead of answering`,
        ExitCode.EMPTY_REPLY,
      );
    const bytes = error.partial.length;
    throw new CliError(
      `${host} closed the connection in the middle of the echo: ${bytes} byte${bytes === 1 ? '' : 's'} came, and no line end`,
      ExitCode.PARTIAL,
    );
  }
}

async function runEcho(
  hostArgument: string | undefined,
  portArgument: string | undefined,
): Promise<number> {
  const prompter = new Prompter();
  try {
    let host = hostArgument?.trim();
    if (host !== undefined) {
      const problem = hostProblem(host);
      if (problem)
        throw new CliError(`Invalid host ${JSON.stringify(host)}: ${problem}`, ExitCode.USAGE);
    }
    while (host === undefined) {
      const answer = await prompter.ask('Host: ');
      if (answer === null)
        throw new CliError('No host given before the end of input', ExitCode.USAGE);
      const problem = hostProblem(answer.trim());
      if (problem) await writeOut(`${problem}\n`);
      else host = answer.trim();
    }

    let port = portArgument === undefined ? null : portOf(portArgument.trim());
    if (portArgument !== undefined && port === null) {
      throw new CliError(
        `Invalid port ${JSON.stringify(portArgument)}: ${PORT_REASON}`,
        ExitCode.USAGE,
      );
    }
    while (port === null) {
      const answer = await prompter.ask('Port: ');
      if (answer === null)
        throw new CliError('No port given before the end of input', ExitCode.USAGE);
      port = portOf(answer.trim());
      if (port === null) await writeOut(`${PORT_REASON}\n`);
    }

    await writeOut(`Connecting to ${host} (port ${port})...\n`);
    const sock = await connect(host, port, { timeout: TIMEOUT_MS });
    // Each wait for an echo is bounded; the wait for the next message typed is not.
    sock.setTimeout(TIMEOUT_MS);
    await writeOut('Connected!\n');
    try {
      for (;;) {
        const message = await prompter.ask('Message: ');
        if (message === null || message === '') break;
        await sock.writeLine(message);
        await writeOut(`Response: ${await readEcho(sock, host)}\n`);
      }
      await writeOut('Closing connection...\n');
    } finally {
      await sock.close();
    }
    await writeOut('Closed!\n');
    return ExitCode.OK;
  } finally {
    prompter.close();
  }
}
