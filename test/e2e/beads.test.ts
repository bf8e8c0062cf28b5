/**
 * Beads export and status sync, through the built binary and a faithful fake `bd` (first on PATH) that follows
 * the research notes; the run itself uses the real claude against the scripted model server.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, runXplanAsync, tempRepo } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, runConfig } from '../support/run-repo.js';

const FAKE_BD_DIR = join(REPO_ROOT, 'test/support/fake-bd');
const withBd = (env: NodeJS.ProcessEnv = {}) => ({ PATH: `${FAKE_BD_DIR}:${process.env.PATH}`, XPLAN_BEADS_RETRY_MS: '10', ...env });

interface BdIssue {
  id: string;
  title: string;
  status: string;
  issue_type?: string;
  priority: number;
  assignee?: string;
  close_reason?: string;
  notes?: string;
  labels?: string[];
  external_ref?: string;
  parent?: string;
  dependencies?: Array<{ issue_id: string; depends_on_id: string; type: string }>;
}

function bd(repo: string, args: string[]): unknown {
  const result = spawnSync(join(FAKE_BD_DIR, 'bd'), [...args, '--json', '--actor', 'test'], { cwd: repo, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

const allIssues = (repo: string) => bd(repo, ['list', '--all', '--limit', '0']) as BdIssue[];

interface PlanJson {
  tasks: Array<{ id: string; title: string; dependsOn: string[] }>;
}

/** The beads graph as `task → the tasks it depends on`, read back from bd by external ref. */
function dependencyGraph(repo: string): Record<string, string[]> {
  const issues = allIssues(repo);
  const taskOf = new Map(issues.map((i) => [i.id, /:(T\d+)$/.exec(i.external_ref ?? '')?.[1]]));
  const graph: Record<string, string[]> = {};
  for (const issue of issues) {
    const task = taskOf.get(issue.id);
    if (!task) continue;
    graph[task] = (issue.dependencies ?? []).filter((d) => d.type === 'blocks').map((d) => taskOf.get(d.depends_on_id)!).sort();
  }
  return graph;
}

function planGraph(repo: string): Record<string, string[]> {
  const plan = JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout) as PlanJson;
  return Object.fromEntries(plan.tasks.map((t) => [t.id, [...t.dependsOn].sort()]));
}

function exampleRepo(): string {
  const repo = tempRepo();
  mkdirSync(join(repo, 'examples/specs'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'examples/specs/bookmarks-api.md'));
  expect(runXplan(['plan', 'examples/specs/bookmarks-api.md', '--yes'], { cwd: repo }).code).toBe(0);
  expect(runXplan(['approve', '--yes'], { cwd: repo }).code).toBe(0);
  return repo;
}

describe('xplan export beads', () => {
  it('creates an epic with one child issue per task and the plan dependencies in the right direction; again, it duplicates nothing', () => {
    const repo = exampleRepo();
    const dry = runXplan(['export', 'beads', '--dry-run'], { cwd: repo, env: withBd() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Would export to bd 1\.0\.5: 9 created/);
    expect(existsSync(join(repo, '.beads/fake-db.json')) ? allIssues(repo) : []).toEqual([]);

    const first = runXplan(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Exported to bd 1.0.5: 9 created, 0 updated, 0 unchanged; dependencies +13 −0.');
    const issues = allIssues(repo);
    const epic = issues.find((i) => i.issue_type === 'epic')!;
    expect(epic.title).toBe('Bookmarks Service — Product Requirements');
    const children = issues.filter((i) => i.issue_type !== 'epic');
    expect(children).toHaveLength(8);
    for (const child of children) {
      expect(child.id.startsWith(`${epic.id}.`)).toBe(true);
      expect(child.labels).toEqual(expect.arrayContaining(['xplan', expect.stringMatching(/^stream:/), expect.stringMatching(/^effort:/), expect.stringMatching(/^risk:/), expect.stringMatching(/^strategy:/)]));
    }
    expect(dependencyGraph(repo)).toEqual(planGraph(repo));
    // Every bd call was non-interactive, as actor xplan, one at a time.
    const calls = readFileSync(join(repo, '.beads/calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; actor: string; nonInteractive: string });
    const xplanCalls = calls.filter((c) => c.actor !== 'test');
    expect(xplanCalls.length).toBeGreaterThan(20);
    expect(xplanCalls.filter((c) => c.actor !== 'xplan' || c.nonInteractive !== '1')).toEqual([]);
    expect(calls.some((c) => c.argv.join(' ').includes('list --all --limit=0'))).toBe(true);

    const again = runXplan(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(again.stdout).toContain('0 created, 0 updated, 9 unchanged; dependencies +0 −0.');
    expect(allIssues(repo)).toHaveLength(9);

    // A changed plan updates the same issues: a removed dependency goes, a new task comes, a new title is set.
    const plan = JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout) as PlanJson;
    const dependent = plan.tasks.find((t) => t.dependsOn.length > 0)!;
    expect(runXplan(['task', 'dep', 'rm', dependent.id, dependent.dependsOn[0]!], { cwd: repo }).code).toBe(0);
    expect(runXplan(['task', 'add', '--title', 'Write the operator runbook', '--depends-on', 'T1'], { cwd: repo }).code).toBe(0);
    expect(runXplan(['approve', '--yes'], { cwd: repo }).code).toBe(0);
    const third = runXplan(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(third.stdout).toMatch(/1 created, \d+ updated, \d+ unchanged; dependencies \+1 −1\./);
    expect(allIssues(repo)).toHaveLength(10);
    expect(dependencyGraph(repo)).toEqual(planGraph(repo));
  }, 60_000);

  it('a one-task plan becomes a single issue', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    expect(runXplan(['export', 'beads'], { cwd: repo, env: withBd() }).code).toBe(0);
    expect(allIssues(repo).map((i) => [i.title, i.issue_type ?? 'task'])).toEqual([['T1 Write the hello file', 'task']]);
  });

  it('without bd, writes import-ready JSONL and prints the bd import command; bd import rebuilds the same graph', () => {
    const repo = exampleRepo();
    const result = runXplan(['export', 'beads'], { cwd: repo, env: { PATH: '/usr/bin:/bin' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Import it into beads with: bd import .xplan/beads-issues.jsonl');
    const lines = readFileSync(join(repo, '.xplan/beads-issues.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(9);
    for (const line of lines) {
      expect(line).toMatchObject({ _type: 'issue', status: 'open', created_by: 'xplan' });
      expect(typeof line.priority).toBe('number');
      expect(line.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(line.updated_at).toBe(line.created_at);
    }
    bd(repo, ['import', '.xplan/beads-issues.jsonl']);
    expect(dependencyGraph(repo)).toEqual(planGraph(repo));
  });

  it('.beads-example/ is what the export writes for the README example', () => {
    const repo = exampleRepo();
    expect(runXplan(['export', 'beads', '--jsonl', 'out.jsonl'], { cwd: repo }).code).toBe(0);
    const timeless = (text: string) => text.replace(/"(created_at|updated_at)":"[^"]+"/g, '"$1":"…"');
    expect(timeless(readFileSync(join(repo, 'out.jsonl'), 'utf8'))).toBe(timeless(readFileSync(join(REPO_ROOT, '.beads-example/issues.jsonl'), 'utf8')));
  });

  it('refuses a draft plan', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    runXplan(['task', 'set', 'T1', '--title', 'Changed'], { cwd: repo });
    const result = runXplan(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Only an approved plan is exported to beads');
  });

  it('with beads: auto, approving exports the plan', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file', dependsOn: ['T1'] }], `${runConfig()}beads: auto\n`);
    runXplan(['task', 'set', 'T2', '--title', 'Write the whole world file'], { cwd: repo });
    const approve = runXplan(['approve', '--yes'], { cwd: repo, env: withBd() });
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toContain('Exported to beads: 3 created');
    expect(dependencyGraph(repo)).toEqual({ T1: [], T2: ['T1'] });
  });
});

describe('beads status during a run', () => {
  let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('dispatch, completion, failure, skip and done show up in beads; bd failures are retried and never stop the run', async () => {
    // T1 commits; T2 never does.
    server = await startModelServer((c) => (c.taskId === 'T1' ? commitSteps(c) : { text: 'Nothing to commit.' }));
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file' }, { title: 'Write the bang file', dependsOn: ['T2'] }], runConfig({ concurrency: 2 }));
    expect(runXplan(['export', 'beads'], { cwd: repo, env: withBd() }).code).toBe(0);
    // The first two status updates fail (a locked database): they are retried.
    const result = await runXplanAsync(['run'], { cwd: repo, env: { ...claudeEnv(server.url), ...withBd({ BD_FAKE_FAIL: 'update:2' }) } });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const byTask = () => Object.fromEntries(allIssues(repo).map((i) => [/:(T\d+)$/.exec(i.external_ref ?? '')?.[1] ?? 'epic', i]));
    let issues = byTask();
    const status = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as { tasks: Array<{ branch: string }> };
    expect(issues.T1).toMatchObject({ status: 'closed', assignee: 'agent-1', close_reason: `Completed, unverified on branch ${status.tasks[0]!.branch} (no verify command)` });
    expect(issues.T2).toMatchObject({ status: 'blocked', assignee: 'agent-2' });
    expect(issues.T2!.notes).toContain('failed: no commits: the agent made no commits');
    expect(issues.T3).toMatchObject({ status: 'open' });

    expect(runXplan(['skip', 'T2'], { cwd: repo, env: withBd() }).code).toBe(0);
    expect(byTask().T2).toMatchObject({ status: 'deferred' });
    expect(runXplan(['done', 'T2', '--reason', 'built by hand'], { cwd: repo, env: withBd() }).code).toBe(0);
    issues = byTask();
    expect(issues.T2!.status).toBe('closed');
    expect(issues.T2!.close_reason).toMatch(/^Done by hand \(Test User <test@example.com>\): built by hand$/);
  }, 120_000);

  it('a bd that keeps failing is recorded, the run still completes, and export --sync repairs the drift', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    expect(runXplan(['export', 'beads'], { cwd: repo, env: withBd() }).code).toBe(0);
    const result = await runXplanAsync(['run'], { cwd: repo, env: { ...claudeEnv(server.url), ...withBd({ BD_FAKE_FAIL: 'close:100' }) } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = readFileSync(join(repo, '.xplan/events.jsonl'), 'utf8');
    expect(events).toContain('"type":"beads.failed"');
    expect(events).toContain('database is locked');
    expect(allIssues(repo)[0]!.status).toBe('in_progress');
    git(repo, ['status']);

    const sync = runXplan(['export', 'beads', '--sync'], { cwd: repo, env: withBd() });
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toContain('1 status(es) synced');
    expect(allIssues(repo)[0]).toMatchObject({ status: 'closed' });
  }, 120_000);
});

