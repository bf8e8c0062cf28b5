/** The HTML report in a real headless Chromium: it loads cleanly, shows every task's state, and draws every attempt. */
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/core/run/run.js';
import { stateLabel } from '../../src/core/run/run.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { transitiveReduction } from '../../src/core/plan/schedule.js';
import { announceSkip, HAVE_CHROMIUM, measureLayout, openPage, outputPath, PAGE_WIDTHS, type BrowserPage } from '../support/browser.js';
import { REPO_ROOT, runXplan, tempRepo } from '../support/cli.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/runs/bookmarks');
announceSkip('report browser tests');

describe.skipIf(!HAVE_CHROMIUM)('the HTML report in Chromium', () => {
  let browser: BrowserPage;
  let reportFile: string;
  const state = JSON.parse(readFileSync(join(FIXTURE, 'state.json'), 'utf8')) as { run: RunState; plan: Plan };
  const run = state.run;
  const ids = Object.keys(run.tasks);

  beforeAll(async () => {
    const repo = tempRepo();
    mkdirSync(join(repo, '.xplan'));
    for (const file of ['state.json', 'events.jsonl']) copyFileSync(join(FIXTURE, file), join(repo, '.xplan', file));
    reportFile = join(repo, 'report.html');
    const result = runXplan(['report', '--out', reportFile], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    browser = await openPage();
    await browser.page.goto(`file://${reportFile}`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads with no console error and asks for nothing outside the file', () => {
    expect(browser.errors).toEqual([]);
    expect(browser.outside).toEqual([]);
  });

  it('shows every task with its state, in the graph and in the table', async () => {
    const { page } = browser;
    for (const [id, task] of Object.entries(run.tasks)) {
      const node = page.locator(`svg.dag g.node[data-task="${id}"]`);
      await expect(node.getAttribute('data-state')).resolves.toBe(task.state);
      expect(await node.isVisible()).toBe(true);
      await expect(node.locator('text.node-state').textContent()).resolves.toBe(stateLabel(task));
      await expect(page.locator(`table.tasks tr[data-task="${id}"] .badge`).textContent()).resolves.toBe(stateLabel(task));
    }
    // A failed task is drawn in another colour than a completed one.
    const fill = (id: string) => page.locator(`svg.dag g.node[data-task="${id}"] rect.box`).evaluate((el) => getComputedStyle(el).fill);
    expect(await fill('T5')).not.toBe(await fill('T1'));
  });

  it('draws one timeline bar per attempt, each where its agent ran', async () => {
    const { page } = browser;
    const attempts = Object.entries(run.tasks).flatMap(([id, t]) => t.attempts.map((a, i) => `${id}#${i + 1}:agent-${a.agent}`));
    const bars = await page
      .locator('svg.gantt g.bar')
      .evaluateAll((els) => els.map((el) => `${el.getAttribute('data-task')}#${el.getAttribute('data-attempt')}:agent-${el.getAttribute('data-agent')}`));
    expect(bars).toEqual(attempts);
    const widths = await page.locator('svg.gantt g.bar rect').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
    expect(widths.every((w) => w >= 3)).toBe(true);
    // T3's retried first attempt ends before its second begins.
    const box = (task: string, attempt: number) => page.locator(`svg.gantt g.bar[data-task="${task}"][data-attempt="${attempt}"] rect`).boundingBox();
    const [first, second] = [await box('T3', 1), await box('T3', 2)];
    expect(first!.x + first!.width).toBeLessThanOrEqual(second!.x + 0.5);
  });

  it('shows usage as API-equivalent cost and names the blocker with its command', async () => {
    const { page } = browser;
    await expect(page.locator('[data-card="cost"]').textContent()).resolves.toContain('API-equivalent');
    await expect(page.locator('tr[data-blocker="T5"]').textContent()).resolves.toContain('xplan retry T5');
    // T6–T8 only wait behind T5: counted, not listed as needing a hand.
    await expect(page.locator('tr[data-blocker]').count()).resolves.toBe(1);
    await expect(page.locator('[data-waiting-count]').getAttribute('data-waiting-count')).resolves.toBe('3');
  });

  it('says where the work stands against the base and gives the next command', async () => {
    const { page } = browser;
    const closing = page.locator('section#next');
    // The fixture's run has no integration branch; its next step is T5's.
    await expect(closing.getAttribute('data-landed')).resolves.toBe('none');
    await expect(closing.textContent()).resolves.toContain('Next: xplan logs T5, then xplan retry T5');
  });

  for (const width of PAGE_WIDTHS) {
    it(`at ${width} px: no sideways page scroll, every task and every bar shown, one arrowed edge per direct dependency`, async () => {
      const { page } = browser;
      await page.setViewportSize({ width, height: 900 });
      const layout = await measureLayout(page, ids);
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
      expect(layout.hiddenNodes).toEqual([]);
      expect(layout.hiddenRows).toEqual([]);
      expect(layout.emptyBars).toEqual([]);
      expect(layout.barsOutOfView).toEqual([]);
      expect(layout.rowsWithoutBar).toEqual([]);
      const { direct } = transitiveReduction(state.plan.tasks);
      const directEdges = [...direct.values()].reduce((n, deps) => n + deps.length, 0);
      expect(directEdges).toBeLessThan(state.plan.tasks.reduce((n, t) => n + t.dependsOn.length, 0));
      expect(layout.edges).toBe(directEdges);
      expect(layout.edgesWithArrow).toBe(directEdges);
      // Full titles, wrapped rather than cut.
      for (const t of state.plan.tasks) expect(layout.titles[t.id]).toBe(t.title);
      expect(new Set(layout.legendStates)).toEqual(new Set(Object.values(run.tasks).map((t) => t.state)));
      // What is wider than the screen scrolls inside its card, and a narrow screen says so.
      for (const s of layout.scrollers.filter((s) => s.scrolls)) expect(s.hint, `${s.what} scrolls without a hint at ${width} px`).toBe(width < 760);
      if (width === 390) expect(layout.scrollers.some((s) => s.what === 'graph' && s.scrolls)).toBe(true);
      await page.screenshot({ path: outputPath(`report-${width}.png`), fullPage: true });
      await page.locator('section#dag').screenshot({ path: outputPath(`report-graph-${width}.png`) });
    });
  }

  it('writes a screenshot', async () => {
    await browser.page.setViewportSize({ width: 1280, height: 900 });
    const file = outputPath('report.png');
    await browser.page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(20_000);
  });
});
