/**
 * Human output of `xplan plan` / `xplan show`: a summary and a task table, or a tree by wave and stream.
 * Also the small formatting helpers the other plan renderers (Mermaid, ExecPlan) share.
 */
import { EFFORT_HOURS } from '../core/plan/effort.js';
import { transitiveReduction } from '../core/plan/schedule.js';
import type { Branching, EngineRun, Plan, PlanWarning, Risk, Task, TaskSource } from '../core/plan/plan.js';
import { renderTable, type Column } from './table.js';
import { formatHours, truncate } from '../core/text.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';
import { displayWidth, truncateEnd } from './text-width.js';
import type { PlanAssessment, VerdictSource } from '../core/plan/plan-verdict.js';

export { formatHours, truncate };

const RISK_SEVERITY: Record<Risk, 0 | 1 | 2> = { low: 0, medium: 1, high: 2 };
const TREE_TITLE_MAX = 72;
const SOURCES_SHOWN = 3;
const UNCOVERED_SHOWN = 5;
const WARNING_TASKS_SHOWN = 6;
const BRANCHES_SHOWN = 3;

export const BRANCHING_LABEL: Record<Branching, string> = {
  single: 'one branch, tasks one after another',
  feature: 'each task branches from the run base',
  stacked: 'each task branches from its dependency',
};

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------

/** `11h`, `2.5h`. */
/** `T1 → T3 → T7 (11h)`. */
export function formatCriticalPath(plan: Plan): string {
  const path = plan.summary.criticalPath;
  return path.length === 0 ? '—' : `${path.join(' → ')} (${formatHours(plan.summary.criticalPathHours)})`;
}

/** `T1, T2, T3 +4`: the first few items and how many more there are. */
/** Dependencies shown per table row; the tree and --json list them all. */
const DEPS_SHOWN = 4;

export function formatList(items: string[], shown: number, none = '—'): string {
  if (items.length === 0) return none;
  const more = items.length - shown;
  return items.slice(0, shown).join(', ') + (more > 0 ? ` +${more}` : '');
}

/** A source ref that names a requirement (`FR-3`, `US-2`), as opposed to a label such as "acceptance". */
export function isRequirementRef(ref: string): boolean {
  return /^[A-Z][A-Z0-9]*-\d+$/.test(ref);
}

/** `spec.md:12 (FR-3)`: where a task's source is, and what it is. */
export function formatSource(source: TaskSource): string {
  return `${source.file}:${source.line} (${source.ref})`;
}

/** Requirement ids where the spec has them, otherwise the line (`line 40`, or `spec.md:40` across several specs). */
export function sourceLabels(sources: TaskSource[], severalSpecs: boolean): string[] {
  const labels = sources.map((s) => (isRequirementRef(s.ref) ? s.ref : severalSpecs ? `${s.file}:${s.line}` : `line ${s.line}`));
  return [...new Set(labels)];
}

/** The warning as a sentence, naming the tasks it is about when the message does not already. */
export function warningText(w: PlanWarning): string {
  const named = new Set(w.message.match(/\bT\d+\b/g) ?? []);
  const unnamed = w.tasks.filter((id) => !named.has(id));
  return unnamed.length === 0 ? w.message : `${w.message} (${formatList(w.tasks, WARNING_TASKS_SHOWN)})`;
}

/** The tasks of each wave, in plan order; waves ascending. */
export function tasksByWave(plan: Plan): Array<[wave: number, tasks: Task[]]> {
  const waves = new Map<number, Task[]>();
  for (const t of plan.tasks) {
    if (!waves.has(t.wave)) waves.set(t.wave, []);
    waves.get(t.wave)!.push(t);
  }
  return [...waves.entries()].sort(([a], [b]) => a - b);
}

/** The streams of the given tasks in the plan's stream order, each with its tasks; unknown streams last. */
export function tasksByStream(plan: Plan, tasks: Task[]): Array<{ id: string; name: string; tasks: Task[] }> {
  const order = new Map(plan.streams.map((s, i) => [s.id, i]));
  const groups = new Map<string, Task[]>();
  for (const t of tasks) {
    if (!groups.has(t.stream)) groups.set(t.stream, []);
    groups.get(t.stream)!.push(t);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, list]) => ({ id, name: plan.streams.find((s) => s.id === id)?.name ?? id, tasks: list }));
}

/** `multi-agent · high confidence · 24h of work`. */
export function verdictHeadline(v: PlanAssessment): string {
  return `${v.verdict} · ${v.confidence} confidence · ${formatHours(v.effortHours)} of work`;
}

/**
 * `spec.md:12, 40, 55 +6`: the lines that fit in `room` columns (always the first), and how many more there are.
 * A file is named once, before its first line.
 */
export function citeSources(sources: VerdictSource[], room: number): string {
  const seen = new Set<string>();
  const unique = sources.filter((s) => !seen.has(`${s.file}:${s.line}`) && seen.add(`${s.file}:${s.line}`));
  let text = '';
  let file: string | undefined;
  for (const [i, s] of unique.entries()) {
    const piece = `${i === 0 ? '' : s.file === file ? ', ' : '; '}${s.file === file ? s.line : `${s.file}:${s.line}`}`;
    const rest = unique.length - i - 1;
    if (i > 0 && displayWidth(`${text}${piece}${rest > 0 ? ` +${rest}` : ''}`) > room) return `${text} +${unique.length - i}`;
    text += piece;
    file = s.file;
  }
  return text;
}

/**
 * What the plan opens with: the verdict, then up to three reasons, each with the spec lines behind it, every line
 * within the terminal's width.
 */
export function verdictLines(unsafe: PlanAssessment, theme: Theme): string[] {
  const v = terminalSafe(unsafe);
  const width = theme.columns;
  const fit = (line: string) => (Number.isFinite(width) ? truncateEnd(line, width) : line);
  const out = [
    fit(
      `${theme.bold('Verdict:')} ${theme.level(theme.bold(v.verdict), VERDICT_SEVERITY[v.verdict])} ${theme.dim('·')} ${v.confidence} confidence ${theme.dim('·')} ${formatHours(v.effortHours)} of work`,
    ),
  ];
  for (const r of v.reasons) {
    const head = `  ${r.text}`;
    if (r.sources.length === 0) {
      out.push(fit(head));
      continue;
    }
    const room = Number.isFinite(width) ? width - displayWidth(head) - 3 : Infinity;
    out.push(fit(`${head} ${theme.dim('—')} ${theme.dim(citeSources(r.sources, room))}`));
  }
  return out;
}

const VERDICT_SEVERITY = { 'single-agent': 0, 'multi-agent': 1, 'decomposition-required': 2 } as const;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Graph errors `approve` refuses: the next step is to fix them, not to approve. */
const BLOCKING_CODES = new Set(['CYCLE', 'DANGLING_REF', 'SELF_REF', 'DUPLICATE_ID']);

function nextStep(plan: Plan, theme: Theme): string {
  if (plan.tasks.length === 0) return `Next: ${theme.accent('xplan task add --title "…"')} ${theme.dim('(a plan with no tasks cannot be approved)')}`;
  if (plan.status !== 'approved' && plan.warnings.some((w) => BLOCKING_CODES.has(w.code))) {
    return `Next: fix the errors above with ${theme.accent('xplan task …')} or ${theme.accent('xplan plan --edit')} ${theme.dim('(xplan check lists them; approve refuses them)')}`;
  }
  return plan.status === 'approved'
    ? `Next: ${theme.accent('xplan run')}`
    : `Next: ${theme.accent('xplan approve')} ${theme.dim('(or')} ${theme.accent('xplan plan --edit')} ${theme.dim('to change it)')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------------------------

/** `assessment`: the verdict the plan opens with, when the planner's assessment is known. */
export function renderPlanTable(unsafe: Plan, theme: Theme, assessment?: PlanAssessment): string {
  const plan = terminalSafe(unsafe);
  const s = plan.summary;
  const severalSpecs = plan.spec.paths.length > 1;
  const out: string[] = [];
  const field = (label: string, value: string) => out.push(`${theme.dim(label.padEnd(14))}${value}`);

  out.push(`${theme.bold(plan.spec.title)} ${theme.dim(`· plan ${plan.planId} · ${plan.spec.paths.join(', ')}`)}`);
  if (assessment) out.push(...verdictLines(assessment, theme));
  out.push('');
  const approval = plan.approval ? theme.dim(` by ${plan.approval.by} at ${plan.approval.at}`) : '';
  field('Status', plan.status === 'approved' ? `${theme.ok('approved')}${approval}` : theme.warn('draft'));
  field('Branching', `${plan.branching} ${theme.dim(`(${BRANCHING_LABEL[plan.branching]})`)}`);
  if (plan.engine) field('Engine', describeEngineRun(plan.engine));
  const { min, max } = s.recommendedTasks;
  const range = `recommended ${min === max ? min : `${min}–${max}`}`;
  const outside = s.tasks < min || s.tasks > max;
  field('Tasks', `${s.tasks} ${theme.dim('·')} ${plural(s.streams, 'stream')} ${theme.dim('·')} ${plural(s.waves, 'wave')}  ${outside ? theme.warn(`(${range})`) : theme.dim(`(${range})`)}`);
  field('Streams', plan.streams.map((st) => `${st.id} ${st.name}`).join(theme.dim(' · ')) || '—');
  field('Critical path', formatCriticalPath(plan));
  const efficiency = `${Math.round(s.parallelEfficiency * 100)}%`;
  const makespan = s.makespanHours ?? (s.parallelEfficiency > 0 ? s.totalHours / (s.parallelEfficiency * s.concurrency) : 0);
  field(
    'Effort',
    `${formatHours(s.totalHours)} of work ${theme.dim('·')} about ${formatHours(Math.round(makespan * 10) / 10)} at ${plural(s.concurrency, 'agent')} ${theme.dim('·')} parallel efficiency ${efficiency}`,
  );
  const c = s.coverage;
  field('Coverage', `requirements ${coverageCounts(c.requirements, theme)} ${theme.dim('·')} acceptance ${coverageCounts(c.acceptance, theme)}`);
  if (plan.note) field('Lead’s note', plan.note);
  if (c.uncovered.length > 0) {
    c.uncovered.slice(0, UNCOVERED_SHOWN).forEach((item, i) => field(i === 0 ? 'Uncovered' : '', theme.warn(truncate(item, 100))));
    if (c.uncovered.length > UNCOVERED_SHOWN) field('', theme.dim(`… ${c.uncovered.length - UNCOVERED_SHOWN} more (--json lists them)`));
  }
  out.push('');

  // Direct dependencies only: an edge another path implies says nothing a reader needs.
  const { direct } = transitiveReduction(plan.tasks);
  const rows = plan.tasks.map((t) => [
    theme.bold(t.id),
    String(t.wave),
    t.stream,
    t.title.replace(/\s+/g, ' ').trim(),
    direct.get(t.id)!.length > 0 ? formatList(direct.get(t.id)!, DEPS_SHOWN) : theme.dim('—'),
    t.effort,
    theme.level(t.risk, RISK_SEVERITY[t.risk]),
    t.testStrategy === 'none' ? theme.dim(t.testStrategy) : t.testStrategy,
    formatList(sourceLabels(t.sources, severalSpecs), SOURCES_SHOWN),
  ]);
  // The title gets the room: it is cut only when the terminal is too narrow, after the sources and the stream.
  const columns: Column[] = [
    { header: 'ID' },
    { header: 'Wave', optional: 2 },
    { header: 'Stream', cut: 'end', min: 6, cutOrder: 1, optional: 4 },
    { header: 'Title', cut: 'end', min: 40, cutOrder: 2 },
    { header: 'Deps', optional: 5 },
    { header: 'Effort', optional: 3 },
    { header: 'Risk', optional: 6 },
    { header: 'Strategy', optional: 1 },
    { header: 'Sources', cut: 'end', min: 8, cutOrder: 0, optional: 0 },
  ];
  out.push(renderTable(columns, rows, { styleHeader: theme.dim, width: theme.columns }));

  if (plan.leftOut && plan.leftOut.length > 0) {
    out.push('');
    out.push(theme.bold('Left out — review before approving'));
    out.push(...leftOutLines(plan, theme));
  }

  if (plan.warnings.length > 0) {
    out.push('');
    out.push(theme.bold('Warnings'));
    for (const w of plan.warnings) out.push(`  ${theme.warn('!')} ${warningText(w)}`);
  }

  if (plan.branchPreview.length > 0) {
    const byBranch = new Map<string, string[]>();
    for (const { task, branch } of plan.branchPreview) {
      if (!byBranch.has(branch)) byBranch.set(branch, []);
      byBranch.get(branch)!.push(task);
    }
    const groups = [...byBranch.entries()];
    out.push('');
    out.push(`${theme.bold('Branches')} ${theme.dim('(<run> is the run id; agent numbers are given at dispatch)')}`);
    const rows = groups.slice(0, BRANCHES_SHOWN).map(([branch, tasks]) => [formatList(tasks, WARNING_TASKS_SHOWN), theme.dim(branch)]);
    const columns: Column[] = [
      { header: 'Tasks', cut: 'end', min: 8, cutOrder: 1 },
      { header: 'Branch', cut: 'middle', min: 12, cutOrder: 0 },
    ];
    out.push(renderTable(columns, rows, { indent: '  ', styleHeader: theme.dim, width: theme.columns }));
    if (groups.length > BRANCHES_SHOWN) out.push(theme.dim(`  … ${groups.length - BRANCHES_SHOWN} more (${groups.length} in all; --json lists them)`));
  }

  out.push('');
  out.push(nextStep(plan, theme));
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Tree
// ---------------------------------------------------------------------------------------------------------------

export function renderPlanTree(unsafe: Plan, theme: Theme, assessment?: PlanAssessment): string {
  const plan = terminalSafe(unsafe);
  const s = plan.summary;
  const out: string[] = [];
  out.push(`${theme.bold(plan.spec.title)} ${theme.dim(`· plan ${plan.planId} · ${plan.status}`)}`);
  if (assessment) out.push(...verdictLines(assessment, theme));
  out.push(theme.dim(`${plural(s.tasks, 'task')} · ${plural(s.streams, 'stream')} · ${plural(s.waves, 'wave')} · critical path ${formatCriticalPath(plan)}`));

  for (const [wave, tasks] of tasksByWave(plan)) {
    // A wave lasts as long as its longest task; the sum is work, in agent-hours.
    const longest = Math.max(...tasks.map((t) => EFFORT_HOURS[t.effort]));
    const work = tasks.reduce((sum, t) => sum + EFFORT_HOURS[t.effort], 0);
    out.push('');
    const length = tasks.length === 1 ? formatHours(work) : `${formatHours(longest)} long, ${formatHours(work)} of work`;
    out.push(`${theme.bold(wave >= 1 ? `Wave ${wave}` : 'Unscheduled')} ${theme.dim(`(${plural(tasks.length, 'task')}, ${length})`)}`);
    const streams = tasksByStream(plan, tasks);
    streams.forEach((stream, si) => {
      const lastStream = si === streams.length - 1;
      out.push(`${theme.dim(lastStream ? '└─' : '├─')} ${theme.accent(stream.id)} ${theme.dim('·')} ${stream.name}`);
      stream.tasks.forEach((t, ti) => {
        const branch = ti === stream.tasks.length - 1 ? '└─' : '├─';
        out.push(`${theme.dim(`${lastStream ? '   ' : '│  '}${branch}`)} ${taskLine(t, theme)}`);
      });
    });
  }

  out.push('');
  out.push(nextStep(plan, theme));
  return out.join('\n');
}

/** `T3 Title [M, risk high, test-first] ← T1, T2` */
function taskLine(t: Task, theme: Theme): string {
  const risk = theme.level(`risk ${t.risk}`, RISK_SEVERITY[t.risk]);
  const deps = t.dependsOn.length > 0 ? ` ${theme.dim('←')} ${t.dependsOn.join(', ')}` : '';
  return `${theme.bold(t.id)} ${truncate(t.title, TREE_TITLE_MAX)} ${theme.dim('[')}${t.effort}${theme.dim(',')} ${risk}${theme.dim(',')} ${t.testStrategy}${theme.dim(']')}${deps}`;
}

/** "41 covered · 12 left out · 0 uncovered", or "41/41" when nothing was left out. */
function coverageCounts(x: Plan['summary']['coverage']['requirements'], theme: Theme): string {
  const uncovered = x.total - x.covered - (x.leftOut ?? 0);
  if (!x.leftOut) return uncovered > 0 ? theme.warn(`${x.covered}/${x.total}`) : `${x.covered}/${x.total}`;
  return `${x.covered} covered ${theme.dim('·')} ${x.leftOut} left out ${theme.dim('·')} ${uncovered > 0 ? theme.warn(`${uncovered} uncovered`) : '0 uncovered'}`;
}

/** Each item the engine left out, where it is and why: `R7 spec.md:40 "Phase 2: sync" — a later phase`. */
export function leftOutLines(unsafe: Plan, theme: Theme, indent = '  '): string[] {
  const plan = terminalSafe(unsafe);
  const several = plan.spec.paths.length > 1;
  return (plan.leftOut ?? []).map((l) => `${indent}${theme.warn('–')} ${l.key} ${theme.dim(several ? `${l.file}:${l.line}` : `line ${l.line}`)} ${truncate(l.text, 70)} ${theme.dim('—')} ${l.reason}`);
}

/**
 * "claude (model) · 2 calls, 1 repair round · 12,345 tokens in, 2,345 out · $0.1234"; for the heuristic, why it
 * planned: "heuristic · auto: Claude Code is not logged in — run `claude auth login`, then …".
 */
export function describeEngineRun(run: EngineRun): string {
  if (run.name === 'heuristic') {
    const why = run.requested === 'auto' ? `auto: ${run.reason}` : run.reason;
    return ['heuristic (offline)', why ? `${why}${run.hint ? ` — ${run.hint}` : ''}` : undefined].filter(Boolean).join(' · ');
  }
  const calls = `${run.calls} call${run.calls === 1 ? '' : 's'}${run.repairRounds > 0 ? `, ${run.repairRounds} repair round${run.repairRounds === 1 ? '' : 's'}` : ''}`;
  const tokens = `${run.usage.inputTokens.toLocaleString('en-US')} tokens in, ${run.usage.outputTokens.toLocaleString('en-US')} out`;
  const chain = run.sequentialOutputTokens ? `${run.sequentialOutputTokens.toLocaleString('en-US')} out in sequence` : undefined;
  const why = run.requested === 'auto' ? `auto: ${run.reason}` : undefined;
  return [`${run.name}${run.model ? ` (${run.model})` : ''}`, why, calls, tokens, chain, `$${run.usage.costUsd.toFixed(4)}`].filter(Boolean).join(' · ');
}
