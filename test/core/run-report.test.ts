import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastToolCall } from '../../src/core/run/agent-activity.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { startAttempt, type RunEvent, type RunState } from '../../src/core/run/run.js';
import type { TaskReview } from '../../src/core/run/review.js';
import { buildReportModel, REPORT_EVENT_LIMIT } from '../../src/core/run/run-report.js';
import { listRuns, runsFromEvents, savedRunOf } from '../../src/core/run/run-history.js';
import { REPO_ROOT } from '../support/cli.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/runs/bookmarks');

function fixture(): { run: RunState; plan: Plan; events: RunEvent[] } {
  const state = JSON.parse(readFileSync(join(FIXTURE, 'state.json'), 'utf8')) as { run: RunState; plan: Plan };
  const events = readFileSync(join(FIXTURE, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent);
  return { run: state.run, plan: state.plan, events };
}

const END = new Date('2026-11-23T14:00:00.000Z');

describe('buildReportModel', () => {
  it('gives every task its state, attempts and verify result, in plan order', () => {
    const { run, plan, events } = fixture();
    const model = buildReportModel({ run, plan, events, now: END });
    expect(model.schemaVersion).toBe(1);
    expect(model.tasks.map((t) => `${t.id}:${t.label}:${t.attempts.length}:${t.verify}`)).toEqual([
      'T1:completed:1:passed',
      'T2:completed:1:passed',
      'T3:completed:2:passed',
      'T4:completed:2:passed',
      'T5:failed: verify:1:failed',
      'T6:waiting:0:not run',
      'T7:waiting:0:not run',
      'T8:waiting:0:not run',
    ]);
    expect(model.progress).toMatchObject({ done: 4, total: 8, percent: 50 });
    expect(model.waves).toEqual([['T1'], ['T2', 'T3', 'T4', 'T5'], ['T6'], ['T7'], ['T8']]);
    expect(model.edges).toContainEqual({ from: 'T5', to: 'T6' });
    expect(model.tasks.find((t) => t.id === 'T5')!.verifyLog).toBe('.xplan/runs/20261123-114502/agent-6/verify.log');
  });

  it('says how each attempt ended, from the events, and the last one from the state', () => {
    const { run, plan, events } = fixture();
    const { timeline } = buildReportModel({ run, plan, events, now: END });
    expect(timeline.attempts.map((a) => `${a.task}#${a.number} agent-${a.agent} ${a.verdict} (${a.verdictText})`)).toEqual([
      'T1#1 agent-1 completed (completed)',
      'T2#1 agent-2 completed (completed)',
      'T3#1 agent-3 retried (retried: API error 429 (rate limited))',
      'T3#2 agent-5 completed (completed)',
      'T4#1 agent-4 failed (failed: verify)',
      'T4#2 agent-7 completed (completed)',
      'T5#1 agent-6 failed (failed: verify)',
    ]);
    expect(timeline.attempts.find((a) => a.agent === 1)!.durationMs).toBe(41 * 60_000);
  });

  it('sums usage and retries over attempts, and sets actual against estimated effort', () => {
    const { run, plan, events } = fixture();
    const model = buildReportModel({ run, plan, events, now: END });
    const attemptCost = Object.values(run.tasks)
      .flatMap((t) => t.attempts)
      .reduce((sum, a) => sum + (a.usage?.costUsd ?? 0), 0);
    expect(model.usage.costUsd).toBeCloseTo(attemptCost, 6);
    expect(model.usage).toMatchObject({ retries: 2, transientFailures: 1 });
    const t1 = model.tasks[0]!;
    expect(t1).toMatchObject({ effort: 'S', estimatedHours: 1, actualHours: 0.68, effortRatio: 0.68 });
    // Finished tasks only: T1 S, T2 S, T3 XL, T4 L = 14h estimated.
    expect(model.scope.finished).toMatchObject({ tasks: 4, estimatedHours: 14 });
    expect(model.scope.finished.ratio).toBeCloseTo(model.scope.finished.actualHours / 14, 2);
    expect(model.tasks.find((t) => t.id === 'T5')!.effortRatio).toBeNull();
  });

  it('names the failed task as the blocker of everything waiting behind it, with the command', () => {
    const { run, plan, events } = fixture();
    const model = buildReportModel({ run, plan, events, now: END });
    expect(model.blockers).toEqual([
      { task: 'T5', label: 'failed: verify', reason: expect.stringContaining('timed out'), holds: ['T6', 'T7', 'T8'], next: 'xplan logs T5, then xplan retry T5 (or xplan skip T5 --cascade)' },
    ]);
  });

  it('points a skipped task that still holds work at retry or done, and an interrupted one at resume', () => {
    const { run, plan, events } = fixture();
    run.tasks.T5 = { ...run.tasks.T5!, state: 'skipped', failure: undefined, reason: 'skipped by hand' };
    run.tasks.T4 = { ...run.tasks.T4!, state: 'interrupted' };
    run.status = 'paused';
    const model = buildReportModel({ run, plan, events, now: END });
    expect(model.blockers.map((b) => `${b.task}: ${b.next}`)).toEqual([
      'T4: xplan resume (continues T4 in its worktree)',
      'T5: xplan retry T5, or xplan done T5 --reason "…" to release T6, T7, T8, or xplan skip T6 --cascade',
    ]);
  });

  it('shows running agents with their elapsed time and last tool call', () => {
    const { run, plan, events } = fixture();
    const live = startAttempt({ ...run, status: 'running', endedAt: undefined }, 'T6', {
      agent: 8,
      branch: 'xplan/r/agent-8-ui',
      worktree: 'w',
      sessionId: 's',
      base: 'b',
      startedAt: '2026-11-23T13:50:00.000Z',
    });
    const model = buildReportModel({ run: live, plan, events, now: END, activity: { 8: { name: 'Bash', detail: 'npm test' } } });
    expect(model.running).toHaveLength(1);
    expect(model.running[0]).toMatchObject({ task: 'T6', agent: 8, durationMs: 10 * 60_000, verdict: 'running', lastTool: { name: 'Bash', detail: 'npm test' } });
    expect(model.run.endedAt).toBeNull();
    expect(model.timeline.end).toBe(END.toISOString());
  });

  it('reads merge state of any shape without trusting it, and leaves it out when the run has none', () => {
    const { run, plan, events } = fixture();
    expect(buildReportModel({ run, plan, events, now: END }).merge).toBeNull();
    const withMerge = run as RunState & Record<string, unknown>;
    withMerge.integration = { branch: `xplan/${run.id}/integration`, head: 'abc123def4567890' };
    (run.tasks.T1 as unknown as Record<string, unknown>).merge = 'merged';
    (run.tasks.T2 as unknown as Record<string, unknown>).merge = { status: 'queued' };
    (run.tasks.T3 as unknown as Record<string, unknown>).merge = { state: 'conflict', files: ['src/db.ts', 7], with: ['T2'] };
    (run.tasks.T4 as unknown as Record<string, unknown>).merge = 42;
    const model = buildReportModel({ run, plan, events, now: END });
    expect(model.merge).toEqual({
      branch: `xplan/${run.id}/integration`,
      head: 'abc123def4567890',
      counts: { merged: 1, queued: 1, conflict: 1 },
      conflicts: [{ task: 'T3', files: ['src/db.ts'], with: ['T2'] }],
    });
    expect(model.tasks.find((t) => t.id === 'T4')!.merge).toBeNull();
  });

  it('keeps tasks the plan no longer has, and says the plan changed', () => {
    const { run, plan, events } = fixture();
    const edited: Plan = { ...plan, status: 'draft', approval: undefined, tasks: plan.tasks.filter((t) => t.id !== 'T8') };
    const model = buildReportModel({ run, plan: edited, events, now: END });
    const orphan = model.tasks.find((t) => t.id === 'T8')!;
    expect(orphan).toMatchObject({ inPlan: false, inRun: true, wave: 5, title: '(no longer in the plan)' });
    expect(model.plan!.matchesRun).toBe(false);
    expect(model.warnings).toEqual([expect.stringContaining('changed after this run started'), 'T8 is in the run but no longer in the plan.']);
  });

  it("renders without a plan, ignores other runs' events, and keeps only the newest events of a long run", () => {
    const { run, events } = fixture();
    const other = events.map((e) => ({ ...e, runId: 'other' }));
    const many = Array.from({ length: REPORT_EVENT_LIMIT + 20 }, (_, i) => ({ type: 'task.retry', at: run.startedAt, runId: run.id, taskId: 'T6', id: `x${i}` }));
    const model = buildReportModel({ run, events: [...other, ...events, ...many], now: END });
    expect(model.plan).toBeNull();
    expect(model.events).toHaveLength(REPORT_EVENT_LIMIT);
    expect(model.eventsOmitted).toBe(events.length + 20);
    expect(model.events.every((e) => e.runId === run.id)).toBe(true);
    expect(model.tasks.map((t) => t.id)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8']);
  });
});

describe('lastToolCall', () => {
  const line = (content: unknown[]) => JSON.stringify({ type: 'assistant', message: { content } });
  it('finds the newest tool call and skips a cut first line and torn lines', () => {
    const tail = [
      '"tool_use","name":"Cut"}]}}',
      line([{ type: 'tool_use', name: 'Read', input: { file_path: 'src/app.ts' } }]),
      JSON.stringify({ type: 'user', message: { content: [{ type: 'tool_result', content: 'ok' }] } }),
      line([
        { type: 'text', text: 'Running the tests' },
        { type: 'tool_use', name: 'Bash', input: { command: 'npm   test\n -- --run' } },
      ]),
      '{"type":"assistant","message":{"content":[{"type":"tool_use"',
    ].join('\n');
    expect(lastToolCall(tail)).toEqual({ name: 'Bash', detail: 'npm test -- --run' });
    expect(lastToolCall(line([{ type: 'tool_use', name: 'Grep', input: { pattern: 'TODO' } }]), { complete: true })).toEqual({ name: 'Grep', detail: 'TODO' });
    expect(lastToolCall('')).toBeUndefined();
  });
});

describe('run history', () => {
  it('lists runs from the state, saved summaries and events, newest first, each once', () => {
    const { run, plan, events } = fixture();
    const older = { ...run, id: '20261120-090000', startedAt: '2026-11-20T09:00:00.000Z', endedAt: '2026-11-20T10:00:00.000Z', status: 'completed' as const };
    const oldest: RunEvent[] = [
      { type: 'run.started', at: '2026-11-01T08:00:00.000Z', runId: '20261101-080000', tasks: ['T1', 'T2'] },
      { type: 'task.completed', at: '2026-11-01T08:20:00.000Z', runId: '20261101-080000', taskId: 'T1' },
      { type: 'task.failed', at: '2026-11-01T08:30:00.000Z', runId: '20261101-080000', taskId: 'T2' },
      { type: 'run.ended', at: '2026-11-01T08:31:00.000Z', runId: '20261101-080000', status: 'failed' },
    ];
    const list = listRuns({ current: run, saved: [savedRunOf(older, plan, END)], events: [...oldest, ...events], runDirs: [run.id, older.id, 'stray'] });
    expect(list.runs.map((r) => `${r.id} ${r.status} ${r.source} ${r.tasks.done}/${r.tasks.total} failed ${r.tasks.failed}${r.current ? ' current' : ''}`)).toEqual([
      '20261123-114502 failed state 4/8 failed 1 current',
      '20261120-090000 completed saved 4/8 failed 1',
      '20261101-080000 failed events 1/2 failed 1',
      'stray unknown events 0/0 failed 0',
    ]);
  });

  it('reads a run from its events alone', () => {
    const { events } = fixture();
    expect(runsFromEvents(events)).toEqual([expect.objectContaining({ id: '20261123-114502', status: 'failed', startedAt: '2026-11-23T11:45:02.000Z', tasks: { total: 8, done: 4, failed: 1 } })]);
  });

  it('saves a summary without the outbox', () => {
    const { run, plan } = fixture();
    const saved = savedRunOf({ ...run, outbox: [{ type: 'x', at: '', runId: run.id }] }, plan, END);
    expect(saved).toMatchObject({ schemaVersion: 1, savedAt: END.toISOString(), run: { id: run.id }, plan: { planId: plan.planId } });
    expect('outbox' in saved.run).toBe(false);
  });
});

describe('the Markdown report', () => {
  it('passes no HTML through from task titles, stop messages or warnings', async () => {
    const { renderReportMarkdown } = await import('../../src/ui/render-report-md.js');
    const { run, plan, events } = fixture();
    const hostile = { ...plan, title: 'x', tasks: plan.tasks.map((t, i) => (i === 0 ? { ...t, title: '<script>alert(1)</script> & <svg onload=alert(2)>' } : t)) };
    const md = renderReportMarkdown(buildReportModel({ run, plan: hostile, events, now: END }));
    expect(md).not.toMatch(/<script|<svg/i);
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;svg onload=alert(2)&gt;');
  });
});

describe('the report closes the loop', () => {
  const completed = (): { run: RunState; plan: Plan; events: RunEvent[] } => {
    const { run, plan, events } = fixture();
    const tasks = Object.fromEntries(
      Object.entries(run.tasks).map(([id, t]) => [id, { ...t, state: 'completed' as const, merge: { state: 'merged' as const, commit: 'c'.repeat(40), at: END.toISOString() } }]),
    );
    const integration = { branch: `xplan/${run.id}/integration`, worktree: '/tmp/integration', head: 'c'.repeat(40), verify: null };
    return { run: { ...run, status: 'completed', tasks, integration }, plan, events };
  };

  it('says the integration branch is still to merge and gives `xplan merge` as the next command', () => {
    const { run, plan, events } = completed();
    const model = buildReportModel({ run, plan, events, now: END });
    expect(model.landing).toEqual({ branch: run.integration!.branch, into: run.base.branch, landed: null });
    expect(model.next).toMatch(/^xplan merge/);
  });

  it('says where it landed once merged, and gives no next command', () => {
    const { run, plan, events } = completed();
    const landed = { into: 'main', commit: 'd'.repeat(40), at: END.toISOString(), tasks: Object.keys(run.tasks) };
    const model = buildReportModel({ run: { ...run, landed }, plan, events, now: END });
    expect(model.landing?.landed).toEqual({ into: 'main', commit: 'd'.repeat(40), at: END.toISOString() });
    expect(model.next).toBeNull();
  });

  it('lists as needing a person only what a person must act on, and counts the waiting', async () => {
    const { blockersNeedingAPerson, waitingTasks } = await import('../../src/core/run/run-report.js');
    const { run, plan, events } = fixture();
    const model = buildReportModel({ run, plan, events, now: END });
    expect(blockersNeedingAPerson(model).map((b) => b.task)).toEqual(['T5']);
    expect(waitingTasks(model)).toBe(3);
    // An interrupted task of a run still going is resumed by the run itself.
    const live = buildReportModel({ run: { ...run, status: 'running', tasks: { ...run.tasks, T5: { ...run.tasks.T5!, state: 'interrupted' } } }, plan, events, now: END });
    expect(live.blockers.map((b) => b.task)).toContain('T5');
    expect(blockersNeedingAPerson(live)).toEqual([]);
  });
});

describe('the acceptance review in the report', () => {
  const reviewed = (): { run: RunState; plan: Plan; events: RunEvent[] } => {
    const { run, plan, events } = fixture();
    const review: TaskReview = {
      attempt: 2,
      at: '2026-11-23T13:10:00.000Z',
      outcome: 'rejected',
      verdicts: [
        { index: 1, criterion: 'Tags are saved', verdict: 'met', evidence: ['src/tags.ts:12'], reasoning: 'saveTag writes them.' },
        { index: 2, criterion: 'Tags <b>render</b>', verdict: 'not-met', evidence: ['<img src=x onerror=alert(1)>'], reasoning: 'The list drops them & never <script>shows</script> them.' },
        { index: 3, criterion: 'Works offline', verdict: 'cannot-tell', evidence: [], reasoning: 'Needs a network to check.' },
      ],
      outsideTask: [],
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 1000, outputTokens: 200, costUsd: 0.12, turns: 3 },
    };
    const forced = { by: 'lead', reason: 'checked by hand', at: END.toISOString() };
    const tasks = { ...run.tasks, T3: { ...run.tasks.T3!, reviews: [{ ...review, attempt: 1, outcome: 'accepted' as const }, review] }, T4: { ...run.tasks.T4!, forced } };
    return { run: { ...run, tasks }, plan, events };
  };

  it('keeps the latest review of each task, criterion by criterion, and counts completions done by hand', () => {
    const { run, plan, events } = reviewed();
    const model = buildReportModel({ run, plan, events, now: END });
    const t3 = model.tasks.find((t) => t.id === 'T3')!;
    expect(t3.review).toMatchObject({ attempt: 2, outcome: 'rejected', model: 'claude-sonnet-4-5', costUsd: 0.12 });
    expect(t3.review!.criteria.map((c) => `${c.index}:${c.verdict}`)).toEqual(['1:met', '2:not-met', '3:cannot-tell']);
    expect(model.tasks.find((t) => t.id === 'T1')!.review).toBeNull();
    expect(model.trust).toEqual({ completed: 4, acceptedWithoutOverride: 3 });
  });

  it('shows the checklist with evidence and reasoning, escaped, and the trust figure in both reports', async () => {
    const { renderReportMarkdown } = await import('../../src/ui/render-report-md.js');
    const { renderReportHtml } = await import('../../src/ui/render-report-html.js');
    const { run, plan, events } = reviewed();
    const model = buildReportModel({ run, plan, events, now: END });
    const md = renderReportMarkdown(model);
    const html = renderReportHtml(model);
    for (const out of [md, html]) {
      expect(out).toContain('3 of 4 completed tasks accepted without a manual override');
      expect(out).not.toMatch(/<script>shows|<b>render/);
      expect(out).toContain('The list drops them &amp; never &lt;script&gt;shows&lt;/script&gt; them.');
    }
    expect(md).toContain('- ✓ 1. Tags are saved (met) — evidence: `src/tags.ts:12` — saveTag writes them.');
    expect(md).toMatch(/- ✗ 2\. Tags &lt;b&gt;render&lt;\/b&gt; \(not-met\)/);
    expect(md).toContain('- ? 3. Works offline (cannot-tell) — Needs a network to check.');
    // A code span shows its text as typed: Markdown draws no tag from it.
    expect(md).toContain('evidence: `<img src=x onerror=alert(1)>`');
    expect(html).not.toContain('<img src=x');
    expect(md).toContain('### T3 — rejected');
    expect(md).not.toContain('### T1');
    const checklist = html.slice(html.indexOf('data-review="T3"'));
    expect(checklist).toMatch(
      /data-verdict="met"><span class="mark" title="met">✓<\/span> <b>1\.<\/b> Tags are saved<div class="small">saveTag writes them\.<\/div><div class="small muted">evidence: <code>src\/tags\.ts:12<\/code>/,
    );
    expect(checklist).toContain('data-verdict="not-met"><span class="mark" title="not-met">✗</span>');
    expect(checklist).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(checklist).toContain('data-verdict="cannot-tell"><span class="mark" title="cannot-tell">?</span>');
  });

  it('has no review section when no task was reviewed', async () => {
    const { renderReportMarkdown } = await import('../../src/ui/render-report-md.js');
    const { run, plan, events } = fixture();
    const model = buildReportModel({ run, plan, events, now: END });
    expect(renderReportMarkdown(model)).not.toContain('## Acceptance reviews');
    expect(renderReportMarkdown(model)).toContain('4 of 4 completed tasks accepted without a manual override');
  });
});
