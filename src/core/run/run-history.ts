/**
 * The runs of a repository, from what xplan keeps: the current run in state.json, the summaries saved when runs
 * ended (`.xplan/runs/<run>/run.json`), and, for runs older than either, the events in events.jsonl. Pure.
 */
import type { Plan } from '../plan/plan.js';
import { DONE_STATES, runUsage, type RunEvent, type RunEventType, type RunState, type TaskState, type Usage } from './run.js';

export const RUN_SUMMARY_SCHEMA_VERSION = 1;

/** `.xplan/runs/<run>/run.json`: a run as it ended, with the plan it ran. */
export interface SavedRun {
  schemaVersion: typeof RUN_SUMMARY_SCHEMA_VERSION;
  savedAt: string;
  run: RunState;
  plan?: Plan;
}

/** Where a run's details come from: the state file, a saved summary, or only its events. */
export type RunSource = 'state' | 'saved' | 'events';

export interface RunListEntry {
  id: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  tasks: { total: number; done: number; failed: number };
  usage: Usage | null;
  source: RunSource;
  /** The run state.json holds now. */
  current: boolean;
}

export interface RunList {
  schemaVersion: 1;
  runs: RunListEntry[];
}

export function savedRunOf(run: RunState, plan: Plan | undefined, now: Date): SavedRun {
  const { outbox: _outbox, ...kept } = run;
  return { schemaVersion: RUN_SUMMARY_SCHEMA_VERSION, savedAt: now.toISOString(), run: kept, ...(plan ? { plan } : {}) };
}

/** Newest first. A run known several ways is listed once, from its richest source. */
export function listRuns(input: { current?: RunState; saved: SavedRun[]; events: RunEvent[]; runDirs?: string[] }): RunList {
  const byId = new Map<string, RunListEntry>();
  for (const entry of runsFromEvents(input.events)) byId.set(entry.id, entry);
  for (const saved of input.saved) byId.set(saved.run.id, entryOf(saved.run, 'saved', false));
  if (input.current) byId.set(input.current.id, entryOf(input.current, 'state', true));
  // A run directory with nothing else known about it (events trimmed by hand, say) is still a run.
  for (const id of input.runDirs ?? []) {
    if (!byId.has(id)) byId.set(id, { id, status: 'unknown', startedAt: null, endedAt: null, tasks: { total: 0, done: 0, failed: 0 }, usage: null, source: 'events', current: false });
  }
  // Newest first; a run whose start is unknown goes last.
  const runs = [...byId.values()].sort((a, b) => ((a.startedAt === null) !== (b.startedAt === null) ? (a.startedAt === null ? 1 : -1) : (b.startedAt ?? b.id).localeCompare(a.startedAt ?? a.id)));
  return { schemaVersion: 1, runs };
}

function entryOf(run: RunState, source: RunSource, current: boolean): RunListEntry {
  const states = Object.values(run.tasks).map((t) => t.state);
  return {
    id: run.id,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt ?? null,
    tasks: { total: states.length, done: states.filter((s) => DONE_STATES.has(s)).length, failed: states.filter((s) => s === 'failed' || s === 'blocked').length },
    usage: runUsage(run),
    source,
    current,
  };
}

const TASK_STATE_BY_EVENT: Partial<Record<RunEventType, TaskState>> = {
  'task.dispatched': 'running',
  'task.resumed': 'running',
  'task.verifying': 'verifying',
  'task.reviewing': 'reviewing',
  'task.held': 'held',
  'task.completed': 'completed',
  'task.done': 'completed',
  'task.failed': 'failed',
  'task.blocked': 'blocked',
  'task.skipped': 'skipped',
  'task.retrying': 'retrying',
  'task.interrupted': 'interrupted',
};

/** What the event log alone says about each run: when it started and ended, and its tasks' last states. */
export function runsFromEvents(events: RunEvent[]): RunListEntry[] {
  const runs = new Map<string, { entry: RunListEntry; states: Map<string, string> }>();
  for (const e of events) {
    if (typeof e.runId !== 'string') continue;
    let known = runs.get(e.runId);
    if (!known) {
      known = { entry: { id: e.runId, status: 'unknown', startedAt: null, endedAt: null, tasks: { total: 0, done: 0, failed: 0 }, usage: null, source: 'events', current: false }, states: new Map() };
      runs.set(e.runId, known);
    }
    const { entry, states } = known;
    if (e.type === 'run.started') {
      entry.startedAt = e.at;
      entry.status = 'running';
      if (Array.isArray(e.tasks)) for (const id of e.tasks) if (typeof id === 'string') states.set(id, 'waiting');
    } else if (e.type === 'run.ended') {
      entry.endedAt = e.at;
      entry.status = typeof e.status === 'string' ? e.status : 'ended';
    } else if (e.type === 'run.paused') {
      entry.status = 'paused';
    } else if (e.type === 'run.resumed') {
      entry.status = 'running';
    } else {
      const state = TASK_STATE_BY_EVENT[e.type];
      if (e.taskId && state) states.set(e.taskId, state);
    }
    entry.startedAt ??= e.at;
  }
  return [...runs.values()].map(({ entry, states }) => {
    const values = [...states.values()];
    entry.tasks = { total: values.length, done: values.filter((s) => s === 'completed').length, failed: values.filter((s) => s === 'failed' || s === 'blocked').length };
    return entry;
  });
}
