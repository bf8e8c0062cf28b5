/**
 * `xplan dashboard` through the built binary: loopback only, token-guarded, read-only, stops cleanly on a signal;
 * and, in a real Chromium, a scripted run followed from start to end on one page load.
 */
import { request } from 'node:http';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunFiles } from '../../src/adapters/store/run-files.js';
import { RunJournal } from '../../src/adapters/store/run-journal.js';
import { StateStore } from '../../src/adapters/store/state-store.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { applyVerdict, endAttempt, newRun, startAttempt, type RunState } from '../../src/core/run/run.js';
import { transitiveReduction } from '../../src/core/plan/schedule.js';
import { announceSkip, HAVE_CHROMIUM, measureLayout, openPage, outputPath, PAGE_WIDTHS } from '../support/browser.js';
import { REPO_ROOT, startXplan, tempRepo } from '../support/cli.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/runs/bookmarks');
announceSkip('dashboard browser test');

/** A repository with the fixture's approved plan and no run yet. */
function repoWithPlan(): { repo: string; plan: Plan } {
  const repo = tempRepo();
  const state = JSON.parse(readFileSync(join(FIXTURE, 'state.json'), 'utf8')) as { run?: RunState; plan: Plan };
  delete state.run;
  mkdirSync(join(repo, '.xplan'));
  writeFileSync(join(repo, '.xplan/state.json'), JSON.stringify(state, null, 2));
  return { repo, plan: state.plan };
}

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

async function startDashboard(repo: string, args: string[] = []) {
  const dash = startXplan(['dashboard', ...args], { cwd: repo, timeoutMs: 90_000 });
  stops.push(() => dash.child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(dash.output())?.[0];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) throw new Error(`no dashboard link in: ${dash.output()}`);
  return { ...dash, url: new URL(url) };
}

function get(url: URL, options: { path?: string; method?: string; host?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: url.port, path: options.path ?? `${url.pathname}${url.search}`, method: options.method ?? 'GET', headers: options.host ? { Host: options.host } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('xplan dashboard', () => {
  it('serves on loopback behind its token, read-only, and stops cleanly on SIGINT', async () => {
    const { repo } = repoWithPlan();
    const dash = await startDashboard(repo);
    const page = await get(dash.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('No run yet');
    expect(page.body).toMatch(/script-src 'nonce-[^']+'/);
    expect((await get(dash.url, { path: '/' })).status).toBe(403);
    expect((await get(dash.url, { path: '/?token=wrong' })).status).toBe(403);
    expect((await get(dash.url, { path: `/events?token=${dash.url.searchParams.get('token')}x` })).status).toBe(403);
    expect((await get(dash.url, { host: 'attacker.example' })).status).toBe(421);
    expect((await get(dash.url, { method: 'POST' })).status).toBe(405);
    expect((await get(dash.url, { path: `/state.json${dash.url.search}` })).status).toBe(404);
    dash.child.kill('SIGINT');
    const end = await dash.done;
    expect(end.code).toBe(0);
    expect(end.stdout).toContain('Dashboard stopped.');
  });

  it('holds at most 64 live event streams and refuses more with 503, then takes one again when one closes', async () => {
    const { repo } = repoWithPlan();
    const dash = await startDashboard(repo);
    const path = `/events${dash.url.search}`;
    const open = (): Promise<{ status: number; close: () => void }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: dash.url.port, path }, (res) => resolve({ status: res.statusCode ?? 0, close: () => req.destroy() }));
        req.on('error', reject);
        req.end();
      });
    const streams = await Promise.all(Array.from({ length: 64 }, open));
    try {
      expect(streams.every((s) => s.status === 200)).toBe(true);
      const refused = await open();
      expect(refused.status).toBe(503);
      refused.close();
      streams.pop()!.close();
      let again = 0;
      for (let i = 0; i < 40 && again !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const next = await open();
        again = next.status;
        if (again === 200) streams.push(next);
        else next.close();
      }
      expect(again).toBe(200);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('refuses a port already in use, with the fix', async () => {
    const { repo } = repoWithPlan();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    stops.push(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const dash = startXplan(['dashboard', '--port', String(port)], { cwd: repo, timeoutMs: 20_000 });
    const end = await dash.done;
    expect(end.code).toBe(2);
    expect(end.stderr).toContain(`Port ${port} on 127.0.0.1 is in use`);
    expect(end.stderr).toContain('--port');
  });

  it.skipIf(!HAVE_CHROMIUM)(
    'follows a scripted run from start to end without a reload',
    async () => {
      const { repo, plan } = repoWithPlan();
      const xplanDir = join(repo, '.xplan');
      const files = new RunFiles(xplanDir);
      const journal = new RunJournal(new StateStore(xplanDir), files);
      const dash = await startDashboard(repo);
      const browser = await openPage();
      stops.push(() => void browser.close());
      const { page } = browser;
      await page.goto(dash.url.href);
      await page.waitForSelector('[data-waiting]');
      await page.evaluate(() => ((window as unknown as { loadedOnce: string }).loadedOnce = 'yes'));
      const stateOf = (id: string, state: string) => page.waitForSelector(`svg.dag g.node[data-task="${id}"][data-state="${state}"]`, { timeout: 15_000 });

      const runId = '20261124-090000';
      const at = (minutes: number) => new Date(Date.now() - 60 * 60_000 + minutes * 60_000).toISOString();
      let run: RunState = newRun({
        id: runId,
        now: at(0),
        plan,
        taskIds: plan.tasks.map((t) => t.id),
        base: { commit: 'a'.repeat(40), branch: 'main' },
        concurrency: 3,
        verify: 'npm test',
        planHash: plan.approval!.hash,
      });
      await journal.begin(run, [{ type: 'run.started', base: run.base, branching: run.branching, concurrency: 3, tasks: Object.keys(run.tasks), verify: 'npm test' }]);
      await stateOf('T1', 'ready');
      await stateOf('T2', 'waiting');

      let agent = 0;
      let minute = 1;
      const dispatch = async (id: string) => {
        agent++;
        const attempt = {
          agent,
          branch: `xplan/${runId}/agent-${agent}-${id.toLowerCase()}`,
          worktree: files.worktree(runId, agent),
          sessionId: `s-${agent}`,
          base: run.base.commit,
          startedAt: at(minute++),
        };
        run = (
          await journal.commit(
            (r) => startAttempt(r, id, attempt),
            [{ type: 'task.dispatched', taskId: id, agent, attempt: 1, branch: attempt.branch, worktree: attempt.worktree, sessionId: attempt.sessionId }],
          )
        ).run;
        mkdirSync(files.agentDir(runId, agent), { recursive: true });
        const toolUse = { type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { command: `npm test -- ${id}` } }] } };
        appendFileSync(join(files.agentDir(runId, agent), 'transcript.jsonl'), `${JSON.stringify({ type: 'system', subtype: 'init' })}\n${JSON.stringify(toolUse)}\n`);
        return agent;
      };
      const complete = async (id: string) => {
        const ended = at(minute++);
        run = (
          await journal.commit(
            (r) =>
              applyVerdict(endAttempt(r, id, { outcome: 'success', usage: { inputTokens: 50_000, outputTokens: 2_000, costUsd: 0.5, turns: 9 }, endedAt: ended }), plan, id, {
                kind: 'completed',
                verified: true,
                commits: [{ sha: 'abc1234', subject: `[${id}] work` }],
                uncommitted: [],
                now: ended,
              }),
            [{ type: 'task.completed', taskId: id, agent: run.tasks[id]!.attempts.at(-1)!.agent, branch: run.tasks[id]!.attempts.at(-1)!.branch, verified: true, commits: 1, uncommitted: [] }],
          )
        ).run;
      };

      const first = await dispatch('T1');
      await stateOf('T1', 'running');
      await page.waitForSelector(`tr[data-agent="${first}"]:has-text("npm test -- T1")`, { timeout: 15_000 });
      await complete('T1');
      await stateOf('T1', 'completed');
      for (const id of ['T2', 'T3', 'T4', 'T5']) await stateOf(id, 'ready');

      // The rest, wave by wave, three agents at a time.
      for (const wave of [['T2', 'T3', 'T4'], ['T5'], ['T6'], ['T7'], ['T8']]) {
        for (const id of wave) await dispatch(id);
        await stateOf(wave.at(-1)!, 'running');
        for (const id of wave) await complete(id);
        await stateOf(wave.at(-1)!, 'completed');
      }
      await page.waitForFunction(() => document.querySelectorAll('svg.gantt g.bar').length === 8, undefined, { timeout: 15_000 });
      run = (await journal.commit((r) => ({ ...r, status: 'completed', endedAt: at(minute) }), [{ type: 'run.ended', status: 'completed' }])).run;
      await page.waitForSelector('[data-run-status="completed"]', { timeout: 15_000 });

      for (const id of Object.keys(run.tasks)) expect(await page.locator(`svg.dag g.node[data-task="${id}"]`).getAttribute('data-state')).toBe('completed');
      await expect(page.locator('[data-card="progress"] .card-value').textContent()).resolves.toBe('8/8');
      await expect(page.locator('#running').textContent()).resolves.toContain('No agent is running');
      await expect(page.locator('#events tr[data-event="run.ended"]').count()).resolves.toBe(1);
      expect(await page.evaluate(() => (window as unknown as { loadedOnce?: string }).loadedOnce)).toBe('yes');
      expect(browser.errors).toEqual([]);
      expect(browser.outside).toEqual([]);
      // On a phone and on a laptop: no sideways page scroll, every task, every bar, one arrowed edge per direct dependency.
      const { direct } = transitiveReduction(plan.tasks);
      const directEdges = [...direct.values()].reduce((n, deps) => n + deps.length, 0);
      for (const width of PAGE_WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        const layout = await measureLayout(page, Object.keys(run.tasks));
        expect(layout.scrollWidth, `the page scrolls sideways at ${width} px`).toBeLessThanOrEqual(layout.innerWidth);
        expect(layout.hiddenNodes).toEqual([]);
        expect(layout.hiddenRows).toEqual([]);
        expect(layout.emptyBars).toEqual([]);
        expect(layout.barsOutOfView).toEqual([]);
        expect(layout.rowsWithoutBar).toEqual([]);
        expect(layout.edges).toBe(directEdges);
        expect(layout.edgesWithArrow).toBe(directEdges);
        expect(layout.legendStates).toEqual(['completed']);
        await page.screenshot({ path: outputPath(`dashboard-${width}.png`), fullPage: true });
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      const shot = outputPath('dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);

      await browser.close();
      dash.child.kill('SIGTERM');
      expect((await dash.done).code).toBe(0);
    },
    120_000,
  );
});
