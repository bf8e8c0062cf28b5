/**
 * Shell completion scripts for bash, zsh and fish, generated from the command tree, so they never fall behind the
 * commands: subcommands, their options, and the values of options and arguments that have a fixed set.
 */

export interface OptionSpec {
  /** `--format`, `-f` */
  flags: string[];
  description: string;
  takesValue: boolean;
  choices: string[];
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Values of its first positional argument, when they are a fixed set. */
  argumentChoices: string[];
  subcommands: CommandSpec[];
}

export type Shell = 'bash' | 'zsh' | 'fish';

export function renderCompletion(shell: Shell, root: CommandSpec): string {
  if (shell === 'fish') return fishScript(root);
  const bash = bashScript(root);
  if (shell === 'bash') return bash;
  // zsh runs the bash function through its own bash-completion layer.
  return `#compdef ${root.name}\n# zsh completion for ${root.name}: eval "$(${root.name} completion zsh)" in ~/.zshrc\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n${bash.replace(/^#.*\n/gm, '')}`;
}

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
      const words = option.choices.length > 0 ? `COMPREPLY=($(compgen -W "${option.choices.join(' ')}" -- "$cur"))` : 'COMPREPLY=($(compgen -f -- "$cur"))';
      valueCases.push(`    "${key(path)}|${option.flags.join(`"|"${key(path)}|`)}") ${words}; return;;`);
    }
  }
  const wordCases = nodes.map(({ path, spec }) => {
    const options = [...spec.options.flatMap((o) => o.flags), '--help'].join(' ');
    const words = [...spec.subcommands.map((s) => s.name), ...spec.argumentChoices].join(' ');
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
    if (spec.subcommands.length === 0 && spec.argumentChoices.length === 0 && path.length > 0) lines.push(`complete -c ${name} -n ${quote(condition)} -F`);
    for (const option of spec.options) {
      const flags = option.flags.map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`)).join(' ');
      const value = option.takesValue ? (option.choices.length > 0 ? ` -x -a ${quote(option.choices.join(' '))}` : ' -r -F') : '';
      lines.push(`complete -c ${name} -n ${quote(condition)} ${flags}${value} -d ${quote(option.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
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
