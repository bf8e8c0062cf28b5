/**
 * The merge queue of a run: completed tasks go into the integration branch one at a time, in the plan's merge
 * order, each recorded before it starts (so a crash mid-merge is undone on resume, never merged twice). The step
 * itself (merge, verify, undo) is merge-queue.ts.
 */
import { relative } from 'node:path';
import { pauseForConflicts } from '../core/run/run-control.js';
import { clashes } from '../core/run/reservations.js';
import {
  beginMerge,
  BUSY,
  holdMerge,
  type Attempt,
  conflictCount,
  conflictMerge,
  failIntegration,
  failMerge,
  isActiveRun,
  landMerge,
  lastAttempt,
  nextToMerge,
  unchanged,
  undoMerge,
} from '../core/run/run.js';
import { graceMs, type RunContext } from './context.js';
import { mergeTask } from './merge-queue.js';
import type { RunArchive } from './ports.js';

/** Tries at a merge that git refuses for another reason than a conflict, before the task fails with git's message. */
const GIT_MERGE_ATTEMPTS = 2;

export class MergeQueue {
  /** The merge under way, if any: one at a time. */
  private merging: string | undefined;
  /** git failures (not conflicts) of each task's merge in this process: retried, then failed. */
  private readonly gitMergeFailures = new Map<string, number>();

  constructor(
    private readonly ctx: RunContext,
    private readonly archive: RunArchive,
    /** The repository root: the integration verify log is named relative to it. */
    private readonly root: string,
  ) {}

  /** Whether completed work still waits to be merged (the loop does not let go before it is). */
  get pending(): boolean {
    const { run, plan } = this.ctx;
    return !this.ctx.stoppingNow && isActiveRun(run) && run.stop === undefined && nextToMerge(run, plan) !== undefined;
  }

  /**
   * A merge cut short by a crash is undone: whatever the killed xplan still ran for it (its git merge, its
   * integration verify) is stopped first, and only then is the integration worktree touched. A merge git had
   * already made is kept and recognised (it is verified and recorded, not made again); anything else goes back to
   * the head recorded before it, and the task takes its turn in the queue again. Nothing is merged twice, and no
   * half-merge stays.
   */
  async undoInterrupted(): Promise<void> {
    const { ports } = this.ctx;
    const stopped = (await ports.groups?.stopAll(graceMs(this.ctx.config))) ?? [];
    const run = this.ctx.run;
    const integration = run.integration;
    if (!integration) return;
    const { vcs } = ports;
    await vcs.clearStaleLocks(integration.worktree);
    const merging = Object.entries(run.tasks).find(([, t]) => t.merge?.state === 'merging');
    const before = merging?.[1].merge?.before ?? integration.head;
    const branch = lastAttempt(merging?.[1])?.branch;
    const head = await vcs.head(integration.worktree).catch(() => undefined);
    const tip = branch ? await vcs.branchHead(this.root, branch).catch(() => undefined) : undefined;
    const made = head !== undefined && tip !== undefined && head !== before && (await vcs.contains(integration.worktree, before, head)) && (await vcs.contains(integration.worktree, tip, head));
    await vcs.resetHard(integration.worktree, made ? head : before);
    if (!merging) return;
    const left = stopped.length > 0 ? ` (the killed xplan's ${stopped.map((g) => g.what.split(' in ')[0]).join(', ')} was still running and was stopped)` : '';
    const reason = made ? `the merge was made before the crash; it is verified and recorded, not made again${left}` : `the merge was cut short; it runs again${left}`;
    await this.ctx.commit((r) => undoMerge(r, merging[0], reason));
  }

  /** Starts the next merge in the queue in the background, when none is under way. */
  next(): void {
    const { ctx } = this;
    if (this.merging !== undefined || !isActiveRun(ctx.run) || ctx.stoppingNow) return;
    const taskId = nextToMerge(ctx.run, ctx.plan);
    if (!taskId) return;
    this.merging = taskId;
    const merged: Promise<void> = this.merge(taskId)
      .catch((error: unknown) => this.mergeFailed(taskId, error))
      .then(() => ctx.releaseFiles(taskId))
      .finally(() => {
        this.merging = undefined;
        ctx.background.delete(merged);
        // The next merge starts now, not when the loop comes round (it may be busy starting a round of agents); the
        // loop wakes to dispatch what this merge released.
        this.next();
        ctx.wake();
      });
    ctx.background.add(merged);
  }

  private async merge(taskId: string): Promise<void> {
    const { ctx } = this;
    const integration = ctx.run.integration!;
    const task = ctx.plan.tasks.find((t) => t.id === taskId)!;
    const attempt = lastAttempt(ctx.run.tasks[taskId])!;
    const intrusion = await this.reservedByOthers(taskId, attempt);
    if (intrusion) {
      const reason = `its commits change ${intrusion.file}, which ${intrusion.heldBy} (still running) has reserved; they were made past the commit guard (\`git commit --no-verify\`), so it is not merged. Once ${intrusion.heldBy} is merged, run it again with \`xplan retry ${taskId}\``;
      return ctx.commit((r) => holdMerge(r, taskId, { reason, ...intrusion, at: ctx.at() }));
    }
    await ctx.commit((r) => beginMerge(r, taskId, ctx.at()));
    const merged = Object.entries(ctx.run.tasks)
      .filter(([, t]) => t.merge?.state === 'merged')
      .flatMap(([id, t]) => {
        const last = lastAttempt(t);
        return last ? [{ taskId: id, branch: last.branch, base: last.base }] : [];
      });
    const outcome = await mergeTask(
      ctx.ports,
      {
        root: this.root,
        integration,
        taskId,
        title: task.title,
        branch: attempt.branch,
        merged,
        verifyTimeoutMinutes: ctx.config.run.verifyTimeoutMinutes,
        ...(ctx.ports.groups ? { track: ctx.ports.groups.track.bind(ctx.ports.groups) } : {}),
      },
      (stop) => ctx.whileVerifying(stop),
    );
    const at = ctx.at();
    switch (outcome.kind) {
      case 'merged':
        return ctx.commit((r) => landMerge(r, ctx.plan, taskId, { commit: outcome.commit, diffStat: outcome.diffStat, at }));
      case 'verify-failed': {
        // Stopped with the run (SIGTERM, a second Ctrl-C), not failed: the merge was undone; it runs again on resume.
        if (ctx.stoppingNow) return ctx.commit((r) => undoMerge(r, taskId, 'the run was stopped during its verify; it runs again'));
        const log = await ctx.dirs.writeIntegrationLog(attempt.agent, outcome.output);
        return ctx.commit((r) => failIntegration(r, taskId, outcome.reason, at, relative(this.root, log)));
      }
      case 'git-failed': {
        // Nothing of the task's content is at fault: put the worktree back, try again, and fail only if git keeps refusing.
        const integrationNow = ctx.run.integration;
        if (integrationNow) await ctx.ports.vcs.resetHard(integrationNow.worktree, integrationNow.head).catch(() => {});
        const failures = (this.gitMergeFailures.get(taskId) ?? 0) + 1;
        this.gitMergeFailures.set(taskId, failures);
        if (failures < GIT_MERGE_ATTEMPTS) return ctx.commit((r) => undoMerge(r, taskId, `git could not merge it (${outcome.message}); trying again`));
        const reason = `git could not merge the task's branch into the integration branch: ${outcome.message}`;
        return ctx.commit((r) => failMerge(r, taskId, reason, at));
      }
      case 'conflict': {
        await this.archive.recordConflict({ run: ctx.run.id, tasks: [taskId, ...outcome.with], files: outcome.files, at });
        await ctx.commit((r) => conflictMerge(r, taskId, { files: outcome.files, with: outcome.with, at }));
        return this.pauseOnTooManyConflicts();
      }
    }
  }

  /**
   * The commit guard can be skipped (`git commit --no-verify`): at merge time the task's changes are checked against
   * the reservations of the other tasks still running, and the first file one of them holds is named.
   */
  private async reservedByOthers(taskId: string, attempt: Attempt): Promise<{ file: string; heldBy: string } | undefined> {
    const { ctx } = this;
    const others = (ctx.ports.coordination?.table ?? []).filter((r) => r.taskId !== taskId && BUSY.has(ctx.run.tasks[r.taskId]?.state ?? 'waiting'));
    if (others.length === 0) return undefined;
    const files = await ctx.ports.vcs.changedFiles(this.root, attempt.base, attempt.branch);
    const clash = clashes(others, taskId, files)[0];
    return clash ? { file: clash.file, heldBy: clash.heldBy } : undefined;
  }

  /** Past run.maxConflicts, parallel tasks keep clashing: dispatching pauses, and the hot files are named. */
  private async pauseOnTooManyConflicts(): Promise<void> {
    const { ctx } = this;
    const limit = ctx.config.run.maxConflicts;
    if (conflictCount(ctx.run) < limit || ctx.run.status !== 'running') return;
    const files = [...new Set(Object.values(ctx.run.tasks).flatMap((t) => t.conflict?.files ?? []))];
    const reason = `${conflictCount(ctx.run)} merge conflicts in this run (run.maxConflicts: ${limit}), in ${files.join(', ')}: re-plan so that tasks touching these files do not run in parallel (\`xplan cancel\`, then \`xplan plan\`, which reads the conflict history), or go on with \`xplan resume\``;
    await ctx.commit((r) => (r.status === 'running' ? pauseForConflicts(r, { reason, files }) : unchanged(r)));
  }

  /** The merge itself broke (git refused): the task fails with the reason, and the integration head is restored. */
  private async mergeFailed(taskId: string, error: unknown): Promise<void> {
    const { ctx } = this;
    const reason = `xplan could not merge the task's branch: ${error instanceof Error ? error.message : String(error)}`;
    const integration = ctx.run.integration;
    if (integration) await ctx.ports.vcs.resetHard(integration.worktree, integration.head).catch(() => {});
    await ctx.commit((r) => failIntegration(r, taskId, reason, ctx.at())).catch(() => {});
  }
}
