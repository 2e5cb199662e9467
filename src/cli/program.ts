/**
 * The `socketkit` command tree: the root command and one module per subcommand, each loaded only
 * when needed. main.ts runs it; the `completion` command and the man-page build step
 * (scripts/build-man.ts) walk it, so flags are written down once, where they are parsed.
 *
 * @module
 */

import { Command } from 'commander';
import { VERSION } from '../core/version.js';

/**
 * Every command, loaded only when needed: `socketkit fetch …` loads the fetch
 * module and what it uses, nothing else (start-up time is part of every run).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  fetch: async () => (await import('./commands/fetch.js')).fetchCommand(),
  resolve: async () => (await import('./commands/resolve.js')).resolveCommand(),
  hostname: async () => (await import('./commands/hostname.js')).hostnameCommand(),
  service: async () => (await import('./commands/service.js')).serviceCommand(),
  connect: async () => (await import('./commands/connect.js')).connectCommand(),
  listen: async () => (await import('./commands/listen.js')).listenCommand(),
  serve: async () => (await import('./commands/serve.js')).serveCommand(),
  echo: async () => (await import('./commands/echo.js')).echoCommand(),
  daytime: async () => (await import('./commands/daytime.js')).daytimeCommand(),
  qotd: async () => (await import('./commands/qotd.js')).qotdCommand(),
  bench: async () => (await import('./commands/bench.js')).benchCommand(),
  relay: async () => (await import('./commands/relay.js')).relayCommand(),
  tour: async () => (await import('./commands/tour.js')).tourCommand(),
  completion: async () => (await import('./commands/completion.js')).completionCommand(),
};

/** Commands that describe the others, and so need every command loaded beside them. */
const DESCRIBES_ALL = new Set(['completion']);

/**
 * The root command with the commands `commandName` (argv[2]) needs: the named command alone; none
 * for the version; every command for help, for `completion`, or a name that is not a command
 * (commander then says it is unknown). `program()` with no name builds the whole tree.
 */
export async function program(commandName?: string): Promise<Command> {
  const root = new Command('socketkit')
    .description(
      'Socket programming, done properly: the netcat, curl-on-raw-sockets, inetd, getent and ab of the socket tutorials, in one tool.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 failure, 2 bad usage or input, 6 could not resolve host,
7 could not connect, 28 timed out, 35 TLS handshake failed, 56 connection reset,
60 certificate not trusted. See the README for the full list.`,
    );
  const names =
    commandName === '-V' || commandName === '--version'
      ? []
      : commandName !== undefined && commandName in COMMANDS && !DESCRIBES_ALL.has(commandName)
        ? [commandName]
        : Object.keys(COMMANDS);
  for (const command of await Promise.all(names.map((name) => COMMANDS[name]!())))
    root.addCommand(command);
  // Throw instead of exiting, everywhere, so usage errors become exit code 2; and say them as
  // every other error is said: `socketkit: ` and one sentence.
  const override = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ outputError: (text, write) => write(usageSentence(text)) });
    command.commands.forEach(override);
  };
  override(root);
  return root;
}

/**
 * Commander's usage errors as one sentence: `error: option '-m, --max-time <duration>' argument
 * '2x' is invalid. expected a duration …` becomes `socketkit: Invalid -m, --max-time "2x":
 * expected a duration …`.
 */
function usageSentence(text: string): string {
  const line = text.trim().replace(/^error: /, '');
  const reason = (text: string) =>
    (text.charAt(0).toLowerCase() + text.slice(1)).replace(/\.$/, '');
  const option = /^option '([^']+?)(?: [<[][^']*[>\]])?' argument '(.*)' is invalid\. (.*)$/s.exec(
    line,
  );
  const argument = /^command-argument value '(.*)' is invalid for argument '([^']+)'\. (.*)$/s.exec(
    line,
  );
  const sentence = option
    ? `Invalid ${option[1]} ${JSON.stringify(option[2])}: ${reason(option[3]!)}`
    : argument
      ? `Invalid ${argument[2]!.toUpperCase()} ${JSON.stringify(argument[1])}: ${reason(argument[3]!)}`
      : line.charAt(0).toUpperCase() + line.slice(1);
  return `socketkit: ${sentence} (see --help)\n`;
}
