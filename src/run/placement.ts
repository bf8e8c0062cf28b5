/**
 * Where a new attempt works: its branch, its worktree, and the commit its work is counted from, following the
 * plan's branching (`single`: one branch for the run; `feature`: each task from the run base; `stacked`: from its
 * dependencies' branches, merged).
 */
import { agentBranch, taskBranch } from '../core/branch-names.js';
import type { Plan, Task } from '../core/plan/plan.js';
import { lastAttempt, type Attempt, type RunState } from '../core/run/run.js';
import type { Vcs } from './ports.js';

export interface Placement {
  branch: string;
  worktree: string;
  base: string;
}

export interface PlacementContext {
  vcs: Vcs;
  root: string;
  run: RunState;
  plan: Plan;
  worktreeOf: (agent: number) => string;
  exists: (path: string) => boolean;
}

/** Places a new attempt of `task` by agent `agent`; `previous` is the attempt it continues, if any. */
export async function placeAttempt(ctx: PlacementContext, task: Task, agent: number, previous: Attempt | undefined): Promise<Placement | { conflict: string }> {
  const { vcs, root, run, plan } = ctx;
  if (run.branching === 'single') {
    // One branch and one worktree for the whole run; tasks take turns on it.
    const worktree = ctx.worktreeOf(1);
    const branch = taskBranch(run.id, run.branching, 1, task.title, plan.spec.title);
    if (!ctx.exists(worktree)) await vcs.addWorktree(root, worktree, branch, run.base.commit);
    return { branch, worktree, base: previous?.base ?? (await vcs.branchHead(root, branch)) };
  }
  const branch = agentBranch(run.id, agent, task.title);
  if (!(await vcs.isValidBranchName(root, branch))) throw new Error(`\`${branch}\` is not a valid branch name`);
  const worktree = ctx.worktreeOf(agent);
  if (previous) {
    // A new attempt continues from where the last one stopped; its work still counts from the task's start.
    await vcs.addWorktree(root, worktree, branch, await vcs.branchHead(root, previous.branch));
    return { branch, worktree, base: previous.base };
  }
  const depBranches = run.branching === 'stacked' ? task.dependsOn.map((dep) => lastAttempt(run.tasks[dep])?.branch).filter((b): b is string => b !== undefined) : [];
  if (depBranches.length === 0) {
    // Every dependency is merged by now: starting from the integration head, the agent builds on their work.
    const start = run.integration?.head ?? run.base.commit;
    await vcs.addWorktree(root, worktree, branch, start);
    return { branch, worktree, base: start };
  }
  await vcs.addWorktree(root, worktree, branch, await vcs.branchHead(root, depBranches[0]!));
  if (depBranches.length > 1) {
    const merged = await vcs.mergeBranches(worktree, depBranches.slice(1), `Merge the dependencies of ${task.id}`);
    if (!merged.ok) {
      if ('error' in merged) throw new Error(`git could not merge the branches of ${task.dependsOn.join(', ')}: ${merged.error}`);
      return { conflict: `merging the branches of ${task.dependsOn.join(', ')} conflicts in ${merged.files.join(', ')}` };
    }
  }
  return { branch, worktree, base: await vcs.branchHead(root, branch) };
}
