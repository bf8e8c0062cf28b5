/** The commit guard in real repositories with real worktrees and real `git commit`. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { guardDir, installCommitGuard, installedGuard, RESERVATIONS_FILE, writeReservations } from '../../src/adapters/tools/commit-guard.js';
import type { ReservationTable } from '../../src/core/run/reservations.js';
import { tempDir, tempRepo, writeFiles } from '../support/cli.js';

const AT = '2026-01-01T00:00:00.000Z';
const RUN = '20260101-000000';

function git(cwd: string, args: string[]): { code: number | null; out: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function ok(cwd: string, args: string[]): string {
  const result = git(cwd, args);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.out}`);
  return result.out.trim();
}

/** Stages the files (written with new content) and tries to commit them. */
function commit(cwd: string, files: string[], message = 'change'): { code: number | null; out: string } {
  writeFiles(cwd, Object.fromEntries(files.map((f) => [f, `changed in ${cwd} at ${Math.random()}\n`])));
  ok(cwd, ['add', '--', ...files]);
  return git(cwd, ['commit', '-q', '-m', message]);
}

let repo: string;
let worktreeA: string;
let worktreeB: string;
let reservations: string;

const table: ReservationTable = [
  { taskId: 'T1', agent: 1, patterns: ['src/shared.ts', 'src/api/**'], exclusive: true, since: AT },
  { taskId: 'T2', agent: 2, patterns: ['src/ui.ts'], exclusive: true, since: AT },
];

let count = 0;
let baseB: string;

beforeAll(() => {
  repo = tempRepo();
  ok(repo, ['config', 'user.name', 'Test User']);
  ok(repo, ['config', 'user.email', 'test@example.com']);
  writeFiles(repo, { 'src/shared.ts': 'x\n', 'src/ui.ts': 'x\n', 'src/api/users.ts': 'x\n', 'README.md': '# r\n' });
  ok(repo, ['add', '.']);
  ok(repo, ['commit', '-q', '-m', 'init']);
});

// Each test gets two fresh worktrees of the shared repository, both at its first commit.
beforeEach(async () => {
  const trees = tempDir('xplan-worktrees-');
  count++;
  worktreeA = join(trees, 'agent-1');
  worktreeB = join(trees, 'agent-2');
  ok(repo, ['worktree', 'add', '-q', '-b', `a${count}`, worktreeA, 'HEAD']);
  ok(repo, ['worktree', 'add', '-q', '-b', `b${count}`, worktreeB, 'HEAD']);
  baseB = ok(worktreeB, ['rev-parse', 'HEAD']);
  reservations = join(tempDir('xplan-run-'), RESERVATIONS_FILE);
  await writeReservations(reservations, RUN, table, AT);
});

describe('commit guard', () => {
  it("refuses a commit in T2's worktree that stages T1's file, saying which file, who holds it and what to do", async () => {
    await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });
    const refused = commit(worktreeB, ['src/shared.ts', 'src/ui.ts']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('xplan: commit refused');
    expect(refused.out).toContain('src/shared.ts  reserved by task T1 (agent-1)');
    expect(refused.out).toContain("git restore --staged -- 'src/shared.ts'");
    expect(refused.out).toContain('Files reserved for T2: src/ui.ts');
    expect(refused.out).not.toContain('src/ui.ts  reserved');
    expect(ok(worktreeB, ['rev-parse', 'HEAD'])).toBe(baseB);
    expect(ok(worktreeB, ['status', '--porcelain'])).toContain('src/shared.ts');

    // Following the advice works: unstage the held file, commit the rest.
    ok(worktreeB, ['restore', '--staged', '--', 'src/shared.ts']);
    expect(git(worktreeB, ['commit', '-q', '-m', 'ui only']).code).toBe(0);
    expect(ok(worktreeB, ['show', '--name-only', '--format=', 'HEAD'])).toBe('src/ui.ts');
  });

  it('names the pattern when a glob holds the file, and catches deletions and renames', async () => {
    await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });
    const added = commit(worktreeB, ['src/api/orders.ts']);
    expect(added.out).toContain('src/api/orders.ts  reserved by task T1 (agent-1, pattern src/api/**)');
    ok(worktreeB, ['reset', '-q', '--hard']);
    ok(worktreeB, ['mv', 'src/api/users.ts', 'src/people.ts']);
    const renamed = git(worktreeB, ['commit', '-q', '-m', 'move']);
    expect(renamed.code).not.toBe(0);
    expect(renamed.out).toContain('src/api/users.ts  reserved by task T1');
  });

  it('lets a task commit its own files and files nobody holds', async () => {
    await installCommitGuard({ worktree: worktreeA, runId: RUN, taskId: 'T1', reservationsFile: reservations });
    expect(commit(worktreeA, ['src/shared.ts', 'src/api/users.ts', 'README.md']).code).toBe(0);
  });

  it('affects only the worktree it is installed in', async () => {
    await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });
    expect(commit(worktreeA, ['src/ui.ts']).code).toBe(0); // worktree A has no guard: T2's file commits there
    expect(commit(repo, ['src/shared.ts']).code).toBe(0); // nor does the main checkout
    expect(git(repo, ['config', 'core.hooksPath']).code).not.toBe(0);
    expect(git(worktreeA, ['config', 'core.hooksPath']).code).not.toBe(0);
    expect(ok(worktreeB, ['config', 'core.hooksPath'])).toBe(await guardDir(worktreeB));
  });

  it('follows the reservations file: a released file commits, and no file means no check', async () => {
    await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });
    expect(commit(worktreeB, ['src/shared.ts']).code).not.toBe(0);
    await writeReservations(
      reservations,
      RUN,
      table.filter((r) => r.taskId !== 'T1'),
      AT,
    );
    expect(git(worktreeB, ['commit', '-q', '-m', 'now free']).code).toBe(0);
    rmSync(reservations);
    expect(commit(worktreeB, ['src/ui.ts', 'src/api/users.ts']).code).toBe(0);
  });

  it("ignores a shared (non-exclusive) reservation and another run's file", async () => {
    await writeReservations(reservations, RUN, [{ ...table[0]!, exclusive: false }], AT);
    await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });
    expect(commit(worktreeB, ['src/shared.ts']).code).toBe(0);
    await writeReservations(reservations, 'another-run', table, AT);
    expect(commit(worktreeB, ['src/shared.ts']).code).toBe(0);
  });

  it("still runs the repository's own hooks after the guard", async () => {
    const hooks = ok(repo, ['rev-parse', '--absolute-git-dir']) + '/hooks';
    writeFiles(hooks, {
      'pre-commit': '#!/bin/sh\necho "repo pre-commit ran" >&2\nexit 3\n',
      'commit-msg': '#!/bin/sh\ngrep -q "\\[T2\\]" "$1" || { echo "commit-msg: needs [T2]" >&2; exit 1; }\n',
    });
    try {
      chmodSync(join(hooks, 'pre-commit'), 0o755);
      chmodSync(join(hooks, 'commit-msg'), 0o755);
      await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });

      const blockedByGuard = commit(worktreeB, ['src/shared.ts']);
      expect(blockedByGuard.out).toContain('xplan: commit refused');
      expect(blockedByGuard.out).not.toContain('repo pre-commit ran'); // the guard refused first
      ok(worktreeB, ['reset', '-q', '--hard']);

      const blockedByRepoHook = commit(worktreeB, ['src/ui.ts'], '[T2] ui');
      expect(blockedByRepoHook.code).not.toBe(0);
      expect(blockedByRepoHook.out).toContain('repo pre-commit ran');

      chmodSync(join(hooks, 'pre-commit'), 0o644); // not executable: git would skip it, so the chain does too
      expect(git(worktreeB, ['commit', '-q', '-m', 'no prefix']).out).toContain('commit-msg: needs [T2]');
      expect(git(worktreeB, ['commit', '-q', '-m', '[T2] ui']).code).toBe(0);
    } finally {
      rmSync(join(hooks, 'pre-commit'));
      rmSync(join(hooks, 'commit-msg'));
    }
  });

  it('reinstalls idempotently, keeping what it chains to, and records its configuration', async () => {
    const first = await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });
    const second = await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T3', reservationsFile: reservations });
    expect(second.chain).toBe(first.chain);
    expect(first.chain.endsWith('/hooks')).toBe(true);
    expect(await installedGuard(worktreeB)).toEqual(second);
    expect(await installedGuard(worktreeA)).toBeUndefined();
  });

  it('goes away with its worktree', async () => {
    await installCommitGuard({ worktree: worktreeB, runId: RUN, taskId: 'T2', reservationsFile: reservations });
    const dir = await guardDir(worktreeB);
    expect(existsSync(dir)).toBe(true);
    ok(repo, ['worktree', 'remove', '--force', worktreeB]);
    expect(existsSync(dir)).toBe(false);
    expect(commit(repo, ['src/ui.ts', 'src/shared.ts']).code).toBe(0);
  });

  it('fails with the worktree named when the directory is not a git worktree', async () => {
    await expect(installCommitGuard({ worktree: tempDir(), runId: RUN, taskId: 'T2', reservationsFile: reservations })).rejects.toThrow(/git rev-parse --absolute-git-dir failed in/);
  });
});
