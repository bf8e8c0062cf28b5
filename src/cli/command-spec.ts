/** The command tree as plain data, read from commander, for the completion scripts. */
import type { Command } from 'commander';
import type { CommandSpec } from '../ui/render-completion.js';

export function commandSpec(command: Command): CommandSpec {
  const options = command.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
      description: o.description,
      takesValue: o.required || o.optional,
      choices: o.argChoices ?? [],
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
    subcommands: command.commands.filter((c) => c.name() !== 'help' && !(c as Command & { _hidden?: boolean })._hidden).map(commandSpec),
  };
}
