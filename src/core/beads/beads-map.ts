/**
 * How a plan becomes beads issues (DESIGN §9): one epic per spec, each task a child issue, each plan dependency a
 * `blocks` edge from the dependent to its prerequisite. A single-task plan becomes a single issue. Pure: the bd
 * adapter and the JSONL writer both work from what this returns.
 */
import { EFFORT_HOURS } from '../plan/effort.js';
import type { Plan, Task } from '../plan/plan.js';
import type { RunState, TaskRun } from '../run/run.js';
import { lastAttempt, stateLabel } from '../run/run.js';

/** What an export leaves in the state: which beads issue each task (and spec epic) became. */
export interface BeadsMapping {
  planId: string;
  tool: string;
  /** xplan key (task id, `epic:<spec>`) → beads issue id. */
  issues: Record<string, string>;
}

export type BeadsStatus = 'open' | 'in_progress' | 'blocked' | 'deferred' | 'closed';

export interface BeadsIssue {
  /** The xplan key: `epic:<spec path>` or the task id. */
  key: string;
  title: string;
  type: 'epic' | 'task';
  priority: number;
  description: string;
  design: string;
  acceptance: string;
  labels: string[];
  estimateMinutes?: number;
  externalRef: string;
  metadata: Record<string, string>;
  /** Key of the epic this issue is a child of. */
  parent?: string;
}

export interface BeadsGraph {
  issues: BeadsIssue[];
  /** `from` depends on `to` (`bd dep add from to`). */
  dependencies: Array<{ from: string; to: string }>;
}

export function externalRef(plan: Plan, key: string): string {
  return `xplan:${plan.planId}:${key}`;
}

export function beadsGraph(plan: Plan): BeadsGraph {
  const critical = new Set(plan.summary.criticalPath);
  const task = (t: Task, parent: string | undefined): BeadsIssue => ({
    key: t.id,
    title: `${t.id} ${t.title}`,
    type: 'task',
    // bd priorities: 0 is the most urgent. The critical path and risky tasks come first.
    priority: critical.has(t.id) || t.risk === 'high' ? 1 : t.risk === 'medium' ? 2 : 3,
    description: t.description || t.title,
    design: [
      `Test strategy: ${t.testStrategy}${t.strategyReason ? ` (${t.strategyReason})` : ''}`,
      `Stream: ${t.stream} · wave ${t.wave}`,
      `Effort: ${t.effort} (about ${EFFORT_HOURS[t.effort]} h)`,
      `Risk: ${t.risk}${t.riskReason ? ` (${t.riskReason})` : ''}`,
      ...(t.files.length > 0 ? [`Files: ${t.files.join(', ')}`] : []),
    ].join('\n'),
    acceptance: t.acceptanceCriteria.map((a) => `- ${a}`).join('\n'),
    labels: ['xplan', `stream:${t.stream}`, `effort:${t.effort}`, `risk:${t.risk}`, `strategy:${t.testStrategy}`],
    estimateMinutes: Math.round(EFFORT_HOURS[t.effort] * 60),
    externalRef: externalRef(plan, t.id),
    metadata: { xplanPlan: plan.planId, xplanTask: t.id },
    ...(parent ? { parent } : {}),
  });
  const dependencies = plan.tasks.flatMap((t) => t.dependsOn.map((dep) => ({ from: t.id, to: dep })));
  if (plan.tasks.length === 1) return { issues: [task(plan.tasks[0]!, undefined)], dependencies };

  // A task belongs to the spec its first source line comes from.
  const specOf = (t: Task) => t.sources[0]?.file ?? plan.spec.paths[0] ?? 'spec';
  const specs = [...new Set([...plan.spec.paths, ...plan.tasks.map(specOf)])].filter((path) => plan.tasks.some((t) => specOf(t) === path));
  const epics: BeadsIssue[] = specs.map((path) => ({
    key: `epic:${path}`,
    title: specs.length === 1 ? plan.spec.title : `${plan.spec.title}: ${path}`,
    type: 'epic',
    priority: 1,
    description: `The approved xplan plan ${plan.planId} for ${path}: ${plan.tasks.filter((t) => specOf(t) === path).length} tasks.`,
    design: `Branching: ${plan.branching}. Merge order: ${plan.mergeOrder.join(', ')}.`,
    acceptance: 'Every child issue is closed.',
    labels: ['xplan', 'epic'],
    externalRef: externalRef(plan, `epic:${path}`),
    metadata: { xplanPlan: plan.planId, xplanSpec: path },
  }));
  return { issues: [...epics, ...plan.tasks.map((t) => task(t, `epic:${specOf(t)}`))], dependencies };
}

/** What beads shows for a task: its status, its assignee, and the note or close reason that explains it. */
export type BeadsChange = { status: BeadsStatus; assignee?: string; reason?: string };

/** The close reason of a task completed by its agent. */
export function completedReason(branch: string, verified: boolean): string {
  return `${verified ? 'Completed' : 'Completed, unverified'} on branch ${branch}${verified ? ' (verify passed)' : ' (no verify command)'}`;
}

/** The close reason of a task completed by hand (`xplan done`). */
export function doneReason(by: string, reason: string): string {
  return `Done by hand (${by}): ${reason}`;
}

/** The note a task's issue gets when its acceptance review is recorded: the outcome and what was not met. */
export function reviewNote(review: { attempt: number; outcome: string; summary: string }): string {
  return `Acceptance review of attempt ${review.attempt}: ${review.outcome} — ${review.summary}`;
}

/** The same from a task's state in the saved run, for `xplan export beads --sync`. */
export function beadsStatusOf(run: RunState, taskId: string): BeadsChange | undefined {
  const task: TaskRun | undefined = run.tasks[taskId];
  if (!task) return undefined;
  const attempt = lastAttempt(task);
  switch (task.state) {
    case 'running':
    case 'verifying':
    case 'retrying':
      return { status: 'in_progress', ...(attempt ? { assignee: `agent-${attempt.agent}` } : {}) };
    case 'completed':
    case 'unverified':
      return { status: 'closed', reason: task.forced ? doneReason(task.forced.by, task.forced.reason) : completedReason(attempt?.branch ?? '?', task.state === 'completed') };
    case 'failed':
    case 'blocked':
    case 'interrupted':
      return { status: 'blocked', reason: `${stateLabel(task)}: ${task.reason ?? ''}`.trim() };
    case 'skipped':
      return { status: 'deferred', reason: `skipped: ${task.reason ?? 'by hand'}` };
    default:
      return { status: 'open' };
  }
}

/** A status written into the JSONL (`--sync`), with when the task got there. */
export type JsonlStatus = BeadsChange & { at?: string };

/**
 * Import-ready JSONL (`bd import`): every issue with its priority, status, timestamps and edges, ids under the
 * workspace's prefix. With `statuses` (from a run), a line carries its task's status: closed ones their close
 * reason and `closed_at` (bd imports `closed_at` only on closed issues), in-progress ones their assignee, blocked
 * and deferred ones the reason in their notes.
 */
export function beadsJsonl(plan: Plan, graph: BeadsGraph, options: { prefix: string; at: string; actor: string; statuses?: Record<string, JsonlStatus> }): string {
  const ids = beadsIds(graph, options.prefix, plan.planId);
  const edge = (from: string, to: string, type: string) => ({ issue_id: ids.get(from)!, depends_on_id: ids.get(to)!, type, created_at: options.at, created_by: options.actor });
  return graph.issues
    .map((issue) => {
      const dependencies = [
        ...(issue.parent ? [edge(issue.key, issue.parent, 'parent-child')] : []),
        ...graph.dependencies.filter((d) => d.from === issue.key).map((d) => edge(d.from, d.to, 'blocks')),
      ];
      const change = options.statuses?.[issue.key];
      // A status never predates the issue it belongs to.
      const changedAt = change?.at && change.at > options.at ? change.at : options.at;
      return JSON.stringify({
        _type: 'issue',
        id: ids.get(issue.key),
        title: issue.title,
        description: issue.description,
        design: issue.design,
        acceptance_criteria: issue.acceptance,
        status: change?.status ?? 'open',
        priority: issue.priority,
        issue_type: issue.type,
        ...(change?.assignee ? { assignee: change.assignee } : {}),
        ...(change?.reason && change.status !== 'closed' && change.status !== 'open' ? { notes: change.reason } : {}),
        ...(issue.estimateMinutes !== undefined ? { estimated_minutes: issue.estimateMinutes } : {}),
        external_ref: issue.externalRef,
        metadata: issue.metadata,
        labels: issue.labels,
        created_at: options.at,
        created_by: options.actor,
        updated_at: change ? changedAt : options.at,
        ...(change?.status === 'closed' ? { closed_at: changedAt, close_reason: change.reason ?? 'Closed' } : {}),
        dependencies,
      });
    })
    .join('\n')
    .concat('\n');
}

/** Stable ids for JSONL: `<prefix>-<hash of the plan id>` for the epic, `.N` for its children. */
function beadsIds(graph: BeadsGraph, prefix: string, planId: string): Map<string, string> {
  const ids = new Map<string, string>();
  const children = new Map<string, number>();
  let epicNumber = 0;
  const base = `${prefix}-${shortHash(planId)}`;
  for (const issue of graph.issues) {
    if (issue.type === 'epic') ids.set(issue.key, ++epicNumber === 1 ? base : `${base}${epicNumber}`);
  }
  for (const issue of graph.issues) {
    if (issue.type === 'epic') continue;
    if (!issue.parent) {
      ids.set(issue.key, base);
      continue;
    }
    const n = (children.get(issue.parent) ?? 0) + 1;
    children.set(issue.parent, n);
    ids.set(issue.key, `${ids.get(issue.parent)}.${n}`);
  }
  return ids;
}

function shortHash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(36).slice(0, 4).padStart(4, '0');
}
