/**
 * File reservations: each running task holds the files it is predicted to touch, so two agents never edit the same
 * file at once. The table lives in the run state (`run.reservations`); a task whose files are held by a running task
 * waits for it, as for a dependency. Reservations are exclusive unless said otherwise; a clash needs one exclusive
 * side. Pure: the run engine stores the table, the commit guard and agent mail enforce it.
 */
import { globsOverlap, globToRegExpSource, isLiteralPattern, normalizePattern, patternProblem } from '../glob.js';
import { InputError } from '../errors.js';
import type { Task } from '../plan/plan.js';
import type { ParsedSpec } from '../intake/spec.js';

export interface Reservation {
  taskId: string;
  /** The agent number of the attempt that holds it. */
  agent: number;
  /** Repository-relative globs (see glob.ts). */
  patterns: string[];
  exclusive: boolean;
  /** ISO time the reservation was taken. */
  since: string;
}

export type ReservationTable = Reservation[];

/** A file (or pattern) of `taskId`'s that a running task holds. */
export interface Clash {
  /** The task holding it. */
  heldBy: string;
  /** Its agent number. */
  agent: number;
  /** The clashing file: the literal side when there is one, else the requested pattern. */
  file: string;
  /** The holder's pattern that covers it. */
  pattern: string;
}

/** One line of `.xplan/history/conflicts.jsonl`: files that conflicted at merge time between these tasks. */
export interface ConflictRecord {
  run: string;
  tasks: string[];
  files: string[];
  at: string;
}

/** Reads conflicts.jsonl text. Lines that are not a conflict record are skipped and their numbers returned. */
export function parseConflictHistory(text: string): { records: ConflictRecord[]; skippedLines: number[] } {
  const records: ConflictRecord[] = [];
  const skippedLines: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skippedLines.push(index + 1);
      return;
    }
    const record = value as Partial<ConflictRecord>;
    const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((x) => typeof x === 'string');
    if (typeof value !== 'object' || value === null || !strings(record.tasks) || !strings(record.files)) {
      skippedLines.push(index + 1);
      return;
    }
    records.push({ run: String(record.run ?? ''), tasks: record.tasks, files: record.files, at: String(record.at ?? '') });
  });
  return { records, skippedLines };
}

/**
 * The files a task is predicted to touch: its own `files`, the files the spec names within the spec items the task
 * covers (its `sources`), and the files that conflicted in earlier runs in a merge involving a task of that id.
 * Normalized, de-duplicated, unusable patterns left out, in that order.
 */
export function predictedFiles(task: Pick<Task, 'id' | 'files' | 'sources'>, context: { specs?: readonly ParsedSpec[]; history?: readonly ConflictRecord[] } = {}): string[] {
  const out = new Set<string>();
  const add = (pattern: string) => {
    const normalized = normalizePattern(pattern);
    if (normalized !== '' && patternProblem(normalized) === undefined) out.add(normalized);
  };
  task.files.forEach(add);
  for (const source of task.sources) {
    const spec = context.specs?.find((s) => s.file === source.file);
    if (!spec) continue;
    // The requirement the source line sits in, details included; otherwise the line alone.
    const owner = spec.requirements.find((r) => r.line <= source.line && source.line <= r.endLine);
    const [from, to] = owner ? [owner.line, owner.endLine] : [source.line, source.line];
    for (const named of spec.files) if (named.line >= from && named.line <= to) add(named.text);
  }
  for (const record of context.history ?? []) if (record.tasks.includes(task.id)) record.files.forEach(add);
  return [...out];
}

/** Takes (or replaces) `holder.taskId`'s reservation. An empty pattern list holds nothing and removes it. */
export function reserve(table: ReservationTable, holder: { taskId: string; agent: number; since: string; exclusive?: boolean }, patterns: readonly string[]): ReservationTable {
  const rest = release(table, holder.taskId);
  const normalized = [...new Set(patterns.map(normalizePattern).filter((p) => p !== ''))];
  const problem = normalized.map(patternProblem).find((p) => p !== undefined);
  if (problem) throw new InputError('PATTERN_INVALID', `Task ${holder.taskId}: ${problem}`, `Fix the task's files in the plan (\`xplan plan --edit --editor\`), then run again.`);
  if (normalized.length === 0) return rest;
  return [...rest, { taskId: holder.taskId, agent: holder.agent, patterns: normalized, exclusive: holder.exclusive ?? true, since: holder.since }];
}

export function release(table: ReservationTable, taskId: string): ReservationTable {
  return table.some((r) => r.taskId === taskId) ? table.filter((r) => r.taskId !== taskId) : table;
}

/** What other tasks' reservations stand in the way of `taskId` taking these patterns. */
export function clashes(table: ReservationTable, taskId: string, patterns: readonly string[], exclusive = true): Clash[] {
  const out: Clash[] = [];
  const wanted = patterns.map(normalizePattern).filter((p) => p !== '' && patternProblem(p) === undefined);
  for (const held of table) {
    if (held.taskId === taskId || !(held.exclusive || exclusive)) continue;
    for (const mine of wanted) {
      const theirs = held.patterns.find((p) => globsOverlap(mine, p));
      if (theirs === undefined) continue;
      out.push({ heldBy: held.taskId, agent: held.agent, file: isLiteralPattern(mine) || !isLiteralPattern(theirs) ? mine : theirs, pattern: theirs });
    }
  }
  return out;
}

/** The first holder in the way, for the scheduler and `status`: which task, and which file. */
export function waitingOn(table: ReservationTable, taskId: string, patterns: readonly string[], exclusive = true): { taskId: string; file: string } | undefined {
  const first = clashes(table, taskId, patterns, exclusive)[0];
  return first ? { taskId: first.heldBy, file: first.file } : undefined;
}

export interface ReservationCandidate {
  taskId: string;
  agent: number;
  patterns: readonly string[];
  exclusive?: boolean;
}

/**
 * One dispatch round: candidates in order take their files unless a holder (already running, or picked earlier in
 * the round) is in the way. Returns the table with the picked tasks' reservations, and who waits for whom.
 */
export function admit(
  table: ReservationTable,
  candidates: readonly ReservationCandidate[],
  since: string,
): { table: ReservationTable; admitted: string[]; waiting: Array<{ taskId: string; heldBy: string; file: string }> } {
  let next = table;
  const admitted: string[] = [];
  const waiting: Array<{ taskId: string; heldBy: string; file: string }> = [];
  for (const candidate of candidates) {
    const holder = waitingOn(next, candidate.taskId, candidate.patterns, candidate.exclusive ?? true);
    if (holder) {
      waiting.push({ taskId: candidate.taskId, heldBy: holder.taskId, file: holder.file });
      continue;
    }
    next = reserve(next, { taskId: candidate.taskId, agent: candidate.agent, since, exclusive: candidate.exclusive }, candidate.patterns);
    admitted.push(candidate.taskId);
  }
  return { table: next, admitted, waiting };
}

/**
 * After a crash nothing in the stored table is trusted: the table is rebuilt from the tasks that are running now,
 * in the given order (the earlier dispatch keeps a contested file).
 */
export function recomputeTable(running: readonly ReservationCandidate[], since: string): ReservationTable {
  return running.reduce<ReservationTable>(
    (table, task) =>
      waitingOn(table, task.taskId, task.patterns, task.exclusive ?? true) ? table : reserve(table, { taskId: task.taskId, agent: task.agent, since, exclusive: task.exclusive }, task.patterns),
    [],
  );
}

export const GUARD_FILE_VERSION = 1;

/** What the commit guard reads: every reservation with its patterns compiled, so the hook needs no glob code. */
export interface GuardFile {
  version: typeof GUARD_FILE_VERSION;
  runId: string;
  updatedAt: string;
  reservations: Array<Reservation & { regexes: string[] }>;
}

export function guardFile(runId: string, table: ReservationTable, updatedAt: string): GuardFile {
  return {
    version: GUARD_FILE_VERSION,
    runId,
    updatedAt,
    reservations: table.map((r) => ({ ...r, regexes: r.patterns.map(globToRegExpSource) })),
  };
}

/** For the agent's prompt: the files that are its own, and the files other running tasks hold. */
export function reservationBrief(table: ReservationTable, taskId: string): { own: string[]; heldByOthers: Array<{ taskId: string; patterns: string[] }> } {
  return {
    own: table.find((r) => r.taskId === taskId)?.patterns ?? [],
    heldByOthers: table.filter((r) => r.taskId !== taskId && r.exclusive).map((r) => ({ taskId: r.taskId, patterns: r.patterns })),
  };
}
