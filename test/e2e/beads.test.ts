/**
 * Beads export and status sync, through the built binary and a faithful fake `bd` (first on PATH) that follows
 * the research notes; the run itself uses the real claude against the scripted model server.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, runXplanAsync, tempRepo } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, runConfig } from '../support/run-repo.js';

const FAKE_BD_DIR = join(REPO_ROOT, 'test/support/fake-bd');
const withBd = (env: NodeJS.ProcessEnv = {}) => ({ PATH: `${FAKE_BD_DIR}:${process.env.PATH}`, ...env });

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

function bd(repo: string, args: string[], env: NodeJS.ProcessEnv = {}): unknown {
  const result = spawnSync(join(FAKE_BD_DIR, 'bd'), [...args, '--json', '--actor', 'test'], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

/** `bd init -p PREFIX`: a beads workspace in the repository, as a user makes one. */
function initBeads(repo: string, prefix = 'acme'): void {
  const result = spawnSync(join(FAKE_BD_DIR, 'bd'), ['init', '-p', prefix, '-q'], { cwd: repo, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

/** The bd calls xplan made, in order. */
/** The words of xplan's bd calls that are neither a command word nor a flag with its value attached (`--flag=value`), before `--`. */
function looseValues(calls: string[][]): string[] {
  const commandWords = new Set(['version', 'config', 'get', 'create', 'update', 'close', 'dep', 'add', 'remove', 'show', 'list']);
  return calls.flatMap((argv) => argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).filter((a) => !commandWords.has(a) && !a.startsWith('--')));
}

function xplanCalls(repo: string): string[][] {
  const log = join(repo, '.beads/calls.log');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { argv: string[]; actor: string })
    .filter((c) => c.actor === 'xplan')
    .map((c) => c.argv);
}

const jsonlLines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { id: string; status: string });

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
    graph[task] = (issue.dependencies ?? [])
      .filter((d) => d.type === 'blocks')
      .map((d) => taskOf.get(d.depends_on_id)!)
      .sort();
  }
  return graph;
}

function planGraph(repo: string): Record<string, string[]> {
  const plan = JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout) as PlanJson;
  return Object.fromEntries(plan.tasks.map((t) => [t.id, [...t.dependsOn].sort()]));
}

/** How many issues (the epic and one per task) and dependencies the export of the repo's plan makes. */
function exportShape(repo: string): { issues: number; tasks: number; deps: number } {
  const plan = JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout) as PlanJson;
  return { issues: plan.tasks.length + 1, tasks: plan.tasks.length, deps: plan.tasks.reduce((n, t) => n + t.dependsOn.length, 0) };
}

function exampleRepo(options: { beadsPrefix?: string } = {}): string {
  const repo = tempRepo();
  if (options.beadsPrefix) initBeads(repo, options.beadsPrefix);
  mkdirSync(join(repo, 'examples/specs'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(repo, 'examples/specs/bookmarks-api.md'));
  expect(runXplan(['plan', 'examples/specs/bookmarks-api.md', '--yes'], { cwd: repo }).code).toBe(0);
  expect(runXplan(['approve', '--yes'], { cwd: repo }).code).toBe(0);
  return repo;
}

describe('xplan export beads', async () => {
  it('bd before 0.63: one create per issue under the workspace prefix, dependencies in the right direction, dry-run naming both ends; again, it duplicates nothing', async () => {
    const repo = exampleRepo({ beadsPrefix: 'acme' });
    const shape = exportShape(repo);
    const bd062 = withBd({ BD_FAKE_VERSION: '0.62.0' });
    const dry = await runXplanAsync(['export', 'beads', '--dry-run'], { cwd: repo, env: bd062 });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`Would export to bd 0\\.62\\.0 \\(prefix acme\\): ${shape.issues} created, 0 updated`));
    const plan = JSON.parse((await runXplanAsync(['show', '--json'], { cwd: repo })).stdout) as PlanJson;
    const dependent = plan.tasks.find((t) => t.dependsOn.length > 0)!;
    const prerequisite = plan.tasks.find((t) => t.id === dependent.dependsOn[0])!;
    expect(dry.stdout).toContain(`dep add new "${dependent.id} ${dependent.title}" depends on new "${prerequisite.id} ${prerequisite.title}"`);
    expect(allIssues(repo)).toEqual([]);

    const first = await runXplanAsync(['export', 'beads'], { cwd: repo, env: bd062 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Exported to bd 0.62.0 (prefix acme): ${shape.issues} created, 0 updated, 0 unchanged; dependencies +${shape.deps} −0.`);
    // One line per issue created; the links are counted, not listed.
    expect(first.stdout.split('\n').filter((l) => l.startsWith('  create acme-'))).toHaveLength(Number(/(\d+) created/.exec(first.stdout)![1]));
    expect(first.stdout).not.toContain('dep add');
    const issues = allIssues(repo);
    const epic = issues.find((i) => i.issue_type === 'epic')!;
    expect(epic.title).toBe('Bookmarks Service — Product Requirements');
    expect(epic.id).toMatch(/^acme-/);
    const children = issues.filter((i) => i.issue_type !== 'epic');
    expect(children).toHaveLength(shape.tasks);
    for (const child of children) {
      expect(child.id.startsWith(`${epic.id}.`)).toBe(true);
      expect(child.labels).toEqual(
        expect.arrayContaining(['xplan', expect.stringMatching(/^stream:/), expect.stringMatching(/^effort:/), expect.stringMatching(/^risk:/), expect.stringMatching(/^strategy:/)]),
      );
    }
    expect(dependencyGraph(repo)).toEqual(planGraph(repo));
    // Every bd call was non-interactive, as actor xplan, one at a time; no graph call on this version.
    const calls = readFileSync(join(repo, '.beads/calls.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[]; actor: string; nonInteractive: string });
    const ours = calls.filter((c) => c.actor !== 'test' && c.argv[0] !== 'init');
    expect(ours.length).toBeGreaterThan(20);
    expect(ours.filter((c) => c.actor !== 'xplan' || c.nonInteractive !== '1')).toEqual([]);
    expect(calls.some((c) => c.argv.join(' ').includes('list --all --limit=0'))).toBe(true);
    expect(xplanCalls(repo).filter((argv) => argv[0] === 'create')).toHaveLength(shape.issues);
    expect(xplanCalls(repo).some((argv) => argv.some((a) => a.startsWith('--graph')))).toBe(false);
    expect(looseValues(xplanCalls(repo))).toEqual([]);

    const again = await runXplanAsync(['export', 'beads'], { cwd: repo, env: bd062 });
    expect(again.stdout).toContain(`0 created, 0 updated, ${shape.issues} unchanged; dependencies +0 −0.`);
    expect(allIssues(repo)).toHaveLength(shape.issues);

    // A changed plan updates the same issues: a removed dependency goes, a new task comes, a new title is set.
    expect((await runXplanAsync(['task', 'dep', 'rm', dependent.id, prerequisite.id], { cwd: repo })).code).toBe(0);
    expect((await runXplanAsync(['task', 'add', '--title', 'Write the operator runbook', '--depends-on', 'T1'], { cwd: repo })).code).toBe(0);
    expect((await runXplanAsync(['approve', '--yes'], { cwd: repo })).code).toBe(0);
    const ids = Object.fromEntries(allIssues(repo).map((i) => [/:(T\d+)$/.exec(i.external_ref ?? '')?.[1], i.id]));
    const preview = await runXplanAsync(['export', 'beads', '--dry-run'], { cwd: repo, env: bd062 });
    expect(preview.stdout).toContain(`dep remove ${ids[dependent.id]} "${dependent.id} ${dependent.title}" depends on ${ids[prerequisite.id]} "${prerequisite.id} ${prerequisite.title}"`);
    expect(preview.stdout).toContain(`dep add new "T${shape.tasks + 1} Write the operator runbook" depends on ${ids.T1} "T1 `);
    // --verbose lists every call, the links too.
    const third = await runXplanAsync(['export', 'beads', '--verbose'], { cwd: repo, env: bd062 });
    expect(third.stdout).toMatch(/1 created, \d+ updated, \d+ unchanged; dependencies \+1 −1\./);
    expect(third.stdout).toContain(`dep remove ${ids[dependent.id]} "${dependent.id} ${dependent.title}"`);
    expect(allIssues(repo)).toHaveLength(shape.issues + 1);
    expect(dependencyGraph(repo)).toEqual(planGraph(repo));
  }, 120_000);

  it('bd 0.63+: new issues and their dependencies go in one create --graph transaction, then acceptance, design, estimate and external ref are set on each', async () => {
    const repo = exampleRepo({ beadsPrefix: 'acme' });
    const shape = exportShape(repo);
    const dry = await runXplanAsync(['export', 'beads', '--dry-run'], { cwd: repo, env: withBd() });
    expect(dry.stdout).toContain(`create ${shape.issues} issues and ${shape.deps} dependencies in one transaction (bd create --graph):`);
    expect(dry.stdout).toMatch(/ {2}create new "T2 [^"]+" under new "Bookmarks Service — Product Requirements"/);
    const first = await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Exported to bd 1.0.5 (prefix acme): ${shape.issues} created (new issues in one transaction), 0 updated, 0 unchanged; dependencies +${shape.deps} −0.`);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('  create acme-'))).toHaveLength(Number(/(\d+) created/.exec(first.stdout)![1]));
    expect(first.stdout).not.toMatch(/dep add|not in the graph format|in one transaction \(bd/);
    const calls = xplanCalls(repo);
    const creates = calls.filter((argv) => argv[0] === 'create');
    expect(creates).toHaveLength(1);
    expect(creates[0]!.filter((a) => a.startsWith('--graph='))).toHaveLength(1);
    expect(looseValues(calls)).toEqual([]);
    const prefixCalls = calls.filter((argv) => argv[0] === 'config');
    expect(prefixCalls.length).toBeGreaterThan(0);
    for (const argv of prefixCalls) expect(argv).toEqual(['config', 'get', '--json', '--actor=xplan', '--', 'issue_prefix']);
    expect(calls.filter((argv) => argv[0] === 'dep')).toEqual([]);
    expect(calls.filter((argv) => argv[0] === 'update' && argv.some((a) => a.startsWith('--acceptance=')) && argv.some((a) => a.startsWith('--external-ref=')))).toHaveLength(shape.issues);

    const issues = allIssues(repo) as Array<BdIssue & { acceptance_criteria?: string; estimated_minutes?: number; design?: string }>;
    expect(issues).toHaveLength(shape.issues);
    for (const issue of issues) {
      expect(issue.id).toMatch(/^acme-[0-9a-z]{4}$/);
      expect(issue.external_ref).toMatch(/^xplan:p-/);
      expect(issue.design).toBeTruthy();
      if (issue.issue_type === 'epic') continue;
      expect(issue.acceptance_criteria).toMatch(/^- /);
      expect(issue.estimated_minutes).toBeGreaterThan(0);
      expect(issue.parent).toBe(issues.find((i) => i.issue_type === 'epic')!.id);
    }
    expect(dependencyGraph(repo)).toEqual(planGraph(repo));
    const again = await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(again.stdout).toContain(`0 created, 0 updated, ${shape.issues} unchanged; dependencies +0 −0.`);
  }, 60_000);

  it('a one-task plan becomes a single issue; without a beads workspace, bd init is named', async () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    const none = await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('bd has no usable beads workspace here');
    expect(none.stderr).toContain('Run `bd init`');
    initBeads(repo);
    expect((await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() })).code).toBe(0);
    expect(allIssues(repo).map((i) => [i.title, i.issue_type ?? 'task'])).toEqual([['T1 Write the hello file', 'task']]);
  });

  it('without bd, writes import-ready JSONL under the prefix `bd init` will give the directory, and prints the bd import command; bd import rebuilds the same graph', async () => {
    const repo = exampleRepo();
    const shape = exportShape(repo);
    const result = await runXplanAsync(['export', 'beads'], { cwd: repo, env: { PATH: '/usr/bin:/bin' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Import it into beads with: bd import .xplan/beads-issues.jsonl');
    const prefix = basename(repo);
    expect(result.stdout).toContain(`prefix ${prefix} from the directory name`);
    const lines = jsonlLines(join(repo, '.xplan/beads-issues.jsonl'));
    expect(lines).toHaveLength(shape.issues);
    for (const line of lines) {
      expect(line).toMatchObject({ _type: 'issue', status: 'open', created_by: 'xplan' });
      expect(line.id.startsWith(`${prefix}-`)).toBe(true);
      expect(typeof line.priority).toBe('number');
      expect(line.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(line.updated_at).toBe(line.created_at);
      expect(line).not.toHaveProperty('closed_at');
    }
    // A classic bd checks the prefix on import; `bd init` here gives the same one.
    const classic = { BD_FAKE_VERSION: '0.49.6' };
    spawnSync(join(FAKE_BD_DIR, 'bd'), ['init', '-q'], { cwd: repo });
    bd(repo, ['import', '.xplan/beads-issues.jsonl'], classic);
    expect(dependencyGraph(repo)).toEqual(planGraph(repo));
  });

  it('the issue prefix: from the bd workspace, from --prefix, never a fixed one; a bad or contradicting --prefix is refused', async () => {
    const repo = exampleRepo({ beadsPrefix: 'acme' });
    const shape = exportShape(repo);
    const fromBd = await runXplanAsync(['export', 'beads', '--jsonl', 'ours.jsonl'], { cwd: repo, env: withBd() });
    expect(fromBd.code, fromBd.stderr).toBe(0);
    expect(fromBd.stdout).toContain('prefix acme from the bd workspace');
    expect(fromBd.stdout).toContain('--jsonl was given, so bd was not called.');
    expect(jsonlLines(join(repo, 'ours.jsonl')).every((l) => l.id.startsWith('acme-'))).toBe(true);
    expect(xplanCalls(repo).map((argv) => argv.slice(0, 2).join(' '))).toEqual(['version --json', 'config get']);

    const flagged = await runXplanAsync(['export', 'beads', '--jsonl', 'theirs.jsonl', '--prefix', 'ops'], { cwd: repo, env: withBd() });
    expect(flagged.stdout).toContain('prefix ops from --prefix');
    expect(jsonlLines(join(repo, 'theirs.jsonl')).every((l) => l.id.startsWith('ops-'))).toBe(true);
    // A classic bd takes the file with the workspace's prefix and refuses the other one.
    expect(() => bd(repo, ['import', 'theirs.jsonl'], { BD_FAKE_VERSION: '0.49.6' })).toThrow(/prefix mismatch/);
    expect((bd(repo, ['import', 'ours.jsonl'], { BD_FAKE_VERSION: '0.49.6' }) as { created: number }).created).toBe(shape.issues);

    const bad = await runXplanAsync(['export', 'beads', '--jsonl', 'x.jsonl', '--prefix', 'my prefix'], { cwd: repo, env: withBd() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--prefix "my prefix" cannot name beads issues');
    expect(existsSync(join(repo, 'x.jsonl'))).toBe(false);
    const contradicting = await runXplanAsync(['export', 'beads', '--prefix', 'ops'], { cwd: repo, env: withBd() });
    expect(contradicting.code).toBe(2);
    expect(contradicting.stderr).toContain('The beads workspace here uses the prefix acme, not ops');
  }, 60_000);

  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'shows a running count of bd calls on a terminal, on stderr only',
    () => {
      const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file', dependsOn: ['T1'] }], runConfig());
      initBeads(repo);
      // A pseudo-terminal made by `script` has no size; the spinner needs a width to redraw its line.
      const command = `stty cols 120 rows 40; '${process.execPath}' '${join(REPO_ROOT, 'bin/xplan.js')}' export beads >report.txt`;
      const result = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: repo, encoding: 'utf8', env: { PATH: withBd().PATH, HOME: repo, TERM: 'xterm' }, timeout: 60_000 });
      expect(result.status, result.stdout.slice(-2000)).toBe(0);
      // stdout went to the file; the terminal saw only the spinner on stderr. The graph call comes first, then the details of each issue.
      const screen = result.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      expect(screen).toMatch(/beads: 1\/4 · create 3 issues/);
      expect(screen).toMatch(/beads: 4\/4 · details of T2/);
      const report = readFileSync(join(repo, 'report.txt'), 'utf8');
      expect(report).toContain('Exported to bd 1.0.5 (prefix acme): 3 created (new issues in one transaction)');
      expect(report).not.toContain('beads: ');
    },
    60_000,
  );

  it('tasks without a usable title are refused before any bd call, naming each task', async () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file', dependsOn: ['T1'] }, { title: 'Write the bang file' }], runConfig());
    initBeads(repo);
    expect((await runXplanAsync(['task', 'set', 'T2', '--title', '...'], { cwd: repo })).code).toBe(0);
    expect((await runXplanAsync(['task', 'set', 'T3', '--title', 'Write '.repeat(90)], { cwd: repo })).code).toBe(0);
    expect((await runXplanAsync(['approve', '--yes'], { cwd: repo })).code).toBe(0);
    for (const args of [
      ['export', 'beads'],
      ['export', 'beads', '--jsonl', 'out.jsonl'],
      ['export', 'beads', '--dry-run'],
    ]) {
      const result = await runXplanAsync(args, { cwd: repo, env: withBd() });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('2 tasks have no title beads can take: T2 (no letter or digit in "..."); T3 (543 bytes as an issue title, bd takes at most 500). Nothing was exported.');
      expect(result.stderr).toContain('xplan task set T2 --title');
    }
    expect(xplanCalls(repo)).toEqual([]);
    expect(existsSync(join(repo, 'out.jsonl'))).toBe(false);
  });

  it('.beads-example/ is what the export writes for the README example', async () => {
    const repo = exampleRepo();
    expect((await runXplanAsync(['export', 'beads', '--jsonl', 'out.jsonl', '--prefix', 'xp'], { cwd: repo })).code).toBe(0);
    const timeless = (text: string) => text.replace(/"(created_at|updated_at)":"[^"]+"/g, '"$1":"…"');
    expect(timeless(readFileSync(join(repo, 'out.jsonl'), 'utf8'))).toBe(timeless(readFileSync(join(REPO_ROOT, '.beads-example/issues.jsonl'), 'utf8')));
  });

  it('refuses a draft plan', async () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
    await runXplanAsync(['task', 'set', 'T1', '--title', 'Changed'], { cwd: repo });
    const result = await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Only an approved plan is exported to beads');
  });

  it('with beads: auto, approving exports the plan', async () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file', dependsOn: ['T1'] }], `${runConfig()}beads: auto\n`);
    initBeads(repo);
    await runXplanAsync(['task', 'set', 'T2', '--title', 'Write the whole world file'], { cwd: repo });
    const approve = await runXplanAsync(['approve', '--yes'], { cwd: repo, env: withBd() });
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toContain('Exported to beads: 3 created');
    expect(dependencyGraph(repo)).toEqual({ T1: [], T2: ['T1'] });
    // A failed export never undoes the approval: it becomes a note.
    await runXplanAsync(['task', 'set', 'T2', '--title', '???'], { cwd: repo });
    const refused = await runXplanAsync(['approve', '--yes'], { cwd: repo, env: withBd() });
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stdout).toContain('The plan is approved, but the beads export failed: A task has no title beads can take: T2');
    expect(JSON.parse((await runXplanAsync(['show', '--json'], { cwd: repo })).stdout).status).toBe('approved');
  }, 60_000);
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
    initBeads(repo);
    expect((await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() })).code).toBe(0);
    // The first two status updates fail (a locked database): they are retried.
    const result = await runXplanAsync(['run'], { cwd: repo, env: { ...claudeEnv(server.url), ...withBd({ BD_FAKE_FAIL: 'update:2' }) } });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const byTask = () => Object.fromEntries(allIssues(repo).map((i) => [/:(T\d+)$/.exec(i.external_ref ?? '')?.[1] ?? 'epic', i]));
    let issues = byTask();
    const status = JSON.parse((await runXplanAsync(['status', '--json'], { cwd: repo })).stdout) as { tasks: Array<{ branch: string }> };
    expect(issues.T1).toMatchObject({ status: 'closed', assignee: 'agent-1', close_reason: `Completed, unverified on branch ${status.tasks[0]!.branch} (no verify command)` });
    expect(issues.T2).toMatchObject({ status: 'blocked', assignee: 'agent-2' });
    expect(issues.T2!.notes).toContain('failed: no commits: the agent made no commits');
    expect(issues.T3).toMatchObject({ status: 'open' });

    expect((await runXplanAsync(['skip', 'T2'], { cwd: repo, env: withBd() })).code).toBe(0);
    expect(byTask().T2).toMatchObject({ status: 'deferred' });
    expect((await runXplanAsync(['done', 'T2', '--reason', 'built by hand', '--no-resume'], { cwd: repo, env: withBd() })).code).toBe(0);
    issues = byTask();
    expect(issues.T2!.status).toBe('closed');
    expect(issues.T2!.close_reason).toMatch(/^Done by hand \(Test User <test@example.com>\): built by hand$/);
  }, 120_000);

  it("each acceptance review adds its summary to the task's issue notes: the rejected one, then the accepted one after the retry", async () => {
    let reviews = 0;
    const review = () => {
      reviews += 1;
      return reviews === 1
        ? { criteria: [{ index: 1, verdict: 'not-met', evidence: ['t1.txt:1'], reasoning: 'The file holds a placeholder.' }], outsideTask: [] }
        : { criteria: [{ index: 1, verdict: 'met', evidence: ['t1.txt:1'], reasoning: 'The greeting is there.' }], outsideTask: [] };
    };
    server = await startModelServer((c: { tools: string[] }) => (c.tools.includes('StructuredOutput') ? { tool: 'StructuredOutput', input: review() } : commitSteps(c as never)));
    const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig({ verify: 'ls t1.txt', review: true }));
    initBeads(repo);
    expect((await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() })).code).toBe(0);
    const result = await runXplanAsync(['run'], { cwd: repo, env: { ...claudeEnv(server.url), ...withBd() } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const issue = allIssues(repo).find((i) => /:T1$/.test(i.external_ref ?? ''))!;
    expect(issue.status).toBe('closed');
    expect(issue.notes).toContain('Acceptance review of attempt 1: rejected — 0 of 1 criteria met; not met: 1 (The file holds a placeholder.)');
    expect(issue.notes).toContain('Acceptance review of attempt 2: accepted — 1 of 1 criteria met');
    expect(issue.notes!.indexOf('attempt 1: rejected')).toBeLessThan(issue.notes!.indexOf('attempt 2: accepted'));
    expect(xplanCalls(repo).some((call) => call[0] === 'update' && call.some((a) => a.startsWith('--append-notes=Acceptance review of attempt 2')))).toBe(true);
  }, 120_000);

  it('a bd that keeps failing is recorded, the run still completes, and export --sync repairs the drift, closing the epic after its children', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file' }], runConfig({ concurrency: 2 }));
    initBeads(repo);
    expect((await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() })).code).toBe(0);
    const result = await runXplanAsync(['run'], { cwd: repo, env: { ...claudeEnv(server.url), ...withBd({ BD_FAKE_FAIL: 'close:100' }) } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = readFileSync(join(repo, '.xplan/events.jsonl'), 'utf8');
    expect(events).toContain('"type":"beads.failed"');
    expect(events).toContain('database is locked');
    expect(
      allIssues(repo)
        .map((i) => i.status)
        .sort(),
    ).toEqual(['in_progress', 'in_progress', 'open']);
    git(repo, ['status']);

    const sync = await runXplanAsync(['export', 'beads', '--sync'], { cwd: repo, env: withBd() });
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toContain('2 statuses synced; 1 epic closed or reopened');
    expect(sync.stdout).toMatch(/close epic acme-\w+ "Greeting files[^"]*": All 2 child issues are closed/);
    expect(allIssues(repo).map((i) => i.status)).toEqual(['closed', 'closed', 'closed']);
  }, 120_000);

  it('during a run the epic closes when its last child closes and reopens when a child is retried; --sync writes the same into the JSONL', async () => {
    server = await startModelServer((c) => commitSteps(c));
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file' }], runConfig({ concurrency: 2 }));
    initBeads(repo);
    expect((await runXplanAsync(['export', 'beads'], { cwd: repo, env: withBd() })).code).toBe(0);
    const result = await runXplanAsync(['run'], { cwd: repo, env: { ...claudeEnv(server.url), ...withBd() } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const epicOf = () => allIssues(repo).find((i) => i.issue_type === 'epic')! as BdIssue & { notes?: string };
    expect(allIssues(repo).map((i) => i.status)).toEqual(['closed', 'closed', 'closed']);
    expect(epicOf().close_reason).toBe('All 2 child issues are closed');

    // The JSONL carries the same: children closed with their reasons, the epic closed after them.
    const closed = await runXplanAsync(['export', 'beads', '--jsonl', 'done.jsonl', '--sync'], { cwd: repo, env: withBd() });
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain('statuses from run');
    for (const line of jsonlLines(join(repo, 'done.jsonl'))) {
      expect(line).toMatchObject({ status: 'closed', closed_at: expect.any(String), close_reason: expect.any(String) });
      expect(String(line.closed_at) >= String(line.created_at)).toBe(true);
    }

    // `xplan retry` opens an unverified task again, and its epic with it.
    const retry = await runXplanAsync(['retry', 'T2', '--no-resume'], { cwd: repo, env: withBd() });
    expect(retry.code, retry.stderr).toBe(0);
    const byTask = Object.fromEntries(allIssues(repo).map((i) => [/:(T\d+)$/.exec(i.external_ref ?? '')?.[1] ?? 'epic', i]));
    expect(byTask.T1!.status).toBe('closed');
    expect(byTask.T2!.status).toBe('open');
    expect(epicOf().status).toBe('open');
    expect(epicOf().notes).toContain('Reopened: 1 of 2 child issues are not closed');

    const reopened = await runXplanAsync(['export', 'beads', '--jsonl', 'open.jsonl', '--sync'], { cwd: repo, env: withBd() });
    expect(reopened.code, reopened.stderr).toBe(0);
    const lines = jsonlLines(join(repo, 'open.jsonl'));
    const [epic, t1, t2] = lines;
    expect(epic).toMatchObject({ issue_type: 'epic', status: 'open' });
    expect(epic).not.toHaveProperty('closed_at');
    expect(t1).toMatchObject({ status: 'closed' });
    expect(t2).toMatchObject({ status: 'open' });
    expect(t2).not.toHaveProperty('closed_at');
    // A fresh workspace imports the statuses as they are.
    const other = tempRepo();
    initBeads(other, 'acme');
    bd(other, ['import', join(repo, 'open.jsonl')]);
    expect(
      allIssues(other)
        .map((i) => i.status)
        .sort(),
    ).toEqual(['closed', 'open', 'open']);
    // And with bd, --sync agrees with what the run left: nothing to change.
    const sync = await runXplanAsync(['export', 'beads', '--sync'], { cwd: repo, env: withBd() });
    expect(sync.stdout).toContain('0 created, 0 updated, 3 unchanged; dependencies +0 −0.');
  }, 120_000);
});
