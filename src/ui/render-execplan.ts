/**
 * `xplan plan --format md`: the plan as an ExecPlan-style PLAN.md — a living document an agent or a person can
 * follow task by task, and fill in (progress, surprises, outcomes) as the run goes.
 */
import { EFFORT_HOURS } from '../core/plan/effort.js';
import type { Plan, Task, TaskKind } from '../core/plan/plan.js';
import type { PlanAssessment } from '../core/plan/plan-verdict.js';
import { BRANCHING_LABEL, citeSources, formatCriticalPath, formatHours, formatSource, tasksByStream, tasksByWave, truncate, verdictHeadline, warningText } from './render-plan.js';
import { terminalSafe } from './terminal-text.js';

export const EXECPLAN_SECTIONS = [
  'Purpose',
  'Progress',
  'Context',
  'Plan of Work',
  'Milestones',
  'Validation & Acceptance',
  'Idempotence & Recovery',
  'Surprises & Discoveries',
  'Decision Log',
  'Outcomes & Retrospective',
] as const;

type Section = (typeof EXECPLAN_SECTIONS)[number];

const KIND_ORDER: TaskKind[] = ['setup', 'foundation', 'feature', 'fix', 'integration', 'test', 'docs'];

/** Columns of spec lines cited per reason: a document has no terminal width, but a reader wants the first few. */
const CITED_WIDTH = 60;

/**
 * `progress`: each task's state in the run of this plan (`completed`, `failed: verify`…), which ticks its box when done.
 * `assessment`: the verdict the document opens with, when the planner's assessment is known.
 */
export function renderExecPlan(unsafe: Plan, progress?: Record<string, { done: boolean; label: string }>, unsafeAssessment?: PlanAssessment): string {
  const plan = terminalSafe(unsafe);
  const assessment = unsafeAssessment && terminalSafe(unsafeAssessment);
  const tasks = inMergeOrder(plan);
  const tick = (t: Task) => {
    const state = progress?.[t.id];
    return state ? `- [${state.done ? 'x' : ' '}] ${t.id} — ${t.title} (${state.label})` : `- [ ] ${t.id} — ${t.title}`;
  };
  const body: Record<Section, string[]> = {
    Purpose: purpose(plan),
    Progress: tasks.map(tick),
    Context: context(plan),
    'Plan of Work': tasks.flatMap((t) => planOfWork(t)),
    Milestones: milestones(plan),
    'Validation & Acceptance': tasks.flatMap((t) => validation(plan, t)),
    'Idempotence & Recovery': recovery(plan),
    'Surprises & Discoveries': ['_Fill in during the run: anything that did not go as planned, with the task id and what it changed._', '', '- (none yet)'],
    'Decision Log': decisions(plan),
    'Outcomes & Retrospective': ['_Fill in when the run ends: what shipped, what was skipped or retried and why, what to plan differently next time._'],
  };
  const out = [`# ${plan.spec.title} — ExecPlan`, ''];
  if (assessment) {
    out.push(`**Verdict:** ${verdictHeadline(assessment)}`, '');
    for (const r of assessment.reasons) out.push(`- ${r.text}${r.sources.length > 0 ? ` — ${citeSources(r.sources, CITED_WIDTH)}` : ''}`);
    if (assessment.reasons.length > 0) out.push('');
  }
  for (const section of EXECPLAN_SECTIONS) out.push(`## ${section}`, '', ...trimBlank(body[section]), '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** Tasks in the recommended merge order; any task the order leaves out follows in plan order. */
function inMergeOrder(plan: Plan): Task[] {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const ordered = plan.mergeOrder.map((id) => byId.get(id)).filter((t): t is Task => t !== undefined);
  const seen = new Set(ordered);
  return [...ordered, ...plan.tasks.filter((t) => !seen.has(t))];
}

function purpose(plan: Plan): string[] {
  const s = plan.summary;
  const status =
    plan.status === 'approved' && plan.approval
      ? `Approved by ${plan.approval.by} at ${plan.approval.at} (plan hash \`${plan.approval.hash}\`).`
      : plan.status === 'approved'
        ? 'Approved.'
        : 'Draft: review it, then `xplan approve` (or `xplan plan --edit` to change it).';
  return [
    `Deliver **${plan.spec.title}** as specified in ${plan.spec.paths.map((p) => `\`${p}\``).join(', ')}.`,
    `The work is ${s.tasks} task${s.tasks === 1 ? '' : 's'} in ${s.streams} stream${s.streams === 1 ? '' : 's'} over ${s.waves} wave${s.waves === 1 ? '' : 's'}; ` +
      (plan.branching === 'single'
        ? 'one Claude Code agent works through it on one branch, in its own git worktree.'
        : `each task runs as its own Claude Code agent in its own git worktree, in dependency order, up to ${s.concurrency} at a time.`),
    '',
    `Plan \`${plan.planId}\` · ${status}`,
  ];
}

function context(plan: Plan): string[] {
  const s = plan.summary;
  const kinds = new Map<TaskKind, number>();
  for (const t of plan.tasks) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
  const kindText = KIND_ORDER.filter((k) => kinds.has(k))
    .map((k) => `${kinds.get(k)} ${k}`)
    .join(', ');
  const out = [
    `- Spec: ${plan.spec.paths.map((p) => `\`${p}\``).join(', ')}`,
    `- Kind of work: ${kindText || 'none'} task${plan.tasks.length === 1 ? '' : 's'}`,
    `- Branching: ${plan.branching} — ${BRANCHING_LABEL[plan.branching]}`,
    `- Critical path: ${formatCriticalPath(plan)}; total effort ${formatHours(s.totalHours)}; ` +
      `expected parallel efficiency ${Math.round(s.parallelEfficiency * 100)}% at ${s.concurrency} agent${s.concurrency === 1 ? '' : 's'}`,
    `- Coverage: requirements ${s.coverage.requirements.covered}/${s.coverage.requirements.total}, acceptance criteria ${s.coverage.acceptance.covered}/${s.coverage.acceptance.total}`,
    '- Streams (tasks in different streams touch different components):',
  ];
  for (const stream of tasksByStream(plan, plan.tasks)) out.push(`  - ${stream.id} · ${stream.name}: ${stream.tasks.map((t) => t.id).join(', ')}`);
  return out;
}

function planOfWork(t: Task): string[] {
  return [
    `### ${t.id} — ${t.title}`,
    '',
    `- Depends on: ${t.dependsOn.length > 0 ? t.dependsOn.join(', ') : 'nothing'}`,
    `- Stream ${t.stream}, wave ${t.wave}; kind: ${t.kind}`,
    `- Effort: ${t.effort} (about ${formatHours(EFFORT_HOURS[t.effort])})`,
    `- Risk: ${t.risk} — ${t.riskReason}`,
    `- Test strategy: ${t.testStrategy} — ${t.strategyReason}`,
    `- Files: ${t.files.length > 0 ? t.files.map((f) => `\`${f}\``).join(', ') : 'none named in the spec'}`,
    `- Sources: ${t.sources.length > 0 ? t.sources.map(formatSource).join(', ') : 'none'}`,
    '',
    t.description,
    '',
  ];
}

function milestones(plan: Plan): string[] {
  const waves = tasksByWave(plan);
  return waves.map(([wave, tasks], i) => {
    const done = `${tasks.map((t) => `${t.id} (${truncate(t.title, 40)})`).join(', ')} ${tasks.length === 1 ? 'is' : 'are'} complete and verified`;
    const next = waves[i + 1];
    const then = next ? `; ${next[1].map((t) => t.id).join(', ')} can start` : `: ${plan.spec.title} is complete, ready to merge in the order ${plan.mergeOrder.join(', ')}`;
    return `- **Milestone ${i + 1} (wave ${wave}): ${tasks.map((t) => t.id).join(', ')}** — done when ${done}${then}.`;
  });
}

function validation(plan: Plan, t: Task): string[] {
  const criteria = t.acceptanceCriteria.length > 0 ? t.acceptanceCriteria : ['The verify command passes (no separate criteria in the spec).'];
  return [`### ${t.id} — ${t.title}`, '', ...criteria.map((c) => `- [ ] ${c}`), '', `Test strategy (${t.testStrategy}): ${strategyInstruction(plan, t)}`, ''];
}

/** What to do about tests in this task, naming its partner task for test-first and test-parallel pairs. */
function strategyInstruction(plan: Plan, t: Task): string {
  const isTest = t.kind === 'test';
  const partners = (pick: (o: Task) => boolean) =>
    plan.tasks
      .filter((o) => o.id !== t.id && o.testStrategy === t.testStrategy && (o.kind === 'test') !== isTest && pick(o))
      .map((o) => o.id)
      .join(', ');
  switch (t.testStrategy) {
    case 'test-first': {
      const other = isTest ? partners((o) => o.dependsOn.includes(t.id)) : partners((o) => t.dependsOn.includes(o.id));
      return isTest
        ? `write these tests first and commit them failing${other ? `; ${other} must make them pass` : ''}.`
        : `make the failing tests${other ? ` from ${other}` : ''} pass without weakening them.`;
    }
    case 'test-parallel': {
      const sameDeps = (o: Task) => o.stream === t.stream && [...o.dependsOn].sort().join() === [...t.dependsOn].sort().join();
      const other = partners(sameDeps);
      return isTest
        ? `write tests for these criteria alongside the implementation${other ? ` (${other})` : ''}; dependents wait for both.`
        : `a separate task${other ? ` (${other})` : ''} writes the tests alongside; both must pass once merged.`;
    }
    case 'test-after':
      return 'write tests for each criterion inside this task; it is not done until they pass with the verify command.';
    case 'none':
      return `no tests of its own (${t.strategyReason}).`;
  }
}

function recovery(plan: Plan): string[] {
  const out = [
    (plan.branching === 'single'
      ? 'The run works on one branch, `xplan/<run>/agent-<n>-<slug>`, in a worktree under `.xplan/worktrees/<run>/agent-<n>/`. '
      : 'Each task runs on its own branch, `xplan/<run>/agent-<n>-<slug>`, in its own worktree under `.xplan/worktrees/<run>/agent-<n>/`. ') +
      'Agent numbers are given at dispatch, and a retry gets a new number, so branches never collide.',
    '',
    'Re-running a task is safe because nothing is merged into the base branch until its merge step: a failed or stopped attempt ' +
      'leaves only its own branch and worktree behind, the next attempt starts on a fresh branch, and a task only counts as done ' +
      'when its agent succeeded, its branch has new commits and the verify command passes there. Every transition is appended to ' +
      '`.xplan/events.jsonl`, so an interrupted run resumes where it stopped.',
    '',
    '- `xplan status` — where every task stands; `xplan logs T1` — what its agent did',
    '- `xplan retry T1` — run the task again (`--context "…"` to add guidance, `--fresh` to start from a new session)',
    '- `xplan skip T1` — give up on a task (its dependents stay blocked unless `--cascade`)',
    '- `xplan done T1 --reason "…"` — mark a task done by hand',
    '- `xplan pause` / `xplan pause --now` / `xplan resume` — stop dispatching, stop agents, carry on',
  ];
  if (plan.branchPreview.length > 0) {
    out.push('', 'Expected branches, in dispatch order (`<run>` is the run id):', '');
    for (const { task, branch } of plan.branchPreview) out.push(`- ${task}: \`${branch}\``);
  }
  return out;
}

function decisions(plan: Plan): string[] {
  const s = plan.summary;
  const { min, max } = s.recommendedTasks;
  const out = [
    `- Branching: ${plan.branching} — ${BRANCHING_LABEL[plan.branching]}.`,
    `- Size: ${s.tasks} task${s.tasks === 1 ? '' : 's'}; the spec supports ${min === max ? min : `${min}–${max}`}.`,
    `- Merge order: ${plan.mergeOrder.join(', ') || '—'}.`,
  ];
  for (const t of plan.tasks) out.push(`- ${t.id}: test strategy ${t.testStrategy} — ${t.strategyReason}; risk ${t.risk} — ${t.riskReason}.`);
  for (const w of plan.warnings) out.push(`- Guard: ${sentence(warningText(w))}`);
  for (const item of s.coverage.uncovered) out.push(`- Not covered by any task: ${item}`);
  out.push(
    plan.status === 'approved' && plan.approval
      ? `- Approved by ${plan.approval.by} at ${plan.approval.at} (plan hash \`${plan.approval.hash}\`).`
      : plan.status === 'approved'
        ? '- Approved.'
        : '- Not approved yet.',
  );
  return out;
}

function trimBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  return lines.slice(0, end);
}

function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}
