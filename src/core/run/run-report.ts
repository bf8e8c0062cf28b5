/**
 * A run as a reviewer sees it: the plan and its approval, every task's outcome, the attempts on a timeline, usage,
 * estimated against actual effort, merge state, what needs a hand. Pure: state and events in, a model out; the HTML
 * report, the Markdown report and the live dashboard all render this one model.
 */
import { transitiveReduction } from '../plan/schedule.js';
import { statusOf } from './run-status.js';
import { EFFORT_HOURS, type Effort } from '../plan/effort.js';
import type { ToolCall } from './agent-activity.js';
import type { Plan, Task } from '../plan/plan.js';
import type { CriterionVerdictValue, ReviewOutcome } from './review.js';
import { DONE_STATES, addUsage, countsByState, lastReview, stateLabel, taskUsage, ZERO_USAGE, type Commit, type RunEvent, type RunState, type TaskRun, type Usage } from './run.js';

export const REPORT_SCHEMA_VERSION = 1;

/** Events kept in a model; a long run's older events are counted, not carried. */
export const REPORT_EVENT_LIMIT = 500;

export type VerifyResult = 'passed' | 'failed' | 'not configured' | 'not run';

export interface ReportMerge {
  /** As the run recorded it: `merged`, `queued`, `conflict`, … */
  state: string;
  files: string[];
  /** Tasks it clashed with. */
  with: string[];
  at: string | null;
  commit: string | null;
}

export interface ReportAttempt {
  task: string;
  /** 1-based, per task. */
  number: number;
  agent: number;
  branch: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  /** The agent's own outcome (`success`, `transient: …`), as its result event said. */
  outcome: string | null;
  /** How the attempt ended for the task. */
  verdict: AttemptVerdict;
  /** The verdict in words: `failed: verify`, `retried: API error 429`. */
  verdictText: string;
  running: boolean;
  resumes: number;
  usage: Usage | null;
  lastTool: ToolCall | null;
}

export type AttemptVerdict = 'completed' | 'failed' | 'retried' | 'running' | 'interrupted' | 'skipped' | 'unknown';

export interface ReportTask {
  id: string;
  title: string;
  wave: number;
  stream: string | null;
  effort: Effort | null;
  dependsOn: string[];
  /** False for a plan task left out of the run (`run --only`). */
  inRun: boolean;
  /** False for a run task the saved plan no longer has. */
  inPlan: boolean;
  state: string;
  label: string;
  failure: string | null;
  reason: string | null;
  attempts: ReportAttempt[];
  /** Attempts after the first. */
  retries: number;
  transientFailures: number;
  agent: number | null;
  branch: string | null;
  verify: VerifyResult;
  verifyLog: string | null;
  commits: Commit[];
  uncommitted: string[];
  usage: Usage;
  estimatedHours: number | null;
  /** Agent time across attempts (running ones up to now). */
  actualHours: number | null;
  /** actual ÷ estimated, for a finished task. */
  effortRatio: number | null;
  merge: ReportMerge | null;
  forced: { by: string; reason: string; at: string } | null;
  /** The task's latest acceptance review: each criterion with its verdict; null when it was not reviewed. */
  review: ReportReview | null;
}

export interface ReportReview {
  attempt: number;
  at: string;
  outcome: ReviewOutcome;
  model: string | null;
  costUsd: number;
  criteria: Array<{ index: number; criterion: string; verdict: CriterionVerdictValue; evidence: string[]; reasoning: string }>;
  outsideTask: string[];
}

export interface ReportBlocker {
  task: string;
  label: string;
  reason: string | null;
  /** Tasks that cannot start until this one moves, directly or through others. */
  holds: string[];
  /** The command that moves it on. */
  next: string;
}

export interface ReportModel {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  run: {
    id: string;
    status: string;
    startedAt: string;
    endedAt: string | null;
    durationMs: number;
    base: { commit: string; branch: string | null };
    branching: string;
    concurrency: number;
    verify: string | null;
    resumeAt: string | null;
    stop: { message: string; hint?: string } | null;
  };
  plan: {
    id: string;
    title: string;
    specPaths: string[];
    status: string;
    approval: { by: string; at: string; hash: string } | null;
    /** The run was started from this plan as approved (false: the plan changed since). */
    matchesRun: boolean;
    waves: number;
    streams: number;
    criticalPath: string[];
    criticalPathHours: number;
    totalHours: number;
    parallelEfficiency: number;
    coverage: { requirements: { covered: number; total: number }; acceptance: { covered: number; total: number } } | null;
  } | null;
  progress: { done: number; total: number; percent: number; counts: Record<string, number> };
  tasks: ReportTask[];
  /** Task ids per wave, wave 1 first: the DAG's columns. */
  waves: string[][];
  edges: Array<{ from: string; to: string }>;
  timeline: { start: string; end: string; attempts: ReportAttempt[] };
  running: ReportAttempt[];
  usage: Usage & { retries: number; transientFailures: number };
  /** How far the run's completions can be trusted: completed tasks, and those not completed by hand (`xplan done`). */
  trust: { completed: number; acceptedWithoutOverride: number };
  scope: {
    estimatedHours: number;
    /** Over finished tasks only. */
    finished: { tasks: number; estimatedHours: number; actualHours: number; ratio: number | null; withinFactorTwo: number };
  };
  blockers: ReportBlocker[];
  merge: {
    branch: string | null;
    head: string | null;
    counts: Record<string, number>;
    conflicts: Array<{ task: string; files: string[]; with: string[] }>;
  } | null;
  /**
   * Whether the run's work has reached the base: the integration branch and, once `xplan merge` ran, where it landed.
   * Null for a run without an integration branch.
   */
  landing: { branch: string; into: string | null; landed: { into: string; commit: string; at: string } | null } | null;
  /** The command that moves the run on, as `xplan status` gives it; null when nothing is left to do or it is going. */
  next: string | null;
  events: RunEvent[];
  eventsOmitted: number;
  warnings: string[];
}

export interface ReportInput {
  run: RunState;
  plan?: Plan;
  /** The run's events, oldest first (other runs' events are ignored). */
  events: RunEvent[];
  now: Date;
  /** Last tool call per agent number, read from running agents' transcripts. */
  activity?: Record<number, ToolCall | undefined>;
}

const HOUR_MS = 3_600_000;

export function buildReportModel(input: ReportInput): ReportModel {
  const { run, plan, now } = input;
  const nowIso = now.toISOString();
  const planTasks = new Map((plan?.tasks ?? []).map((t) => [t.id, t]));
  const ordered = orderedTaskIds(run, plan);
  const waveOf = wavesFor(ordered, run, planTasks);

  const tasks = ordered.map((id) => reportTask(id, run.tasks[id], planTasks.get(id), waveOf.get(id) ?? 1, run, input));
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const attempts = tasks.flatMap((t) => t.attempts);
  const runEnd = run.endedAt ?? (isLive(run) ? nowIso : latest([run.startedAt, ...attempts.map((a) => a.endedAt ?? a.startedAt)]));

  const inRun = tasks.filter((t) => t.inRun);
  const counts = countsByState(run) as Record<string, number>;
  const done = inRun.filter((t) => DONE_STATES.has(t.state as never) || t.state === 'skipped').length;

  const maxWave = Math.max(0, ...tasks.map((t) => t.wave));
  const waves: string[][] = Array.from({ length: maxWave }, () => []);
  for (const t of tasks) waves[t.wave - 1]!.push(t.id);

  const finished = inRun.filter((t) => DONE_STATES.has(t.state as never) && t.estimatedHours !== null && t.actualHours !== null && !t.forced);
  const finishedEstimate = sum(finished.map((t) => t.estimatedHours!));
  const finishedActual = sum(finished.map((t) => t.actualHours!));

  const runEvents = input.events.filter((e) => e.runId === run.id);
  const warnings: string[] = [];
  if (plan && !planMatchesRun(plan, run)) warnings.push('The saved plan changed after this run started: titles and estimates are those of the current plan.');
  const orphans = tasks.filter((t) => !t.inPlan).map((t) => t.id);
  if (plan && orphans.length > 0) warnings.push(`${orphans.join(', ')} ${orphans.length === 1 ? 'is' : 'are'} in the run but no longer in the plan.`);

  const { direct } = transitiveReduction(tasks);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: nowIso,
    run: {
      id: run.id,
      status: run.status,
      startedAt: run.startedAt,
      endedAt: run.endedAt ?? null,
      durationMs: Math.max(0, Date.parse(runEnd) - Date.parse(run.startedAt)),
      base: run.base,
      branching: run.branching,
      concurrency: run.concurrency,
      verify: run.verify,
      resumeAt: run.resumeAt ?? null,
      stop: run.stop ?? null,
    },
    plan: plan ? planSection(plan, run) : null,
    progress: { done, total: inRun.length, percent: inRun.length === 0 ? 100 : Math.round((done / inRun.length) * 100), counts },
    tasks,
    waves,
    // Direct edges only: the graph shows its shape, not every implied path.
    edges: tasks.flatMap((t) => (direct.get(t.id) ?? []).filter((d) => byId.has(d)).map((d) => ({ from: d, to: t.id }))),
    timeline: { start: run.startedAt, end: latest([runEnd, ...attempts.map((a) => a.endedAt ?? a.startedAt)]), attempts },
    running: attempts.filter((a) => a.running),
    usage: {
      ...inRun.reduce((total, t) => addUsage(total, t.usage), ZERO_USAGE),
      retries: sum(inRun.map((t) => t.retries)),
      transientFailures: sum(inRun.map((t) => t.transientFailures)),
    },
    trust: {
      completed: inRun.filter((t) => DONE_STATES.has(t.state as never)).length,
      acceptedWithoutOverride: inRun.filter((t) => DONE_STATES.has(t.state as never) && !t.forced).length,
    },
    scope: {
      estimatedHours: round2(sum(inRun.map((t) => t.estimatedHours ?? 0))),
      finished: {
        tasks: finished.length,
        estimatedHours: round2(finishedEstimate),
        actualHours: round2(finishedActual),
        ratio: finishedEstimate > 0 ? round2(finishedActual / finishedEstimate) : null,
        withinFactorTwo: finished.filter((t) => t.effortRatio !== null && t.effortRatio >= 0.5 && t.effortRatio <= 2).length,
      },
    },
    blockers: blockersFor(tasks, run),
    merge: mergeSection(run, tasks),
    landing: run.integration ? { branch: run.integration.branch, into: run.base.branch, landed: run.landed ? { into: run.landed.into, commit: run.landed.commit, at: run.landed.at } : null } : null,
    next: plan ? statusOf(plan, run, now).next : null,
    events: runEvents.slice(-REPORT_EVENT_LIMIT),
    eventsOmitted: Math.max(0, runEvents.length - REPORT_EVENT_LIMIT),
    warnings,
  };
}

function reportTask(id: string, entry: TaskRun | undefined, task: Task | undefined, wave: number, run: RunState, input: ReportInput): ReportTask {
  const now = input.now;
  const endings = attemptEndings(id, input.events, run.id);
  const attempts = (entry?.attempts ?? []).map((a, i): ReportAttempt => {
    const isLast = entry !== undefined && i === entry.attempts.length - 1;
    const running = isLast && (entry.state === 'running' || entry.state === 'verifying');
    const end = a.endedAt ?? (running ? now.toISOString() : undefined);
    const ending = isLast ? lastAttemptEnding(entry, endings.get(i + 1)) : (endings.get(i + 1) ?? { verdict: 'unknown' as const, text: a.outcome ?? 'ended' });
    return {
      task: id,
      number: i + 1,
      agent: a.agent,
      branch: a.branch,
      startedAt: a.startedAt,
      endedAt: a.endedAt ?? null,
      durationMs: end ? Math.max(0, Date.parse(end) - Date.parse(a.startedAt)) : 0,
      outcome: a.outcome ?? null,
      verdict: ending.verdict,
      verdictText: ending.text,
      running,
      resumes: a.resumes ?? 0,
      usage: a.usage ?? null,
      lastTool: running ? (input.activity?.[a.agent] ?? null) : null,
    };
  });
  const last = attempts[attempts.length - 1];
  const effort = task?.effort ?? null;
  const estimatedHours = effort ? EFFORT_HOURS[effort] : null;
  const actualMs = sum(attempts.map((a) => a.durationMs));
  const actualHours = attempts.length > 0 ? round2(actualMs / HOUR_MS) : null;
  const finished = entry !== undefined && DONE_STATES.has(entry.state);
  const state = entry?.state ?? 'not in run';
  return {
    id,
    title: task?.title ?? '(no longer in the plan)',
    wave,
    stream: task?.stream ?? null,
    effort,
    dependsOn: task?.dependsOn ?? [],
    inRun: entry !== undefined,
    inPlan: task !== undefined,
    state,
    label: entry ? stateLabel(entry) : state,
    failure: entry?.failure ?? null,
    reason: entry?.reason ?? null,
    attempts,
    retries: Math.max(0, attempts.length - 1),
    transientFailures: entry?.transientFailures ?? 0,
    agent: last?.agent ?? null,
    branch: last?.branch ?? null,
    verify: verifyResult(entry, run),
    verifyLog: verifyLogOf(id, input.events, run.id),
    commits: entry?.commits ?? [],
    uncommitted: entry?.uncommitted ?? [],
    usage: entry ? taskUsage(entry) : ZERO_USAGE,
    estimatedHours,
    actualHours,
    effortRatio: finished && estimatedHours && actualHours !== null && !entry?.forced ? round2(actualHours / estimatedHours) : null,
    merge: mergeOf(entry),
    forced: entry?.forced ?? null,
    review: reviewOf(entry),
  };
}

function reviewOf(entry: TaskRun | undefined): ReportReview | null {
  const review = lastReview(entry);
  if (!review) return null;
  return {
    attempt: review.attempt,
    at: review.at,
    outcome: review.outcome,
    model: review.model ?? null,
    costUsd: review.usage.costUsd,
    criteria: review.verdicts.map((v) => ({ index: v.index, criterion: v.criterion, verdict: v.verdict, evidence: v.evidence, reasoning: v.reasoning })),
    outsideTask: review.outsideTask,
  };
}

interface AttemptEnding {
  verdict: AttemptVerdict;
  text: string;
}

/** How each attempt of a task ended, by attempt number, from the task's events in order. */
function attemptEndings(id: string, events: RunEvent[], runId: string): Map<number, AttemptEnding> {
  const endings = new Map<number, AttemptEnding>();
  let attempt = 0;
  for (const e of events) {
    if (e.runId !== runId || e.taskId !== id) continue;
    // Lines written by older versions may lack a field: each is read as if it could be absent.
    if (e.type === 'task.dispatched') attempt = typeof e.attempt === 'number' ? e.attempt : attempt + 1;
    else if (attempt === 0) continue;
    else if (e.type === 'task.completed') endings.set(attempt, { verdict: 'completed', text: e.verified === false ? 'completed: unverified' : 'completed' });
    else if (e.type === 'task.failed') endings.set(attempt, { verdict: 'failed', text: `failed: ${e.failure ?? 'error'}` });
    else if (e.type === 'task.blocked') endings.set(attempt, { verdict: 'failed', text: 'blocked' });
    else if (e.type === 'task.retrying') endings.set(attempt, { verdict: 'retried', text: `retried: ${e.reason ?? ''}`.replace(/: $/, '') });
    else if (e.type === 'task.interrupted') endings.set(attempt, { verdict: 'interrupted', text: 'interrupted' });
    else if (e.type === 'task.skipped') endings.set(attempt, { verdict: 'skipped', text: 'skipped' });
    else if (e.type === 'task.done') endings.set(attempt, { verdict: 'completed', text: 'completed: by hand' });
  }
  return endings;
}

/** The last attempt ends the way its task stands now; the events only fill in what the state cannot say. */
function lastAttemptEnding(entry: TaskRun, fromEvents: AttemptEnding | undefined): AttemptEnding {
  const label = stateLabel(entry);
  switch (entry.state) {
    case 'running':
    case 'verifying':
      return { verdict: 'running', text: entry.state };
    case 'completed':
    case 'unverified':
      return { verdict: 'completed', text: label };
    case 'failed':
    case 'blocked':
      return { verdict: 'failed', text: label };
    case 'retrying':
      return { verdict: 'retried', text: entry.reason ? `retrying: ${entry.reason}` : 'retrying' };
    case 'interrupted':
      return { verdict: 'interrupted', text: 'interrupted' };
    case 'skipped':
      return { verdict: 'skipped', text: 'skipped' };
    default:
      return fromEvents ?? { verdict: 'unknown', text: label };
  }
}

function verifyResult(entry: TaskRun | undefined, run: RunState): VerifyResult {
  if (!entry) return 'not run';
  if (entry.failure === 'verify') return 'failed';
  if (entry.verified === true) return 'passed';
  if (entry.state === 'unverified' || run.verify === null) return 'not configured';
  return 'not run';
}

/** The verify log of the task's last verify failure, as the run recorded it. */
function verifyLogOf(id: string, events: RunEvent[], runId: string): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.runId === runId && e.taskId === id && e.type === 'task.failed' && e.failure === 'verify' && typeof e.log === 'string') return e.log;
  }
  return null;
}

/** Plan order first; tasks the plan no longer has follow, in the run's order. */
function orderedTaskIds(run: RunState, plan: Plan | undefined): string[] {
  const ids = (plan?.tasks ?? []).map((t) => t.id);
  const known = new Set(ids);
  for (const id of Object.keys(run.tasks)) if (!known.has(id)) ids.push(id);
  return ids;
}

/** The plan's waves; a task the plan no longer has goes one wave after the last. */
function wavesFor(ids: string[], run: RunState, planTasks: Map<string, Task>): Map<string, number> {
  const waves = new Map<string, number>();
  let max = 0;
  for (const id of ids) {
    const wave = planTasks.get(id)?.wave;
    if (wave !== undefined && Number.isInteger(wave) && wave >= 1) {
      waves.set(id, wave);
      max = Math.max(max, wave);
    }
  }
  for (const id of ids) if (!waves.has(id) && run.tasks[id]) waves.set(id, max + 1);
  return waves;
}

function planMatchesRun(plan: Plan, run: RunState): boolean {
  return plan.approval?.hash === run.planHash;
}

function planSection(plan: Plan, run: RunState): NonNullable<ReportModel['plan']> {
  const summary = plan.summary;
  return {
    id: plan.planId,
    title: plan.spec?.title ?? '',
    specPaths: plan.spec?.paths ?? [],
    status: plan.status,
    approval: plan.approval ?? null,
    matchesRun: planMatchesRun(plan, run),
    waves: summary?.waves ?? 0,
    streams: summary?.streams ?? 0,
    criticalPath: summary?.criticalPath ?? [],
    criticalPathHours: summary?.criticalPathHours ?? 0,
    totalHours: summary?.totalHours ?? 0,
    parallelEfficiency: summary?.parallelEfficiency ?? 0,
    coverage: summary?.coverage ? { requirements: summary.coverage.requirements, acceptance: summary.coverage.acceptance } : null,
  };
}

/**
 * The blockers a person must act on. An interrupted task of a run still going is continued by the run itself, so it
 * only waits, like the tasks behind unfinished dependencies.
 */
export function blockersNeedingAPerson(model: Pick<ReportModel, 'blockers' | 'tasks' | 'run'>): ReportBlocker[] {
  const live = model.run.status === 'running' || model.run.status === 'waiting';
  const stateOf = new Map(model.tasks.map((t) => [t.id, t.state]));
  return model.blockers.filter((b) => !(live && stateOf.get(b.task) === 'interrupted'));
}

/** Tasks of the run that wait for their turn (unfinished dependencies, a free agent): nothing for a person to do. */
export function waitingTasks(model: Pick<ReportModel, 'tasks'>): number {
  return model.tasks.filter((t) => t.inRun && (t.state === 'waiting' || t.state === 'ready')).length;
}

const NEEDS_A_HAND = new Set(['failed', 'blocked', 'interrupted', 'skipped', 'conflict']);

/**
 * Tasks that hold others or need a decision, each with the command that moves it on. A task waiting on a running
 * dependency is not a blocker: it only waits.
 */
function blockersFor(tasks: ReportTask[], run: RunState): ReportBlocker[] {
  const dependents = new Map<string, string[]>();
  for (const t of tasks) for (const dep of t.dependsOn) dependents.set(dep, [...(dependents.get(dep) ?? []), t.id]);
  const stateOf = new Map(tasks.map((t) => [t.id, t.state]));
  const blockers: ReportBlocker[] = [];
  for (const t of tasks) {
    if (!t.inRun || !NEEDS_A_HAND.has(t.state)) continue;
    const holds = waitingBehind(t.id, dependents, stateOf);
    // A skipped task only matters when something still waits for it.
    if (t.state === 'skipped' && holds.length === 0) continue;
    blockers.push({ task: t.id, label: t.label, reason: t.reason, holds, next: nextStep(t, holds, run) });
  }
  return blockers;
}

/** Dependents, transitively, that are still waiting: the work this task holds up. */
function waitingBehind(id: string, dependents: Map<string, string[]>, stateOf: Map<string, string>): string[] {
  const held: string[] = [];
  const seen = new Set([id]);
  const queue = [...(dependents.get(id) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) continue;
    seen.add(next);
    if (stateOf.get(next) !== 'waiting') continue;
    held.push(next);
    queue.push(...(dependents.get(next) ?? []));
  }
  return held;
}

function nextStep(task: ReportTask, holds: string[], run: RunState): string {
  switch (task.state) {
    case 'interrupted':
      return run.status === 'running' ? `wait: ${task.id} continues in its worktree` : `xplan resume (continues ${task.id} in its worktree)`;
    case 'skipped':
      return `xplan retry ${task.id}, or xplan done ${task.id} --reason "…" to release ${holds.join(', ')}, or xplan skip ${holds[0]} --cascade`;
    default:
      return `xplan logs ${task.id}, then xplan retry ${task.id}${holds.length > 0 ? ` (or xplan skip ${task.id} --cascade)` : ` (or xplan skip ${task.id})`}`;
  }
}

/**
 * A task's merge into the run's integration branch. Newer runs record it; the shape is read loosely so a report of
 * any run renders: `merge: "merged"` or `merge: { state, files, with, at, commit }`, or a `conflict` state.
 */
function mergeOf(entry: TaskRun | undefined): ReportMerge | null {
  if (!entry) return null;
  const fields = entry as unknown as Record<string, unknown>;
  const raw = fields.merge;
  if (typeof raw === 'string') return { state: raw, files: [], with: [], at: null, commit: null };
  if (raw && typeof raw === 'object') {
    const m = raw as Record<string, unknown>;
    const state = text(m.state) ?? text(m.status);
    if (state) return { state, files: strings(m.files), with: strings(m.with ?? m.conflictsWith ?? m.tasks), at: text(m.at), commit: text(m.commit) };
  }
  if ((entry.state as string) === 'conflict' || entry.failure === 'conflict') {
    const c = (fields.conflict && typeof fields.conflict === 'object' ? fields.conflict : {}) as Record<string, unknown>;
    return { state: 'conflict', files: strings(c.files ?? fields.conflictFiles), with: strings(c.with ?? c.tasks), at: text(c.at), commit: null };
  }
  return null;
}

function mergeSection(run: RunState, tasks: ReportTask[]): ReportModel['merge'] {
  const fields = run as unknown as Record<string, unknown>;
  const integration = fields.integration;
  let branch = text(fields.integrationBranch);
  let head: string | null = null;
  if (typeof integration === 'string') branch = integration;
  else if (integration && typeof integration === 'object') {
    const i = integration as Record<string, unknown>;
    branch = text(i.branch) ?? branch;
    head = text(i.head) ?? text(i.commit);
  }
  const merged = tasks.filter((t) => t.merge);
  if (!branch && merged.length === 0) return null;
  const counts: Record<string, number> = {};
  for (const t of merged) counts[t.merge!.state] = (counts[t.merge!.state] ?? 0) + 1;
  return {
    branch,
    head,
    counts,
    conflicts: merged.filter((t) => t.merge!.state === 'conflict').map((t) => ({ task: t.id, files: t.merge!.files, with: t.merge!.with })),
  };
}

function isLive(run: RunState): boolean {
  return run.status === 'running' || run.status === 'waiting' || run.status === 'paused';
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function latest(isoTimes: string[]): string {
  let best = isoTimes[0]!;
  for (const t of isoTimes) if (Date.parse(t) > Date.parse(best)) best = t;
  return best;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
