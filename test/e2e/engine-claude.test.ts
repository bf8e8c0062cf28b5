/**
 * The claude planning engine end to end: the built binary runs the REAL `claude` binary headless with --json-schema;
 * a scripted model server on loopback plays the model and answers through Claude Code's StructuredOutput tool, by the
 * call each prompt names (the outline, or the details of a group of tasks).
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

interface OutlineTask {
  id: string;
  title: string;
  covers: string[];
  dependsOn?: string[];
}

function outlineAnswer(tasks: OutlineTask[], extra: Record<string, unknown> = {}) {
  return {
    kind: 'technical-spec',
    verdict: 'multi-agent',
    confidence: 'medium',
    reasons: ['Export and import are two commands over one format.'],
    effortHours: 4,
    drivers: [{ id: 'requirements', value: 2, reason: 'export and import', evidence: ['R1', 'R2'] }],
    tasks: tasks.map((t) => ({ dependsOn: [], effort: 'M', kind: 'feature', stream: 'cli', ...t })),
    excluded: [],
    ...extra,
  };
}

function detailsAnswer(ids: string[], edges: Record<string, Array<{ task: string; reason: string }>> = {}) {
  return {
    tasks: ids.map((id) => ({
      id,
      description: `Build ${id} in src/bookmarks.ts.`,
      edges: edges[id] ?? [],
      derivedAcceptance: [],
      risk: 'low',
      riskReason: 'small and well specified',
      testStrategy: 'test-after',
      strategyReason: 'tests inside the task',
      files: ['src/bookmarks.ts'],
    })),
  };
}

const OUTLINE = outlineAnswer([
  { id: 'T1', title: 'Export bookmarks as JSON', covers: ['R1', 'A1'] },
  { id: 'T2', title: 'Import bookmarks from JSON', covers: ['R2', 'A2'], dependsOn: ['T1'] },
]);
const DETAILS = detailsAnswer(['T1', 'T2'], { T2: [{ task: 'T1', reason: 'import reads the format export writes' }] });
// A cycle between T1 and T2, and FR-2 (R2) covered by nobody.
const BROKEN_OUTLINE = outlineAnswer([
  { id: 'T1', title: 'Export bookmarks as JSON', covers: ['R1', 'A1'], dependsOn: ['T2'] },
  { id: 'T2', title: 'Set up the bookmark store', covers: ['A2'], dependsOn: ['T1'] },
]);

const isRepair = (prompt: string) => prompt.includes("Problems found by xplan's checks");
const isOutline = (prompt: string) => prompt.includes('\nCall: outline\n');
const isDetails = (prompt: string) => /\nCall: details /.test(prompt);

/** The model: the outline and the details as given, each replaced on a repair round when `repaired` says. */
function planner(answers: { outline?: unknown; details?: unknown; repairedOutline?: unknown; repairedDetails?: unknown }) {
  return (c: { prompt: string }) => {
    const repair = isRepair(c.prompt);
    if (isOutline(c.prompt)) return { tool: 'StructuredOutput', input: (repair && answers.repairedOutline) || answers.outline || OUTLINE };
    if (isDetails(c.prompt)) return { tool: 'StructuredOutput', input: (repair && answers.repairedDetails) || answers.details || DETAILS };
    return { text: 'unexpected prompt' };
  };
}

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

function savedState(dir: string): { plan?: { engine?: unknown; tasks: unknown[] }; assessment?: { engine?: unknown; verdict?: string } } | undefined {
  const path = join(dir, '.xplan/state.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

describe('xplan plan with the claude engine, with the real claude binary', () => {
  it('plans from an outline call and a detail call: edge reasons, the spec’s criteria on the implementing task, the model’s verdict, and the cost', async () => {
    server = await startModelServer(planner({}));
    const dir = repo();
    // engine: auto, and Claude Code is logged in (an API key): the claude engine plans.
    const result = await runXplanAsync(['plan', 'spec.md', '--json'], { cwd: dir, env: claudeEnv(server.url) });
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
    expect(plan.engine).toMatchObject({ name: 'claude', requested: 'auto', calls: 2, repairRounds: 0 });
    expect(plan.engine.reason).toMatch(/logged in/);
    expect(plan.engine.usage.inputTokens).toBeGreaterThan(0);
    expect(plan.engine.usage.costUsd).toBeGreaterThan(0);
    expect(plan.engine.sequentialOutputTokens).toBeGreaterThan(0);
    expect(plan.engine.sequentialOutputTokens).toBeLessThanOrEqual(plan.engine.usage.outputTokens);
    const state = savedState(dir)!;
    expect(state.plan?.engine).toEqual(plan.engine);
    // The verdict a lead reads with the plan is the model's.
    expect(state.assessment).toMatchObject({ verdict: 'multi-agent', reasons: ['Export and import are two commands over one format.'] });

    // Both calls start with the same numbered inventory and spec, so the prompt cache serves the second.
    const outline = server.requests.find((r) => isOutline(r.prompt))!.prompt;
    const details = server.requests.find((r) => isDetails(r.prompt))!.prompt;
    const prefix = outline.slice(0, outline.indexOf('# Outline the plan'));
    expect(details.startsWith(prefix)).toBe(true);
    expect(prefix).toContain('R1 [FR-1] spec.md:4 — FR-1: Export all bookmarks as JSON to stdout');
    expect(prefix).toContain('A2 [of R2] spec.md:7 — importing the same file twice adds nothing the second time');
    expect(prefix).toContain('X1 spec.md:10 — Syncing between devices');
    expect(prefix).toMatch(/ 6\| - FR-2: Import bookmarks/);
    expect(details).toContain('Call: details T1–T2');
  });

  it('sends an outline with a cycle and an uncovered requirement back once, then details the repaired outline', async () => {
    server = await startModelServer(planner({ outline: BROKEN_OUTLINE, repairedOutline: OUTLINE }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--json'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.engine).toMatchObject({ calls: 3, repairRounds: 1 });
    expect(plan.tasks.map((t: { title: string }) => t.title)).toEqual(['Export bookmarks as JSON', 'Import bookmarks from JSON']);
    expect(plan.warnings.filter((w: { code: string }) => w.code.startsWith('ENGINE'))).toEqual([]);
    const repair = server.requests.find((r) => isRepair(r.prompt))!.prompt;
    expect(repair).toContain('Call: outline');
    expect(repair).toMatch(/T1 → T2 → T1|T2 → T1 → T2/);
    expect(repair).toContain('R2 (FR-2) at spec.md:6 "FR-2: Import bookmarks from a JSON file, skipping duplicates" is covered by no task');
  });

  it('repairs only the detail call that failed its check; the outline is not asked again', async () => {
    server = await startModelServer(planner({ details: detailsAnswer(['T1']), repairedDetails: DETAILS }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--json'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.engine).toMatchObject({ calls: 3, repairRounds: 1 });
    expect(server.requests.filter((r) => isOutline(r.prompt))).toHaveLength(1);
    const repair = server.requests.find((r) => isRepair(r.prompt))!.prompt;
    expect(repair).toContain('Call: details T1–T2');
    expect(repair).toContain('- T2 has no details');
    expect(plan.tasks[1].description).toContain('Build T2');
  });

  it('saves nothing when a detail call fails after the outline, and names the fallback', async () => {
    server = await startModelServer((c: { prompt: string }) => (isDetails(c.prompt) ? { status: 429, message: 'rate limited' } : { tool: 'StructuredOutput', input: OUTLINE }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/claude engine failed \(details T1–T2\): Claude Code could not reach the model/);
    expect(result.stderr).toMatch(/--engine heuristic/);
    expect(savedState(dir)?.plan).toBeUndefined();
  });

  it('fails with the fallback named, and saves nothing, when the outline never passes the schema', async () => {
    // A title of punctuation passes Claude Code's JSON schema but not xplan's: a repair round, then an error.
    const untitled = outlineAnswer([{ id: 'T1', title: '***', covers: ['R1', 'R2', 'A1', 'A2'] }]);
    server = await startModelServer(planner({ outline: untitled }));
    const dir = repo(['repairRounds: 1']);
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/answer \(outline\) does not have the required shape, after 1 repair round/);
    expect(result.stderr).toMatch(/tasks\.0\.title: a task needs a title/);
    expect(result.stderr).toMatch(/--engine heuristic/);
    expect(server.requests.filter((r) => isOutline(r.prompt))).toHaveLength(2);
    expect(savedState(dir)?.plan).toBeUndefined();
  });

  it('shows what the model left out, with its reason, as a decision before approving, and keeps the lead’s note', async () => {
    const leavesOut = outlineAnswer([{ id: 'T1', title: 'Export bookmarks as JSON', covers: ['R1', 'A1'] }], {
      excluded: [
        { item: 'R2', reason: 'import is a later phase' },
        { item: 'A2', reason: 'belongs to the import' },
      ],
    });
    server = await startModelServer(planner({ outline: leavesOut, details: detailsAnswer(['T1']) }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--note', 'Build on the existing CLI'], { cwd: dir, env: { ...claudeEnv(server.url), NO_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Coverage\s+requirements 1 covered · 1 left out · 0 uncovered · acceptance 1 covered · 1 left out · 0 uncovered/);
    expect(result.stdout).toContain('Left out — review before approving');
    expect(result.stdout).toMatch(/R2 line 6 FR-2: Import bookmarks from a JSON file, skipping duplicates — import is a later phase/);
    expect(result.stdout).not.toMatch(/Uncovered/);
    expect(server.requests[0]!.prompt).toContain('## Instructions from the tech lead');
    expect(server.requests[0]!.prompt).toContain('Build on the existing CLI');

    // A re-plan of the same spec keeps the note.
    const again = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--json'], { cwd: dir, env: claudeEnv(server.url) });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).note).toBe('Build on the existing CLI');
    expect(server.requests.at(-1)!.prompt).toContain('Build on the existing CLI');

    const approve = await runXplanAsync(['approve', '--yes'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toMatch(/Approved with 2 items left out of the plan/);
    expect(approve.stdout).toMatch(/R2 line 6 .* — import is a later phase/);
  });

  it('the fast path holds for the model’s verdict: single-agent with high confidence is one task', async () => {
    const split = outlineAnswer(
      [
        { id: 'T1', title: 'Export bookmarks as JSON', covers: ['R1', 'A1'] },
        { id: 'T2', title: 'Import bookmarks from JSON', covers: ['R2', 'A2'] },
      ],
      { verdict: 'single-agent', confidence: 'high' },
    );
    const one = outlineAnswer([{ id: 'T1', title: 'Add JSON export and import of bookmarks', covers: ['R1', 'A1', 'R2', 'A2'] }], { verdict: 'single-agent', confidence: 'high' });
    server = await startModelServer(planner({ outline: split, repairedOutline: one, details: detailsAnswer(['T1']) }));
    const dir = repo();
    const result = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--json'], { cwd: dir, env: claudeEnv(server.url) });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.tasks).toHaveLength(1);
    expect(server.requests.find((r) => isRepair(r.prompt))!.prompt).toContain('single-agent with high confidence, which is one task, but the outline has 2');
  });

  it('not logged in: auto plans with the heuristic and says how to get a model-made plan; --engine claude fails with the hint', async () => {
    server = await startModelServer(planner({}));
    const dir = repo();
    const env = { ...claudeEnv(server.url, { apiKey: false }), NO_COLOR: '1' };
    const auto = await runXplanAsync(['plan', 'spec.md'], { cwd: dir, env });
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toMatch(/Engine\s+heuristic \(offline\) · auto: Claude Code is not logged in — run `.*claude.* auth login`, then `xplan plan` again for a model-made plan/);
    expect(server.requests).toHaveLength(0);
    expect(savedState(dir)?.plan?.engine).toMatchObject({ name: 'heuristic', requested: 'auto', reason: 'Claude Code is not logged in' });

    const forced = await runXplanAsync(['plan', 'spec.md', '--engine', 'claude', '--force'], { cwd: dir, env });
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/Claude Code is not logged in/);
    expect(forced.stderr).toMatch(/\/login/);
    expect(forced.stderr).toMatch(/--engine heuristic/);

    const doctor = await runXplanAsync(['doctor', '--wide'], { cwd: dir, env });
    expect(doctor.stdout).toMatch(/planning engine.*auto → heuristic \(Claude Code is not logged in\)/);
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
