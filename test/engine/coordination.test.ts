/**
 * Coordination for one run, in a real repository with real worktrees: native reservations with the commit guard,
 * and agent mail against the loopback server that follows the protocol notes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentMailClient } from '../../src/adapters/tools/agent-mail.js';
import { defaultConfig } from '../../src/core/config.js';
import { createCoordination, type CoordinationProblem } from '../../src/adapters/tools/coordination.js';
import type { CoordinatedTask } from '../../src/run/ports.js';
import { startAgentMailServer } from '../support/agent-mail-server.mjs';
import { tempDir, tempRepo, writeFiles } from '../support/cli.js';

const RUN = '20260101-000000';
const AT = '2026-01-01T00:00:00.000Z';

function git(cwd: string, args: string[]): { code: number | null; out: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function commit(cwd: string, files: string[]): { code: number | null; out: string } {
  writeFiles(cwd, Object.fromEntries(files.map((f) => [f, `edit ${Math.random()}\n`])));
  git(cwd, ['add', '--', ...files]);
  return git(cwd, ['commit', '-q', '-m', 'work']);
}

let repo: string;
let worktreeCount = 0;

beforeAll(() => {
  repo = tempRepo();
  git(repo, ['config', 'user.name', 'Test User']);
  git(repo, ['config', 'user.email', 'test@example.com']);
  writeFiles(repo, { 'src/shared.ts': 'x\n', 'src/a.ts': 'x\n', 'src/b.ts': 'x\n' });
  git(repo, ['add', '.']);
  git(repo, ['commit', '-q', '-m', 'init']);
});

function worktree(): string {
  const path = join(tempDir('xplan-wt-'), `agent-${++worktreeCount}`);
  const added = git(repo, ['worktree', 'add', '-q', '-b', `wt${worktreeCount}`, path, 'HEAD']);
  if (added.code !== 0) throw new Error(added.out);
  return path;
}

function setup(runDir = tempDir('xplan-run-')) {
  const problems: CoordinationProblem[] = [];
  return { problems, runDir, setup: { runId: RUN, repoRoot: repo, runDir, now: () => AT, report: (p: CoordinationProblem) => void problems.push(p) } };
}

const T1: CoordinatedTask = { id: 'T1', title: 'Shared helpers', patterns: ['src/shared.ts'], beadsId: 'bd-a1.1' };
const T2: CoordinatedTask = { id: 'T2', title: 'Feature A', patterns: ['src/a.ts', 'src/shared.ts'], beadsId: 'bd-a1.2' };
const T3: CoordinatedTask = { id: 'T3', title: 'Feature B', patterns: ['src/b.ts'], beadsId: 'bd-a1.3' };

describe('native coordination', () => {
  it('makes a task wait for the running task that holds its file, guards commits, and lets it in once released', async () => {
    const { setup: s, runDir, problems } = setup();
    const coordination = createCoordination(defaultConfig(), s);
    const [w1, w3] = [worktree(), worktree()];

    expect(await coordination.reserve(T1, { agent: 1 })).toEqual({ granted: true });
    await coordination.prepareWorktree('T1', w1);
    expect(await coordination.reserve(T2, { agent: 2 })).toEqual({ granted: false, waitFor: 'T1', file: 'src/shared.ts' });
    expect(await coordination.reserve(T3, { agent: 3 })).toEqual({ granted: true });
    await coordination.prepareWorktree('T3', w3);
    expect(coordination.table.map((r) => r.taskId)).toEqual(['T1', 'T3']);

    // T3's agent strays into T1's file: its commit is refused; T1 commits its own file.
    const strayed = commit(w3, ['src/shared.ts']);
    expect(strayed.code).not.toBe(0);
    expect(strayed.out).toContain('src/shared.ts  reserved by task T1 (agent-1)');
    expect(commit(w1, ['src/shared.ts']).code).toBe(0);

    await coordination.release('T1');
    expect(await coordination.reserve(T2, { agent: 4 })).toEqual({ granted: true });
    const file = JSON.parse(readFileSync(join(runDir, 'reservations.json'), 'utf8'));
    expect(file.reservations.map((r: { taskId: string; agent: number }) => [r.taskId, r.agent])).toEqual([
      ['T3', 3],
      ['T2', 4],
    ]);
    expect(coordination.agentEnv('T2')).toEqual({});
    expect(problems).toEqual([]);
  });

  it('admits a parallel dispatch round one at a time', async () => {
    const { setup: s } = setup();
    const coordination = createCoordination(defaultConfig(), s);
    const outcomes = await Promise.all([coordination.reserve(T1, { agent: 1 }), coordination.reserve(T2, { agent: 2 })]);
    expect(outcomes).toEqual([{ granted: true }, { granted: false, waitFor: 'T1', file: 'src/shared.ts' }]);
  });

  it('keeps nothing from before a crash: a new process rebuilds from the running tasks', async () => {
    const { setup: s, runDir } = setup();
    const before = createCoordination(defaultConfig(), s);
    const [w1, w3] = [worktree(), worktree()];
    await before.reserve(T1, { agent: 1 });
    await before.prepareWorktree('T1', w1);
    await before.reserve(T3, { agent: 3 });
    await before.prepareWorktree('T3', w3);
    expect(commit(w3, ['src/shared.ts']).code).not.toBe(0);

    // xplan dies; T1's agent ended meanwhile. The next xplan knows only the state's running tasks.
    const after = createCoordination(defaultConfig(), setup(runDir).setup);
    await after.recover([{ task: T3, attempt: { agent: 3, worktree: w3 } }], [1]);
    expect(after.table.map((r) => r.taskId)).toEqual(['T3']);
    expect(commit(w3, ['src/shared.ts']).code).toBe(0); // T1's stale reservation no longer blocks
    expect(JSON.parse(readFileSync(join(runDir, 'reservations.json'), 'utf8')).reservations).toHaveLength(1);
  });

  it('reports a commit guard it cannot install, and still grants the reservation', async () => {
    const { setup: s, problems } = setup();
    const coordination = createCoordination(defaultConfig(), s);
    expect(await coordination.reserve(T1, { agent: 1 })).toEqual({ granted: true });
    await coordination.prepareWorktree('T1', tempDir('not-a-worktree-'));
    expect(problems[0]?.message).toMatch(/could not install the commit guard for T1/);
  });
});

interface Double {
  url: string;
  calls: Array<{ tool: string; args: Record<string, unknown> }>;
  messages: Array<{ thread_id: string; subject: string; from: string; to: string[]; importance: string; ack_required: boolean }>;
  reservations: () => Array<{ agent: string; path_pattern: string; reason: string }>;
  failNext: (tool: string, failure: { text?: string; http?: number }, times?: number) => void;
  close: () => Promise<void>;
}
const servers: Double[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function mailSetup(options: Record<string, unknown> = {}) {
  const server = (await startAgentMailServer(options)) as Double;
  servers.push(server);
  const config = { ...defaultConfig(), coordination: 'agent-mail' as const };
  config.agentMail = { ...config.agentMail, url: server.url, token: (options.token as string) ?? null };
  const context = setup();
  const client = new AgentMailClient({ url: server.url, ...(options.token ? { token: options.token as string } : {}), sleep: async () => {}, backoffMs: 1 });
  return { server, config, client, ...context, coordination: createCoordination(config, context.setup, client) };
}

describe('agent mail coordination', () => {
  it('registers, reserves with the beads id, starts the thread, renews, completes and releases, in that order', async () => {
    const { server, coordination, problems } = await mailSetup({ token: 'tok', guardEnabled: true });
    const w1 = worktree();
    expect(await coordination.reserve(T1, { agent: 1 })).toEqual({ granted: true });
    await coordination.prepareWorktree('T1', w1);
    await coordination.notify('T1', { kind: 'started' });
    await coordination.renew('T1');
    await coordination.notify('T1', { kind: 'completed', summary: 'Two commits; verify passed.' });
    await coordination.release('T1');

    expect(server.calls.map((c) => c.tool)).toEqual([
      'ensure_project',
      'register_agent', // xplan itself, xp-<run>-0
      'set_contact_policy',
      'register_agent', // the attempt's agent, xp-<run>-1
      'set_contact_policy',
      'file_reservation_paths',
      'install_precommit_guard',
      'send_message',
      'renew_file_reservations',
      'send_message',
      'release_file_reservations',
    ]);
    expect(server.calls[0]!.args).toMatchObject({ human_key: repo });
    expect(server.calls[3]!.args).toMatchObject({ name: `xp-${RUN}-1`, task_description: 'T1 Shared helpers' });
    expect(server.calls[4]!.args).toMatchObject({ agent_name: `xp-${RUN}-1`, policy: 'open' });
    expect(server.calls[5]!.args).toMatchObject({ paths: ['src/shared.ts'], reason: 'bd-a1.1', exclusive: true, ttl_seconds: 3600 });
    expect(server.calls[6]!.args).toMatchObject({ code_repo_path: w1 });
    expect(server.messages).toMatchObject([
      { thread_id: 'bd-a1.1', subject: '[bd-a1.1] T1 started: Shared helpers', from: `xp-${RUN}-0`, to: [`xp-${RUN}-1`], ack_required: true },
      { thread_id: 'bd-a1.1', subject: '[bd-a1.1] T1 completed: Shared helpers', from: `xp-${RUN}-1`, to: [`xp-${RUN}-0`], ack_required: false },
    ]);
    expect(server.reservations()).toEqual([]);
    expect(coordination.agentEnv('T1')).toEqual({ AGENT_NAME: `xp-${RUN}-1`, WORKTREES_ENABLED: '1' });
    expect(problems).toEqual([]);
  });

  it('posts a blocked task at high importance in its thread', async () => {
    const { server, coordination } = await mailSetup();
    await coordination.reserve(T3, { agent: 3 });
    await coordination.notify('T3', { kind: 'blocked', reason: 'failed: verify — 2 tests fail' });
    expect(server.messages.at(-1)).toMatchObject({ thread_id: 'bd-a1.3', subject: '[bd-a1.3] T3 blocked: Feature B', importance: 'high', from: `xp-${RUN}-3` });
  });

  it('treats a conflict the server granted anyway as a loss: gives it back and waits for the holder', async () => {
    const { server, coordination, client } = await mailSetup();
    // Someone outside this run holds the file on the server.
    await client.ensureProject(repo);
    const other = await client.registerAgent({ projectKey: repo, name: 'human-editor', program: 'vim', model: 'none', taskDescription: '' });
    if (!other.ok) throw new Error(other.failure.message);
    await client.reservePaths(repo, other.value, ['src/*.ts'], { reason: 'hotfix' });

    expect(await coordination.reserve(T1, { agent: 1 })).toEqual({ granted: false, waitFor: 'human-editor', file: 'src/shared.ts', outside: true });
    expect(coordination.table).toEqual([]);
    expect(server.reservations().map((r) => r.agent)).toEqual(['human-editor']);
    expect(server.calls.map((c) => c.tool).slice(-2)).toEqual(['file_reservation_paths', 'release_file_reservations']);
  });

  it('names the holding task when it knows it, and the holding agent when it does not', async () => {
    const { coordination, config, setup: s, client } = await mailSetup();
    await coordination.reserve(T1, { agent: 1 });
    // A coordinator that never registered the holder (here: a second one, without recover) knows only its name.
    expect(await coordination.reserve(T2, { agent: 2 })).toEqual({ granted: false, waitFor: 'T1', file: 'src/shared.ts' });
    const fresh = createCoordination(config, s, client);
    expect(await fresh.reserve(T2, { agent: 2 })).toEqual({ granted: false, waitFor: `xp-${RUN}-1`, file: 'src/shared.ts', outside: true });
  });

  it('goes on with native reservations when the server is down, and reports why', async () => {
    const { server, coordination, problems } = await mailSetup();
    await server.close();
    expect(await coordination.reserve(T1, { agent: 1 })).toEqual({ granted: true });
    await coordination.prepareWorktree('T1', worktree());
    expect(await coordination.reserve(T2, { agent: 2 })).toEqual({ granted: false, waitFor: 'T1', file: 'src/shared.ts' });
    await coordination.notify('T1', { kind: 'started' });
    await coordination.renew('T1');
    await coordination.release('T1');
    expect(problems).toHaveLength(1); // reported once, then the server is left alone for a while
    expect(problems[0]).toMatchObject({ failure: { kind: 'unreachable', tool: 'ensure_project' }, hint: expect.stringContaining('agentMail.url') });
    expect(problems[0]!.hint).toMatch(/Meanwhile the run goes on with native reservations\.$/);
    expect(commit(worktree(), ['src/shared.ts']).code).toBe(0);
    expect(coordination.table).toEqual([]);
  });

  it('retries a busy server, and reports a refused guard without losing the reservation', async () => {
    const { server, coordination, problems } = await mailSetup();
    server.failNext('file_reservation_paths', { text: 'RESOURCE_BUSY: archive lock held' });
    expect(await coordination.reserve(T1, { agent: 1 })).toEqual({ granted: true });
    await coordination.prepareWorktree('T1', worktree());
    expect(server.calls.filter((c) => c.tool === 'file_reservation_paths')).toHaveLength(2);
    expect(server.reservations().map((r) => [r.agent, r.path_pattern, r.reason])).toEqual([[`xp-${RUN}-1`, 'src/shared.ts', 'bd-a1.1']]);
    expect(problems.map((p) => p.failure?.tool)).toEqual(['install_precommit_guard']);
    expect(coordination.agentEnv('T1')).toEqual({ AGENT_NAME: `xp-${RUN}-1` });
  });

  it('on resume gives back what ended attempts still hold on the server and re-takes the running ones', async () => {
    const { server, config, setup: s, client, coordination, problems } = await mailSetup({ guardEnabled: true });
    const w1 = worktree();
    const w3 = worktree();
    await coordination.reserve(T1, { agent: 1 });
    await coordination.prepareWorktree('T1', w1);
    await coordination.reserve(T3, { agent: 3 });
    await coordination.prepareWorktree('T3', w3);
    expect(server.reservations()).toHaveLength(2);

    const resumed = createCoordination(config, s, client);
    await resumed.recover([{ task: T3, attempt: { agent: 3, worktree: w3 } }], [1]);
    expect(server.reservations().map((r) => [r.agent, r.path_pattern])).toEqual([[`xp-${RUN}-3`, 'src/b.ts']]);
    expect(resumed.table.map((r) => r.taskId)).toEqual(['T3']);
    expect(resumed.agentEnv('T3')).toEqual({ AGENT_NAME: `xp-${RUN}-3`, WORKTREES_ENABLED: '1' });
    expect(await resumed.reserve(T2, { agent: 4 })).toEqual({ granted: true });
    expect(problems).toEqual([]);
  });
});
