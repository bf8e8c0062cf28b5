/**
 * `xplan plan --from taskmaster FILE [--tag T] [--subtasks]` and `xplan plan --from speckit tasks.md`: makes the
 * saved draft plan from a task-master tasks.json or a spec-kit tasks.md. The plan gets xplan's own checks (cycles,
 * guard, waves, streams) and is edited, approved and run like a generated one; the file becomes the plan's spec,
 * so each agent reads it in full.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { InputError, runInProgressError } from '../core/errors.js';
import type { Branching, Plan, Task } from '../core/plan/plan.js';
import { derivePlan } from '../core/plan/plan-derive.js';
import { convertSpeckit } from '../core/intake/speckit.js';
import { convertTaskmaster } from '../core/plan/taskmaster.js';
import { readSpecFile, type SpecFile } from '../adapters/store/spec-file.js';
import { editablePlan, type Workspace } from '../workspace.js';
import { isActiveRun } from '../core/run/run.js';

export type PlanSourceFormat = 'taskmaster' | 'speckit';

export interface ImportPlanOptions {
  from: PlanSourceFormat;
  file: string;
  /** task-master: the tag to read (default master, else the only tag). */
  tag?: string;
  /** task-master: subtasks as tasks of their own instead of folded into their parent. */
  subtasks?: boolean;
  branching?: Branching;
}

export interface ImportPlanResult {
  plan: Plan;
  from: PlanSourceFormat;
  /** Warnings of the conversion (the plan's own warnings are in the plan). */
  notes: string[];
  saved?: { path: string; revision: number };
  notSavedReason?: string;
}

/** At most this many unreadable entries are quoted in the error; the count says how many more. */
const ERRORS_SHOWN = 5;

export async function importPlan(options: ImportPlanOptions, ws: Workspace): Promise<ImportPlanResult> {
  const { project } = ws;
  const config = await ws.config();
  const file = await readSpecFile(options.file, ws.cwd);
  const run = (await ws.state())?.run;
  if (run && isActiveRun(run)) throw runInProgressError(run, 'import');
  if (options.from === 'speckit' && (options.tag !== undefined || options.subtasks)) {
    throw new InputError('OPTION_NOT_FOR_SPECKIT', '--tag and --subtasks apply to task-master files', `Leave them out: xplan plan --from speckit ${file.path}`);
  }
  const read = options.from === 'taskmaster' ? readTaskmaster(file, options) : readSpeckit(file);

  const settings = {
    branching: options.branching ?? config.plan.branching,
    concurrency: config.run.concurrency,
    minHoursPerTask: config.plan.minHoursPerTask,
    tinyTaskRatio: config.plan.tinyTaskRatio,
  };
  const planId = `p-${createHash('sha256')
    .update(JSON.stringify([file.sha256, options.from, options.tag ?? '', options.subtasks === true, settings.branching]))
    .digest('hex')
    .slice(0, 10)}`;
  const plan = derivePlan(
    { planId, branching: settings.branching, spec: { paths: [file.path], title: read.title }, tasks: read.tasks, streams: [] },
    { concurrency: settings.concurrency, minHoursPerTask: settings.minHoursPerTask, tinyTaskRatio: settings.tinyTaskRatio },
  );

  if (!project.inGitRepo) return { plan, from: options.from, notes: read.notes, notSavedReason: 'not inside a git repository' };
  const store = ws.store;
  const next = await ws.writePlan('xplan plan --from', () =>
    store.update((s) => {
      if (s.plan) editablePlan(s);
      const { assessment: _dropped, ...rest } = s;
      return { ...rest, specs: [{ path: relative(project.root, file.absolutePath), sha256: file.sha256, bytes: file.bytes }], plan };
    }),
  );
  return { plan, from: options.from, notes: read.notes, saved: { path: relative(ws.cwd, store.path) || store.path, revision: next.revision } };
}

interface Read {
  title: string;
  tasks: Task[];
  notes: string[];
}

function readTaskmaster(file: SpecFile, options: ImportPlanOptions): Read {
  let doc: unknown;
  try {
    doc = JSON.parse(file.text);
  } catch (error) {
    throw new InputError(
      'PLAN_INVALID_JSON',
      `${file.path} is not valid JSON: ${(error as Error).message}`,
      `Fix the JSON, then run xplan check ${file.path} --from taskmaster to see the graph before importing it.`,
    );
  }
  const converted = convertTaskmaster(doc, { ...(options.tag !== undefined ? { tag: options.tag } : {}), subtasks: options.subtasks === true });
  if (!converted.ok) {
    if (converted.problem === 'no-tasks')
      throw new InputError('NOT_A_PLAN', `${file.path} is not a task-master tasks file: ${converted.reason}`, 'Name the tasks.json task-master writes (.taskmaster/tasks/tasks.json).');
    const hint = converted.tags.length > 0 ? `Choose a tag: ${converted.tags.map((t) => `--tag ${t}`).join(', ')}` : 'Leave out --tag.';
    throw new InputError(options.tag === undefined ? 'TAG_REQUIRED' : 'UNKNOWN_TAG', `${file.path}: ${converted.reason}`, hint);
  }
  refuseErrors(file, converted.errors);
  const lines = titleLines(file.text, converted.tasks);
  const tasks = converted.tasks.map((t, i) => ({ ...t, sources: [{ file: file.path, line: lines[i]!, ref: `task-master ${originalId(t)}` }] }));
  const title = converted.tag && converted.tag !== 'master' ? `task-master tag ${converted.tag}` : `task-master tasks (${file.path})`;
  return { title, tasks, notes: converted.warnings };
}

function readSpeckit(file: SpecFile): Read {
  const converted = convertSpeckit(file.text, file.path);
  refuseErrors(file, converted.errors);
  return { title: converted.title, tasks: converted.tasks, notes: converted.warnings };
}

/** Nothing is saved from a file with entries that cannot be read: a plan missing some of its tasks would mislead. */
function refuseErrors(file: SpecFile, errors: string[]): void {
  if (errors.length === 0) return;
  const shown = errors.slice(0, ERRORS_SHOWN).join('; ');
  const more = errors.length > ERRORS_SHOWN ? ` (and ${errors.length - ERRORS_SHOWN} more)` : '';
  throw new InputError('IMPORT_INVALID', `${file.path} has entries xplan cannot read: ${shown}${more}`, `Fix them in the file, then run the import again; nothing was saved.`);
}

/** The task-master id a converted task came from: `T3` → 3; an expanded subtask names its own (`3.2`). */
function originalId(task: Task): string {
  return /^task-master subtask (\d+\.\d+) of /.exec(task.description)?.[1] ?? task.id.slice(1);
}

/**
 * The line of each task's title in the file, searching forward from the previous one (JSON.parse keeps no
 * positions). A title not found as written gets the line of the one before.
 */
function titleLines(text: string, tasks: Task[]): number[] {
  const lineStarts: number[] = [0];
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) lineStarts.push(k + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  let from = 0;
  let last = 1;
  return tasks.map((t) => {
    // Expanded subtasks come after the tasks but sit inside them in the file: searched again from the top.
    const search = (start: number) => [`"title": `, `"title":`].map((key) => text.indexOf(`${key}${JSON.stringify(t.title)}`, start)).find((k) => k !== -1) ?? -1;
    const ahead = search(from);
    const found = ahead === -1 ? search(0) : ahead;
    if (found === -1) return last;
    from = found + 1;
    last = lineAt(found);
    return last;
  });
}
