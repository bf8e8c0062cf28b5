/** The command tree as plain data, read from commander, for the completion scripts. */
import type { Command } from 'commander';
import type { CommandSpec, DynamicWords } from '../ui/render-completion.js';

/** Options whose value is a task or a run of this repository: the shell asks `xplan __complete` for them. */
const OPTION_WORDS: Record<string, DynamicWords> = { '--run': 'run', '--only': 'task', '--prompt': 'task', '--after': 'task', '--before': 'task', '--depends-on': 'task' };
/** Arguments that name a task. */
const TASK_ARGUMENTS = new Set(['task', 'id', 'on']);

export function commandSpec(command: Command): CommandSpec {
  const options = command.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
      description: o.description,
      takesValue: o.required || o.optional,
      choices: o.argChoices ?? [],
      ...(o.long && OPTION_WORDS[o.long] && !o.argChoices ? { words: OPTION_WORDS[o.long] } : {}),
    }));
  const first = command.registeredArguments[0];
  return {
    name: command.name(),
    description: command.description(),
    options: command.parent
      ? options
      : [...options, { flags: ['-V', '--version'], description: 'print the version', takesValue: false, choices: [] }].filter(
          (o, i, all) => all.findIndex((x) => x.flags.join() === o.flags.join()) === i,
        ),
    argumentChoices: first?.argChoices ?? [],
    // `task dep add T5 T3`: the task ids come after the action.
    ...(command.registeredArguments.some((a) => TASK_ARGUMENTS.has(a.name())) ? { argumentWords: 'task' as const } : {}),
    subcommands: command.commands.filter((c) => c.name() !== 'help' && !(c as Command & { _hidden?: boolean })._hidden).map(commandSpec),
  };
}
