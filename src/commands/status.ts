/** `xplan status`: where the run stands, task by task, with what blocks it and the command that moves it on. */
import { InputError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { blockersOf, isActiveRun, lastAttempt, countsByState, runUsage, stateLabel, taskUsage, type RunState, type TaskState, type Usage } from '../core/run.js';
import { findProject } from '../adapters/project.js';
import { runLockHolder } from '../adapters/run-lock.js';
import { StateStore } from '../adapters/state-store.js';

export interface TaskStatus {
  id: string;
  title: string;
  state: TaskState;
  /** The state as shown: `failed: verify`, `completed: unverified`. */
  label: string;
  agent: number | null;
  branch: string | null;
  worktree: string | null;
  attempt: number;
  reason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  commits: number;
  uncommitted: string[];
  usage: Usage;
}

export interface Blocker {
  task: string;
  /** What holds it: itself (failed, blocked) or its unfinished dependencies. */
  waitingOn: string[];
  next: string;
}

export interface StatusResult {
  schemaVersion: 1;
  run: {
    id: string;
    status: RunState['status'];
    startedAt: string;
    endedAt: string | null;
    base: RunState['base'];
    branching: RunState['branching'];
    concurrency: number;
    verify: string | null;
    resumeAt: string | null;
    stop: RunState['stop'] | null;
    /** True when the run is active but no xplan process drives it any more (it crashed or was killed). */
    orphaned: boolean;
  };
  counts: Partial<Record<TaskState, number>>;
  total: number;
  tasks: TaskStatus[];
  usage: Usage;
  blockers: Blocker[];
}

export async function status(options: { cwd: string; now?: () => Date }): Promise<StatusResult> {
  const project = findProject(options.cwd);
  const state = project.inGitRepo ? await new StateStore(project.xplanDir).read() : undefined;
  if (!state?.run || !state.plan) throw new InputError('NO_RUN', 'No run has started in this repository', 'Start one with `xplan run` (preview it with `xplan run --dry-run`).');
  const result = statusOf(state.plan, state.run, options.now?.() ?? new Date());
  if (isActiveRun(result.run)) result.run.orphaned = (await runLockHolder(project.xplanDir))?.runId !== result.run.id;
  return result;
}

export function statusOf(plan: Plan, run: RunState, now: Date = new Date()): StatusResult {
  const tasks: TaskStatus[] = [];
  for (const task of plan.tasks) {
    const entry = run.tasks[task.id];
    if (!entry) continue;
    const last = lastAttempt(entry);
    const first = entry.attempts[0];
    const end = entry.endedAt ?? (entry.state === 'running' || entry.state === 'verifying' ? now.toISOString() : last?.endedAt);
    tasks.push({
      id: task.id,
      title: task.title,
      state: entry.state,
      label: stateLabel(entry),
      agent: last?.agent ?? null,
      branch: last?.branch ?? null,
      worktree: last?.worktree ?? null,
      attempt: entry.attempts.length,
      reason: entry.reason ?? null,
      startedAt: first?.startedAt ?? null,
      endedAt: entry.endedAt ?? null,
      durationMs: first && end ? Math.max(0, Date.parse(end) - Date.parse(first.startedAt)) : null,
      commits: entry.commits?.length ?? 0,
      uncommitted: entry.uncommitted ?? [],
      usage: taskUsage(entry),
    });
  }
  const blockers: Blocker[] = [];
  for (const task of tasks) {
    const waitingOn = blockersOf(run, plan, task.id);
    if (waitingOn.length === 0) continue;
    blockers.push({ task: task.id, waitingOn, next: nextCommand(run, waitingOn) });
  }
  return {
    schemaVersion: 1,
    run: {
      id: run.id,
      status: run.status,
      startedAt: run.startedAt,
      endedAt: run.endedAt ?? null,
      base: run.base,
      branching: run.branching,
      concurrency: run.concurrency,
      verify: run.verify,
      resumeAt: run.resumeAt ?? null,
      stop: run.stop ?? null,
      orphaned: false,
    },
    counts: countsByState(run),
    total: tasks.length,
    tasks,
    usage: runUsage(run),
    blockers,
  };
}

function nextCommand(run: RunState, waitingOn: string[]): string {
  const root = waitingOn.find((id) => run.tasks[id]?.state === 'failed' || run.tasks[id]?.state === 'blocked');
  if (root) return `xplan logs ${root}, then xplan retry ${root} (or xplan skip ${root})`;
  return `wait for ${waitingOn.join(', ')}`;
}
