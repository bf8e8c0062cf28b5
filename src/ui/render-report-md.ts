/**
 * The run report as Markdown, from the same model as the HTML page: tables for tasks and attempts, and the task
 * graph as a Mermaid flowchart coloured by state (GitHub and most Markdown viewers draw it).
 */
import { count } from '../core/text.js';
import { blockersNeedingAPerson, waitingTasks, type ReportModel, type ReportTask } from '../core/run/run-report.js';
import { describeEvent, duration, formatCount, hours, money, scopeRatio, trustLine, VERDICT_MARK } from './render-report-html.js';

export function renderReportMarkdown(model: ReportModel): string {
  const r = model.run;
  const u = model.usage;
  const p = model.progress;
  const scope = model.scope.finished;
  const out: string[] = [
    `# Run ${r.id} — ${r.status}`,
    '',
    model.plan?.title ? `**${cell(model.plan.title)}**\n` : '',
    `- Started ${r.startedAt}${r.endedAt ? `, ended ${r.endedAt}` : ''} (${duration(r.durationMs)})`,
    `- Base \`${r.base.branch ? `${r.base.branch}@` : ''}${r.base.commit.slice(0, 7)}\` · ${r.branching} branching · ${r.concurrency} at a time · ${r.verify ? `verify \`${r.verify}\`` : 'no verify command'}`,
    `- Progress: ${p.done}/${p.total} done (${p.percent} %) · ${Object.entries(p.counts)
      .map(([s, n]) => `${n} ${s}`)
      .join(' · ')}`,
    `- Retries: ${u.retries} (${u.transientFailures} transient failures)`,
    `- Usage: ${formatCount(u.inputTokens)} input + ${formatCount(u.outputTokens)} output tokens · ${u.turns} turns · ${money(u.costUsd)} API-equivalent`,
    `- Scope accuracy: ${scope.tasks === 0 ? 'no finished task yet' : scopeRatio(scope) === undefined ? 'too little work finished to compare with the estimate' : `actual ${hours(scope.actualHours)} vs estimated ${hours(scope.estimatedHours)} (${scopeRatio(scope)}) over ${count(scope.tasks, 'finished task')}; ${scope.withinFactorTwo} within ×2 of their estimate`}`,
  ];
  out.push(`- Trust: ${trustLine(model)}`);
  out.push(`- ${landingLine(model)}`);
  if (model.next) out.push(`- **Next:** \`${codeCell(model.next)}\``);
  const waiting = waitingTasks(model);
  if (waiting > 0) out.push(`- ${waiting} task${waiting === 1 ? '' : 's'} waiting for ${waiting === 1 ? 'its' : 'their'} dependencies or a free agent`);
  if (r.stop) out.push(`- **Stopped:** ${prose(r.stop.message)}${r.stop.hint ? ` — ${prose(r.stop.hint)}` : ''}`);
  for (const w of model.warnings) out.push(`- ⚠ ${prose(w)}`);

  if (model.plan) {
    const plan = model.plan;
    out.push('', '## Plan and approval', '');
    out.push(
      plan.approval
        ? `Approved by **${plan.approval.by}** at ${plan.approval.at} (hash \`${plan.approval.hash.slice(0, 12)}\`)${plan.matchesRun ? '; the run ran this plan.' : '; **the plan changed after the run started.**'}`
        : `Not approved (${plan.status}).`,
    );
    out.push(
      '',
      `Plan \`${plan.id}\` · ${plan.waves} waves · ${plan.streams} streams · ${hours(plan.totalHours)} estimated · critical path ${plan.criticalPath.join(' → ') || '—'} (${hours(plan.criticalPathHours)})`,
    );
  }

  const blockers = blockersNeedingAPerson(model);
  if (blockers.length > 0) {
    out.push('', '## Needs a hand', '', '| Task | State | Why | Holds up | Next |', '|---|---|---|---|---|');
    for (const b of blockers) out.push(`| ${b.task} | ${b.label} | ${cell(b.reason ?? '')} | ${b.holds.join(', ') || '—'} | \`${codeCell(b.next)}\` |`);
  }

  if (model.merge) {
    const m = model.merge;
    out.push(
      '',
      '## Integration',
      '',
      `${m.branch ? `Branch \`${m.branch}\`${m.head ? ` at \`${m.head.slice(0, 12)}\`` : ''} · ` : ''}${
        Object.entries(m.counts)
          .map(([s, n]) => `${n} ${s}`)
          .join(' · ') || 'nothing merged yet'
      }`,
    );
    if (m.conflicts.length > 0) {
      out.push('', '| Task | Files | Clashes with |', '|---|---|---|');
      for (const c of m.conflicts) out.push(`| ${c.task} | ${c.files.map((f) => `\`${f}\``).join(' ') || '—'} | ${c.with.join(', ') || '—'} |`);
    }
  }

  out.push('', '## Task graph', '', '```mermaid', ...mermaidGraph(model), '```');

  const withMerge = model.tasks.some((t) => t.merge);
  out.push(
    '',
    '## Tasks',
    '',
    `| Task | Title | State | Attempts | Branch | Verify |${withMerge ? ' Merge |' : ''} Commits | Tokens | Cost* | Est. | Actual | Ratio |`,
    `|---|---|---|---:|---|---|${withMerge ? '---|' : ''}---:|---:|---:|---:|---:|---:|`,
  );
  for (const t of model.tasks) out.push(taskRow(t, withMerge));
  out.push('', "\\* API-equivalent. Est. is the plan's effort in agent-hours; Actual is agent wall time over all attempts; Ratio = actual ÷ estimated for finished tasks.");

  const attempts = model.timeline.attempts;
  if (attempts.length > 0) {
    out.push('', '## Attempts', '', '| Task | Attempt | Agent | Started | Took | Ended as |', '|---|---:|---|---|---:|---|');
    for (const a of attempts) out.push(`| ${a.task} | ${a.number} | agent-${a.agent} | ${a.startedAt} | ${duration(a.durationMs)} | ${cell(a.verdictText)} |`);
  }

  const reviewed = model.tasks.filter((t) => t.review);
  if (reviewed.length > 0) {
    out.push('', '## Acceptance reviews', '');
    for (const t of reviewed) {
      const r = t.review!;
      out.push(`### ${t.id} — ${r.outcome}`, '', `Attempt ${r.attempt} · ${r.at}${r.model ? ` · ${cell(r.model)}` : ''} · ${money(r.costUsd)}`, '');
      for (const c of r.criteria) {
        const evidence = c.evidence.length > 0 ? ` — evidence: ${c.evidence.map((e) => `\`${codeCell(e)}\``).join(', ')}` : '';
        out.push(`- ${VERDICT_MARK[c.verdict]} ${c.index}. ${cell(c.criterion)} (${c.verdict})${evidence}${c.reasoning ? ` — ${cell(c.reasoning)}` : ''}`);
      }
      if (r.outsideTask.length > 0) out.push('', `Outside the task: ${r.outsideTask.map((o) => cell(o)).join('; ')}`);
      out.push('');
    }
  }

  const reasons = model.tasks.filter((t) => t.reason || t.forced);
  if (reasons.length > 0) {
    out.push('', '## Reasons', '');
    for (const t of reasons) out.push(`- **${t.id}** (${t.label}): ${t.forced ? `completed by hand (${t.forced.by}): ${t.forced.reason}` : t.reason}${t.verifyLog ? ` — log \`${t.verifyLog}\`` : ''}`);
  }

  out.push('', `## Events (${model.events.length + model.eventsOmitted})`, '');
  if (model.eventsOmitted > 0) out.push(`${model.eventsOmitted} earlier events are in .xplan/events.jsonl.`, '');
  for (const e of model.events) out.push(`- \`${e.at}\` ${e.taskId ? `**${e.taskId}** ` : ''}${describeEvent(e)}`);
  out.push('', `_Generated by xplan at ${model.generatedAt}._`);
  return out.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n') + '\n';
}

function taskRow(t: ReportTask, withMerge: boolean): string {
  const cells = [
    t.id,
    cell(t.title),
    t.label,
    `${t.attempts.length}`,
    t.branch ? `\`${t.branch}\`` : '—',
    t.verify,
    ...(withMerge ? [t.merge ? `${t.merge.state}${t.merge.files.length ? ` (${t.merge.files.join(', ')})` : ''}` : '—'] : []),
    t.commits.length ? String(t.commits.length) : '—',
    t.usage.inputTokens + t.usage.outputTokens > 0 ? formatCount(t.usage.inputTokens + t.usage.outputTokens) : '—',
    t.usage.costUsd > 0 ? money(t.usage.costUsd) : '—',
    t.estimatedHours !== null ? `${t.effort} ${hours(t.estimatedHours)}` : '—',
    t.actualHours !== null ? hours(t.actualHours) : '—',
    t.effortRatio !== null ? `×${t.effortRatio}` : '—',
  ];
  return `| ${cells.join(' | ')} |`;
}

const MERMAID_STYLE: Record<string, string> = {
  completed: 'fill:#dafbe1,stroke:#1f883d',
  unverified: 'fill:#fff8c5,stroke:#9a6700',
  running: 'fill:#ddf4ff,stroke:#0969da',
  verifying: 'fill:#ddf4ff,stroke:#0969da',
  retrying: 'fill:#fff8c5,stroke:#9a6700',
  failed: 'fill:#ffebe9,stroke:#cf222e',
  blocked: 'fill:#ffebe9,stroke:#cf222e',
  conflict: 'fill:#ffebe9,stroke:#cf222e',
  interrupted: 'fill:#fbefff,stroke:#8250df',
  skipped: 'fill:#eaeef2,stroke:#57606a',
};

function mermaidGraph(model: ReportModel): string[] {
  const lines = ['flowchart LR'];
  for (const t of model.tasks) lines.push(`  ${t.id}["${t.id} · ${mermaidText(t.label)}<br/>${mermaidText(shorten(t.title, 40))}"]`);
  for (const e of model.edges) lines.push(`  ${e.from} --> ${e.to}`);
  const states = new Set(model.tasks.map((t) => t.state));
  for (const state of states) {
    const style = MERMAID_STYLE[state];
    if (!style) continue;
    const name = state.replace(/[^a-z]/g, '');
    lines.push(`  classDef ${name} ${style}`);
    lines.push(
      `  class ${model.tasks
        .filter((t) => t.state === state)
        .map((t) => t.id)
        .join(',')} ${name}`,
    );
  }
  return lines;
}

/** Text inside a Mermaid label: no quotes or brackets that end it. */
function mermaidText(text: string): string {
  return text
    .replace(/["[\]{}<>|]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A table cell: one line, no pipe that splits it, no HTML a Markdown viewer would run or draw. */
function cell(text: string): string {
  return prose(text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim());
}

/** A command in a table cell's code span: shown as typed (entities would show literally there), pipes escaped. */
function codeCell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').replace(/`/g, "'").trim();
}

/** Text from a spec, an agent or git, as Markdown prose: `<` and `&` as entities, so no tag or script gets through. */
function prose(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Whether the run's work has reached the base branch. */
function landingLine(model: ReportModel): string {
  const l = model.landing;
  if (!l) return 'No integration branch: each task’s work is on its own branch.';
  if (l.landed) return `Landed: \`${l.branch}\` is merged into \`${l.landed.into}\` at \`${l.landed.commit.slice(0, 12)}\`.`;
  return `Still to merge: \`${l.branch}\` is not merged into ${l.into ? `\`${l.into}\`` : 'the base branch'} yet.`;
}
