// The bash, zsh and fish completion scripts, generated from the completion spec. bash and zsh share
// the data functions (plain `case` tables, valid in both); each shell has its own driver that walks
// the words typed so far (skipping flag values) to the command they name, then offers subcommands,
// flags, flag values or argument values. Context names are asked for at completion time
// (`cachectl completion --context-names`), so they follow the config file.

import type { CommandSpec, CompletionSpec, OptionSpec, ValueKind } from './completion-spec.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, spec: CompletionSpec, program = 'cachectl'): string {
  if (shell === 'fish') return fishScript(spec, program);
  return shell === 'bash' ? bashScript(spec, program) : zshScript(spec, program);
}

/** A POSIX shell word: single-quoted, with ' written as '\''. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One line of help, as shells show it beside a candidate. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function valueWord(value: ValueKind): string {
  return typeof value === 'string' ? value : `choices ${value.choices.join(' ')}`;
}

interface Walked {
  path: string;
  command: CommandSpec;
}

/** Every command with the words that lead to it ('' for the program itself). */
function walk(command: CommandSpec, path = ''): Walked[] {
  return [{ path, command }, ...command.commands.flatMap((child) => walk(child, path === '' ? child.name : `${path} ${child.name}`))];
}

/** A command's own options, without those the program already has (help, and any global one). */
function ownOptions(spec: CompletionSpec, command: CommandSpec): OptionSpec[] {
  if (command === spec.root) return [];
  const global = new Set(spec.root.options.flatMap((option) => option.names));
  return command.options.filter((option) => !option.names.some((name) => global.has(name)));
}

const describe = (name: string, help: string) => sq(`${name}:${oneLine(help)}`);

/** The data functions bash and zsh share. */
function dataFunctions(spec: CompletionSpec, fn: string): string {
  const commands = walk(spec.root);
  const lines: string[] = [];
  lines.push(`# "name:summary" lines: the subcommands of the command path $1 ('' for ${spec.root.name}).`);
  lines.push(`${fn}_subcommands() {`, '  case $1 in');
  for (const { path, command } of commands) {
    if (command.commands.length === 0) continue;
    lines.push(`    ${sq(path)}) printf '%s\\n' ${command.commands.map((child) => describe(child.name, child.summary)).join(' ')} ;;`);
  }
  lines.push('  esac', '}');
  lines.push('# The subcommand the word $2 names under the command path $1 (aliases included), or nothing.');
  lines.push(`${fn}_subcommand() {`, '  case "$1|$2" in');
  for (const { path, command } of commands) {
    for (const child of command.commands) {
      lines.push(`    ${[child.name, ...child.aliases].map((word) => sq(`${path}|${word}`)).join('|')}) echo ${sq(child.name)} ;;`);
    }
  }
  lines.push('  esac', '}');
  lines.push('# "flag:help" lines: the flags of the command path $1, its own first, then the global ones.');
  lines.push(`${fn}_options() {`, '  case $1 in');
  for (const { path, command } of commands) {
    const own = ownOptions(spec, command);
    if (own.length > 0) lines.push(`    ${sq(path)}) printf '%s\\n' ${own.flatMap((option) => option.names.map((name) => describe(name, option.help))).join(' ')} ;;`);
  }
  lines.push('  esac');
  lines.push(`  printf '%s\\n' ${spec.root.options.flatMap((option) => option.names.map((name) => describe(name, option.help))).join(' ')}`);
  lines.push('}');
  lines.push('# What the flag $2 takes under the command path $1: "switch plain", "required file", "required choices a b"…');
  lines.push(`${fn}_option() {`, '  case "$1|$2" in');
  for (const { path, command } of commands) {
    for (const option of ownOptions(spec, command)) {
      if (option.arity === 'switch') continue;
      lines.push(`    ${option.names.map((name) => sq(`${path}|${name}`)).join('|')}) echo ${sq(`${option.arity} ${valueWord(option.value)}`)}; return ;;`);
    }
  }
  lines.push('  esac', '  case $2 in');
  for (const option of spec.root.options) {
    if (option.arity === 'switch') continue;
    lines.push(`    ${option.names.map(sq).join('|')}) echo ${sq(`${option.arity} ${valueWord(option.value)}`)} ;;`);
  }
  lines.push(`    *) echo 'switch plain' ;;`, '  esac', '}');
  lines.push('# How the argument number $2 (from 0) of the command path $1 completes: "file", "context", "choices a b"…');
  lines.push(`${fn}_argument() {`, '  case "$1|$2" in');
  for (const { path, command } of commands) {
    command.arguments.forEach((argument, index) => {
      if (argument.value !== 'plain') lines.push(`    ${sq(`${path}|${index}`)}${argument.variadic ? `|${sq(`${path}|`)}*` : ''}) echo ${sq(valueWord(argument.value))} ;;`);
    });
  }
  lines.push(`    *) echo plain ;;`, '  esac', '}');
  lines.push(
    '# The words between the program and the one being completed, walked as the parser reads them:',
    '# prints "ARGS|PATH", the count of arguments given and the command path; ARGS is -1 after --.',
    `${fn}_walk() {`,
    "  local cmdpath='' spec sub w",
    '  local arg=0',
    '  while (($# > 0)); do',
    '    w=$1',
    '    shift',
    '    case $w in',
    '      --) echo "-1|$cmdpath"; return ;;',
    '      --*=*) ;;',
    '      -*)',
    `        spec=$(${fn}_option "$cmdpath" "$w")`,
    '        case $spec in',
    '          required*) (($# > 0)) && shift ;;',
    '          optional*) if (($# > 0)) && [[ $1 != -* ]]; then shift; fi ;;',
    '        esac',
    '        ;;',
    '      *)',
    `        sub=$(${fn}_subcommand "$cmdpath" "$w")`,
    '        if [[ -n $sub && $arg -eq 0 ]]; then cmdpath=${cmdpath:+$cmdpath }$sub; else ((arg++)); fi',
    '        ;;',
    '    esac',
    '  done',
    '  echo "$arg|$cmdpath"',
    '}',
  );
  return lines.join('\n');
}

function header(shell: Shell, spec: CompletionSpec, program: string): string {
  return `# ${shell} completion for ${program} ${spec.version}, generated by \`${program} completion ${shell}\` from its command definitions.
# Generate it again after upgrading ${program}: it lists the commands and flags of this version.`;
}

function bashScript(spec: CompletionSpec, program: string): string {
  const fn = `_${program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `${header('bash', spec, program)}
# Install: source <(${program} completion bash) in ~/.bashrc, or
#          ${program} completion bash > ~/.local/share/bash-completion/completions/${program}

${dataFunctions(spec, fn)}

# Candidates for a value of kind $1 ("file", "context", "command", "choices a b", "plain") matching $2.
${fn}_values() {
  case $1 in
    file) compopt -o filenames 2>/dev/null; compgen -f -- "$2" ;;
    context) compgen -W "$(command "\${COMP_WORDS[0]}" completion --context-names 2>/dev/null)" -- "$2" ;;
    command) compgen -W "$(${fn}_subcommands '' | while IFS= read -r line; do echo "\${line%%:*}"; done)" -- "$2" ;;
    choices\\ *) compgen -W "\${1#choices }" -- "$2" ;;
  esac
}

${fn}() {
  # Words as typed: bash splits "--output=json" and "redis://h:1" at = and : (COMP_WORDBREAKS);
  # a word made only of those characters joins its neighbours again.
  local -a words=()
  local i w glue=0
  for ((i = 0; i <= COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if ((\${#words[@]} > 0)) && { [[ $w =~ ^[=:]+$ ]] || ((glue)); }; then
      words[\${#words[@]} - 1]+=$w
      if [[ $w =~ ^[=:]+$ ]]; then glue=1; else glue=0; fi
    else
      words+=("$w")
      glue=0
    fi
  done
  local n=\${#words[@]}
  local cur=\${words[n - 1]} walked arg cmdpath spec
  walked=$(${fn}_walk "\${words[@]:1:n-2}")
  arg=\${walked%%|*} cmdpath=\${walked#*|}
  ((arg >= 0)) || return 0

  local -a candidates=()
  local prev=\${words[n - 2]}
  if [[ $cur == --*=* ]]; then
    spec=$(${fn}_option "$cmdpath" "\${cur%%=*}")
    [[ $spec == switch* ]] || mapfile -t candidates < <(${fn}_values "\${spec#* }" "\${cur#*=}" | sed "s|^|\${cur%%=*}=|")
  elif ((n > 2)) && [[ $prev == -* && $prev != *=* && $prev != -- ]] && spec=$(${fn}_option "$cmdpath" "$prev") && [[ $spec == required* || ( $spec == optional* && $cur != -* ) ]]; then
    mapfile -t candidates < <(${fn}_values "\${spec#* }" "$cur")
  elif [[ $cur == -* ]]; then
    mapfile -t candidates < <(compgen -W "$(${fn}_options "$cmdpath" | while IFS= read -r line; do echo "\${line%%:*}"; done)" -- "$cur")
  elif ((arg == 0)) && [[ -n $(${fn}_subcommands "$cmdpath") ]]; then
    mapfile -t candidates < <(compgen -W "$(${fn}_subcommands "$cmdpath" | while IFS= read -r line; do echo "\${line%%:*}"; done)" -- "$cur")
  else
    mapfile -t candidates < <(${fn}_values "$(${fn}_argument "$cmdpath" "$arg")" "$cur")
  fi
  # Readline replaces only what follows the last = or : it breaks words at: drop what precedes it.
  local breaks='' prefix=''
  [[ $COMP_WORDBREAKS == *=* ]] && breaks+='='
  [[ $COMP_WORDBREAKS == *:* ]] && breaks+=':'
  if [[ -n $breaks && $cur == *[$breaks]* ]]; then prefix=\${cur%"\${cur##*[$breaks]}"}; fi
  COMPREPLY=("\${candidates[@]#"$prefix"}")
}

complete -F ${fn} ${program}
`;
}

function zshScript(spec: CompletionSpec, program: string): string {
  const fn = `_${program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `#compdef ${program}
${header('zsh', spec, program)}
# Install: source <(${program} completion zsh) in ~/.zshrc after compinit, or
#          ${program} completion zsh > "\${fpath[1]}/_${program}" (a directory of your fpath)

${dataFunctions(spec, fn)}

# Offers the values of kind $1 ("file", "context", "command", "choices a b", "plain").
${fn}_values() {
  local -a names
  case $1 in
    file) _files ;;
    context) names=(\${(f)"$(command \${words[1]} completion --context-names 2>/dev/null)"}); compadd -- $names ;;
    command) names=(\${(f)"$(${fn}_subcommands '')"}); _describe -t commands command names ;;
    choices\\ *) names=(\${=\${1#choices }}); compadd -- $names ;;
  esac
}

${fn}() {
  local -a lines
  local walked arg cmdpath spec cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  walked=$(${fn}_walk "\${(@)words[2,CURRENT-1]}")
  arg=\${walked%%|*} cmdpath=\${walked#*|}
  ((arg >= 0)) || return 0

  if [[ $cur == --*=* ]]; then
    spec=$(${fn}_option "$cmdpath" "\${cur%%=*}")
    [[ $spec == switch* ]] && return 1
    compset -P '*='
    ${fn}_values "\${spec#* }"
  elif ((CURRENT > 2)) && [[ $prev == -* && $prev != *=* && $prev != -- ]] && spec=$(${fn}_option "$cmdpath" "$prev") && [[ $spec == required* || ( $spec == optional* && $cur != -* ) ]]; then
    ${fn}_values "\${spec#* }"
  elif [[ $cur == -* ]]; then
    lines=(\${(f)"$(${fn}_options "$cmdpath")"})
    _describe -t options option lines
  elif ((arg == 0)) && [[ -n $(${fn}_subcommands "$cmdpath") ]]; then
    lines=(\${(f)"$(${fn}_subcommands "$cmdpath")"})
    _describe -t commands command lines
  else
    ${fn}_values "$(${fn}_argument "$cmdpath" "$arg")"
  fi
}

if [[ \${funcstack[1]} == ${fn} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`;
}

/** A fish single-quoted string. */
function fq(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishValue(value: ValueKind, fn: string): string {
  if (value === 'file') return '-r -F';
  if (value === 'context') return `-x -a '(${fn}_contexts)'`;
  if (value === 'command') return `-x -a '(${fn}_commands)'`;
  if (value === 'plain') return '-x';
  return `-x -a ${fq(value.choices.join(' '))}`;
}

function fishOption(option: OptionSpec, fn: string): string {
  const names = option.names.map((name) => (name.startsWith('--') ? `-l ${fq(name.slice(2))}` : `-s ${fq(name.slice(1))}`)).join(' ');
  const value = option.arity === 'switch' ? '' : ` ${fishValue(option.value, fn)}`;
  return `${names}${value} -d ${fq(oneLine(option.help))}`;
}

function fishScript(spec: CompletionSpec, program: string): string {
  const fn = `__${program.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const commands = walk(spec.root);
  const lines: string[] = [];
  lines.push(header('fish', spec, program));
  lines.push(`# Install: ${program} completion fish > ~/.config/fish/completions/${program}.fish`, '');
  lines.push(`# The subcommand the word $argv[2] names under the command path $argv[1] (aliases included).`);
  lines.push(`function ${fn}_subcommand`, `    switch "$argv[1]|$argv[2]"`);
  for (const { path, command } of commands) {
    for (const child of command.commands) lines.push(`        case ${[child.name, ...child.aliases].map((word) => fq(`${path}|${word}`)).join(' ')}`, `            echo ${fq(child.name)}`);
  }
  lines.push('    end', 'end');
  lines.push(`# Flags that take the next word as their value under the command path $argv[1]: "required" or "optional".`);
  lines.push(`function ${fn}_arity`, `    switch "$argv[1]|$argv[2]"`);
  for (const { path, command } of commands) {
    for (const option of ownOptions(spec, command)) {
      if (option.arity !== 'switch') lines.push(`        case ${option.names.map((name) => fq(`${path}|${name}`)).join(' ')}`, `            echo ${option.arity}; return`);
    }
  }
  lines.push('    end', `    switch "$argv[2]"`);
  for (const option of spec.root.options) {
    if (option.arity !== 'switch') lines.push(`        case ${option.names.map(fq).join(' ')}`, `            echo ${option.arity}`);
  }
  lines.push('    end', 'end');
  lines.push(
    `# The command path of the words before the cursor ('' for ${program} itself), skipping flag values.`,
    `function ${fn}_path`,
    `    set -l words (commandline -opc)`,
    `    set -l path ''`,
    `    set -l args 0`,
    `    set -l i 2`,
    `    while test $i -le (count $words)`,
    `        set -l w $words[$i]`,
    `        switch $w`,
    `            case '--'`,
    `                break`,
    `            case '--*=*'`,
    `            case '-*'`,
    `                switch (${fn}_arity "$path" $w)`,
    `                    case required`,
    `                        set i (math $i + 1)`,
    `                    case optional`,
    `                        if test $i -lt (count $words); and not string match -q -- '-*' $words[(math $i + 1)]`,
    `                            set i (math $i + 1)`,
    `                        end`,
    `                end`,
    `            case '*'`,
    `                set -l sub (${fn}_subcommand "$path" $w)`,
    `                if test -n "$sub" -a $args -eq 0`,
    `                    set path (string trim -- "$path $sub")`,
    `                else`,
    `                    set args (math $args + 1)`,
    `                end`,
    `        end`,
    `        set i (math $i + 1)`,
    `    end`,
    `    echo $path`,
    `end`,
    `function ${fn}_at`,
    `    test (${fn}_path) = "$argv[1]"`,
    `end`,
    `function ${fn}_contexts`,
    `    set -l words (commandline -opc)`,
    `    command $words[1] completion --context-names 2>/dev/null`,
    `end`,
    `function ${fn}_commands`,
    ...spec.root.commands.map((child) => `    printf '%s\\t%s\\n' ${fq(child.name)} ${fq(oneLine(child.summary))}`),
    `end`,
    '',
    `complete -c ${program} -f`,
  );
  for (const option of spec.root.options) lines.push(`complete -c ${program} ${fishOption(option, fn)}`);
  for (const { path, command } of commands) {
    const at = `-n ${fq(`${fn}_at ${sq(path)}`)}`;
    for (const child of command.commands) lines.push(`complete -c ${program} ${at} -a ${fq(child.name)} -d ${fq(oneLine(child.summary))}`);
    for (const option of ownOptions(spec, command)) lines.push(`complete -c ${program} ${at} ${fishOption(option, fn)}`);
    // Arguments: files, contexts, commands or choices wherever the command takes an argument of that kind.
    const kinds = new Set(command.arguments.map((argument) => argument.value).filter((value) => value !== 'plain'));
    for (const value of kinds) {
      if (value === 'file') lines.push(`complete -c ${program} ${at} -F`);
      else lines.push(`complete -c ${program} ${at} ${fishValue(value, fn).replace(/^-x /, '')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
