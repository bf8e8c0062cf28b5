/**
 * `--engine claude` end to end: the built binary runs the REAL `claude` binary headless with --json-schema; a
 * scripted model server on loopback plays the model and answers through Claude Code's StructuredOutput tool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runXplanAsync, tempRepo, writeFiles } from '../support/cli.js';
import { startModelServer } from '../support/model-server.mjs';
import { CLAUDE_BIN, claudeEnv } from '../support/run-repo.js';

const SPEC = `# Bookmarks export

## Requirements
- FR-1: Export all bookmarks as JSON to stdout
  - Acceptance: an empty store exports an empty array
- FR-2: Import bookmarks from a JSON file, skipping duplicates
  - Acceptance: importing the same file twice adds nothing the second time

## Out of scope
- Syncing between devices
`;
// The inventory of SPEC: R1 = FR-1 (line 4), A1 (line 5), R2 = FR-2 (line 6), A2 (line 7), X1 (line 10).

interface AnswerTask {
  id: string;
  title: string;
  dependsOn?: Array<{ task: string; reason: string }>;
  covers: string[];
  acceptance: string[];
}

function planAnswer(tasks: AnswerTask[]) {
  return {
    tasks: tasks.map((t) => ({
      description: `Do ${t.title.toLowerCase()}.`,
      dependsOn: [],
      derivedAcceptance: [],
      effort: 'M',
      risk: 'low',
      riskReason: 'small and well specified',
      testStrategy: 'test-after',
      strategyReason: 'tests inside the task',
      stream: 'cli',
      files: ['src/bookmarks.ts'],
      kind: 'feature',
      ...t,
    })),
    excluded: [],
  };
}

const VALID = planAnswer([
  { id: 'T1', title: 'Export bookmarks as JSON', covers: ['R1'], acceptance: ['A1'] },
  { id: 'T2', title: 'Import bookmarks from JSON', dependsOn: [{ task: 'T1', reason: 'import reads the format export writes' }], covers: ['R2'], acceptance: ['A2'] },
]);
// A cycle between T1 and T2, and FR-2 (R2) covered by nobody.
const BROKEN = planAnswer([
  { id: 'T1', title: 'Export bookmarks as JSON', dependsOn: [{ task: 'T2', reason: 'needs the store' }], covers: ['R1'], acceptance: ['A1'] },
  { id: 'T2', title: 'Set up the bookmark store', dependsOn: [{ task: 'T1', reason: 'needs the format' }], covers: [], acceptance: ['A2'] },
]);

const isRepair = (prompt: string) => prompt.includes("Problems found by xplan's checks");

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function repo(planning: string[] = []): string {
  const dir = tempRepo();
  writeFiles(dir, {
    'spec.md': SPEC,
    '.xplan/config.yaml': [`claude:`, `  command: ${JSON.stringify(CLAUDE_BIN)}`, `planning:`, `  timeoutSeconds: 60`, ...planning.map((l) => `  ${l}`), ''].join('\n'),
  });
  return dir;
}

function savedState(dir: string): { plan?: { engine?: unknown; tasks: unknown[] }; assessment?: { engine?: unknown } } | undefined {
  const path = join(dir, '.xplan/state.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

describe('xplan plan --engine claude, with the real claude binary', () => {
  it('saves a valid structured plan, with its edge reasons, the spec’s criteria on the implementing task, and the cost', async () => {
    server = await startModelServer(() => ({ tool: 'StructuredOutput', input: VALID }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--json'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.tasks.map((t: { id: string; title: string; dependsOn: string[] }) => [t.id, t.title, t.dependsOn])).toEqual([
      ['T1', 'Export bookmarks as JSON', []],
      ['T2', 'Import bookmarks from JSON', ['T1']],
    ]);
    expect(plan.tasks[1].description).toContain('T1: import reads the format export writes');
    expect(plan.tasks[1].acceptanceCriteria).toEqual(['importing the same file twice adds nothing the second time']);
    expect(plan.tasks[1].sources).toEqual([
      { file: 'spec.md', line: 6, ref: 'FR-2' },
      { file: 'spec.md', line: 7, ref: 'acceptance' },
    ]);
    expect(plan.summary.coverage).toEqual({ requirements: { covered: 2, total: 2 }, acceptance: { covered: 2, total: 2 }, uncovered: [] });
    expect(plan.engine).toMatchObject({ name: 'claude', calls: 1, repairRounds: 0 });
    expect(plan.engine.usage.inputTokens).toBeGreaterThan(0);
    expect(plan.engine.usage.costUsd).toBeGreaterThan(0);
    expect(savedState(dir)?.plan?.engine).toEqual(plan.engine);

    // The model was given the numbered inventory and the numbered spec.
    const prompt = server.requests[0]!.prompt;
    expect(prompt).toContain('R1 [FR-1] spec.md:4 — FR-1: Export all bookmarks as JSON to stdout');
    expect(prompt).toContain('A2 [of R2] spec.md:7 — importing the same file twice adds nothing the second time');
    expect(prompt).toContain('X1 spec.md:10 — Syncing between devices');
    expect(prompt).toMatch(/ 6\| - FR-2: Import bookmarks/);
  });

  it('sends a plan with a cycle and an uncovered requirement back once, and saves the repaired plan', async () => {
    server = await startModelServer((c) => ({ tool: 'StructuredOutput', input: isRepair(c.prompt) ? VALID : BROKEN }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--json'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.engine).toMatchObject({ calls: 2, repairRounds: 1 });
    expect(plan.tasks.map((t: { title: string }) => t.title)).toEqual(['Export bookmarks as JSON', 'Import bookmarks from JSON']);
    expect(plan.warnings.filter((w: { code: string }) => w.code.startsWith('ENGINE'))).toEqual([]);
    const repair = server.requests.find((r) => isRepair(r.prompt))!.prompt;
    expect(repair).toMatch(/T1 → T2 → T1|T2 → T1 → T2/);
    expect(repair).toContain('R2 (FR-2) at spec.md:6 "FR-2: Import bookmarks from a JSON file, skipping duplicates" is covered by no task');
  });

  it('fails with the fallback named, and saves nothing, when the answer never passes the schema', async () => {
    // A title of punctuation passes Claude Code's JSON schema but not xplan's: a repair round, then an error.
    const untitled = planAnswer([{ id: 'T1', title: '***', covers: ['R1', 'R2'], acceptance: ['A1', 'A2'] }]);
    server = await startModelServer(() => ({ tool: 'StructuredOutput', input: untitled }));
    const dir = repo(['repairRounds: 1']);
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/answer does not have the required shape, after 1 repair round/);
    expect(result.stderr).toMatch(/tasks\.0\.title: a task needs a title/);
    expect(result.stderr).toMatch(/--engine heuristic/);
    expect(server.requests.filter((r) => r.prompt.includes('# Plan this spec'))).toHaveLength(2);
    expect(savedState(dir)?.plan).toBeUndefined();
  });

  it('names the fallback when Claude Code is rate limited, and saves nothing', async () => {
    server = await startModelServer(() => ({ status: 429, message: 'rate limited' }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/claude engine failed: Claude Code could not reach the model/);
    expect(result.stderr).toMatch(/--engine heuristic/);
    expect(savedState(dir)?.plan).toBeUndefined();
  });

  it('says Claude Code is not logged in, and how to fall back', async () => {
    server = await startModelServer(() => ({ tool: 'StructuredOutput', input: VALID }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude'], { cwd: dir, env: claudeEnv(server.url, { apiKey: false }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Claude Code is not logged in/);
    expect(result.stderr).toMatch(/\/login/);
    expect(result.stderr).toMatch(/--engine heuristic/);
    expect(savedState(dir)?.plan).toBeUndefined();
  });
});

describe('xplan assess --engine claude', () => {
  it('takes the verdict, scope and drivers from the structured answer, with inventory keys as spec lines', async () => {
    server = await startModelServer(() => ({
      tool: 'StructuredOutput',
      input: {
        buildable: true,
        kind: 'technical-spec',
        kindReason: 'a small CLI feature with clear requirements',
        inScope: ['R1', 'R2', 'A1', 'A2'],
        outOfScope: [],
        verdict: 'single-agent',
        confidence: 'high',
        reasons: ['Two closely related commands over one file format.'],
        drivers: [{ id: 'requirements', value: 2, reason: 'export and import', evidence: ['R1', 'R2'] }],
      },
    }));
    const dir = repo();
    const result = await runXplanAsync(['assess', 'spec.md', '--engine', 'claude', '--json'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code, result.stderr).toBe(0);
    const assessment = JSON.parse(result.stdout);
    expect(assessment).toMatchObject({ verdict: 'single-agent', confidence: 'high', reasons: ['Two closely related commands over one file format.'], spec: { kind: 'technical-spec' } });
    const requirements = assessment.drivers.find((d: { id: string }) => d.id === 'requirements');
    expect(requirements.evidence).toEqual([
      { file: 'spec.md', line: 4, text: 'R1: FR-1: Export all bookmarks as JSON to stdout' },
      { file: 'spec.md', line: 6, text: 'R2: FR-2: Import bookmarks from a JSON file, skipping duplicates' },
    ]);
    expect(assessment.engine).toMatchObject({ name: 'claude', calls: 1 });
    expect(savedState(dir)?.assessment?.engine).toEqual(assessment.engine);
  });
});
