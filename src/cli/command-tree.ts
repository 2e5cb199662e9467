/**
 * The command tree as plain data, read from commander's `Command` objects: what `socketkit
 * completion` turns into bash, zsh and fish scripts and what scripts/build-man.ts turns into man
 * pages. Nothing here is written down twice: names, flags, descriptions, choices and the help's
 * extra text all come from the definitions commander parses with.
 *
 * @module
 */

import type { Argument, Command, Help, Option } from 'commander';

/**
 * What a value can be completed with: a file, a directory, one of some words, a command name of
 * the root, or nothing socketkit can guess (a host, a URL, a number).
 */
export type Completion =
  | { kind: 'file' }
  | { kind: 'directory' }
  | { kind: 'words'; words: string[] }
  | { kind: 'none' };

export interface OptionNode {
  /** As declared, `-o, --output <file>`. */
  flags: string;
  /** `-o`, when the option has a short name. */
  short?: string;
  /** `--output`, when the option has a long name. */
  long?: string;
  /** The help's description, with its default and choices. */
  description: string;
  /** The option's value, when it takes one: its placeholder (`file`) and what completes it. */
  value?: { name: string; optional: boolean; completion: Completion };
}

export interface ArgumentNode {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
  completion: Completion;
}

export interface CommandNode {
  name: string;
  /** The words that lead to it, `socketkit fetch`. */
  path: string;
  description: string;
  /** `socketkit fetch [options] [url]`. */
  usage: string;
  options: OptionNode[];
  arguments: ArgumentNode[];
  commands: CommandNode[];
  /**
   * commander's implicit `help [command]`: it has no module of its own (no man page), and its
   * argument completes the names of its siblings.
   */
  implicitHelp: boolean;
  /** Text the command adds after its help with `addHelpText('after', …)`, trimmed. */
  helpAfter: string;
  /** Text it adds before its help with `addHelpText('before', …)`, trimmed. */
  helpBefore: string;
}

/**
 * What a value with this placeholder completes to: `<file>`, `<file.svg>` and `<path>` name a
 * file (a Unix socket's path is one too), `<dir>` a directory; choices are words.
 */
function completionFor(placeholder: string, choices: readonly string[] | undefined): Completion {
  if (choices !== undefined && choices.length > 0) return { kind: 'words', words: [...choices] };
  const name = placeholder.toLowerCase();
  if (/^(file|path)\b/.test(name)) return { kind: 'file' };
  if (/^dir(ectory)?\b/.test(name)) return { kind: 'directory' };
  return { kind: 'none' };
}

function optionNode(option: Option, help: Help): OptionNode {
  const node: OptionNode = { flags: option.flags, description: help.optionDescription(option) };
  if (option.short !== undefined) node.short = option.short;
  if (option.long !== undefined) node.long = option.long;
  const placeholder = /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(option.flags);
  if (placeholder !== null && (option.required || option.optional)) {
    node.value = {
      name: placeholder[1]!,
      optional: option.optional,
      completion: completionFor(placeholder[1]!, option.argChoices),
    };
  }
  return node;
}

function argumentNode(argument: Argument, help: Help, siblings: string[] | null): ArgumentNode {
  return {
    name: argument.name(),
    description: help.argumentDescription(argument),
    required: argument.required,
    variadic: argument.variadic,
    completion:
      siblings !== null
        ? { kind: 'words', words: siblings }
        : completionFor(argument.name(), argument.argChoices),
  };
}

/**
 * The text `command` adds around its help with `addHelpText('before' | 'after', …)`, without the
 * blank lines around it: its whole help, as `--help` prints it, less the part commander writes.
 */
function helpTexts(command: Command): { before: string; after: string } {
  const saved = { ...command.configureOutput() };
  let whole = '';
  command.configureOutput({
    writeOut: (text) => {
      whole += text;
    },
    getOutHasColors: () => false,
  });
  try {
    command.outputHelp();
  } finally {
    command.configureOutput(saved);
  }
  const own = command.helpInformation();
  const at = whole.indexOf(own);
  if (at < 0) return { before: '', after: '' };
  const trim = (text: string) => text.replace(/^\s*\n/, '').trimEnd();
  return { before: trim(whole.slice(0, at)), after: trim(whole.slice(at + own.length)) };
}

/**
 * `command` and every visible command below it (hidden commands and options are left out, as
 * `--help` leaves them out), in the order `--help` lists them.
 */
export function commandTree(command: Command, parentPath = ''): CommandNode {
  const help = command.createHelp();
  const path = parentPath === '' ? command.name() : `${parentPath} ${command.name()}`;
  const visible = help.visibleCommands(command);
  const real = visible.filter((sub) => command.commands.includes(sub));
  const texts = helpTexts(command);
  const node: CommandNode = {
    name: command.name(),
    path,
    description: command.description(),
    usage: help.commandUsage(command),
    options: help.visibleOptions(command).map((option) => optionNode(option, help)),
    // Not help.visibleArguments(): that is empty when no argument has a description.
    arguments: command.registeredArguments.map((argument) => argumentNode(argument, help, null)),
    commands: [],
    implicitHelp: false,
    helpAfter: texts.after,
    helpBefore: texts.before,
  };
  const names = real.map((sub) => sub.name());
  node.commands = visible.map((sub) => {
    if (real.includes(sub)) return commandTree(sub, path);
    // commander's own `help [command]`: no module, no help text; it takes a sibling's name.
    const subHelp = sub.createHelp();
    return {
      name: sub.name(),
      path: `${path} ${sub.name()}`,
      description: sub.description(),
      usage: `${path} ${sub.name()} ${sub.usage()}`.trimEnd(),
      options: [],
      arguments: sub.registeredArguments.map((argument) => argumentNode(argument, subHelp, names)),
      commands: [],
      implicitHelp: true,
      helpAfter: '',
      helpBefore: '',
    };
  });
  return node;
}

/** Every name of an option, short first: `['-o', '--output']`. */
export function optionNames(option: OptionNode): string[] {
  return [option.short, option.long].filter((name) => name !== undefined);
}
