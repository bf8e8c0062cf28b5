/**
 * Runs past and present, from disk: state.json holds the latest run, `.xplan/runs/<run>/run.json` the summary of a
 * run that ended (written by saveRunSummary), and events.jsonl every run's transitions.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError, noRunError } from '../../core/errors.js';
import type { Plan } from '../../core/plan/plan.js';
import { lastAttempt, type RunEvent, type RunState } from '../../core/run/run.js';
import { lastToolCall, type ToolCall } from '../../core/run/agent-activity.js';
import type { ReportInput } from '../../core/run/run-report.js';
import { listRuns, runsFromEvents, savedRunOf, type RunList, type RunSource, type SavedRun } from '../../core/run/run-history.js';
import type { State } from '../../core/run/state.js';
import { readJsonIfPresent, writeJsonAtomic } from './atomic-file.js';
import { AGENT_FILES, readTail, RunFiles } from './run-files.js';
import { StateStore } from './state-store.js';
import { openXplanFile } from './xplan-dir.js';

export const RUN_SUMMARY_FILE = 'run.json';

export function runSummaryPath(xplanDir: string, runId: string): string {
  return join(new RunFiles(xplanDir).runDir(runId), RUN_SUMMARY_FILE);
}

/**
 * Keeps a run's final state and its plan under `.xplan/runs/<run>/run.json`, so `xplan runs`, `report --run` and
 * `status --run` still know it after the next run replaces it in state.json. Safe to call again: the later call wins.
 */
export async function saveRunSummary(xplanDir: string, run: RunState, plan: Plan | undefined, now: Date = new Date()): Promise<string> {
  const path = runSummaryPath(xplanDir, run.id);
  await mkdir(join(xplanDir, 'runs', run.id), { recursive: true });
  await writeJsonAtomic(path, savedRunOf(run, plan, now));
  return path;
}

/** The saved summaries; an unreadable one is reported, not fatal. */
export async function readSavedRuns(xplanDir: string): Promise<{ saved: SavedRun[]; runDirs: string[]; unreadable: string[] }> {
  const dir = join(xplanDir, 'runs');
  const runDirs = existsSync(dir) ? (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name) : [];
  const saved: SavedRun[] = [];
  const unreadable: string[] = [];
  for (const id of runDirs) {
    try {
      const summary = await readJsonIfPresent<SavedRun>(runSummaryPath(xplanDir, id));
      if (summary && typeof summary.run?.id === 'string' && summary.run.tasks && typeof summary.run.tasks === 'object') saved.push(summary);
      else if (summary) unreadable.push(runSummaryPath(xplanDir, id));
    } catch {
      unreadable.push(runSummaryPath(xplanDir, id));
    }
  }
  return { saved, runDirs, unreadable };
}

/**
 * Events from events.jsonl, oldest first; with `runId`, only that run's. A line that is not JSON (a write cut by a
 * crash) is skipped.
 */
export async function readEvents(xplanDir: string, runId?: string): Promise<RunEvent[]> {
  const handle = await openXplanFile(new RunFiles(xplanDir).eventsFile);
  if (!handle) return [];
  const events: RunEvent[] = [];
  const needle = runId === undefined ? undefined : `"runId":${JSON.stringify(runId)}`;
  for await (const line of createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (!line || (needle && !line.includes(needle))) continue;
    try {
      const event = JSON.parse(line) as RunEvent;
      if (typeof event.type === 'string' && (runId === undefined || event.runId === runId)) events.push(event);
    } catch {
      // a torn line
    }
  }
  return events;
}

export async function listKnownRuns(xplanDir: string): Promise<RunList & { unreadable: string[] }> {
  const state = await new StateStore(xplanDir).read();
  const { saved, runDirs, unreadable } = await readSavedRuns(xplanDir);
  const events = await readEvents(xplanDir);
  return { ...listRuns({ current: state?.run, saved, events, runDirs }), unreadable };
}

export interface LoadedRun {
  run: RunState;
  plan: Plan | undefined;
  source: Exclude<RunSource, 'events'>;
}

/** The run to look at: the current one, or run `runId` from the state or its saved summary. */
export async function loadRun(xplanDir: string, runId?: string): Promise<LoadedRun> {
  const state = await new StateStore(xplanDir).read();
  if (runId === undefined || state?.run?.id === runId) {
    if (!state?.run) throw noRunError('Start one with `xplan run` (preview it with `xplan run --dry-run`).');
    return { run: state.run, plan: state.plan, source: 'state' };
  }
  const path = runSummaryPath(xplanDir, runId);
  let summary: SavedRun | undefined;
  try {
    summary = await readJsonIfPresent<SavedRun>(path);
  } catch (error) {
    throw new InputError('RUN_SUMMARY_UNREADABLE', `${path} cannot be read: ${(error as Error).message}`, 'Repair or remove the file; the run stays listed from its events.');
  }
  if (summary?.run?.id === runId) return { run: summary.run, plan: summary.plan, source: 'saved' };
  if (summary) throw new InputError('RUN_SUMMARY_UNREADABLE', `${path} does not hold run ${runId}`, 'Repair or remove the file.');
  const fromEvents = runsFromEvents(await readEvents(xplanDir, runId));
  if (fromEvents.length > 0) {
    throw new InputError(
      'RUN_NOT_KEPT',
      `Run ${runId} ended before xplan kept run summaries: only its events are left`,
      `Read them with \`grep '"runId":"${runId}"' .xplan/events.jsonl\`; \`xplan runs\` lists what it knows of it.`,
    );
  }
  const known = (await listKnownRuns(xplanDir)).runs.map((r) => r.id);
  throw new InputError(
    'RUN_NOT_FOUND',
    `There is no run ${runId}`,
    known.length > 0 ? `Known runs: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''} (see \`xplan runs\`).` : 'No run has started in this repository.',
  );
}

/**
 * The state as commands that read one run expect it, with `run` and `plan` those of run `runId` (the current run
 * when undefined). Lets `status` and `logs` take `--run` by swapping their state read for this.
 */
export async function readRunState(xplanDir: string, runId?: string): Promise<State | undefined> {
  const state = await new StateStore(xplanDir).read();
  if (runId === undefined || state?.run?.id === runId) return state;
  const loaded = await loadRun(xplanDir, runId);
  return { ...(state ?? { schemaVersion: 1, revision: 0, updatedAt: loaded.run.endedAt ?? loaded.run.startedAt, specs: [] }), run: loaded.run, plan: loaded.plan };
}

/** The last tool call of each running agent, from the tail of its transcript. */
export async function readAgentActivity(xplanDir: string, run: RunState): Promise<Record<number, ToolCall | undefined>> {
  const files = new RunFiles(xplanDir);
  const activity: Record<number, ToolCall | undefined> = {};
  const running = Object.values(run.tasks).filter((t) => t.state === 'running' || t.state === 'verifying');
  await Promise.all(
    running.map(async (task) => {
      const attempt = lastAttempt(task);
      if (!attempt) return;
      const tail = await readTail(join(files.agentDir(run.id, attempt.agent), AGENT_FILES.transcript), TRANSCRIPT_TAIL_BYTES);
      activity[attempt.agent] = lastToolCall(tail, { complete: tail.length < TRANSCRIPT_TAIL_BYTES });
    }),
  );
  return activity;
}

/** Enough for the last few stream-json lines; a tool result can be long. */
const TRANSCRIPT_TAIL_BYTES = 256 * 1024;

/** Everything a report of run `runId` (the current run when undefined) is built from. */
export async function loadReportInput(xplanDir: string, runId: string | undefined, now: Date): Promise<ReportInput & { source: LoadedRun['source'] }> {
  const loaded = await loadRun(xplanDir, runId);
  const [events, activity] = await Promise.all([readEvents(xplanDir, loaded.run.id), readAgentActivity(xplanDir, loaded.run)]);
  return { run: loaded.run, plan: loaded.plan, events, now, activity, source: loaded.source };
}
