import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAgentPrompt, type AgentPromptInput } from '../../src/core/run/agent-prompt.js';
import type { Task } from '../../src/core/plan/plan.js';
import { task as planTask } from '../support/plan-builder.js';

const template = readFileSync(new URL('../../templates/agent-prompt.md', import.meta.url), 'utf8');
const task: Task = { ...planTask('T2'), title: 'Feature A', description: 'Build feature A.', acceptanceCriteria: ['A works'], files: ['src/a.ts'] };
const input: AgentPromptInput = { task, specTitle: 'Spec', specs: [{ path: 'spec.md', text: '# Spec' }], dependencies: [], branch: 'b', worktree: '/w', verify: null };

describe('the agent prompt: reserved files', () => {
  it('tells the agent its own files and the files other running tasks hold', () => {
    const prompt = renderAgentPrompt(template, { ...input, reservations: { own: ['src/a.ts'], heldByOthers: [{ taskId: 'T1', patterns: ['src/shared.ts', 'src/api/**'] }] } });
    expect(prompt).toContain('## Files\n\n- Reserved for you: `src/a.ts`.');
    expect(prompt).toContain('  - T1: `src/shared.ts`, `src/api/**`');
    expect(prompt).toContain('a commit that stages one is refused');
    expect(prompt.indexOf('## Files')).toBeLessThan(prompt.indexOf('## Verification'));
  });

  it('has no files section, and no stray placeholder, without reservations', () => {
    const prompt = renderAgentPrompt(template, input);
    expect(prompt).not.toContain('## Files');
    expect(prompt).not.toContain('{{reservations}}');
    expect(prompt).toContain('anything left open.\n\n## Verification');
  });
});
