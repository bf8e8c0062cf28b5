/**
 * Everything in a plan that follows from its tasks: waves, streams, critical path, parallel efficiency,
 * coverage, merge order, branch preview and the guards' warnings. Computed the same way after generation and
 * after every edit, so an edited plan is checked exactly like a generated one.
 */
import { serializeHotTasks } from './conflict-history.js';
import { analyzeDag, mergeOrder } from './dag.js';
import { EFFORT_HOURS } from './effort.js';
import { taskBranch } from '../branch-names.js';
import { PLAN_SCHEMA_VERSION, type Branching, type Coverage, type LeftOutItem, type Plan, type PlanWarning, type Stream, type Task } from './plan.js';
import type { ConflictRecord } from '../run/reservations.js';
import type { ParsedSpec, SourceRef } from '../intake/spec.js';
import { groupBy } from '../text.js';
import { globsOverlap } from '../glob.js';
import { concurrentPairs, listScheduleHours, transitiveReduction } from './schedule.js';

export interface DeriveSettings {
  /** The specs, to compute coverage; without them the previous coverage is kept. */
  specs?: ParsedSpec[];
  previousCoverage?: Coverage;
  concurrency: number;
  minHoursPerTask: number;
  tinyTaskRatio: number;
  /**
   * Files that conflicted at merge time in earlier runs (`.xplan/history/conflicts.jsonl`): tasks predicted to
   * touch one do not run in parallel, each such pair getting an edge and a CONFLICT_HISTORY warning with the
   * reason. Given when planning, not when editing, so an edge the lead removed stays removed.
   */
  conflictHistory?: readonly ConflictRecord[];
}

export interface PlanCore {
  planId: string;
  branching: Branching;
  spec: { paths: string[]; title: string };
  tasks: Task[];
  streams: Stream[];
  /** Warnings from generation that edits cannot recompute (consolidation). */
  warnings?: PlanWarning[];
  leftOut?: LeftOutItem[];
  note?: string;
}

/** Warning codes derivePlan computes itself; others are carried over. */
const DERIVED_CODES = new Set(['UNCOVERED', 'OVER_DECOMPOSED', 'TINY_TASKS', 'CYCLE', 'DANGLING_REF', 'SELF_REF', 'DUPLICATE_ID', 'DUPLICATE_DEP', 'REDUNDANT_EDGE', 'FILE_OVERLAP']);

export function recommendedRange(totalHours: number, minHoursPerTask: number): { min: number; max: number } {
  return { min: Math.max(1, Math.ceil(totalHours / 8)), max: Math.max(3, Math.ceil(totalHours / minHoursPerTask)) };
}

export function derivePlan(core: PlanCore, settings: DeriveSettings): Plan {
  const learned = settings.conflictHistory ? serializeHotTasks(core.tasks, settings.conflictHistory) : undefined;
  const tasks = (learned?.tasks ?? core.tasks).map((t) => ({ ...t }));
  const analysis = analyzeDag(tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn, hours: EFFORT_HOURS[t.effort] })));
  for (const t of tasks) t.wave = analysis.wave.get(t.id) ?? 0;

  const warnings: PlanWarning[] = [...(core.warnings ?? []).filter((w) => !DERIVED_CODES.has(w.code)), ...(learned?.warnings ?? [])];
  for (const e of analysis.errors) warnings.push({ code: e.code, message: e.message, tasks: e.tasks });
  const coverage = settings.specs ? coverageOf(settings.specs, tasks, core.leftOut) : (settings.previousCoverage ?? emptyCoverage());
  if (coverage.uncovered.length > 0) {
    warnings.push({ code: 'UNCOVERED', message: `${coverage.uncovered.length} spec item${coverage.uncovered.length === 1 ? ' is' : 's are'} not covered by any task`, tasks: [] });
  }
  const totalHours = tasks.reduce((sum, t) => sum + EFFORT_HOURS[t.effort], 0);
  const recommended = recommendedRange(totalHours, settings.minHoursPerTask);
  warnings.push(...decompositionWarnings(tasks, recommended, settings.tinyTaskRatio));

  const streams = streamsOf(tasks, core.streams);
  const order = mergeOrder(tasks);
  const titleById = new Map(tasks.map((t) => [t.id, t.title]));
  if (analysis.errors.length === 0) warnings.push(...redundantEdgeWarnings(tasks), ...fileOverlapWarnings(tasks));
  const n = core.branching === 'single' ? 1 : settings.concurrency;
  // What a run at n agents would do, not the bound max(critical path, work / n).
  const makespan = listScheduleHours(tasks, n);
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    planId: core.planId,
    status: 'draft',
    branching: core.branching,
    spec: core.spec,
    summary: {
      tasks: tasks.length,
      streams: streams.length,
      waves: analysis.waveCount,
      criticalPath: analysis.criticalPath,
      criticalPathHours: analysis.criticalPathHours,
      totalHours,
      concurrency: n,
      parallelEfficiency: makespan > 0 ? Math.round((totalHours / makespan / n) * 100) / 100 : 1,
      makespanHours: makespan,
      coverage,
      recommendedTasks: recommended,
    },
    tasks,
    streams,
    mergeOrder: order,
    branchPreview: order.map((task, i) => ({ task, branch: taskBranch('<run>', core.branching, i + 1, titleById.get(task)!, core.spec.title) })),
    warnings,
    ...(core.leftOut && core.leftOut.length > 0 ? { leftOut: core.leftOut } : {}),
    ...(core.note ? { note: core.note } : {}),
  };
}

/**
 * A spec item is covered when some task names its line among its sources; left out when the engine left it out
 * on purpose, with a reason; otherwise uncovered.
 */
export function coverageOf(specs: ParsedSpec[], tasks: Task[], leftOut: LeftOutItem[] = []): Coverage {
  const covered = new Set<string>();
  for (const t of tasks) for (const s of t.sources) covered.add(`${s.file}:${s.line}`);
  const decided = new Set(leftOut.map((l) => `${l.file}:${l.line}`));
  const uncovered: string[] = [];
  const count = (items: SourceRef[]): Coverage['requirements'] => {
    let n = 0;
    let left = 0;
    for (const item of items) {
      const at = `${item.file}:${item.line}`;
      if (covered.has(at)) n++;
      else if (decided.has(at)) left++;
      else uncovered.push(`${at} ${item.text}`);
    }
    return left > 0 ? { covered: n, total: items.length, leftOut: left } : { covered: n, total: items.length };
  };
  return { requirements: count(specs.flatMap((s) => s.requirements)), acceptance: count(specs.flatMap((s) => s.acceptance)), uncovered };
}

function emptyCoverage(): Coverage {
  return { requirements: { covered: 0, total: 0 }, acceptance: { covered: 0, total: 0 }, uncovered: [] };
}

/** Streams in order of first use; names kept from the previous streams, a new stream named after its id. */
function streamsOf(tasks: Task[], previous: Stream[]): Stream[] {
  const names = new Map(previous.map((s) => [s.id, s.name]));
  const streams = new Map<string, Stream>();
  for (const t of tasks) {
    if (!streams.has(t.stream)) streams.set(t.stream, { id: t.stream, name: names.get(t.stream) ?? t.stream, tasks: [] });
    streams.get(t.stream)!.tasks.push(t.id);
  }
  return [...streams.values()];
}

/** Edges another path already implies: they add nothing, and hide the graph's shape. */
function redundantEdgeWarnings(tasks: Task[]): PlanWarning[] {
  const { redundant } = transitiveReduction(tasks);
  if (redundant.length === 0) return [];
  const shown = redundant.slice(0, 8).map((r) => `${r.task} → ${r.dependency} (already through ${r.via})`);
  return [
    {
      code: 'REDUNDANT_EDGE',
      message: `${redundant.length} dependenc${redundant.length === 1 ? 'y is' : 'ies are'} implied by others and can go: ${shown.join(', ')}${redundant.length > shown.length ? `, … ${redundant.length - shown.length} more` : ''}`,
      tasks: [...new Set(redundant.map((r) => r.task))],
    },
  ];
}

/** Overlapping pairs named; the rest counted. */
const OVERLAPS_SHOWN = 10;

/**
 * Tasks that may run at the same time (neither depends on the other) and name overlapping files: their merges
 * will likely conflict. Each pair is named with the files and the edge that would serialize them.
 */
function fileOverlapWarnings(tasks: Task[]): PlanWarning[] {
  // A test task names the files it tests, which its implementation writes: the pair is meant to share them.
  const shared = (a: Task, b: Task) => a.files.filter((f) => b.files.some((g) => globsOverlap(f, g)));
  const pairs = concurrentPairs(
    tasks,
    (a, b) => shared(a, b).length > 0,
    (t) => t.files.length > 0 && t.kind !== 'test',
  );
  const warnings: PlanWarning[] = pairs.slice(0, OVERLAPS_SHOWN).map(([a, b]) => {
    const files = shared(a, b);
    return {
      code: 'FILE_OVERLAP',
      message: `${a.id} and ${b.id} may run at the same time and both touch ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` (+${files.length - 3} more)` : ''}; make ${b.id} depend on ${a.id}, or merge them`,
      tasks: [a.id, b.id],
    };
  });
  if (pairs.length > OVERLAPS_SHOWN)
    warnings.push({ code: 'FILE_OVERLAP', message: `… ${pairs.length - OVERLAPS_SHOWN} more pairs of tasks that may run at the same time touch the same files`, tasks: [] });
  return warnings;
}

/** The over-decomposition guard: too many tasks for the spec's size, or too many tiny ones. */
function decompositionWarnings(tasks: Task[], recommended: { min: number; max: number }, tinyTaskRatio: number): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  const tiny = tasks.filter((t) => t.effort === 'XS' && t.kind !== 'test');
  const suggestions = mergeSuggestions(tiny);
  const merge = suggestions.map((s) => s.join(' + ')).join(', ');
  if (tasks.length > recommended.max) {
    warnings.push({
      code: 'OVER_DECOMPOSED',
      message: `${tasks.length} tasks for a spec that supports ${recommended.min}–${recommended.max}${merge ? `; merge ${merge}` : ''}`,
      tasks: tasks.map((t) => t.id),
    });
  }
  if (tasks.length >= 4 && tiny.length / tasks.length > tinyTaskRatio) {
    warnings.push({
      code: 'TINY_TASKS',
      message: `${tiny.length} of ${tasks.length} tasks are extra-small (XS)${merge ? `; consider merging ${merge}` : ''}`,
      tasks: tiny.map((t) => t.id),
    });
  }
  return warnings;
}

/** Groups of tiny tasks that share a stream and a wave: merging them cannot create a cycle. */
function mergeSuggestions(tiny: Task[]): string[][] {
  return [...groupBy(tiny, (t) => `${t.stream}\u0000${t.wave}`).values()].filter((g) => g.length >= 2).map((g) => g.map((t) => t.id));
}
