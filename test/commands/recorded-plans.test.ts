/**
 * The claude engine on real specs of several shapes, replayed from answers a Claude model wrote when it saw only
 * each prompt and its schema (test/fixtures/recorded/<spec>/answers, one file per call purpose; see
 * test/support/record-plans.mjs to record them again). The answers go through xplan's conversion, checks,
 * derivation and rendering as a live plan's would, and the plan a lead would read is checked for what makes it
 * approvable: everything covered once or left out with a reason, titles whole, edges as answered, few streams.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/commands/plan.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { plainTheme } from '../../src/ui/theme.js';
import { renderPlanAs } from '../../src/ui/render-plan-output.js';
import { Workspace } from '../../src/workspace.js';
import { tempRepo } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/recorded');
const STAND_IN = join(import.meta.dirname, '../support/recorded-claude.mjs');
const recorded = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, 'answers/outline.json')));

interface RecordedOutline {
  verdict: string;
  confidence: string;
  tasks: Array<{ id: string; title: string; dependsOn: string[] }>;
  excluded: Array<{ item: string; reason: string }>;
}

async function replay(name: string): Promise<{ plan: Plan; outline: RecordedOutline; assessment: unknown }> {
  const repo = tempRepo();
  cpSync(join(FIXTURES, name, 'specs'), join(repo, 'specs'), { recursive: true });
  mkdirSync(join(repo, '.xplan'));
  writeFileSync(join(repo, '.xplan/config.yaml'), `claude:\n  command: ${JSON.stringify(STAND_IN)}\n`);
  const specs = readdirSync(join(repo, 'specs'))
    .sort()
    .map((f) => `specs/${f}`);
  const answers = join(FIXTURES, name, 'answers');
  const ws = Workspace.open(repo, { PATH: process.env.PATH, RECORDED_ANSWERS: answers });
  const result = await plan({ specs, yes: true }, ws);
  const state = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8'));
  const outline = JSON.parse(readFileSync(join(answers, existsSync(join(answers, 'outline.repair.json')) ? 'outline.repair.json' : 'outline.json'), 'utf8'));
  return { plan: result.plan, outline, assessment: state.assessment };
}

// Words a title cut mid-phrase ends on.
const DANGLING = /\b(a|an|the|and|or|of|to|for|with|in|on|by|from)$/i;

describe.each(recorded)('a recorded claude plan of %s', (name) => {
  it('covers every requirement once or leaves it out with a reason, whole titles, edges as answered, fewer streams than tasks', async () => {
    const { plan: p, outline, assessment } = await replay(name);

    // auto chose claude (the stand-in is logged in), and every call was answered from the recording.
    expect(p.engine).toMatchObject({ name: 'claude', requested: 'auto' });
    expect(p.warnings.filter((w) => w.code === 'ENGINE_CHECK')).toEqual([]);

    const c = p.summary.coverage;
    expect(c.uncovered).toEqual([]);
    expect(c.requirements.covered + (c.requirements.leftOut ?? 0)).toBe(c.requirements.total);
    expect(c.acceptance.covered + (c.acceptance.leftOut ?? 0)).toBe(c.acceptance.total);
    for (const item of p.leftOut ?? []) expect(item.reason.trim().length).toBeGreaterThan(3);
    expect((p.leftOut ?? []).map((l) => l.key).sort()).toEqual(outline.excluded.map((e) => e.item).sort());

    for (const t of p.tasks) {
      expect(t.title).not.toMatch(/…$/);
      expect(t.title).not.toMatch(DANGLING);
      expect(t.description.length).toBeGreaterThan(20);
    }
    expect(p.tasks.map((t) => [t.id, t.dependsOn])).toEqual(outline.tasks.map((t) => [t.id, t.dependsOn]));
    if (p.tasks.length > 1) expect(p.summary.streams).toBeLessThan(p.tasks.length);

    // The verdict the lead reads beside the plan is the model's, and a single-agent verdict is one task.
    expect(assessment).toMatchObject({ verdict: outline.verdict, confidence: outline.confidence });
    if (outline.verdict === 'single-agent' && outline.confidence === 'high') expect(p.tasks).toHaveLength(1);

    // Detail calls run side by side: what the lead waits for is less than all the output when there are several.
    if (p.engine!.calls > 2) expect(p.engine!.sequentialOutputTokens).toBeLessThan(p.engine!.usage.outputTokens);

    const table = await renderPlanAs(p, 'table', plainTheme, '');
    for (const t of p.tasks) expect(table).toContain(t.id);
    if ((p.leftOut ?? []).length > 0) expect(table).toContain('Left out — review before approving');
  });
});

describe('the recorded plans', () => {
  it('span at least six shapes of spec', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(6);
  });
});
