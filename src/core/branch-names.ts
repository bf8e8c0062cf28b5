/**
 * How a run names things, in one place: its id, the branches of its agents and its integration branch, and the
 * `agent-<n>` name each agent's folders share. Pure; where those folders live is RunFiles' business.
 *   run id              20261123-114502
 *   agent branch        xplan/<run>/agent-<n>-<slug of the task title>
 *   integration branch  xplan/<run>/integration
 */
import type { Branching } from './plan/plan.js';
import { redactSecrets } from './secrets.js';

const BRANCH_ROOT = 'xplan';

/** What the integration branch and the integration worktree are called. */
export const INTEGRATION_NAME = 'integration';

/** Run ids sort by time and are valid in branch names: `20261123-114502`. */
export function runIdFor(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Branch-name slug: lowercase words joined by dashes, safe for `git check-ref-format`. A secret in the text is
 * redacted first: lowercased and cut, it would no longer be recognised anywhere it goes.
 */
export function slugify(text: string, maxLength = 40): string {
  const slug = redactSecrets(text)
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = slug.length > maxLength ? slug.slice(0, maxLength).replace(/-[^-]*$/, '') || slug.slice(0, maxLength) : slug;
  return cut.replace(/-+$/g, '') || 'task';
}

/** `agent-<n>`: the name of an agent's run folder and worktree, and the start of its branch's last part. */
export function agentName(agent: number): string {
  return `agent-${agent}`;
}

/** The agent number in a name made by agentName or agentBranch (a folder name or a whole branch), if any. */
export function agentNumberIn(name: string): number | undefined {
  const found = /(?:^|\/)agent-(\d+)/.exec(name)?.[1];
  return found === undefined ? undefined : Number(found);
}

/** Every branch of a run starts with this. */
export function runBranchPrefix(runId: string): string {
  return `${BRANCH_ROOT}/${runId}/`;
}

export function agentBranch(runId: string, agent: number, title: string): string {
  return `${runBranchPrefix(runId)}${agentName(agent)}-${slugify(title)}`;
}

export function integrationBranch(runId: string): string {
  return `${runBranchPrefix(runId)}${INTEGRATION_NAME}`;
}

/** The agent whose branch and worktree a task works in: its own, or in `single` branching the run's one (agent 1). */
export function workingAgent(branching: Branching, agent: number): number {
  return branching === 'single' ? 1 : agent;
}

/** The branch a task works on: its agent's own, or in `single` branching the run's one, named after the spec. */
export function taskBranch(runId: string, branching: Branching, agent: number, taskTitle: string, specTitle: string): string {
  return branching === 'single' ? agentBranch(runId, 1, specTitle) : agentBranch(runId, agent, taskTitle);
}
