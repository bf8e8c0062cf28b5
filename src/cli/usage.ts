/**
 * Rules between options that commander cannot say: checked before the command runs, so a bad combination changes
 * nothing and is reported like any other usage error.
 */
import { Option, type Command } from 'commander';
import { UsageError, XplanError } from '../core/errors.js';
import type { TaskFields } from '../core/plan/plan-edit.js';

export type UsageCheck = (args: unknown[], opts: Record<string, unknown>) => void;

export const planUsage: UsageCheck = ([specs], opts) => {
  const files = specs as string[];
  if (opts.from) {
    if (files.length !== 1)
      throw new UsageError(
        `--from ${opts.from} reads one file`,
        `Run \`xplan plan --from ${opts.from} ${opts.from === 'taskmaster' ? '.taskmaster/tasks/tasks.json' : 'specs/001-feature/tasks.md'}\`.`,
      );
    return;
  }
  if (opts.tag !== undefined || opts.subtasks) throw new UsageError('--tag and --subtasks go with --from taskmaster', 'Add --from taskmaster and the tasks.json to read.');
  if ((opts.edit || opts.editor) && files.length > 0)
    throw new UsageError('--edit changes the saved plan; it takes no spec', 'Run `xplan plan <spec>` to generate a new plan, or `xplan plan --edit` alone.');
};

export const retryUsage: UsageCheck = (_args, opts) => {
  if (opts.context !== undefined && opts.contextFile !== undefined) throw new UsageError('--context and --context-file cannot be used together', 'Put all of the context in one of them.');
};

export const runUsage: UsageCheck = (_args, opts) => {
  const preview = ['prompts', 'prompt', 'showSecrets'].filter((o) => opts[o] !== undefined).map((o) => `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (preview.length > 0 && !opts.dryRun) throw new UsageError(`${preview.join(' and ')} go${preview.length === 1 ? 'es' : ''} with --dry-run`, `Run \`xplan run --dry-run ${preview.join(' ')}\`.`);
};

/** The task fields `task add` and `task set` take, as flags. */
export interface FieldFlags {
  description?: string;
  acceptance?: string[];
  effort?: TaskFields['effort'];
  risk?: TaskFields['risk'];
  riskReason?: string;
  strategy?: TaskFields['testStrategy'];
  strategyReason?: string;
  stream?: string;
  kind?: TaskFields['kind'];
}

export const fieldOptions = (cmd: Command): Command =>
  cmd
    .option('--description <text>', 'what the task does')
    .option('--acceptance <criterion...>', 'acceptance criteria (repeat or list several)')
    .addOption(new Option('--effort <size>', 'effort').choices(['XS', 'S', 'M', 'L', 'XL']))
    .addOption(new Option('--risk <level>', 'risk').choices(['low', 'medium', 'high']))
    .option('--risk-reason <text>', 'why the task has that risk')
    .addOption(new Option('--strategy <strategy>', 'test strategy').choices(['test-first', 'test-after', 'test-parallel', 'none']))
    .option('--strategy-reason <text>', 'why that test strategy')
    .option('--stream <id>', 'stream the task belongs to')
    .addOption(new Option('--kind <kind>', 'kind of task').choices(['setup', 'foundation', 'feature', 'fix', 'test', 'integration', 'docs']));

const USAGE_CODES: Record<string, string> = {
  'commander.unknownOption': 'UNKNOWN_OPTION',
  'commander.unknownCommand': 'UNKNOWN_COMMAND',
  'commander.missingArgument': 'MISSING_ARGUMENT',
  'commander.optionMissingArgument': 'MISSING_OPTION_VALUE',
  'commander.missingMandatoryOptionValue': 'MISSING_OPTION_VALUE',
  'commander.invalidArgument': 'INVALID_ARGUMENT',
  'commander.excessArguments': 'TOO_MANY_ARGUMENTS',
  'commander.conflictingOption': 'CONFLICTING_OPTIONS',
};

/** A usage error commander raised, in xplan's words: a code, the message on one line, and where to read the usage. */
export function usageErrorOf(error: Error & { code: string }, argv: readonly string[], commands: readonly string[]): XplanError {
  const command = argv.find((a) => commands.includes(a));
  return new XplanError(USAGE_CODES[error.code] ?? 'USAGE', error.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' '), {
    hint: `Run \`xplan ${command ? `${command} ` : ''}--help\` for the usage.`,
  });
}
