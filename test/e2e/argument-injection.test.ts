/**
 * Values xplan passes to git, bd and claude come from specs, plans and hand-edited state: one that starts with `-`
 * must stay a value. Each case runs the real program (the faithful fake for bd) and shows the value was not read
 * as an option.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEpicStatus, BeadsCli } from '../../src/adapters/tools/beads.js';
import { claudeArgs } from '../../src/adapters/tools/claude-code.js';
import { addWorktree, commitsSince, deleteBranch, mergeBranches, removeWorktree, unmergedCount } from '../../src/adapters/tools/git.js';
import { defaultConfig } from '../../src/core/config.js';
import { REPO_ROOT, tempDir, tempRepo } from '../support/cli.js';
import { startModelServer } from '../support/model-server.mjs';
import { CLAUDE_BIN, claudeEnv, git } from '../support/run-repo.js';

function committedRepo(): string {
  const repo = tempRepo();
  git(repo, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
  return repo;
}

describe('git: a value starting with - stays a value', () => {
  it('a worktree path starting with - is created and removed as a path', async () => {
    const repo = committedRepo();
    await addWorktree(repo, '-wt', 'xplan/run/agent-1-x', 'HEAD');
    expect(existsSync(join(repo, '-wt/.git'))).toBe(true);
    await removeWorktree(repo, '-wt');
    expect(existsSync(join(repo, '-wt'))).toBe(false);
  });

  it('a base commit like --output=<file> is a bad revision, not an output file', async () => {
    const repo = committedRepo();
    const target = join(tempDir(), 'written-by-git');
    await expect(commitsSince(repo, `--output=${target}`)).rejects.toThrow(/git .*failed/);
    await expect(unmergedCount(repo, 'main', `--output=${target}`)).rejects.toThrow(/git .*failed/);
    expect(existsSync(`${target}..HEAD`)).toBe(false);
    expect(existsSync(`${target}..main`)).toBe(false);
  });

  it('a branch to merge or delete that looks like an option is refused as an unknown branch', async () => {
    const repo = committedRepo();
    git(repo, ['branch', 'feature']);
    git(repo, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'second']);
    git(repo, ['checkout', '-q', 'feature']);
    git(repo, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'on feature']);
    git(repo, ['checkout', '-q', 'main']);
    const head = git(repo, ['rev-parse', 'HEAD']);
    // As an option, --no-commit would leave a merge half done; as a branch name, it is not something to merge.
    const merged = await mergeBranches(repo, ['--no-commit', 'feature'], 'merge');
    expect(merged.ok).toBe(false);
    expect(existsSync(join(repo, '.git/MERGE_HEAD'))).toBe(false);
    expect(git(repo, ['rev-parse', 'HEAD'])).toBe(head);
    await expect(deleteBranch(repo, '--list')).rejects.toThrow(/branch '--list' not found/);
  });
});

describe('bd: titles and ids starting with - stay values', () => {
  const env = { PATH: `${join(REPO_ROOT, 'test/support/fake-bd')}:${process.env.PATH}` };

  /** A directory with a beads workspace (prefix xp), and bd on it. */
  async function workspace(): Promise<BeadsCli> {
    const dir = tempDir('xplan-bd-');
    expect(spawnSync(join(REPO_ROOT, 'test/support/fake-bd/bd'), ['init', '-p', 'xp', '-q'], { cwd: dir, env, encoding: 'utf8' }).status).toBe(0);
    return (await BeadsCli.detect(dir, env))!;
  }

  it('creates an issue titled like a flag, and addresses ids that look like flags as ids', async () => {
    const bd = await workspace();
    expect(bd).toBeDefined();
    const fields = { type: 'task', priority: 2, design: '-d x', acceptance: '--force', labels: ['xplan'], externalRef: '--parent=xp-0000', metadata: { xplan: 'T1' } };
    const id = await bd.create({ ...fields, title: '--description=pwned', description: '--title=also pwned' });
    const [issue] = (await bd.show([id])) as Array<{ title: string; description?: string; external_ref?: string }>;
    expect(issue).toMatchObject({ title: '--description=pwned', description: '--title=also pwned', external_ref: '--parent=xp-0000' });
    await expect(bd.setStatus('--help', 'in_progress')).rejects.toThrow(/not found: --help/);
    await expect(bd.close('-f', 'reason')).rejects.toThrow(/not found: -f/);
    await expect(bd.addDependency(id, '--type=parent-child')).rejects.toThrow(/not found: --type=parent-child/);
    await bd.update(id, [
      ['--title', '-p 0'],
      ['--estimate', '30'],
    ]);
    expect((await bd.show([id]))[0]).toMatchObject({ title: '-p 0', priority: 2, estimated_minutes: 30 });
  });

  it('the workspace prefix, a create --graph transaction and an epic closed without force keep flag-like values as values', async () => {
    const bd = await workspace();
    expect(await bd.prefix()).toBe('xp');
    const node = { type: 'task', description: '--force', priority: 2, labels: ['xplan'], metadata: { xplanTask: '-T1' } };
    const ids = await bd.createGraph({
      commit_message: '--amend',
      nodes: [
        { ...node, key: 'epic', title: '--title=epic', type: 'epic' },
        { ...node, key: 'a', title: '-r done', parent_key: 'epic' },
      ],
      edges: [],
    });
    const [epic, child] = await bd.show([ids.epic!, ids.a!]);
    expect([epic!.title, child!.title, child!.description, child!.metadata]).toEqual(['--title=epic', '-r done', '--force', { xplanTask: '-T1' }]);
    // Without --force, bd itself refuses to close an epic with an open child: `-f` in the reason did not become one.
    await expect(applyEpicStatus(bd, ids.epic!, { status: 'closed', reason: '-f' })).rejects.toThrow(/open children/);
    await expect(applyEpicStatus(bd, '--force', { status: 'closed', reason: 'done' })).rejects.toThrow(/not found: --force/);
    await bd.close(ids.a!, '--reason=x');
    await applyEpicStatus(bd, ids.epic!, { status: 'closed', reason: '-f' });
    expect((await bd.show([ids.epic!]))[0]).toMatchObject({ status: 'closed', close_reason: '-f' });
  });
});

describe('claude: configured values stay values', () => {
  let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('an allowed-tools entry that looks like an option does not become one', async () => {
    server = await startModelServer(() => ({ text: 'Done.' }));
    const settings = { ...defaultConfig().claude, allowedTools: ['Read', '--append-system-prompt=INJECTED-INTO-SYSTEM-PROMPT'] };
    const args = claudeArgs(settings, { sessionId: '6ba7b810-9dad-41d1-80b4-00c04fd430c8', verify: null });
    const cwd = tempDir('xplan-claude-cwd-');
    const child = spawn(CLAUDE_BIN, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...claudeEnv(server.url) }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end('Task T1: say done.');
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(server.requests.length).toBeGreaterThan(0);
    for (const request of server.requests) expect(request.system).not.toContain('INJECTED-INTO-SYSTEM-PROMPT');
  }, 60_000);

  it('every value is attached to its option with =', () => {
    const settings = { ...defaultConfig().claude, model: '-m', maxBudgetUsd: 2, allowedTools: ['Read', '-x'] };
    const args = claudeArgs(settings, { sessionId: 'abc', verify: 'npm test', resume: true });
    for (const arg of args) expect(arg.startsWith('-') || arg === undefined, `bare value ${arg}`).toBe(true);
    expect(args).toEqual(expect.arrayContaining(['--model=-m', '--resume=abc', '--allowedTools=-x', '--allowedTools=Bash(npm test:*)', '--max-budget-usd=2']));
  });
});
