/**
 * Commander wiring only: options, arguments and lazy imports of the command and its renderer, so a cheap
 * invocation (`--version`, `--help`) loads nothing else.
 */
import { Command, Option } from 'commander';
import type { Theme } from '../ui/theme.js';

/** What a command produced: the JSON document, a way to render it for people, and whether the outcome is negative. */
export interface Outcome {
  json: unknown;
  render: (theme: Theme) => Promise<string>;
  negative: boolean;
}

export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  outcome?: Outcome;
}

export function buildProgram(ctx: CliContext, version: string): Command {
  const program = new Command('xplan')
    .description('Assess a finished spec, plan it as a task DAG, and run it with Claude Code agents in git worktrees.')
    .version(version, '-V, --version', 'print the version')
    .option('--no-color', 'no colours in the output (also NO_COLOR=1)')
    .option('--debug', 'print stack traces for errors (also XPLAN_DEBUG=1)')
    .showSuggestionAfterError()
    .showHelpAfterError(false)
    .exitOverride()
    // Errors are printed by main.ts in xplan's format; subcommands inherit this, so it is set before they exist.
    .configureOutput({ outputError: () => {} })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok · 1 ran, outcome negative · 2 usage, config or input error · 130 cancelled\nStart with: xplan assess spec.md',
    );

  program
    .command('assess')
    .description('tell whether a spec fits one agent, needs several, or must be split — and why')
    .argument('<spec...>', 'spec files (Markdown or text); several specs are assessed together')
    .option('--json', 'print the assessment as JSON (schemaVersion 1)')
    .addOption(new Option('--engine <engine>', 'assessment engine').choices(['heuristic']))
    .option('--no-save', 'do not save the assessment into .xplan/state.json')
    .action(async (specs: string[], opts: { json?: boolean; save: boolean }) => {
      const { assess } = await import('../commands/assess.js');
      const result = await assess({ cwd: ctx.cwd, specs, save: opts.save });
      ctx.outcome = {
        json: result.assessment,
        render: async (theme) => (await import('../ui/render-assess.js')).renderAssess(result, theme),
        negative: false,
      };
    });

  program
    .command('init')
    .description('write .xplan/config.yaml with every setting and its default')
    .option('--force', 'replace an existing config.yaml')
    .option('--print', 'print the starter config instead of writing it')
    .action(async (opts: { force?: boolean; print?: boolean }) => {
      const { init } = await import('../commands/init.js');
      const result = await init({ cwd: ctx.cwd, force: opts.force ?? false, print: opts.print ?? false });
      ctx.outcome = {
        json: result,
        render: async (theme) => (await import('../ui/render-doctor.js')).renderInit(result, theme),
        negative: false,
      };
    });

  program
    .command('doctor')
    .description('check node, git, claude, bd and the config; say how to fix what is missing')
    .option('--json', 'print the checks as JSON')
    .action(async () => {
      const { doctor } = await import('../commands/doctor.js');
      const result = await doctor({ cwd: ctx.cwd, env: ctx.env });
      ctx.outcome = {
        json: { schemaVersion: 1, ...result },
        render: async (theme) => (await import('../ui/render-doctor.js')).renderDoctor(result, theme),
        negative: !result.ok,
      };
    });

  return program;
}
