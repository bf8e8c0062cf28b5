/**
 * The acceptance reviewer with the REAL `claude` binary, in a real git worktree: a scripted model server on loopback
 * plays the reviewer, tries tools, and answers through Claude Code's StructuredOutput tool.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reviewTask, type ReviewRequest } from '../../src/adapters/tools/reviewer.js';
import { defaultConfig } from '../../src/core/config.js';
import type { Task } from '../../src/core/plan/plan.js';
import { tempDir, tempRepo, writeFiles } from '../support/cli.js';
import { startModelServer } from '../support/model-server.mjs';
import { CLAUDE_BIN, claudeEnv, git } from '../support/run-repo.js';

const TASK: Task = {
  id: 'T3',
  title: 'Refuse notes without a title',
  description: 'Creating a note checks its title.',
  dependsOn: [],
  acceptanceCriteria: ['an empty title is refused with a message', 'a title of 200 characters is accepted'],
  effort: 'S',
  risk: 'low',
  riskReason: '',
  testStrategy: 'test-after',
  strategyReason: '',
  stream: 'A',
  wave: 1,
  kind: 'feature',
  sources: [],
  files: ['src/notes.js'],
};
const SPEC = '# Notes\n\n- FR-1: a note needs a title of at most 200 characters\n';

/** A repository whose branch holds the task's one commit on top of `base`. */
function worktreeWithWork(): { worktree: string; base: string } {
  const worktree = tempRepo();
  git(worktree, ['config', 'user.name', 'Test User']);
  git(worktree, ['config', 'user.email', 'test@example.com']);
  writeFiles(worktree, { 'README.md': '# notes\n' });
  git(worktree, ['add', 'README.md']);
  git(worktree, ['commit', '-q', '-m', 'init']);
  const base = git(worktree, ['rev-parse', 'HEAD']);
  writeFiles(worktree, { 'src/notes.js': 'export function create(title) {\n  if (!title) throw new Error("a note needs a title");\n  return { title: title.slice(0, 100) };\n}\n' });
  git(worktree, ['add', 'src/notes.js']);
  git(worktree, ['commit', '-q', '-m', '[T3] Refuse empty titles']);
  return { worktree, base };
}

function request(serverUrl: string, worktree: string, base: string, extra: Partial<ReviewRequest> = {}): ReviewRequest {
  const config = defaultConfig();
  return {
    task: TASK,
    attempt: 1,
    worktree,
    base,
    specs: [{ path: 'spec.md', text: SPEC }],
    review: { ...config.review, timeoutSeconds: 60 },
    claude: { command: CLAUDE_BIN, model: null },
    // Claude Code runs git from PATH, as it does for a user.
    env: { PATH: process.env.PATH, HOME: tempDir('xplan-home-'), ...claudeEnv(serverUrl) },
    now: () => new Date('2026-12-08T10:00:00Z'),
    ...extra,
  };
}

const REJECTING = {
  criteria: [
    { index: 1, verdict: 'met', evidence: ['src/notes.js:2'], reasoning: 'An empty title throws with a message.' },
    { index: 2, verdict: 'not-met', evidence: ['src/notes.js:3'], reasoning: 'Titles are cut to 100 characters.' },
  ],
  outsideTask: [],
};

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the acceptance reviewer, with the real claude binary', () => {
  it('names the criterion not met, and could read the work but change nothing', async () => {
    const { worktree, base } = worktreeWithWork();
    // The reviewer reads the log, then tries to write three ways, then answers.
    const steps = [
      { tool: 'Bash', input: { command: 'git log --oneline', description: 'Read the commits' } },
      { tool: 'Bash', input: { command: 'touch hacked.txt', description: 'Write a file' } },
      { tool: 'Bash', input: { command: `git diff --output=hacked.patch ${base}`, description: 'Write a patch' } },
      { tool: 'Bash', input: { command: 'git log > hacked.log', description: 'Redirect' } },
      { tool: 'StructuredOutput', input: REJECTING },
    ];
    server = await startModelServer((c: { turn: number }) => steps[c.turn]);
    const result = await reviewTask(request(server.url, worktree, base));

    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    const { review } = result;
    expect(review.outcome).toBe('rejected');
    expect(review.verdicts.filter((v) => v.verdict === 'not-met').map((v) => [v.index, v.criterion, v.reasoning, v.evidence])).toEqual([
      [2, 'a title of 200 characters is accepted', 'Titles are cut to 100 characters.', ['src/notes.js:3']],
    ]);
    expect(review).toMatchObject({ attempt: 1, at: '2026-12-08T10:00:00.000Z' });
    expect(review.usage.inputTokens).toBeGreaterThan(0);
    expect(review.usage.costUsd).toBeGreaterThan(0);
    expect(review.model).toBeTruthy();

    // The model was offered the read-only tools and nothing else; the git log ran, every write was refused.
    const requests = server.requests as Array<{ turn: number; tools: string[]; prompt: string; lastToolResult?: { isError: boolean; text: string } }>;
    expect([...requests[0]!.tools].sort()).toEqual(['Bash', 'Glob', 'Grep', 'Read', 'StructuredOutput']);
    expect(requests[1]!.lastToolResult).toMatchObject({ isError: false, text: expect.stringContaining('[T3] Refuse empty titles') });
    for (const turn of [2, 3, 4]) expect(requests[turn]!.lastToolResult?.isError, `turn ${turn}`).toBe(true);
    for (const file of ['hacked.txt', 'hacked.patch', 'hacked.log']) expect(existsSync(join(worktree, file)), file).toBe(false);
    expect(git(worktree, ['status', '--porcelain'])).toBe('');

    // It was told the task, its criteria by number, what changed and the spec.
    const prompt = requests[0]!.prompt;
    expect(prompt).toContain('Task T3: Refuse notes without a title');
    expect(prompt).toContain('1. an empty title is refused with a message\n2. a title of 200 characters is accepted');
    expect(prompt).toMatch(/src\/notes\.js \| 4 \+{4}/);
    expect(prompt).toContain('[T3] Refuse empty titles');
    expect(prompt).toContain('FR-1: a note needs a title of at most 200 characters');
  });

  it('sends an answer that skips a criterion back once, and takes the repaired one', async () => {
    const { worktree, base } = worktreeWithWork();
    const accepted = { criteria: [REJECTING.criteria[0], { ...REJECTING.criteria[1], verdict: 'met', reasoning: 'Long titles are kept.' }], outsideTask: ['adds README.md notes'] };
    server = await startModelServer((c: { prompt: string }) =>
      c.prompt.includes('## Problems with it') ? { tool: 'StructuredOutput', input: accepted } : { tool: 'StructuredOutput', input: { criteria: [REJECTING.criteria[0]], outsideTask: [] } },
    );
    const result = await reviewTask(request(server.url, worktree, base));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.review).toMatchObject({ outcome: 'accepted', repaired: true, outsideTask: ['adds README.md notes'] });
    const repair = (server.requests as Array<{ prompt: string }>).find((r) => r.prompt.includes('## Problems with it'))!.prompt;
    expect(repair).toContain('- criterion 2 ("a title of 200 characters is accepted") is not answered');
  });

  it('an answer still broken after the repair is a review that could not run, not a pass', async () => {
    const { worktree, base } = worktreeWithWork();
    const unproven = { criteria: REJECTING.criteria.map((c) => ({ ...c, verdict: 'met', evidence: [] })), outsideTask: [] };
    server = await startModelServer(() => ({ tool: 'StructuredOutput', input: unproven }));
    const result = await reviewTask(request(server.url, worktree, base));
    expect(result).toMatchObject({ ok: false, failure: { kind: 'transient', message: expect.stringMatching(/still breaks the rules after one repair: criterion 1 is met without evidence/) } });
  });

  it.each([
    { status: 401, message: 'invalid x-api-key', kind: 'not-authenticated', says: /not logged in/ },
    { status: 429, message: 'Claude AI usage limit reached|1798761600', kind: 'usage-limit', says: /usage limit reached/ },
  ])('a $status from the model is a typed failure: $kind', async ({ status, message, kind, says }) => {
    const { worktree, base } = worktreeWithWork();
    server = await startModelServer(() => ({ status, message }));
    const result = await reviewTask(request(server.url, worktree, base));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.kind).toBe(kind);
    expect(result.failure.message).toMatch(says);
    if (kind === 'usage-limit') expect(result.failure.resetAt).toBe('2027-01-01T00:00:00.000Z');
  });

  it('a model that never answers is a timeout, with the setting to raise', async () => {
    const { worktree, base } = worktreeWithWork();
    server = await startModelServer(() => ({ hang: true }));
    const config = defaultConfig();
    const result = await reviewTask(request(server.url, worktree, base, { review: { ...config.review, timeoutSeconds: 3 } }));
    expect(result).toMatchObject({ ok: false, failure: { kind: 'timeout', hint: expect.stringContaining('review.timeoutSeconds') } });
  });
});
