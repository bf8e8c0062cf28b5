/**
 * Shell completion scripts for bash, zsh and fish, generated from the command tree, so they never fall behind the
 * commands: subcommands, their options, and the values of options and arguments that have a fixed set.
 */

/** Values read from the repository as the user types: the saved plan's task ids, or the kept runs' ids. */
export type DynamicWords = 'task' | 'run';

export interface OptionSpec {
  /** `--format`, `-f` */
  flags: string[];
  description: string;
  takesValue: boolean;
  choices: string[];
  /** Its value is a task or run id (from `xplan __complete`). */
  words?: DynamicWords;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Values of its first positional argument, when they are a fixed set. */
  argumentChoices: string[];
  /** Its arguments name tasks (from `xplan __complete task`). */
  argumentWords?: DynamicWords;
  subcommands: CommandSpec[];
}

export type Shell = 'bash' | 'zsh' | 'fish';

export function renderCompletion(shell: Shell, root: CommandSpec): string {
  if (shell === 'fish') return fishScript(root);
  if (shell === 'zsh') return zshScript(root);
  return bashScript(root);
}

/** The shell words that ask xplan for the current task or run ids; quiet when there are none. */
const ask = (root: CommandSpec, kind: DynamicWords) => `$(${root.name} __complete ${kind} 2>/dev/null)`;

interface Node {
  path: string[];
  spec: CommandSpec;
}

function walk(spec: CommandSpec, path: string[] = []): Node[] {
  return [{ path, spec }, ...spec.subcommands.flatMap((sub) => walk(sub, [...path, sub.name]))];
}

function bashScript(root: CommandSpec): string {
  const nodes = walk(root);
  const fn = `_${root.name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
  const key = (path: string[]) => (path.length === 0 ? '' : ` ${path.join(' ')}`);
  const paths = nodes.filter((n) => n.path.length > 0).map((n) => `"${key(n.path)}"`);
  const valueCases: string[] = [];
  for (const { path, spec } of nodes) {
    for (const option of spec.options.filter((o) => o.takesValue)) {
      const words =
        option.choices.length > 0
          ? `COMPREPLY=($(compgen -W "${option.choices.join(' ')}" -- "$cur"))`
          : option.words
            ? `COMPREPLY=($(compgen -W "${ask(root, option.words)}" -- "$cur"))`
            : 'COMPREPLY=($(compgen -f -- "$cur"))';
      valueCases.push(`    "${key(path)}|${option.flags.join(`"|"${key(path)}|`)}") ${words}; return;;`);
    }
  }
  const wordCases = nodes.map(({ path, spec }) => {
    const options = [...spec.options.flatMap((o) => o.flags), '--help'].join(' ');
    const words = [...spec.subcommands.map((s) => s.name), ...spec.argumentChoices, ...(spec.argumentWords ? [ask(root, spec.argumentWords)] : [])].join(' ');
    return `    "${key(path)}") opts="${options}"; words="${words}";;`;
  });
  return `# bash completion for ${root.name}: eval "$(${root.name} completion bash)" in ~/.bashrc
${fn}() {
  local cur prev path i w opts words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$path $w" in
      ${paths.join('|')}) path="$path $w";;
    esac
  done
  case "$path|$prev" in
${valueCases.join('\n')}
  esac
  opts=""; words=""
  case "$path" in
${wordCases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$words" ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -F ${fn} ${root.name}
`;
}

function fishScript(root: CommandSpec): string {
  const name = root.name;
  const lines = [`# fish completion for ${name}: ${name} completion fish > ~/.config/fish/completions/${name}.fish`, `complete -c ${name} -f`];
  const all = walk(root);
  for (const { path, spec } of all) {
    const condition = fishCondition(path, spec);
    for (const sub of spec.subcommands) lines.push(`complete -c ${name} -n ${quote(condition)} -a ${quote(sub.name)} -d ${quote(sub.description)}`);
    if (spec.argumentChoices.length > 0) lines.push(`complete -c ${name} -n ${quote(condition)} -a ${quote(spec.argumentChoices.join(' '))}`);
    if (spec.argumentWords) lines.push(`complete -c ${name} -n ${quote(condition)} -a ${quote(`(${name} __complete ${spec.argumentWords} 2>/dev/null)`)}`);
    if (spec.subcommands.length === 0 && spec.argumentChoices.length === 0 && !spec.argumentWords && path.length > 0) lines.push(`complete -c ${name} -n ${quote(condition)} -F`);
    for (const option of spec.options) {
      const flags = option.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(' ');
      const values = option.choices.length > 0 ? option.choices.join(' ') : option.words ? `(${name} __complete ${option.words} 2>/dev/null)` : undefined;
      const value = option.takesValue ? (values !== undefined ? ` -x -a ${quote(values)}` : ' -r -F') : '';
      lines.push(`complete -c ${name} -n ${quote(condition)} ${flags}${value} -d ${quote(option.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A native zsh completion function: commands and options with their descriptions, option values from their fixed
 * set, task and run ids from `xplan __complete`. It registers itself with compdef when the user's setup has run
 * compinit (it never runs compinit itself, which is slow and the user's own choice to make).
 */
function zshScript(root: CommandSpec): string {
  const nodes = walk(root);
  const fn = `_${root.name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
  const key = (path: string[]) => (path.length === 0 ? '' : ` ${path.join(' ')}`);
  const described = (name: string, description: string) => zquote(`${name.replace(/:/g, '\\:')}:${description}`);
  const paths = nodes.filter((n) => n.path.length > 0).map((n) => zquote(key(n.path)));
  const valueCases: string[] = [];
  for (const { path, spec } of nodes) {
    for (const option of spec.options.filter((o) => o.takesValue)) {
      const values = option.choices.length > 0 ? `compadd -- ${option.choices.map(zquote).join(' ')}` : option.words ? `compadd -- \${(f)"${ask(root, option.words)}"}` : '_files';
      valueCases.push(`    (${option.flags.map((f) => zquote(`${key(path)}|${f}`)).join('|')}) ${values}; return;;`);
    }
  }
  const wordCases = nodes.map(({ path, spec }) => {
    const options = [...spec.options.map((o) => o.flags.map((f) => described(f, o.description)).join(' ')), described('--help', 'show the help of the command')].join(' ');
    const subs = spec.subcommands.map((s) => described(s.name, s.description)).join(' ');
    const values = spec.argumentChoices.map(zquote).join(' ');
    return `    (${zquote(key(path))}) opts=(${options}); subs=(${subs}); values=(${values}); dynamic=${spec.argumentWords ?? ''};;`;
  });
  return `#compdef ${root.name}
# zsh completion for ${root.name}: eval "$(${root.name} completion zsh)" in ~/.zshrc, after compinit
${fn}() {
  local cur prev at i w dynamic
  local -a opts subs values
  cur="\${words[CURRENT]}"
  prev="\${words[CURRENT-1]}"
  at=""
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    case "$at $w" in
      (${paths.join('|')}) at="$at $w";;
    esac
  done
  case "$at|$prev" in
${valueCases.join('\n')}
  esac
  case "$at" in
${wordCases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    _describe -t options 'option' opts
  elif (( \${#subs} )); then
    _describe -t commands 'command' subs
  elif (( \${#values} )) || [[ -n "$dynamic" ]]; then
    [[ -n "$dynamic" ]] && values+=(\${(f)"$(${root.name} __complete $dynamic 2>/dev/null)"})
    compadd -- $values
  else
    _files
  fi
}
if (( \$+functions[compdef] )); then compdef ${fn} ${root.name}; fi
`;
}

function zquote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** True while the command line is at `path` and no deeper subcommand has been typed. */
function fishCondition(path: string[], spec: CommandSpec): string {
  const parts = path.length === 0 ? ['__fish_use_subcommand'] : path.map((p) => `__fish_seen_subcommand_from ${p}`);
  if (path.length > 0 && spec.subcommands.length > 0) parts.push(`not __fish_seen_subcommand_from ${spec.subcommands.map((s) => s.name).join(' ')}`);
  return parts.join('; and ');
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
