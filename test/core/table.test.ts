import { describe, expect, it } from 'vitest';
import { newRun, withTask, type RunState, type TaskRun } from '../../src/core/run/run.js';
import { statusOf } from '../../src/core/run/run-status.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { renderPlanTable } from '../../src/ui/render-plan.js';
import { renderRuns } from '../../src/ui/render-runs.js';
import { renderStatus } from '../../src/ui/render-status.js';
import { renderTable } from '../../src/ui/table.js';
import { displayWidth, sliceToWidth, stripColour, truncateEnd, truncateMiddle } from '../../src/ui/text-width.js';
import { loadTheme, outputColumns, plainTheme, type Theme } from '../../src/ui/theme.js';
import { plan } from '../support/plan-builder.js';

const LONG = 'Synchronise the offline queue with the server when the connection comes back, without losing edits';
const CJK = '実装：ユーザー認証とセッション管理の永続化（トークン更新を含む）';
const EMOJI = '🚀 Ship the release notes 📝 with screenshots 🖼️ and the changelog ✅';

function titledPlan(): Plan {
  const p = plan({ T1: [], T2: ['T1'], T3: ['T1'], T4: ['T2', 'T3'] });
  const titles = [LONG, CJK, EMOJI, 'Short'];
  p.tasks.forEach((t, i) => (t.title = titles[i]!));
  return p;
}

function runOf(p: Plan, states: Record<string, Partial<TaskRun>>): RunState {
  let run = newRun({
    id: '20261201-100000',
    now: '2026-12-01T10:00:00.000Z',
    plan: p,
    taskIds: p.tasks.map((t) => t.id),
    base: { commit: 'abc', branch: 'main' },
    concurrency: 2,
    verify: null,
    planHash: 'h',
  });
  for (const [id, fields] of Object.entries(states)) run = withTask(run, id, (t) => ({ ...t, ...fields }));
  return run;
}

function startedRun(p: Plan): RunState {
  const attempt = (agent: number, title: string) => ({ agent, branch: `xplan/20261201-100000/agent-${agent}-${title}`, worktree: `/tmp/wt/agent-${agent}`, startedAt: '2026-12-01T10:00:05.000Z' });
  return runOf(p, {
    T1: { state: 'completed', attempts: [{ ...attempt(1, 'synchronise-the-offline-queue'), endedAt: '2026-12-01T10:20:00.000Z' }] as TaskRun['attempts'], endedAt: '2026-12-01T10:20:00.000Z' },
    T2: { state: 'running', attempts: [attempt(2, 'shi-xian')] as TaskRun['attempts'] },
    T3: { state: 'failed', failure: 'verify', reason: 'npm test exited with 1', attempts: [{ ...attempt(3, 'ship-the-release-notes'), endedAt: '2026-12-01T10:30:00.000Z' }] as TaskRun['attempts'] },
  });
}

const at = (columns: number): Theme => ({ ...plainTheme, columns });
const widest = (text: string) => Math.max(...text.split('\n').map(displayWidth));
/** The table part of a rendered page: its header line and the rows after it. */
function tableOf(text: string, header: RegExp, rows: number): string {
  const lines = stripColour(text).split('\n');
  const start = lines.findIndex((l) => header.test(l));
  expect(start, `no table header ${header} in:\n${text}`).toBeGreaterThanOrEqual(0);
  return lines.slice(start, start + 1 + rows).join('\n');
}

describe('display width', () => {
  it('counts CJK and emoji as two columns, colour codes as none', () => {
    expect(displayWidth('漢字')).toBe(4);
    expect(displayWidth('🚀a')).toBe(3);
    expect(displayWidth('\u001b[1mT1\u001b[22m')).toBe(2);
    // Symbols drawn as text unless U+FE0F asks for the emoji: one column, as terminals draw them.
    expect(displayWidth('✔ ✖ ⚠')).toBe(5);
    expect(displayWidth('⚠️')).toBe(2);
  });

  it('cuts whole characters, never half of a wide one, and closes a colour it cuts into', () => {
    expect(sliceToWidth('漢字漢字', 5)).toBe('漢字');
    expect(sliceToWidth('\u001b[31mred text\u001b[39m', 3)).toBe('\u001b[31mred\u001b[0m');
    expect(truncateEnd('漢字漢字漢字', 7)).toBe('漢字漢…');
    expect(displayWidth(truncateEnd(EMOJI, 20))).toBeLessThanOrEqual(20);
  });

  it('shortens a branch in its middle, keeping its end', () => {
    const cut = truncateMiddle('xplan/20261201-100000/agent-3-ship-the-release-notes', 24);
    expect(displayWidth(cut)).toBeLessThanOrEqual(24);
    expect(cut.startsWith('xplan/')).toBe(true);
    expect(cut).toMatch(/….*-notes$/);
  });
});

describe('tables fit the terminal', () => {
  it('cuts the columns that may be cut, then leaves out optional ones, and never exceeds the width', () => {
    const rows = [
      ['T1', 'a'.repeat(60), 'x'],
      ['T2', CJK, 'y'],
    ];
    for (const width of [20, 40, 80]) {
      const table = renderTable([{ header: 'id' }, { header: 'title', cut: 'end', min: 10 }, { header: 'extra', optional: 0 }], rows, { width });
      expect(widest(table)).toBeLessThanOrEqual(width);
    }
    expect(renderTable(['id', 'title'], rows)).toContain('a'.repeat(60));
  });

  it('piped output gets 80 columns, a terminal its own, --wide no limit', () => {
    expect(outputColumns({ wide: false, terminalColumns: undefined })).toBe(80);
    expect(outputColumns({ wide: false, terminalColumns: 132 })).toBe(132);
    expect(outputColumns({ wide: true, terminalColumns: 132 })).toBe(Infinity);
  });

  for (const columns of [40, 80, 200]) {
    it(`plan, status and runs tables are at most ${columns} columns wide with CJK and emoji titles`, async () => {
      const p = titledPlan();
      const theme = { ...(await loadTheme(true, columns)) };
      const planTable = tableOf(renderPlanTable(p, theme), /\bID\b/, 4);
      expect(widest(planTable)).toBeLessThanOrEqual(columns);
      const status = renderStatus(statusOf(p, startedRun(p), new Date('2026-12-01T10:40:00.000Z')), theme);
      const statusTable = tableOf(status, /\btask\b.*\bstate\b/, 4);
      expect(widest(statusTable)).toBeLessThanOrEqual(columns);
      for (const id of ['T1', 'T2', 'T3', 'T4']) expect(statusTable).toMatch(new RegExp(`^${id} `, 'm'));
      const runs = renderRuns(
        {
          schemaVersion: 1,
          runs: [
            {
              id: '20261201-100000',
              current: true,
              status: 'running',
              startedAt: '2026-12-01T10:00:00.000Z',
              endedAt: null,
              tasks: { total: 4, done: 1, failed: 1 },
              usage: { inputTokens: 1, outputTokens: 1, turns: 1, costUsd: 1.5 },
              source: 'state',
            },
          ],
        } as never,
        theme,
        new Date('2026-12-01T11:00:00.000Z'),
      );
      expect(widest(tableOf(runs, /\brun\b.*\bstatus\b/, 1))).toBeLessThanOrEqual(columns);
    });
  }

  it('does not cut titles when the terminal has room for them', () => {
    const p = titledPlan();
    const wide = renderPlanTable(p, at(200));
    for (const title of [LONG, CJK, EMOJI]) expect(wide).toContain(title);
    const narrow = renderPlanTable(p, at(80));
    expect(narrow).not.toContain(LONG);
    expect(narrow).toContain('Synchronise the');
  });

  it('status shows every started task by its title, and its branch without the run id', () => {
    const p = titledPlan();
    const text = renderStatus(statusOf(p, startedRun(p), new Date('2026-12-01T10:40:00.000Z')), at(220));
    for (const title of [LONG, CJK, EMOJI, 'Short']) expect(text).toContain(title);
    expect(text).toContain('agent-3-ship-the-release-notes');
    expect(text).not.toContain('xplan/20261201-100000/');
    expect(text).toContain('npm test exited with 1');
  });

  it('lists under Blocked only what needs a person, and counts the tasks that merely wait', () => {
    const p = titledPlan();
    const text = renderStatus(statusOf(p, startedRun(p), new Date('2026-12-01T10:40:00.000Z')), at(200));
    const blocked = text.slice(text.indexOf('Blocked'));
    expect(blocked).toContain('T3 is failed: verify — npm test exited with 1 (holds T4)');
    expect(blocked).not.toMatch(/T4 waits for/);
    expect(text).toContain('1 task waiting for unfinished dependencies.');
  });
});

describe('wrapping', () => {
  it('breaks between words within the width, keeps every word, and breaks a word longer than a line', async () => {
    const { wrapToWidth } = await import('../../src/ui/text-width.js');
    const lines = wrapToWidth(LONG, 24);
    expect(lines.join(' ')).toBe(LONG);
    expect(Math.max(...lines.map(displayWidth))).toBeLessThanOrEqual(24);
    expect(wrapToWidth(CJK, 10).join('')).toBe(CJK);
    expect(Math.max(...wrapToWidth(CJK, 10).map(displayWidth))).toBeLessThanOrEqual(10);
    expect(wrapToWidth('a'.repeat(25), 10)).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5)]);
  });
});
