/** The HTML report in a real headless Chromium: it loads cleanly, shows every task's state, and draws every attempt. */
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/core/run.js';
import { stateLabel } from '../../src/core/run.js';
import { announceSkip, HAVE_CHROMIUM, openPage, outputPath, type BrowserPage } from '../support/browser.js';
import { REPO_ROOT, runXplan, tempRepo } from '../support/cli.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/runs/bookmarks');
announceSkip('report browser tests');

describe.skipIf(!HAVE_CHROMIUM)('the HTML report in Chromium', () => {
  let browser: BrowserPage;
  let reportFile: string;
  const run = (JSON.parse(readFileSync(join(FIXTURE, 'state.json'), 'utf8')) as { run: RunState }).run;

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
    const fill = (id: string) => page.locator(`svg.dag g.node[data-task="${id}"] rect`).evaluate((el) => getComputedStyle(el).fill);
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
  });

  it('writes a screenshot', async () => {
    const file = outputPath('report.png');
    await browser.page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(20_000);
  });
});
