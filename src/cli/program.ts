/**
 * Commander wiring only: options, arguments and lazy imports of the command and its renderer, so a cheap
 * invocation (`--version`, `--help`) loads nothing else.
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import type { Branching, Task } from '../core/plan.js';
import type { EditResult, TaskFields } from '../core/plan-edit.js';
import type { PlanFormat } from '../ui/render-plan-output.js';
import { UsageError } from '../core/errors.js';
import type { Theme } from '../ui/theme.js';

/** What a command produced: the JSON document, a way to render it for people, and whether the outcome is negative. */
export interface Outcome {
  json: unknown;
  render: (theme: Theme) => Promise<string>;
  negative: boolean;
  /** With --json, the command already wrote its output as NDJSON lines. */
  streamed?: boolean;
  /** The user interrupted it (Ctrl-C). */
  cancelled?: boolean;
}

export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  outcome?: Outcome;
  /** The theme for stdout, for commands that print as they go. */
  stdoutTheme: () => Promise<Theme>;
}

interface FieldFlags {
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

function idList(value: string): string[] {
  const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('expected task ids, e.g. T1,T3');
  return ids;
}

/** Digits only: `1e9`, `0x10` and `2.0` are refused rather than read as numbers. */
function positiveInteger(value: string): number {
  const n = /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1, in digits');
  return n;
}

const MAX_CONCURRENCY = 64;

function concurrency(value: string): number {
  const n = /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_CONCURRENCY}`);
  return n;
}

export function buildProgram(ctx: CliContext, version: string): Command {
  const program = new Command('xplan')
    .description('Assess a finished spec, plan it as a task DAG, and run it with Claude Code agents in git worktrees.')
    .version(version, '-V, --version', 'print the version')
    .option('--no-color', 'no colours in the output (also NO_COLOR=1)')
    .option('--debug', 'print stack traces for errors and log everything (also XPLAN_DEBUG=1)')
    .option('--verbose', 'show more of what xplan does on stderr, and log it')
    .option('--quiet', 'show only errors on stderr')
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
    .option('--edit', 'edit the saved plan in an interactive menu instead of generating one')
    .option('--editor', 'with --edit: edit the plan as YAML in $VISUAL / $EDITOR')
    .action(async (specs: string[], opts: { format: PlanFormat; maxTasks?: number; branching?: Branching; yes?: boolean; edit?: boolean; editor?: boolean }) => {
      if (opts.edit || opts.editor) {
        if (specs.length > 0) throw new UsageError('--edit changes the saved plan; it takes no spec', 'Run `xplan plan <spec>` to generate a new plan, or `xplan plan --edit` alone.');
        await editSavedPlan(opts.editor ?? false);
        return;
      }
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
    .argument('[plan-file]', 'plan file (JSON or YAML); defaults to the plan saved in .xplan/state.json')
    .addOption(new Option('--from <format>', 'format of the plan file (detected when omitted)').choices(['xplan', 'taskmaster']))
    .option('--tag <name>', 'task-master tag to read (default: master, else the only tag)')
    .option('--subtasks', 'task-master: check subtasks as tasks of their own instead of folding them into their parent')
    .option('--json', 'print the result as JSON')
    .action(async (file: string | undefined, opts: { from?: 'xplan' | 'taskmaster'; tag?: string; subtasks?: boolean }) => {
      const { check } = await import('../commands/check.js');
      const result = await check({ cwd: ctx.cwd, file, from: opts.from, tag: opts.tag, subtasks: opts.subtasks });
      ctx.outcome = {
        json: result,
        render: async (theme) => (await import('../ui/render-check.js')).renderCheck(result, theme),
        negative: !result.ok,
      };
    });

  const editSavedPlan = async (inEditor: boolean) => {
    if (inEditor) {
      const { editInEditor } = await import('../commands/edit-in-editor.js');
      const result = await editInEditor({ cwd: ctx.cwd, env: ctx.env });
      ctx.outcome = {
        json: result.plan,
        render: async (theme) => (result.changed ? (await import('../ui/render-edit.js')).renderEdit(result, theme) : 'No changes.'),
        negative: false,
      };
      return;
    }
    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      throw new UsageError('xplan plan --edit needs a terminal to ask its questions', 'Use `xplan plan --edit --editor`, or the scriptable `xplan task add|rm|set|dep|move`.');
    }
    const { editMenu } = await import('../commands/edit-menu.js');
    const { terminalPrompts } = await import('../adapters/prompts.js');
    const { renderPlanBrief } = await import('../ui/render-edit.js');
    const { loadTheme, colorEnabled } = await import('../ui/theme.js');
    const theme = await loadTheme(colorEnabled({ env: ctx.env, isTTY: true, noColorFlag: process.argv.includes('--no-color'), json: false }));
    const result = await editMenu(ctx.cwd, await terminalPrompts(), (plan) => renderPlanBrief(plan, theme));
    ctx.outcome = {
      json: result.plan,
      render: async () => (result.saved ? `Saved ${result.changes.length} change${result.changes.length === 1 ? '' : 's'}: ${result.changes.join('; ')}.` : 'Nothing saved.'),
      negative: false,
    };
  };

  const edited = async (edit: (tasks: Task[]) => EditResult) => {
    const { editPlan } = await import('../commands/edit-plan.js');
    const result = await editPlan(ctx.cwd, (plan) => edit(plan.tasks));
    ctx.outcome = {
      json: result.plan,
      render: async (theme) => (await import('../ui/render-edit.js')).renderEdit(result, theme),
      negative: false,
    };
  };
  const fieldOptions = (cmd: Command) =>
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
  const fieldsFrom = (o: FieldFlags) => ({
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.acceptance !== undefined ? { acceptanceCriteria: o.acceptance } : {}),
    ...(o.effort !== undefined ? { effort: o.effort } : {}),
    ...(o.risk !== undefined ? { risk: o.risk } : {}),
    ...(o.riskReason !== undefined ? { riskReason: o.riskReason } : {}),
    ...(o.strategy !== undefined ? { testStrategy: o.strategy } : {}),
    ...(o.strategyReason !== undefined ? { strategyReason: o.strategyReason } : {}),
    ...(o.stream !== undefined ? { stream: o.stream } : {}),
    ...(o.kind !== undefined ? { kind: o.kind } : {}),
  });

  const task = program.command('task').description('edit the saved plan from scripts: add, rm, set, dep, move');
  fieldOptions(
    task
      .command('add')
      .description('add a task')
      .requiredOption('--title <text>', 'title of the new task')
      .option('--after <id>', 'place it after this task')
      .option('--depends-on <ids>', 'comma-separated tasks it depends on', idList)
      .option('--json', 'print the plan as JSON'),
  ).action(async (o: FieldFlags & { title: string; after?: string; dependsOn?: string[] }) => {
    const { addTask } = await import('../core/plan-edit.js');
    await edited((tasks) => addTask(tasks, { ...fieldsFrom(o), title: o.title, ...(o.after ? { after: o.after } : {}), ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}) }));
  });
  task
    .command('rm')
    .description('remove a task; its dependents are named and need confirmation or --force')
    .argument('<id>', 'task id, e.g. T3')
    .option('--force', 'remove it even if other tasks depend on it')
    .option('--json', 'print the plan as JSON')
    .action(async (id: string, o: { force?: boolean }) => {
      const { removeTaskAsking } = await import('../commands/edit-plan.js');
      const { terminalConfirm } = await import('../adapters/prompts.js');
      const result = await removeTaskAsking(ctx.cwd, id, o.force ?? false, terminalConfirm());
      ctx.outcome = {
        json: result.plan,
        render: async (theme) => (await import('../ui/render-edit.js')).renderEdit(result, theme),
        negative: false,
      };
    });
  fieldOptions(
    task
      .command('set')
      .description('change fields of a task')
      .argument('<id>', 'task id, e.g. T3')
      .option('--title <text>', 'new title')
      .option('--json', 'print the plan as JSON'),
  ).action(async (id: string, o: FieldFlags & { title?: string }) => {
    const { setTask } = await import('../core/plan-edit.js');
    await edited((tasks) => setTask(tasks, id, { ...fieldsFrom(o), ...(o.title !== undefined ? { title: o.title } : {}) }));
  });
  task
    .command('dep')
    .description('add or remove a dependency: `dep add T5 T3` makes T5 depend on T3')
    .addArgument(new Argument('<action>', 'add or rm').choices(['add', 'rm']))
    .argument('<id>', 'the dependent task')
    .argument('<on>', 'the task it depends on')
    .option('--json', 'print the plan as JSON')
    .action(async (action: 'add' | 'rm', id: string, on: string) => {
      const { addDependency, removeDependency } = await import('../core/plan-edit.js');
      await edited((tasks) => (action === 'add' ? addDependency(tasks, id, on) : removeDependency(tasks, id, on)));
    });
  task
    .command('move')
    .description('move a task in the list (ids and dependencies stay)')
    .argument('<id>', 'task id, e.g. T5')
    .option('--before <id>', 'put it before this task')
    .option('--after <id>', 'put it after this task')
    .option('--json', 'print the plan as JSON')
    .action(async (id: string, o: { before?: string; after?: string }) => {
      const { moveTask } = await import('../core/plan-edit.js');
      await edited((tasks) => moveTask(tasks, id, o));
    });

  program
    .command('approve')
    .description('approve the saved plan for running: records who, when and the plan hash')
    .option('-y, --yes', 'approve despite warnings without asking')
    .option('--json', 'print the approved plan as JSON')
    .action(async (o: { yes?: boolean }) => {
      const { approve } = await import('../commands/approve.js');
      const { terminalConfirm } = await import('../adapters/prompts.js');
      const { beadsOnApproval } = await import('../commands/export-beads.js');
      const result = await approve({ cwd: ctx.cwd, yes: o.yes ?? false, confirm: terminalConfirm(), hooks: [beadsOnApproval(ctx.env)] });
      ctx.outcome = {
        json: result.plan,
        render: async (theme) => (await import('../ui/render-edit.js')).renderApprove(result, theme),
        negative: false,
      };
    });

  program
    .command('run')
    .description('run the approved plan: one Claude Code agent per task, each in its own worktree and branch')
    .option('-c, --concurrency <n>', `agents at once, 1 to ${MAX_CONCURRENCY} (default: run.concurrency in config)`, concurrency)
    .option('--dry-run', 'print the waves, branches, worktrees and prompts without starting anything')
    .option('--show-secrets', 'with --dry-run: print the prompts with the secrets in the spec, as agents get them (masked otherwise)')
    .option('--only <ids>', 'run only these tasks (comma-separated; their dependencies must be included)', idList)
    .option('--json', 'stream the run events as JSON lines')
    .action(async (o: { concurrency?: number; dryRun?: boolean; only?: string[]; json?: boolean }) => {
      const { run } = await import('../commands/run.js');
      const options = await runOptions(o.json ?? false);
      const result = await run({ ...options, concurrency: o.concurrency, dryRun: o.dryRun ?? false, only: o.only });
      if (result.kind === 'dry-run') {
        ctx.outcome = { json: result, render: async (t) => (await import('../ui/render-run.js')).renderDryRun(result, t), negative: false };
        return;
      }
      ctx.outcome = runOutcome(result);
    });

  program
    .command('resume')
    .description('continue a paused or interrupted run; agents still working are adopted, not restarted')
    .option('--json', 'stream the run events as JSON lines')
    .action(async (o: { json?: boolean }) => {
      const { resume } = await import('../commands/run.js');
      const result = await resume(await runOptions(o.json ?? false));
      if (result.kind === 'run') ctx.outcome = runOutcome(result);
    });

  /** Run events are printed as they happen: a line each for people, or JSON lines. */
  async function runOptions(json: boolean) {
    const { renderRunEvent } = await import('../ui/render-run.js');
    const { escapeControl } = await import('../ui/terminal-text.js');
    const theme = await ctx.stdoutTheme();
    const { levelsFrom } = await import('../adapters/logger.js');
    return {
      cwd: ctx.cwd,
      env: ctx.env,
      signals: true,
      log: { ...levelsFrom(process.argv, ctx.env), stderr: (line: string) => process.stderr.write(`${escapeControl(line)}\n`) },
      onEvent: (event: import('../core/run.js').RunEvent) => {
        const line = json ? JSON.stringify(event) : renderRunEvent(event, theme);
        if (line !== undefined) process.stdout.write(`${line}\n`);
      },
    };
  }

  function runOutcome(result: { status: import('../commands/status.js').StatusResult; interrupted: boolean }): Outcome {
    return {
      json: result.status,
      render: async (t) => `\n${(await import('../ui/render-status.js')).renderStatus(result.status, t)}`,
      negative: !['completed', 'paused'].includes(result.status.run.status),
      cancelled: result.interrupted,
      streamed: true,
    };
  }

  const controlOutcome = (result: import('../commands/control.js').ControlResult): Outcome => ({
    json: result,
    render: async (t) => (await import('../ui/render-control.js')).renderControl(result, t),
    negative: false,
  });

  program
    .command('pause')
    .description('stop dispatching; running agents finish their tasks (--now stops them too)')
    .option('--now', 'stop running agents now (SIGTERM, then SIGKILL); their tasks become interrupted')
    .option('--json', 'print the result as JSON')
    .action(async (o: { now?: boolean }) => {
      const { pause } = await import('../commands/control.js');
      ctx.outcome = controlOutcome(await pause({ cwd: ctx.cwd, env: ctx.env, now: o.now ?? false }));
    });

  program
    .command('retry')
    .description('run a failed, blocked, interrupted or skipped task again, as a new attempt with a new agent and branch')
    .argument('<task>', 'task id, e.g. T3')
    .option('--context <text>', 'add this to the prompt of the new attempt')
    .option('--context-file <file>', 'add this file to the prompt of the new attempt')
    .option('--fresh', "start from the task's base, not from the last attempt's branch")
    .option('--json', 'print the result as JSON')
    .action(async (taskId: string, o: { context?: string; contextFile?: string; fresh?: boolean }) => {
      if (o.context !== undefined && o.contextFile !== undefined) throw new UsageError('--context and --context-file cannot be used together', 'Put all of the context in one of them.');
      const { retry } = await import('../commands/control.js');
      ctx.outcome = controlOutcome(await retry({ cwd: ctx.cwd, env: ctx.env, taskId, context: o.context, contextFile: o.contextFile, fresh: o.fresh ?? false }));
    });

  program
    .command('skip')
    .description('skip a task; its dependents stay blocked unless --cascade skips them too')
    .argument('<task>', 'task id, e.g. T3')
    .option('--cascade', 'skip every task that depends on it too')
    .option('--reason <text>', 'why, for the record')
    .option('--json', 'print the result as JSON')
    .action(async (taskId: string, o: { cascade?: boolean; reason?: string }) => {
      const { skip } = await import('../commands/control.js');
      ctx.outcome = controlOutcome(await skip({ cwd: ctx.cwd, env: ctx.env, taskId, cascade: o.cascade ?? false, reason: o.reason }));
    });

  program
    .command('done')
    .description('mark a task completed by hand (recorded with who and why); its dependents are released')
    .argument('<task>', 'task id, e.g. T3')
    .requiredOption('--reason <text>', 'why it counts as done')
    .option('--json', 'print the result as JSON')
    .action(async (taskId: string, o: { reason: string }) => {
      const { done } = await import('../commands/control.js');
      ctx.outcome = controlOutcome(await done({ cwd: ctx.cwd, env: ctx.env, taskId, reason: o.reason }));
    });

  program
    .command('status')
    .description('where the run stands: progress, each task\'s state, agent, branch and usage, and what blocks what')
    .option('--json', 'print the status as JSON (schemaVersion 1)')
    .option('-w, --watch', 'refresh every second until the run ends')
    .action(async (o: { json?: boolean; watch?: boolean }) => {
      const { status } = await import('../commands/status.js');
      const { renderStatus } = await import('../ui/render-status.js');
      const { isActiveRun } = await import('../core/run.js');
      let result = await status({ cwd: ctx.cwd });
      if (o.watch) {
        const theme = await ctx.stdoutTheme();
        let last = '';
        while (!result.run.orphaned && isActiveRun(result.run)) {
          const frame = o.json ? JSON.stringify(result) : renderStatus(result, theme);
          // On a terminal the frame replaces the last one; elsewhere only changes are printed.
          if (process.stdout.isTTY && !o.json) process.stdout.write(`\x1b[H\x1b[2J${frame}\n`);
          else if (frame !== last) process.stdout.write(`${frame}\n`);
          last = frame;
          await new Promise((resolve) => setTimeout(resolve, 1000));
          result = await status({ cwd: ctx.cwd });
        }
        if (process.stdout.isTTY && !o.json) process.stdout.write('\x1b[H\x1b[2J');
      }
      const final = result;
      ctx.outcome = { json: final, render: async (t) => renderStatus(final, t), negative: false };
    });

  program
    .command('logs')
    .description("show an agent's transcript readably")
    .argument('<task>', 'task id, e.g. T3')
    .option('--attempt <n>', 'which attempt (default: the latest)', positiveInteger)
    .option('-f, --follow', 'keep printing new output until the agent ends')
    .option('--raw', 'print the stream-json lines as they are')
    .action(async (taskId: string, o: { attempt?: number; follow?: boolean; raw?: boolean }) => {
      const { logs } = await import('../commands/logs.js');
      const { renderRawTranscriptLine, renderTranscriptHeader, renderTranscriptLine } = await import('../ui/render-transcript.js');
      const result = await logs({ cwd: ctx.cwd, taskId, attempt: o.attempt, follow: o.follow ?? false });
      const theme = await ctx.stdoutTheme();
      if (!o.raw) process.stdout.write(`${renderTranscriptHeader(result, theme)}\n`);
      for await (const line of result.lines) {
        const text = o.raw ? renderRawTranscriptLine(line) : renderTranscriptLine(line, theme);
        if (text !== undefined) process.stdout.write(`${text}\n`);
      }
    });

  program
    .command('export')
    .description('export the approved plan to beads (bd): an epic, child issues and dependencies')
    .addArgument(new Argument('<target>', 'where to export').choices(['beads']))
    .option('--dry-run', 'say what would be created, updated and linked, changing nothing')
    .option('--jsonl <file>', 'write import-ready JSONL to this file instead of calling bd')
    .option('--sync', "also set each issue's status from the run")
    .option('--json', 'print the result as JSON')
    .action(async (_target: string, o: { dryRun?: boolean; jsonl?: string; sync?: boolean }) => {
      const { exportBeads } = await import('../commands/export-beads.js');
      const result = await exportBeads({ cwd: ctx.cwd, env: ctx.env, dryRun: o.dryRun ?? false, jsonl: o.jsonl, sync: o.sync ?? false });
      ctx.outcome = { json: result, render: async (t) => (await import('../ui/render-export.js')).renderExport(result, t), negative: false };
    });

  program
    .command('clean')
    .description('remove worktrees of finished runs; branches go only when merged, unmerged work always stays')
    .option('--run <id>', 'clean only this run')
    .option('--older-than <age>', 'only runs older than this, e.g. 14d, 12h')
    .option('--dry-run', 'say what would go without removing anything')
    .option('--json', 'print the result as JSON')
    .action(async (o: { run?: string; olderThan?: string; dryRun?: boolean }) => {
      const { clean } = await import('../commands/clean.js');
      const result = await clean({ cwd: ctx.cwd, run: o.run, olderThan: o.olderThan, dryRun: o.dryRun ?? false });
      ctx.outcome = { json: result, render: async (t) => (await import('../ui/render-clean.js')).renderClean(result, t), negative: false };
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
