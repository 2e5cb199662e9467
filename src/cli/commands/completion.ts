/**
 * `socketkit completion bash|zsh|fish`: a completion script for the shell, generated when it runs
 * from the command definitions themselves (the commander tree main.ts builds), so a new flag is
 * completed as soon as it is declared: commands, options long and short, files where an option
 * takes a file, a path or a directory, the choices of options and arguments (serve's services,
 * bench's modes, these shells).
 *
 * @module
 */

import { Argument, Command } from 'commander';
import { VERSION } from '../../core/version.js';
import { writeOut } from '../_output.js';
import { type CommandNode, type Completion, commandTree, optionNames } from '../command-tree.js';
import { CliError, ExitCode } from '../exit-codes.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

export function completionCommand(): Command {
  return new Command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('[shell]', 'the shell to complete for').choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  $ source <(socketkit completion bash)                in ~/.bashrc
  $ socketkit completion zsh > ~/.zfunc/_socketkit     with fpath=(~/.zfunc $fpath) before compinit
  $ socketkit completion fish > ~/.config/fish/completions/socketkit.fish

Exit codes: 0 the script was printed, 2 no shell or an unknown one, 23 cannot write the output.`,
    )
    .action(async (shell: Shell | undefined, _flags: unknown, command: Command) => {
      if (shell === undefined) {
        throw new CliError(
          'socketkit completion needs the shell to complete for: bash, zsh or fish',
          ExitCode.USAGE,
        );
      }
      // main.ts loads every command when this one runs: the root is the whole tree.
      const root = commandTree(command.parent!);
      await writeOut(SCRIPTS[shell](root));
    });
}

const SCRIPTS: Record<Shell, (root: CommandNode) => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

/** `text` as one single-quoted word of a POSIX shell (bash, zsh). */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A name usable in a shell function's name: `socketkit_fetch`. */
function identifier(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A description on one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function header(shell: Shell, comment: string, load: string[]): string {
  return [
    `${comment} ${shell} completion for socketkit ${VERSION}, made by \`socketkit completion ${shell}\``,
    `${comment} from the command definitions (regenerate it after an upgrade).`,
    ...load.map((line) => `${comment} ${line}`),
    '',
  ].join('\n');
}

// bash ---------------------------------------------------------------------------------------

function bashKind(completion: Completion): string {
  return completion.kind === 'words' ? `words:${completion.words.join(' ')}` : completion.kind;
}

function bashCase(command: CommandNode): string {
  const options = command.options.flatMap(optionNames);
  const valued = command.options.filter((o) => o.value).flatMap(optionNames);
  const args = command.arguments.map((a) => quote(bashKind(a.completion)));
  const variadic = command.arguments.at(-1)?.variadic ? 1 : 0;
  return [
    `    ${quote(command.name)})`,
    `      options=${quote(options.join(' '))}`,
    `      valued=${quote(` ${valued.join(' ')} `)}`,
    `      args=(${args.join(' ')}) variadic=${variadic}`,
    bashValues(command, '      '),
    '      ;;',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The `case $prev in` that says what completes the value of each option that takes one. */
function bashValues(command: CommandNode, indent: string): string {
  const values = command.options
    .filter((o) => o.value)
    .map(
      (o) =>
        `${indent}  ${optionNames(o).join('|')}) kind=${quote(bashKind(o.value!.completion))} ;;`,
    );
  return values.length === 0
    ? ''
    : [`${indent}case $prev in`, ...values, `${indent}esac`].join('\n');
}

function bashScript(root: CommandNode): string {
  const rootValued = root.options.filter((o) => o.value).flatMap(optionNames);
  const fn = `_${identifier(root.name)}`;
  return `${header('bash', '#', [`Load it with: source <(${root.name} completion bash)`])}
# COMPREPLY from compgen, one completion a line (file names may hold spaces; no mapfile, which
# bash 3 lacks).
${fn}_reply() {
  local line
  COMPREPLY=()
  case $1 in
    file | directory) compopt -o filenames 2>/dev/null ;;
    words:*) ;;
    *) return 0 ;;
  esac
  while IFS= read -r line; do
    COMPREPLY+=("$line")
  done < <(
    case $1 in
      file) compgen -f -- "$2" ;;
      directory) compgen -d -- "$2" ;;
      words:*) compgen -W "\${1#words:}" -- "$2" ;;
    esac
  )
}

${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev='' command='' at=0 i word
  ((COMP_CWORD > 0)) && prev=\${COMP_WORDS[COMP_CWORD - 1]}
  # bash splits --name=value at the "=" (COMP_WORDBREAKS): the option is the word before it.
  if [[ $cur == = ]]; then
    cur=''
  elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
    prev=\${COMP_WORDS[COMP_CWORD - 2]}
  fi
  # The command is the first word that is not an option (nor an option's value).
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case $word in
${rootValued.length > 0 ? `      ${rootValued.join('|')}) ((i++)) ;;\n` : ''}      -*) ;;
      *) command=$word at=$i; break ;;
    esac
  done
  local options='' valued='' kind='' variadic=0 args=()
  if [[ -z $command ]]; then
${[
  `    options=${quote(root.options.flatMap(optionNames).join(' '))}`,
  `    args=(${quote(`words:${root.commands.map((c) => c.name).join(' ')}`)})`,
  bashValues(root, '    '),
]
  .filter(Boolean)
  .join('\n')}
  else
    case $command in
${root.commands.map(bashCase).join('\n')}
    *) return 0 ;;
    esac
  fi
  if [[ -n $kind ]]; then
    ${fn}_reply "$kind" "$cur"
    return 0
  fi
  if [[ $cur == -* ]]; then
    ${fn}_reply "words:$options" "$cur"
    return 0
  fi
  # Which argument this word is: count the words since the command that are neither options nor
  # the values of options.
  local n=0 skip=0
  for ((i = at + 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ $word == = ]]; then skip=1; continue; fi
    if ((skip)); then skip=0; continue; fi
    case $word in
      -*) [[ $valued == *" $word "* ]] && skip=1 ;;
      *) ((n++)) ;;
    esac
  done
  if ((n >= \${#args[@]})); then
    if ((variadic && \${#args[@]} > 0)); then n=$((\${#args[@]} - 1)); else return 0; fi
  fi
  ${fn}_reply "\${args[n]}" "$cur"
  return 0
}

complete -F ${fn} ${root.name}
`;
}

// zsh ----------------------------------------------------------------------------------------

/** An `_arguments` explanation: brackets and backslashes quoted. */
function zshExplanation(text: string): string {
  return oneLine(text).replace(/[\\[\]]/g, '\\$&');
}

/** An `_arguments` message: colons and backslashes quoted. */
function zshMessage(text: string): string {
  return text.replace(/[\\:]/g, '\\$&');
}

function zshAction(completion: Completion): string {
  switch (completion.kind) {
    case 'file':
      return '_files';
    case 'directory':
      return '_files -/';
    case 'words':
      return `(${completion.words.map((word) => word.replace(/[\\\s()'"`$:]/g, '\\$&')).join(' ')})`;
    case 'none':
      return ' ';
  }
}

function zshSpecs(command: CommandNode, commandsFunction: string): string[] {
  const specs: string[] = [];
  for (const option of command.options) {
    const explanation = `[${zshExplanation(option.description)}]`;
    for (const name of optionNames(option)) {
      if (option.value === undefined) {
        specs.push(quote(`${name}${explanation}`));
        continue;
      }
      // -o+: the value in the same word or the next; --output=: after "=" or in the next word.
      const joiner = name.startsWith('--') ? '=' : '+';
      const message = zshMessage(option.value.name);
      const colon = option.value.optional ? '::' : ':';
      specs.push(
        quote(
          `${name}${joiner}${explanation}${colon}${message}:${zshAction(option.value.completion)}`,
        ),
      );
    }
  }
  command.arguments.forEach((argument, index) => {
    const position = argument.variadic ? '*' : String(index + 1);
    const colon = argument.required ? ':' : '::';
    // help's argument is a command: complete it as the command itself is, with descriptions.
    // An argument nothing completes shows its name, but not where an option may be typed: a bare
    // message there makes a lone option ambiguous, listed instead of inserted.
    const action = command.implicitHelp
      ? commandsFunction
      : argument.completion.kind === 'none'
        ? `_guard "^-*" ${zshMessage(argument.name).replace(/[^\w\\:-]/g, '\\$&')}`
        : zshAction(argument.completion);
    specs.push(quote(`${position}${colon}${zshMessage(argument.name)}:${action}`));
  });
  return specs;
}

function zshScript(root: CommandNode): string {
  const fn = `_${identifier(root.name)}`;
  const commandsFunction = `${fn}_commands`;
  const arguments_ = (specs: string[]) => specs.map((spec) => `    ${spec}`).join(' \\\n');
  const rootSpecs = zshSpecs({ ...root, arguments: [] }, commandsFunction);
  return `#compdef ${root.name}
${header('zsh', '#', [
  `Save it as _${root.name} in a directory of $fpath, or load it after compinit with:`,
  `  source <(${root.name} completion zsh)`,
])}
${commandsFunction}() {
  local -a commands=(
${root.commands.map((c) => `    ${quote(`${c.name.replace(/:/g, '\\:')}:${oneLine(c.description)}`)}`).join('\n')}
  )
  _describe -t commands ${quote(`${root.name} command`)} commands
}

${root.commands
  .map(
    (command) => `${fn}_${identifier(command.name)}() {
  _arguments -s -S \\
${arguments_(zshSpecs(command, commandsFunction))}
}
`,
  )
  .join('\n')}
${fn}() {
  local curcontext=$curcontext state line
  typeset -A opt_args
  _arguments -C \\
${arguments_([...rootSpecs, quote(`1:command:${commandsFunction}`), quote('*::argument:->command')])} && return
  case $state in
    command)
      curcontext=\${curcontext%:*:*}:${root.name}-$words[1]:
      case $words[1] in
${root.commands.map((c) => `        ${quote(c.name)}) ${fn}_${identifier(c.name)} ;;`).join('\n')}
      esac
      ;;
  esac
}

# Autoloaded from $fpath, this file is the function's body: complete now. Sourced: register it.
if [[ $funcstack[1] == ${fn} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${root.name}
fi
`;
}

// fish ---------------------------------------------------------------------------------------

/** `text` as one single-quoted word of fish. */
function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&')}'`;
}

function fishValue(completion: Completion): string {
  switch (completion.kind) {
    case 'file':
      return '-r -F';
    case 'directory':
      return `-x -a ${fishQuote('(__fish_complete_directories)')}`;
    case 'words':
      return `-x -a ${fishQuote(completion.words.join(' '))}`;
    case 'none':
      return '-x';
  }
}

function fishLines(command: CommandNode | null, root: CommandNode, fn: string): string[] {
  const node = command ?? root;
  const condition = fishQuote(
    command === null ? `not ${fn}_command` : `${fn}_using ${command.name}`,
  );
  const start = `complete -c ${root.name} -n ${condition}`;
  const lines = node.options.map((option) => {
    const names = [
      option.short !== undefined ? `-s ${option.short.slice(1)}` : '',
      option.long !== undefined ? `-l ${option.long.slice(2)}` : '',
    ].filter(Boolean);
    const value = option.value === undefined ? '' : ` ${fishValue(option.value.completion)}`;
    return `${start} ${names.join(' ')}${value} -d ${fishQuote(oneLine(option.description))}`;
  });
  if (command === null) {
    for (const sub of root.commands) {
      lines.push(`${start} -a ${fishQuote(sub.name)} -d ${fishQuote(oneLine(sub.description))}`);
    }
  }
  for (const argument of node.arguments) {
    if (argument.completion.kind === 'none') continue;
    const what =
      argument.completion.kind === 'words'
        ? `-a ${fishQuote(argument.completion.words.join(' '))}`
        : argument.completion.kind === 'file'
          ? '-F'
          : `-a ${fishQuote('(__fish_complete_directories)')}`;
    lines.push(`${start} ${what} -d ${fishQuote(oneLine(argument.name))}`);
  }
  return lines;
}

function fishScript(root: CommandNode): string {
  const fn = `__${identifier(root.name)}`;
  return `${header('fish', '#', [
    `Load it with: ${root.name} completion fish | source`,
    `or save it as ~/.config/fish/completions/${root.name}.fish`,
  ])}
# The command on the line so far: the first word after ${root.name} that is not an option.
function ${fn}_command
    set -l words (commandline -opc)
    for word in $words[2..-1]
        switch $word
            case '-*'
            case '*'
                echo $word
                return 0
        end
    end
    return 1
end

function ${fn}_using --argument-names name
    set -l command (${fn}_command)
    and test "$command" = "$name"
end

complete -c ${root.name} -e
# No file names unless an option or argument takes one.
complete -c ${root.name} -f
${fishLines(null, root, fn).join('\n')}
${root.commands.map((command) => fishLines(command, root, fn).join('\n')).join('\n')}
`;
}
