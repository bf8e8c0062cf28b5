/**
 * The merge queue's one step: merge a completed task's branch into the run's integration branch and verify the
 * result there. A conflict is aborted (the files, and the merged tasks whose work they clash with, are named); a
 * failing verify undoes the merge. The caller records the step before it starts, so a crash mid-merge is undone
 * on resume and never merges twice; a merge a killed xplan made before it died is recognised (the integration head
 * holds the branch) and only verified, never made again. Every git and verify here runs in a recorded process group.
 */
import type { Integration } from '../core/run/run.js';
import { redactSecrets } from '../core/secrets.js';
import type { RunPorts, Track } from './ports.js';

export type MergeOutcome =
  | { kind: 'merged'; commit: string; diffStat: string }
  | { kind: 'conflict'; files: string[]; with: string[] }
  | { kind: 'verify-failed'; reason: string; output: string }
  /** git refused for another reason than the content (a lock, a file in the way): not a conflict, not history. */
  | { kind: 'git-failed'; message: string };

export interface MergeInput {
  root: string;
  integration: Integration;
  taskId: string;
  title: string;
  branch: string;
  /** Tasks already merged, to name the ones a conflict clashes with. */
  merged: Array<{ taskId: string; branch: string; base: string }>;
  verifyTimeoutMinutes: number;
  /** Records each process group before it starts. */
  track?: Track;
}

export async function mergeTask(ports: Pick<RunPorts, 'vcs' | 'verifier'>, input: MergeInput, onVerify: (stop: (graceMs: number) => Promise<void>) => () => void): Promise<MergeOutcome> {
  const { vcs } = ports;
  const { worktree, head: before, verify } = input.integration;
  const tip = await vcs.branchHead(input.root, input.branch);
  const current = await vcs.head(worktree);
  // Already there (an earlier xplan merged it and was killed before it could say so): it is verified, not merged again.
  const already = (current === before || (await vcs.contains(worktree, before, current))) && (await vcs.contains(worktree, tip, current));
  const result = already ? { ok: true as const } : await vcs.mergeBranches(worktree, [input.branch], `[${input.taskId}] Merge ${input.title}`, input.track);
  if (!result.ok && 'error' in result) return { kind: 'git-failed', message: redactSecrets(result.error) };
  if (!result.ok) {
    const clashing: string[] = [];
    for (const other of input.merged) {
      const touched = await vcs.changedFiles(input.root, other.base, other.branch).catch(() => []);
      if (touched.some((file) => result.files.includes(file))) clashing.push(other.taskId);
    }
    return { kind: 'conflict', files: result.files, with: clashing };
  }
  const commit = await vcs.head(worktree);
  if (verify) {
    const running = ports.verifier.run(verify, worktree, input.verifyTimeoutMinutes * 60_000, input.track);
    const done = onVerify(running.stop);
    const outcome = await running.result.finally(done);
    if (outcome.exitCode !== 0 || outcome.timedOut) {
      await vcs.resetHard(worktree, before);
      const why = outcome.timedOut ? `timed out after ${input.verifyTimeoutMinutes} min` : `exited with ${outcome.exitCode ?? outcome.signal}`;
      const last = outcome.output.trim().split('\n').pop()?.trim();
      return {
        kind: 'verify-failed',
        reason: redactSecrets(`after merging into the integration branch, \`${verify}\` ${why}${last ? `: ${last.slice(0, 200)}` : ''}`),
        output: redactSecrets(outcome.output),
      };
    }
  }
  return { kind: 'merged', commit, diffStat: await vcs.diffStat(input.root, before, commit) };
}
