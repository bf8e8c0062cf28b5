/**
 * Commander wiring only: options, arguments and lazy imports of the command and its renderer, so a cheap
 * invocation (`--version`, `--help`) loads nothing else.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Branching } from '../core/plan.js';
import type { PlanFormat } from '../ui/render-plan-output.js';
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

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
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
    .command('plan')
    .description('generate the task plan: dependencies, acceptance criteria, effort, risk, tests, parallel streams')
    .argument('[spec...]', 'spec files; defaults to the specs saved by `xplan assess`')
    .option('--json', 'print the plan as JSON (schemaVersion 1)')
    .addOption(new Option('--format <format>', 'human output format').choices(['table', 'tree', 'mermaid', 'md']).default('table'))
    .option('--max-tasks <n>', 'consolidate the plan to at most n tasks', positiveInteger)
    .addOption(new Option('--branching <mode>', 'how a run branches').choices(['single', 'feature', 'stacked']))
    .option('-y, --yes', 'accept confirmations (large plans, unusual settings) without asking')
    .action(async (specs: string[], opts: { format: PlanFormat; maxTasks?: number; branching?: Branching; yes?: boolean }) => {
      const { plan } = await import('../commands/plan.js');
      const { terminalConfirm } = await import('../adapters/prompts.js');
      const result = await plan({ cwd: ctx.cwd, specs, maxTasks: opts.maxTasks, branching: opts.branching, yes: opts.yes ?? false, confirm: terminalConfirm() });
      const footer = result.saved ? `Saved as a draft to ${result.saved.path} (revision ${result.saved.revision}).` : `Not saved: ${result.notSavedReason}.`;
      ctx.outcome = {
        json: result.plan,
        render: async (theme) => (await import('../ui/render-plan-output.js')).renderPlanAs(result.plan, opts.format, theme, footer),
        negative: false,
      };
    });

  program
    .command('show')
    .description('print the saved plan')
    .option('--json', 'print the plan as JSON (schemaVersion 1)')
    .addOption(new Option('--format <format>', 'human output format').choices(['table', 'tree', 'mermaid', 'md']).default('table'))
    .action(async (opts: { format: PlanFormat }) => {
      const { show } = await import('../commands/show.js');
      const result = await show({ cwd: ctx.cwd });
      ctx.outcome = {
        json: result.plan,
        render: async (theme) => (await import('../ui/render-plan-output.js')).renderPlanAs(result.plan, opts.format, theme),
        negative: false,
      };
    });

  program
    .command('check')
    .description('validate the saved plan or a plan file (xplan or task-master tasks.json) and print DAG statistics')
    .argument('[plan-file]', 'plan file (JSON or YAML); defaults to the saved plan')
    .addOption(new Option('--from <format>', 'format of the plan file (detected when omitted)').choices(['xplan', 'taskmaster']))
    .option('--tag <name>', 'task-master tag to read (default: master)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string | undefined, opts: { from?: 'xplan' | 'taskmaster'; tag?: string }) => {
      const { check } = await import('../commands/check.js');
      const result = await check({ cwd: ctx.cwd, ...(file ? { file } : {}), ...opts });
      ctx.outcome = {
        json: result,
        render: async (theme) => (await import('../ui/render-check.js')).renderCheck(result, theme),
        negative: !result.ok,
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
