/**
 * Commander wiring only: options, arguments and lazy imports of the command and its renderer, so a cheap
 * invocation (`--version`, `--help`) loads nothing else.
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import type { EngineName } from '../core/config.js';
import type { Branching, Task } from '../core/plan.js';
import type { EditResult, TaskFields } from '../core/plan-edit.js';
import type { PlanFormat } from '../ui/render-plan-output.js';
import { UsageError } from '../core/errors.js';
import type { ControlResult } from '../core/run-control.js';
import type { StatusResult } from '../core/run-status.js';
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
  /** SIGTERM stopped it. */
  terminated?: boolean;
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
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('expected task ids, e.g. T1,T3');
  return ids;
}

/** Digits only: `1e9`, `0x10` and `2.0` are refused rather than read as numbers. */
function positiveInteger(value: string): number {
  const n = /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1, in digits');
  return n;
}

/** Text an option must carry: an empty or blank `--reason ""` records nothing, so it is refused. */
function someText(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected some text, not an empty string');
  return value.trim();
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
    .addHelpText('after', '\nExit codes: 0 ok · 1 ran, outcome negative · 2 usage, config or input error · 130 cancelled · 143 run stopped by SIGTERM\nStart with: xplan assess spec.md');

  /** The flags every command shares, as commander parsed them. */
  const globalFlags = () => program.opts<{ color: boolean; debug?: boolean; verbose?: boolean; quiet?: boolean }>();
  /** The repository the command works on, opened once per command; loaded only by commands that need it. */
  const workspace = async () => (await import('../workspace.js')).Workspace.open(ctx.cwd, ctx.env);
  /** A command's result: printed as JSON with --json, else rendered by its (lazily loaded) renderer. */
  const present = <R>(result: R, renderer: () => Promise<(result: R, theme: Theme) => string | Promise<string>>, extra: Partial<Omit<Outcome, 'render'>> = {}) => {
    ctx.outcome = { json: result, negative: false, ...extra, render: async (theme) => (await renderer())(result, theme) };
  };

  program
    .command('assess')
    .description('tell whether a spec fits one agent, needs several, or must be split — and why')
    .argument('<spec...>', 'spec files (Markdown or text); several specs are assessed together')
    .option('--json', 'print the assessment as JSON (schemaVersion 1)')
    .addOption(new Option('--engine <engine>', 'assessment engine (default: config planning.engine, auto: claude when logged in, else heuristic)').choices(['auto', 'claude', 'heuristic']))
    .option('--no-save', 'do not save the assessment into .xplan/state.json')
    .action(async (specs: string[], opts: { json?: boolean; save: boolean; engine?: EngineName }) => {
      const { assess } = await import('../commands/assess.js');
      const spinner = await (await import('../ui/spinner.js')).terminalSpinner();
      const result = await assess({ specs, save: opts.save, engine: opts.engine, progress: spinner?.update }, await workspace()).finally(() => spinner?.stop());
      present(result, async () => (await import('../ui/render-assess.js')).renderAssess, { json: result.assessment });
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
    .option('--force', 'replace an approved or hand-edited plan without asking')
    .option('--edit', 'edit the saved plan in an interactive menu instead of generating one')
    .option('--editor', 'with --edit: edit the plan as YAML in $VISUAL / $EDITOR')
    .addOption(new Option('--engine <engine>', 'planning engine (default: config planning.engine, auto: claude when logged in, else heuristic)').choices(['auto', 'claude', 'heuristic']))
    .option('--note <text>', 'an instruction for the planner, kept with the plan (e.g. "Phase 2 is in scope")', someText)
    .addOption(new Option('--from <format>', 'make the plan from a task-master tasks.json or a spec-kit tasks.md instead of a spec').choices(['taskmaster', 'speckit']))
    .option('--tag <name>', 'with --from taskmaster: the tag to read (default: master, else the only tag)')
    .option('--subtasks', 'with --from taskmaster: subtasks become tasks of their own instead of folding into their parent')
    .action(
      async (
        specs: string[],
        opts: {
          format: PlanFormat;
          maxTasks?: number;
          branching?: Branching;
          yes?: boolean;
          force?: boolean;
          edit?: boolean;
          editor?: boolean;
          from?: 'taskmaster' | 'speckit';
          tag?: string;
          subtasks?: boolean;
          engine?: EngineName;
          note?: string;
        },
      ) => {
        if (opts.from) {
          if (specs.length !== 1)
            throw new UsageError(
              `--from ${opts.from} reads one file`,
              `Run \`xplan plan --from ${opts.from} ${opts.from === 'taskmaster' ? '.taskmaster/tasks/tasks.json' : 'specs/001-feature/tasks.md'}\`.`,
            );
          const { importPlan } = await import('../commands/import-plan.js');
          const result = await importPlan({ from: opts.from, file: specs[0]!, tag: opts.tag, subtasks: opts.subtasks, branching: opts.branching }, await workspace());
          const footer = [
            ...result.notes.map((n) => `note: ${n}`),
            result.saved ? `Saved as a draft to ${result.saved.path} (revision ${result.saved.revision}).` : `Not saved: ${result.notSavedReason}.`,
          ].join('\n');
          const { renderPlanAs } = await import('../ui/render-plan-output.js');
          present(result.plan, async () => (p, theme) => renderPlanAs(p, opts.format, theme, footer));
          return;
        }
        if (opts.tag !== undefined || opts.subtasks) throw new UsageError('--tag and --subtasks go with --from taskmaster', 'Add --from taskmaster and the tasks.json to read.');
        if (opts.edit || opts.editor) {
          if (specs.length > 0) throw new UsageError('--edit changes the saved plan; it takes no spec', 'Run `xplan plan <spec>` to generate a new plan, or `xplan plan --edit` alone.');
          await editSavedPlan(opts.editor ?? false);
          return;
        }
        const { plan } = await import('../commands/plan.js');
        const { terminalConfirm } = await import('../adapters/prompts.js');
        const spinner = await (await import('../ui/spinner.js')).terminalSpinner();
        const ask = terminalConfirm();
        const confirm = ask && ((message: string) => (spinner?.stop(), ask(message)));
        const result = await plan(
          { specs, maxTasks: opts.maxTasks, branching: opts.branching, yes: opts.yes ?? false, force: opts.force ?? false, confirm, engine: opts.engine, note: opts.note, progress: spinner?.update },
          await workspace(),
        ).finally(() => spinner?.stop());
        const footer = result.saved ? `Saved as a draft to ${result.saved.path} (revision ${result.saved.revision}).` : `Not saved: ${result.notSavedReason}.`;
        const { renderPlanAs } = await import('../ui/render-plan-output.js');
        present(result.plan, async () => (p, theme) => renderPlanAs(p, opts.format, theme, footer));
      },
    );

  program
    .command('show')
    .description('print the saved plan')
    .option('--json', 'print the plan as JSON (schemaVersion 1)')
    .addOption(new Option('--format <format>', 'output format; taskmaster writes a task-master tasks.json').choices(['table', 'tree', 'mermaid', 'md', 'taskmaster']).default('table'))
    .action(async (opts: { format: PlanFormat }) => {
      const { show } = await import('../commands/show.js');
      const { plan, progress } = await show(await workspace());
      const { renderPlanAs } = await import('../ui/render-plan-output.js');
      present(plan, async () => (p, theme) => renderPlanAs(p, opts.format, theme, undefined, progress));
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
      present(result, async () => (await import('../ui/render-check.js')).renderCheck, { negative: !result.ok });
    });

  const editSavedPlan = async (inEditor: boolean) => {
    if (inEditor) {
      const { editInEditor } = await import('../commands/edit-in-editor.js');
      const result = await editInEditor(await workspace());
      const { renderEdit } = await import('../ui/render-edit.js');
      present(result, async () => (r, theme) => (r.changed ? renderEdit(r, theme) : 'No changes.'), { json: result.plan });
      return;
    }
    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      throw new UsageError('xplan plan --edit needs a terminal to ask its questions', 'Use `xplan plan --edit --editor`, or the scriptable `xplan task add|rm|set|dep|move`.');
    }
    const { editMenu } = await import('../commands/edit-menu.js');
    const { terminalPrompts } = await import('../adapters/prompts.js');
    const { renderPlanBrief } = await import('../ui/render-edit.js');
    const { loadTheme, colorEnabled } = await import('../ui/theme.js');
    const theme = await loadTheme(colorEnabled({ env: ctx.env, isTTY: true, noColorFlag: !globalFlags().color, json: false }));
    const result = await editMenu(await workspace(), await terminalPrompts(), (plan) => renderPlanBrief(plan, theme));
    present(result, async () => (r) => (r.saved ? `Saved ${r.changes.length} change${r.changes.length === 1 ? '' : 's'}: ${r.changes.join('; ')}.` : 'Nothing saved.'), { json: result.plan });
  };

  const edited = async (edit: (tasks: Task[]) => EditResult) => {
    const { editPlan } = await import('../commands/edit-plan.js');
    const result = await editPlan((plan) => edit(plan.tasks), await workspace());
    present(result, async () => (await import('../ui/render-edit.js')).renderEdit, { json: result.plan });
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
      const { removeTask } = await import('../commands/edit-plan.js');
      const { terminalConfirm } = await import('../adapters/prompts.js');
      const result = await removeTask({ id, force: o.force ?? false, confirm: terminalConfirm() }, await workspace());
      present(result, async () => (await import('../ui/render-edit.js')).renderEdit, { json: result.plan });
    });
  fieldOptions(task.command('set').description('change fields of a task').argument('<id>', 'task id, e.g. T3').option('--title <text>', 'new title').option('--json', 'print the plan as JSON')).action(
    async (id: string, o: FieldFlags & { title?: string }) => {
      const { setTask } = await import('../core/plan-edit.js');
      await edited((tasks) => setTask(tasks, id, { ...fieldsFrom(o), ...(o.title !== undefined ? { title: o.title } : {}) }));
    },
  );
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
      const result = await approve({ yes: o.yes ?? false, confirm: terminalConfirm(), hooks: [beadsOnApproval()] }, await workspace());
      present(result, async () => (await import('../ui/render-edit.js')).renderApprove, { json: result.plan });
    });

  program
    .command('run')
    .description('run the approved plan: one Claude Code agent per task, each in its own worktree and branch')
    .option('-c, --concurrency <n>', `agents at once, 1 to ${MAX_CONCURRENCY} (default: run.concurrency in config)`, concurrency)
    .option('--dry-run', 'print the waves, branches, worktrees and prompts without starting anything')
    .option('--show-secrets', 'with --dry-run: print the prompts with the secrets in the spec, as agents get them (masked otherwise)')
    .option('--only <ids>', 'run only these tasks (comma-separated; their dependencies must be included)', idList)
    .option('-y, --yes', 'run again over a completed run without asking')
    .option('--json', 'stream the run events as JSON lines')
    .action(async (o: { concurrency?: number; dryRun?: boolean; only?: string[]; yes?: boolean; json?: boolean }) => {
      const { run } = await import('../commands/run.js');
      const { terminalConfirm } = await import('../adapters/prompts.js');
      const ws = await workspace();
      const { options, done } = await runOptions(o.json ?? false, ws.files);
      const result = await run({ ...options, concurrency: o.concurrency, dryRun: o.dryRun ?? false, only: o.only, yes: o.yes ?? false, confirm: terminalConfirm() }, ws).finally(done);
      if (result.kind === 'dry-run') present(result, async () => (await import('../ui/render-run.js')).renderDryRun);
      else presentRun(result);
    });

  program
    .command('resume')
    .description('continue a paused or interrupted run; agents still working are adopted, not restarted')
    .option('--json', 'stream the run events as JSON lines')
    .action(async (o: { json?: boolean }) => {
      const { resume } = await import('../commands/resume.js');
      const ws = await workspace();
      const { options, done } = await runOptions(o.json ?? false, ws.files);
      const result = await resume(options, ws).finally(done);
      if (result.kind === 'run') presentRun(result);
    });

  /** Run events are printed as they happen: a line each for people, or JSON lines. */
  async function runOptions(json: boolean, files: import('../adapters/run-files.js').RunFiles) {
    const { renderRunEvent } = await import('../ui/render-run.js');
    const { escapeControl } = await import('../ui/terminal-text.js');
    const theme = await ctx.stdoutTheme();
    const { levelsFrom } = await import('../adapters/logger.js');
    const live = !json && process.stdout.isTTY === true ? await liveAgents(files, theme) : undefined;
    const options = {
      signals: true,
      log: { ...levelsFrom(globalFlags(), ctx.env), stderr: (line: string) => process.stderr.write(`${escapeControl(line)}\n`) },
      onEvent: (event: import('../core/run.js').RunEvent) => {
        live?.follow(event);
        const line = json ? JSON.stringify({ schemaVersion: 1, ...event }) : renderRunEvent(event, theme);
        if (line === undefined) return;
        if (live) live.area.line(line);
        else process.stdout.write(`${line}\n`);
      },
    };
    return { options, done: () => live?.stop() };
  }

  /** On a terminal, one live line per running agent under the events: elapsed time, last tool call, tokens. */
  async function liveAgents(files: import('../adapters/run-files.js').RunFiles, theme: Theme) {
    const { LiveArea, renderLiveAgents } = await import('../ui/live-agents.js');
    const { TranscriptFollower } = await import('../adapters/transcript-progress.js');
    const { AGENT_FILES } = await import('../adapters/run-files.js');
    const area = new LiveArea(process.stdout);
    const agents = new Map<string, { agent: number; startedAt: number; follower: InstanceType<typeof TranscriptFollower> }>();
    const ENDS = new Set(['task.verifying', 'task.completed', 'task.failed', 'task.blocked', 'task.retrying', 'task.interrupted', 'task.skipped', 'task.done']);
    let drawing = false;
    const timer = setInterval(() => {
      if (drawing) return;
      drawing = true;
      void Promise.all([...agents].map(async ([taskId, a]) => ({ taskId, agent: a.agent, startedAt: a.startedAt, ...(await a.follower.poll()) })))
        .then((lines) => area.draw(renderLiveAgents(lines, Date.now(), theme, process.stdout.columns ?? 100)))
        .finally(() => (drawing = false));
    }, 1000);
    timer.unref();
    return {
      area,
      follow(event: import('../core/run.js').RunEvent) {
        if (!event.taskId) return;
        if (event.type === 'task.dispatched' || event.type === 'task.resumed') {
          const agent = Number(event.agent);
          agents.set(event.taskId, { agent, startedAt: Date.parse(event.at), follower: new TranscriptFollower(`${files.agentDir(event.runId, agent)}/${AGENT_FILES.transcript}`) });
        } else if (ENDS.has(event.type)) agents.delete(event.taskId);
      },
      stop() {
        clearInterval(timer);
        area.clear();
      },
    };
  }

  /** The end of a run: the status, after the events that were printed as they happened. */
  function presentRun(result: { status: StatusResult; interrupted: boolean; terminated: boolean }) {
    const renderer = async () => {
      const { renderStatus } = await import('../ui/render-status.js');
      return (status: StatusResult, t: Theme) => `\n${renderStatus(status, t)}`;
    };
    present(result.status, renderer, {
      negative: !['completed', 'paused'].includes(result.status.run.status),
      cancelled: result.interrupted,
      terminated: result.terminated,
      streamed: true,
    });
  }

  const presentControl = (result: ControlResult) => present(result, async () => (await import('../ui/render-control.js')).renderControl);

  program
    .command('pause')
    .description('stop dispatching; running agents finish their tasks (--now stops them too)')
    .option('--now', 'stop running agents now (SIGTERM, then SIGKILL); their tasks become interrupted')
    .option('--json', 'print the result as JSON')
    .action(async (o: { now?: boolean }) => {
      const { pause } = await import('../commands/pause.js');
      presentControl(await pause({ now: o.now ?? false }, await workspace()));
    });

  program
    .command('cancel')
    .description('end the run for good: stop its agents, keep every branch and worktree, and unlock the plan')
    .option('--now', 'stop the agents at once, without the grace period')
    .option('--json', 'print the result as JSON')
    .action(async (o: { now?: boolean }) => {
      const { cancel } = await import('../commands/cancel.js');
      presentControl(await cancel({ now: o.now ?? false }, await workspace()));
    });

  program
    .command('merge')
    .description("land the run's integration branch on the branch the run started from (never pushes)")
    .option('--into <branch>', 'land it on this branch instead')
    .option('--partial', 'land the merged part of a run that has not completed')
    .option('--dry-run', 'say what would land, and any conflict, changing nothing')
    .option('--json', 'print the result as JSON')
    .action(async (o: { into?: string; partial?: boolean; dryRun?: boolean }) => {
      const { merge } = await import('../commands/merge.js');
      const result = await merge({ into: o.into, partial: o.partial ?? false, dryRun: o.dryRun ?? false }, await workspace());
      present(result, async () => (await import('../ui/render-merge.js')).renderMerge, { negative: result.how === 'conflict' });
    });

  program
    .command('retry')
    .description('run a failed, blocked, interrupted or skipped task again, as a new attempt with a new agent and branch')
    .argument('<task>', 'task id, e.g. T3')
    .option('--context <text>', 'add this to the prompt of the new attempt', someText)
    .option('--context-file <file>', 'add this file to the prompt of the new attempt')
    .option('--fresh', "start from the task's base, not from the last attempt's branch")
    .option('--json', 'print the result as JSON')
    .action(async (taskId: string, o: { context?: string; contextFile?: string; fresh?: boolean }) => {
      if (o.context !== undefined && o.contextFile !== undefined) throw new UsageError('--context and --context-file cannot be used together', 'Put all of the context in one of them.');
      const { retry } = await import('../commands/retry.js');
      presentControl(await retry({ taskId, context: o.context, contextFile: o.contextFile, fresh: o.fresh ?? false }, await workspace()));
    });

  program
    .command('skip')
    .description('skip a task; its dependents stay blocked unless --cascade skips them too')
    .argument('<task>', 'task id, e.g. T3')
    .option('--cascade', 'skip every task that depends on it too')
    .option('--reason <text>', 'why, for the record', someText)
    .option('--json', 'print the result as JSON')
    .action(async (taskId: string, o: { cascade?: boolean; reason?: string }) => {
      const { skip } = await import('../commands/skip.js');
      presentControl(await skip({ taskId, cascade: o.cascade ?? false, reason: o.reason }, await workspace()));
    });

  program
    .command('done')
    .description('mark a task completed by hand (recorded with who and why); its dependents are released')
    .argument('<task>', 'task id, e.g. T3')
    .requiredOption('--reason <text>', 'why it counts as done', someText)
    .option('--json', 'print the result as JSON')
    .action(async (taskId: string, o: { reason: string }) => {
      const { done } = await import('../commands/done.js');
      presentControl(await done({ taskId, reason: o.reason }, await workspace()));
    });

  program
    .command('status')
    .description("where the run stands: progress, each task's state, agent, branch and usage, and what blocks what")
    .option('--json', 'print the status as JSON (schemaVersion 1)')
    .option('-w, --watch', 'refresh every second until the run ends')
    .option('--run <id>', 'a run other than the current one (see xplan runs)')
    .action(async (o: { json?: boolean; watch?: boolean; run?: string }) => {
      const { status } = await import('../commands/status.js');
      const { renderStatus } = await import('../ui/render-status.js');
      const { isActiveRun } = await import('../core/run.js');
      const ws = await workspace();
      const read = () => status({ run: o.run }, ws);
      if (!o.watch) {
        present(await read(), async () => renderStatus);
        return;
      }
      const { XplanError } = await import('../core/errors.js');
      const pause = () => new Promise((resolve) => setTimeout(resolve, 1000));
      // --watch waits for a run to start.
      let result: StatusResult | undefined;
      for (let told = false; !result;) {
        try {
          result = await read();
        } catch (error) {
          if (!(error instanceof XplanError && error.code === 'NO_RUN')) throw error;
          if (!told) process.stderr.write('Waiting for a run to start…\n');
          told = true;
          await pause();
        }
      }
      const theme = await ctx.stdoutTheme();
      const tty = process.stdout.isTTY === true && !o.json;
      // Off a terminal only changes are printed: a frame that differs only in elapsed times is not a change.
      const changeOf = (r: StatusResult) => JSON.stringify({ ...r, tasks: r.tasks.map((t) => ({ ...t, durationMs: null })) });
      let last = '';
      for (;;) {
        const change = changeOf(result);
        if (tty) process.stdout.write(`\x1b[H\x1b[2J${renderStatus(result, theme)}\n`);
        else if (change !== last) process.stdout.write(`${o.json ? JSON.stringify(result) : renderStatus(result, theme)}\n`);
        last = change;
        if (result.run.orphaned || !isActiveRun(result.run)) break;
        await pause();
        result = await read();
      }
      // Off a terminal every frame was printed as it came; on one, the final status stays on the cleared screen.
      if (tty) {
        process.stdout.write('\x1b[H\x1b[2J');
        present(result, async () => renderStatus);
      }
    });

  program
    .command('logs')
    .description("show an agent's transcript readably")
    .argument('<task>', 'task id, e.g. T3')
    .option('--attempt <n>', 'which attempt (default: the latest)', positiveInteger)
    .option('-f, --follow', 'keep printing new output until the agent ends')
    .option('--raw', 'print the stream-json lines as they are')
    .option('--json', 'print one JSON document per transcript line (schemaVersion 1)')
    .option('--run <id>', 'a run other than the current one (see xplan runs)')
    .action(async (taskId: string, o: { attempt?: number; follow?: boolean; raw?: boolean; json?: boolean; run?: string }) => {
      const { logs } = await import('../commands/logs.js');
      const { renderRawTranscriptLine, renderTranscriptHeader, renderTranscriptLine } = await import('../ui/render-transcript.js');
      const { transcriptJsonLine } = await import('../ui/render-logs-json.js');
      const result = await logs({ taskId, attempt: o.attempt, follow: o.follow ?? false, run: o.run }, await workspace());
      const theme = await ctx.stdoutTheme();
      if (!o.raw && !o.json) process.stdout.write(`${renderTranscriptHeader(result, theme)}\n`);
      for await (const line of result.lines) {
        const text = o.json ? transcriptJsonLine(result, line) : o.raw ? renderRawTranscriptLine(line) : renderTranscriptLine(line, theme);
        if (text !== undefined) process.stdout.write(`${text}\n`);
      }
    });

  program
    .command('export')
    .description('export the approved plan to beads (bd): an epic, child issues and dependencies')
    .addArgument(new Argument('<target>', 'where to export').choices(['beads']))
    .option('--dry-run', 'say what would be created, updated and linked, changing nothing')
    .option('--jsonl <file>', 'write import-ready JSONL to this file instead of calling bd')
    .option('--sync', "also set each issue's status from the run (with --jsonl too), closing an epic once all its children are")
    .option('--prefix <prefix>', "the issue prefix of the JSONL ids (default: the bd workspace's, else the one `bd init` would pick here)")
    .option('--json', 'print the result as JSON')
    .action(async (_target: string, o: { dryRun?: boolean; jsonl?: string; sync?: boolean; prefix?: string; json?: boolean }) => {
      const { exportBeads } = await import('../commands/export-beads.js');
      const { startSpinner, countingProgress } = await import('../ui/spinner.js');
      const spinner = await startSpinner('exporting to beads', { silent: o.json === true || globalFlags().quiet === true });
      const result = await exportBeads(
        { dryRun: o.dryRun ?? false, jsonl: o.jsonl, sync: o.sync ?? false, ...(o.prefix !== undefined ? { prefix: o.prefix } : {}), onProgress: countingProgress(spinner, 'beads:') },
        await workspace(),
      ).finally(() => spinner.stop());
      present(result, async () => (await import('../ui/render-export.js')).renderExport);
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
      const result = await clean({ run: o.run, olderThan: o.olderThan, dryRun: o.dryRun ?? false }, await workspace());
      present(result, async () => (await import('../ui/render-clean.js')).renderClean);
    });

  program
    .command('init')
    .description('write .xplan/config.yaml with every setting and its default')
    .option('--force', 'replace an existing config.yaml')
    .option('--print', 'print the starter config instead of writing it')
    .action(async (opts: { force?: boolean; print?: boolean }) => {
      const { init } = await import('../commands/init.js');
      const result = await init({ force: opts.force ?? false, print: opts.print ?? false }, await workspace());
      present(result, async () => (await import('../ui/render-doctor.js')).renderInit);
    });

  program
    .command('doctor')
    .description('check node, git, claude, bd and the config; say how to fix what is missing')
    .option('--json', 'print the checks as JSON')
    .action(async () => {
      const { doctor } = await import('../commands/doctor.js');
      const result = await doctor({ ...(process.argv[1] ? { runningBin: process.argv[1] } : {}) }, await workspace());
      present(result, async () => (await import('../ui/render-doctor.js')).renderDoctor, { json: { schemaVersion: 1, ...result }, negative: !result.ok });
    });

  // Run history, reports, the live dashboard, shell completion and `help <command>`.
  {
    const portNumber = (value: string): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535 (0: any free port)');
      return n;
    };
    program.commands.find((c) => c.name() === 'init')?.option('--json', 'print the result as JSON');

    program
      .command('runs')
      .description('list the runs of this repository, newest first, and what is kept of each')
      .option('--json', 'print the runs as JSON (schemaVersion 1)')
      .action(async () => {
        const { runs } = await import('../commands/runs.js');
        const result = await runs(await workspace());
        ctx.outcome = { json: result, render: async (t) => (await import('../ui/render-runs.js')).renderRuns(result, t), negative: false };
      });

    program
      .command('report')
      .description('write a run report to share: one self-contained HTML page (or Markdown) with the DAG, a timeline, outcomes and usage')
      .option('--run <id>', 'which run (default: the current one; `xplan runs` lists them)')
      .option('-o, --out <file>', 'where to write it (default: .xplan/runs/<run>/report.<format>; - prints it)')
      .addOption(new Option('--format <format>', 'page format').choices(['html', 'md']).default('html'))
      .option('--json', 'print where it went and the report model as JSON (schemaVersion 1)')
      .action(async (o: { run?: string; out?: string; format: 'html' | 'md' }) => {
        const { report } = await import('../commands/report.js');
        const { renderReportHtml } = await import('../ui/render-report-html.js');
        const { renderReportMarkdown } = await import('../ui/render-report-md.js');
        const result = await report(
          { run: o.run, out: o.out, format: o.format, render: (model, format) => (format === 'md' ? renderReportMarkdown(model) : renderReportHtml(model)) },
          await workspace(),
        );
        ctx.outcome = { json: result, render: async (t) => (await import('../ui/render-runs.js')).renderReportWritten(result, t), negative: false };
      });

    program
      .command('dashboard')
      .description('follow the current run live in a browser: a read-only page on 127.0.0.1 behind a private link')
      .option('-p, --port <n>', 'port to listen on (default: a free one)', portNumber)
      .action(async (o: { port?: number }) => {
        const { dashboard } = await import('../commands/dashboard.js');
        const { renderDashboardBody, renderDashboardPage } = await import('../ui/render-report-html.js');
        const { renderDashboardListening } = await import('../ui/render-runs.js');
        const theme = await ctx.stdoutTheme();
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const result = await dashboard(
            {
              port: o.port,
              signal: controller.signal,
              render: { body: renderDashboardBody, page: renderDashboardPage },
              onListening: (url) => process.stdout.write(`${renderDashboardListening(url, theme)}\n`),
            },
            await workspace(),
          );
          ctx.outcome = { json: { schemaVersion: 1, ...result }, render: async () => 'Dashboard stopped.', negative: false };
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      });

    program
      .command('completion')
      .description('print a shell completion script, e.g. eval "$(xplan completion bash)" in ~/.bashrc')
      .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
      .action(async (shell: 'bash' | 'zsh' | 'fish') => {
        const { commandSpec } = await import('./command-spec.js');
        const { renderCompletion } = await import('../ui/render-completion.js');
        const script = renderCompletion(shell, commandSpec(program));
        ctx.outcome = { json: { schemaVersion: 1, shell, script }, render: async () => script.trimEnd(), negative: false };
      });

    // `xplan help task add` shows that subcommand's help on stdout and exits 0, like `xplan task add --help`.
    program.helpCommand(false);
    program
      .command('help')
      .description('show the help of a command')
      .argument('[command...]', 'the command, e.g. status or task add')
      .action(async (path: string[]) => {
        let target: Command = program;
        for (const name of path) {
          const next = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
          if (!next)
            throw new UsageError(
              `There is no command \`${['xplan', ...path.slice(0, path.indexOf(name)), name].join(' ')}\``,
              `Run \`xplan help${target === program ? '' : ` ${target.name()}`}\` for the list.`,
            );
          target = next;
        }
        let text = '';
        const output = target.configureOutput();
        target.configureOutput({ ...output, writeOut: (chunk: string) => void (text += chunk) });
        target.outputHelp();
        target.configureOutput(output);
        ctx.outcome = { json: { schemaVersion: 1, command: path.join(' '), help: text }, render: async () => text.trimEnd(), negative: false };
      });
  }

  return program;
}
