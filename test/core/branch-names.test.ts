/** The names a run gives its branches and agents: what `git branch`, `xplan status` and `xplan clean` show. */
import { describe, expect, it } from 'vitest';
import { agentBranch, agentName, agentNumberIn, integrationBranch, runBranchPrefix, taskBranch, workingAgent } from '../../src/core/branch-names.js';

describe('branch names', () => {
  it.each([
    ['feature', 3, 'xplan/20261123-114502/agent-3-add-the-export-button'],
    ['stacked', 3, 'xplan/20261123-114502/agent-3-add-the-export-button'],
    ['single', 3, 'xplan/20261123-114502/agent-1-reports'],
  ] as const)('a task in %s branching, agent %i, works on %s', (branching, agent, branch) => {
    expect(taskBranch('20261123-114502', branching, agent, 'Add the export button', 'Reports')).toBe(branch);
    expect(branch.startsWith(runBranchPrefix('20261123-114502'))).toBe(true);
  });

  it('the integration branch and every agent branch share the run prefix, which clean lists the branches by', () => {
    expect(integrationBranch('20261123-114502')).toBe('xplan/20261123-114502/integration');
    expect(agentBranch('20261123-114502', 12, 'Ünïcode — titles!')).toBe('xplan/20261123-114502/agent-12-unicode-titles');
    expect(runBranchPrefix('20261123-114502')).toBe('xplan/20261123-114502/');
  });

  it.each([
    [agentName(7), 7],
    [agentBranch('20261123-114502', 12, 'Write agent-3 docs'), 12],
    [integrationBranch('20261123-114502'), undefined],
    ['notes', undefined],
  ])('the agent number in %s is %s', (name, agent) => {
    expect(agentNumberIn(name)).toBe(agent);
  });

  it("in single branching every task works in agent 1's worktree", () => {
    expect(workingAgent('single', 5)).toBe(1);
    expect(workingAgent('feature', 5)).toBe(5);
  });
});
