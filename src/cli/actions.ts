/**
 * What each command of the table does with its arguments: it calls the command function with options made from
 * them and hands back the result. Nothing here prints; commands that print as they go are in live-actions.ts.
 */
import type { FieldFlags } from './usage.js';
import type { ActionInput, CliContext, Outcome } from './outcome.js';
import type { EngineName } from '../core/config.js';
import type { Branching, Task } from '../core/plan/plan.js';
import type { PlanFormat } from '../ui/render-plan-output.js';
import type { Shell } from '../ui/render-completion.js';
import type { EditResult, TaskFields } from '../core/plan/plan-edit.js';
import { UsageError } from '../core/errors.js';
import { continueRun, liveActions, type StepFlags } from './live-actions.js';
import type { ExportView } from './reporters.js';

// Each action states the arguments and options it takes; the table guarantees them.
type Action = (input: ActionInput<any, any>, ctx: CliContext) => Promise<Outcome>;
type In<Args extends unknown[], Opts = Record<string, never>> = ActionInput<Args, Opts>;

interface PlanFlags {
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
}

/** The repository the command works on, opened once per command. */
export const workspace = async (ctx: CliContext) => (await import('../workspace.js')).Workspace.open(ctx.cwd, ctx.env);

const savedFooter = (result: { saved?: { path: string; revision: number }; notSavedReason?: string }) =>
  result.saved ? `Saved as a draft to ${result.saved.path} (revision ${result.saved.revision}).` : `Not saved: ${result.notSavedReason}.`;

function fieldsFrom(o: FieldFlags): TaskFields {
  return {
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.acceptance !== undefined ? { acceptanceCriteria: o.acceptance } : {}),
    ...(o.effort !== undefined ? { effort: o.effort } : {}),
    ...(o.risk !== undefined ? { risk: o.risk } : {}),
    ...(o.riskReason !== undefined ? { riskReason: o.riskReason } : {}),
    ...(o.strategy !== undefined ? { testStrategy: o.strategy } : {}),
    ...(o.strategyReason !== undefined ? { strategyReason: o.strategyReason } : {}),
    ...(o.stream !== undefined ? { stream: o.stream } : {}),
    ...(o.kind !== undefined ? { kind: o.kind } : {}),
  };
}

async function edited(ctx: CliContext, edit: (tasks: Task[]) => EditResult): Promise<Outcome> {
  const { editPlan } = await import('../commands/edit-plan.js');
  return { result: await editPlan((plan) => edit(plan.tasks), await workspace(ctx)) };
}

async function editSavedPlan(inEditor: boolean, input: ActionInput<unknown[], unknown>, ctx: CliContext): Promise<Outcome> {
  if (inEditor) {
    const { editInEditor } = await import('../commands/edit-in-editor.js');
    return { reporter: 'edit-in-editor', result: await editInEditor(await workspace(ctx)) };
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError('xplan plan --edit needs a terminal to ask its questions', 'Use `xplan plan --edit --editor`, or the scriptable `xplan task add|rm|set|dep|move`.');
  }
  const { editMenu } = await import('../commands/edit-menu.js');
  const { terminalPrompts } = await import('../adapters/terminal/prompts.js');
  const { renderPlanBrief } = await import('../ui/render-edit.js');
  const { loadTheme, colorEnabled } = await import('../ui/theme.js');
  const theme = await loadTheme(colorEnabled({ env: ctx.env, isTTY: true, noColorFlag: !input.global.color, json: false }));
  return { reporter: 'edit-menu', result: await editMenu(await workspace(ctx), await terminalPrompts(), (plan) => renderPlanBrief(plan, theme)) };
}

export const actions: Record<string, Action> = {
  async assess({ args: [specs], opts }: In<[string[]], { save: boolean; engine?: EngineName }>, ctx) {
    const { assess } = await import('../commands/assess.js');
    const spinner = await (await import('../ui/spinner.js')).terminalSpinner();
    return { result: await assess({ specs, save: opts.save, engine: opts.engine, progress: spinner?.update }, await workspace(ctx)).finally(() => spinner?.stop()) };
  },

  async plan(input: In<[string[]], PlanFlags>, ctx) {
    const {
      args: [specs],
      opts,
    } = input;
    if (opts.from) {
      const { importPlan } = await import('../commands/import-plan.js');
      const result = await importPlan({ from: opts.from, file: specs[0]!, tag: opts.tag, subtasks: opts.subtasks, branching: opts.branching }, await workspace(ctx));
      return { result: { plan: result.plan, format: opts.format, footer: [...result.notes.map((n) => `note: ${n}`), savedFooter(result)].join('\n') } };
    }
    if (opts.edit || opts.editor) return editSavedPlan(opts.editor ?? false, input, ctx);
    const { plan } = await import('../commands/plan.js');
    const { terminalConfirm } = await import('../adapters/terminal/prompts.js');
    const spinner = await (await import('../ui/spinner.js')).terminalSpinner();
    const ask = terminalConfirm();
    const confirm = ask && ((message: string) => (spinner?.stop(), ask(message)));
    const result = await plan(
      { specs, maxTasks: opts.maxTasks, branching: opts.branching, yes: opts.yes ?? false, force: opts.force ?? false, confirm, engine: opts.engine, note: opts.note, progress: spinner?.update },
      await workspace(ctx),
    ).finally(() => spinner?.stop());
    return { result: { plan: result.plan, format: opts.format, footer: savedFooter(result), assessment: result.assessment } };
  },

  async show({ opts }: In<[], { format: PlanFormat }>, ctx) {
    const { show } = await import('../commands/show.js');
    const { plan, progress, assessment } = await show(await workspace(ctx));
    return { result: { plan, format: opts.format, progress, assessment } };
  },

  async check({ args: [file], opts }: In<[string | undefined], { from?: 'xplan' | 'taskmaster'; tag?: string; subtasks?: boolean }>, ctx) {
    const { check } = await import('../commands/check.js');
    const result = await check({ cwd: ctx.cwd, file, from: opts.from, tag: opts.tag, subtasks: opts.subtasks });
    return { result, negative: !result.ok };
  },

  async 'task add'({ opts: o }: In<[], FieldFlags & { title: string; after?: string; dependsOn?: string[] }>, ctx) {
    const { addTask } = await import('../core/plan/plan-edit.js');
    return edited(ctx, (tasks) => addTask(tasks, { ...fieldsFrom(o), title: o.title, ...(o.after ? { after: o.after } : {}), ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}) }));
  },
  async 'task rm'({ args: [id], opts }: In<[string], { force?: boolean }>, ctx) {
    const { removeTask } = await import('../commands/edit-plan.js');
    const { terminalConfirm } = await import('../adapters/terminal/prompts.js');
    return { result: await removeTask({ id, force: opts.force ?? false, confirm: terminalConfirm() }, await workspace(ctx)) };
  },
  async 'task set'({ args: [id], opts: o }: In<[string], FieldFlags & { title?: string }>, ctx) {
    const { setTask } = await import('../core/plan/plan-edit.js');
    return edited(ctx, (tasks) => setTask(tasks, id, { ...fieldsFrom(o), ...(o.title !== undefined ? { title: o.title } : {}) }));
  },
  async 'task dep'({ args: [action, id, on] }: In<['add' | 'rm', string, string]>, ctx) {
    const { addDependency, removeDependency } = await import('../core/plan/plan-edit.js');
    return edited(ctx, (tasks) => (action === 'add' ? addDependency(tasks, id, on) : removeDependency(tasks, id, on)));
  },
  async 'task move'({ args: [id], opts }: In<[string], { before?: string; after?: string }>, ctx) {
    const { moveTask } = await import('../core/plan/plan-edit.js');
    return edited(ctx, (tasks) => moveTask(tasks, id, opts));
  },

  async approve({ opts }: In<[], { yes?: boolean }>, ctx) {
    const { approve } = await import('../commands/approve.js');
    const { terminalConfirm } = await import('../adapters/terminal/prompts.js');
    const { beadsOnApproval } = await import('../commands/export-beads.js');
    return { result: await approve({ yes: opts.yes ?? false, confirm: terminalConfirm(), hooks: [beadsOnApproval()] }, await workspace(ctx)) };
  },

  async pause({ opts }: In<[], { now?: boolean }>, ctx) {
    const { pause } = await import('../commands/pause.js');
    return { result: await pause({ now: opts.now ?? false }, await workspace(ctx)) };
  },
  async cancel({ opts }: In<[], { now?: boolean }>, ctx) {
    const { cancel } = await import('../commands/cancel.js');
    return { result: await cancel({ now: opts.now ?? false }, await workspace(ctx)) };
  },
  async merge({ opts }: In<[], { into?: string; partial?: boolean; dryRun?: boolean }>, ctx) {
    const { merge } = await import('../commands/merge.js');
    const result = await merge({ into: opts.into, partial: opts.partial ?? false, dryRun: opts.dryRun ?? false }, await workspace(ctx));
    return { result, negative: result.how === 'conflict' };
  },
  async retry(input: In<[string], StepFlags & { context?: string; contextFile?: string; fresh?: boolean; force?: boolean }>, ctx) {
    const {
      args: [taskId],
      opts,
    } = input;
    const { retry } = await import('../commands/retry.js');
    return continueRun(await retry({ taskId, context: opts.context, contextFile: opts.contextFile, fresh: opts.fresh ?? false, force: opts.force ?? false }, await workspace(ctx)), input, ctx);
  },
  async skip(input: In<[string], StepFlags & { cascade?: boolean; reason?: string }>, ctx) {
    const {
      args: [taskId],
      opts,
    } = input;
    const { skip } = await import('../commands/skip.js');
    return continueRun(await skip({ taskId, cascade: opts.cascade ?? false, reason: opts.reason }, await workspace(ctx)), input, ctx);
  },
  async done(input: In<[string], StepFlags & { reason: string }>, ctx) {
    const {
      args: [taskId],
      opts,
    } = input;
    const { done } = await import('../commands/done.js');
    return continueRun(await done({ taskId, reason: opts.reason }, await workspace(ctx)), input, ctx);
  },

  async review({ args: [taskId] }: In<[string], { json?: boolean }>, ctx) {
    const { review } = await import('../commands/review.js');
    return { result: await review({ taskId }, await workspace(ctx)) };
  },
  async export({ opts: o, global }: In<['beads'], { dryRun?: boolean; jsonl?: string; sync?: boolean; prefix?: string; json?: boolean }>, ctx) {
    const { exportBeads } = await import('../commands/export-beads.js');
    const { startSpinner, countingProgress } = await import('../ui/spinner.js');
    const spinner = await startSpinner('exporting to beads', { silent: o.json === true || global.quiet === true });
    const result = await exportBeads(
      { dryRun: o.dryRun ?? false, jsonl: o.jsonl, sync: o.sync ?? false, ...(o.prefix !== undefined ? { prefix: o.prefix } : {}), onProgress: countingProgress(spinner, 'beads:') },
      await workspace(ctx),
    ).finally(() => spinner.stop());
    return { result: { export: result, detail: result.mode === 'jsonl' || result.dryRun || global.verbose === true } satisfies ExportView };
  },
  async clean({ opts }: In<[], { run?: string; olderThan?: string; dryRun?: boolean }>, ctx) {
    const { clean } = await import('../commands/clean.js');
    return { result: await clean({ run: opts.run, olderThan: opts.olderThan, dryRun: opts.dryRun ?? false }, await workspace(ctx)) };
  },
  async init({ opts }: In<[], { force?: boolean; print?: boolean }>, ctx) {
    const { init } = await import('../commands/init.js');
    return { result: await init({ force: opts.force ?? false, print: opts.print ?? false }, await workspace(ctx)) };
  },
  async doctor(_input, ctx) {
    const { doctor } = await import('../commands/doctor.js');
    const result = await doctor({ ...(process.argv[1] ? { runningBin: process.argv[1] } : {}) }, await workspace(ctx));
    return { result, negative: !result.ok };
  },
  async runs(_input, ctx) {
    const { runs } = await import('../commands/runs.js');
    return { result: await runs(await workspace(ctx)) };
  },
  async report({ opts }: In<[], { run?: string; out?: string; format: 'html' | 'md' }>, ctx) {
    const { report } = await import('../commands/report.js');
    const { renderReportHtml } = await import('../ui/render-report-html.js');
    const { renderReportMarkdown } = await import('../ui/render-report-md.js');
    const render = (model: Parameters<typeof renderReportHtml>[0], format: 'html' | 'md') => (format === 'md' ? renderReportMarkdown(model) : renderReportHtml(model));
    return { result: await report({ run: opts.run, out: opts.out, format: opts.format, render }, await workspace(ctx)) };
  },

  async completion({ args: [shell], program }: In<[Shell]>) {
    const { commandSpec } = await import('./command-spec.js');
    const { renderCompletion } = await import('../ui/render-completion.js');
    const script = renderCompletion(shell, commandSpec(program));
    return { result: { text: script, json: { schemaVersion: 1, shell, script } } };
  },

  /** `xplan help task add` shows that subcommand's help on stdout, like `xplan task add --help`. */
  async help({ args: [path], program }: In<[string[]]>) {
    let target = program;
    for (const name of path as string[]) {
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
    return { result: { text, json: { schemaVersion: 1, command: path.join(' '), help: text } } };
  },

  ...liveActions,
};
