/**
 * The acceptance review in `xplan run`, end to end: the built binary drives the REAL `claude` binary for the agent
 * and for its review, both answered by the scripted model server.
 */
import { afterEach, expect, it } from 'vitest';
import { runXplan, runXplanAsync } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, runConfig } from '../support/run-repo.js';

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Context {
  taskId: string;
  tools: string[];
  prompt: string;
  cwd: string;
  turn: number;
}

it('a task whose work misses a criterion is retried once with the review, then not merged, and status names the criterion', async () => {
  // The review calls are the ones offered StructuredOutput; each finds criterion 1 not met, the others met.
  const reviewAnswer = (prompt: string) => {
    const count = Number(/For every criterion, 1 to (\d+)/.exec(prompt)?.[1] ?? 1);
    return {
      criteria: Array.from({ length: count }, (_, i) =>
        i === 0
          ? { index: 1, verdict: 'not-met', evidence: ['t1.txt:1'], reasoning: 'The file holds a placeholder, not the greeting.' }
          : { index: i + 1, verdict: 'met', evidence: ['t1.txt:1'], reasoning: 'It is there.' },
      ),
      outsideTask: [],
    };
  };
  server = await startModelServer((c: Context) => (c.tools.includes('StructuredOutput') ? { tool: 'StructuredOutput', input: reviewAnswer(c.prompt) } : commitSteps(c)));
  const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig({ verify: 'ls t1.txt', review: true }));
  const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
  expect(result.code, result.stdout + result.stderr).not.toBe(0);
  expect(result.stdout).toContain('failed: review');

  const status = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as {
    integration: { branch: string; head: string };
    run: { base: { commit: string } };
    tasks: Array<{
      label: string;
      attempt: number;
      merge: string | null;
      review: { outcome: string; verdicts: Array<{ index: number; criterion: string; verdict: string }> };
      usage: { review: { costUsd: number } };
    }>;
  };
  const [task] = status.tasks;
  expect(task).toMatchObject({ label: 'failed: review', attempt: 2, merge: null });
  expect(task!.review.outcome).toBe('rejected');
  expect(task!.usage.review.costUsd).toBeGreaterThan(0);
  // Nothing of it reached the integration branch.
  expect(git(repo, ['rev-parse', status.integration.branch])).toBe(status.run.base.commit);

  // The second attempt's agent was told what the review found.
  const requests = server.requests as Context[];
  const secondAgent = requests.filter((r) => !r.tools.includes('StructuredOutput') && r.turn === 0)[1];
  expect(secondAgent?.prompt).toContain('A review of the previous attempt found these criteria not met:');
  expect(requests.filter((r) => r.tools.includes('StructuredOutput'))).toHaveLength(2);

  const text = runXplan(['status'], { cwd: repo, env: { COLUMNS: '200' } }).stdout;
  const criterion = task!.review.verdicts[0]!.criterion;
  expect(text).toContain('review 0/');
  expect(text).toContain(`✗ not met 1. ${criterion.slice(0, 40)}`);
  expect(text).toContain('The file holds a placeholder, not the greeting.');
});
