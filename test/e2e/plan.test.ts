import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, tempDir, tempRepo, writeFiles } from '../support/cli.js';

interface Expectation {
  file: string;
  verdict: string;
  template?: boolean;
}
/** A scratch repository that sees the project's examples and fixtures, so planning them saves no state here. */
function workspace(): string {
  const dir = tempRepo();
  for (const name of ['examples', 'test']) symlinkSync(join(REPO_ROOT, name), join(dir, name));
  return dir;
}
const WORK = workspace();

const expectations = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/specs/expected.json'), 'utf8')) as Expectation[];

function repoWith(spec: string, name = 'spec.md'): string {
  const repo = tempRepo();
  copyFileSync(join(REPO_ROOT, spec), join(repo, name));
  return repo;
}

function planJson(args: string[], cwd: string) {
  const result = runXplan(['plan', '--json', '--yes', ...args], { cwd });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('xplan plan on every spec fixture', () => {
  for (const { file, verdict, template } of expectations) {
    it(`${file}: acyclic, covered, a sensible number of tasks`, () => {
      const plan = planJson(['--max-tasks', '200', file], WORK);
      const ids = new Set(plan.tasks.map((t: { id: string }) => t.id));
      const wave = new Map(plan.tasks.map((t: { id: string; wave: number }) => [t.id, t.wave]));
      for (const t of plan.tasks) {
        for (const d of t.dependsOn) {
          expect(ids.has(d), `${t.id} depends on missing ${d}`).toBe(true);
          expect(wave.get(d)).toBeLessThan(t.wave);
        }
      }
      expect(plan.warnings.filter((w: { code: string }) => w.code === 'CYCLE')).toEqual([]);
      const { coverage } = plan.summary;
      const gaps = coverage.requirements.total - coverage.requirements.covered + coverage.acceptance.total - coverage.acceptance.covered;
      expect(coverage.uncovered).toHaveLength(gaps);
      // An UNCOVERED warning exactly when something is uncovered.
      expect(plan.warnings.some((w: { code: string }) => w.code === 'UNCOVERED')).toBe(gaps > 0);
      // An unfilled template asks for nothing yet: one task, never tasks made of its blanks.
      if (template) expect(plan.tasks).toHaveLength(1);
      else if (verdict === 'single-agent') expect(plan.tasks.length).toBeLessThanOrEqual(6);
      else expect(plan.tasks.length).toBeGreaterThan(1);
      expect(plan.tasks.length).toBeLessThanOrEqual(Math.max(plan.summary.recommendedTasks.max, 3) * 1.5);
    });
  }
});

describe('xplan plan', () => {
  it('saves the draft plan next to the assessment and show prints it back', () => {
    const repo = repoWith('examples/specs/bookmarks-api.md');
    expect(runXplan(['assess', 'spec.md'], { cwd: repo }).code).toBe(0);
    const result = runXplan(['plan'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Saved as a draft to .xplan/state.json (revision 2).');
    const state = JSON.parse(readFileSync(join(repo, '.xplan/state.json'), 'utf8'));
    expect(state.plan.status).toBe('draft');
    expect(state.plan.tasks.length).toBeGreaterThan(1);
    const shown = JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout);
    expect(shown).toEqual({ ...state.plan, assessment: expect.objectContaining({ verdict: state.assessment.verdict, confidence: state.assessment.confidence }) });
    expect(runXplan(['show'], { cwd: repo }).stdout).toContain('T1');
  });

  it('follows the JSON contract', () => {
    const plan = planJson(['examples/specs/bookmarks-api.md'], WORK);
    expect(plan).toMatchObject({
      schemaVersion: 1,
      planId: expect.stringMatching(/^p-[0-9a-f]{10}$/),
      status: 'draft',
      branching: 'feature',
      summary: {
        tasks: plan.tasks.length,
        streams: expect.any(Number),
        waves: expect.any(Number),
        criticalPath: expect.any(Array),
        coverage: { requirements: { covered: 18, total: 18 }, acceptance: { covered: 12, total: 12 }, uncovered: [] },
      },
      mergeOrder: expect.any(Array),
      warnings: expect.any(Array),
    });
    for (const t of plan.tasks) {
      expect(Object.keys(t).sort()).toEqual(
        ['acceptanceCriteria', 'dependsOn', 'description', 'effort', 'files', 'id', 'kind', 'risk', 'riskReason', 'sources', 'stream', 'strategyReason', 'testStrategy', 'title', 'wave'].sort(),
      );
      for (const s of t.sources) expect(s).toEqual({ file: 'examples/specs/bookmarks-api.md', line: expect.any(Number), ref: expect.any(String) });
    }
  });

  it('opens with its verdict and the spec lines behind it; --json carries the same assessment', () => {
    const spec = 'test/fixtures/specs/corpus/taskmaster-prd-kanban-board.md';
    const repo = repoWith(spec);
    const specLines = readFileSync(join(REPO_ROOT, spec), 'utf8').split('\n');
    const result = runXplan(['plan', '--engine', 'heuristic', '--yes', 'spec.md'], { cwd: repo });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    // Its expected verdict (fixtures/specs/expected.json): a UI, an API layer and CLI integration.
    expect(lines[1]).toMatch(/^Verdict: multi-agent · (high|medium|low) confidence · \d+(\.\d+)?h of work$/);
    const reasons = lines.slice(2, lines.indexOf(''));
    expect(reasons.length).toBeGreaterThanOrEqual(1);
    expect(reasons.length).toBeLessThanOrEqual(3);
    // Piped output is read in 80 columns.
    for (const line of [lines[1]!, ...reasons]) expect(line.length).toBeLessThanOrEqual(80);
    for (const reason of reasons) expect(reason).toMatch(/^ {2}\S.* — spec\.md:\d+(, \d+)*( \+\d+)?$/);

    for (const json of [planJson(['--engine', 'heuristic', 'spec.md'], repo), JSON.parse(runXplan(['show', '--json'], { cwd: repo }).stdout)]) {
      const { assessment } = json;
      expect(assessment).toMatchObject({ verdict: 'multi-agent', confidence: expect.stringMatching(/^(high|medium|low)$/), effortHours: expect.any(Number) });
      expect(lines[1]).toContain(`${assessment.confidence} confidence · ${assessment.effortHours}h of work`);
      expect(assessment.reasons.map((r: { text: string }) => `  ${r.text}`)).toEqual(reasons.map((r) => r.split(' — ')[0]));
      expect(assessment.drivers.map((d: { id: string }) => d.id).sort()).toEqual(['components', 'effortHours', 'integrations', 'requirements', 'risks', 'unknowns']);
      for (const r of assessment.reasons as Array<{ sources: Array<{ file: string; line: number }> }>) {
        expect(r.sources.length).toBeGreaterThan(0);
        for (const s of r.sources) {
          expect(s.file).toBe('spec.md');
          expect(specLines[s.line - 1]?.trim()).toBeTruthy();
        }
      }
      // The text cites the first of the lines the JSON lists.
      expect(reasons[0]).toContain(`spec.md:${assessment.reasons[0].sources[0].line}`);
    }
  });

  it('is deterministic: the same spec gives the same plan', () => {
    const a = runXplan(['plan', '--json', 'examples/specs/bookmarks-api.md'], { cwd: WORK }).stdout;
    const b = runXplan(['plan', '--json', 'examples/specs/bookmarks-api.md'], { cwd: WORK }).stdout;
    expect(a).toBe(b);
  });

  it('previews branch names that git accepts', () => {
    const plan = planJson(['examples/specs/bookmarks-api.md'], WORK);
    for (const { branch } of plan.branchPreview) {
      const name = branch.replace('<run>', '20261123-101500');
      const check = spawnSync('git', ['check-ref-format', '--branch', name], { encoding: 'utf8' });
      expect(check.status, `${name}: ${check.stderr}`).toBe(0);
    }
  });

  it('renders each format', () => {
    const spec = 'examples/specs/bookmarks-api.md';
    const table = runXplan(['plan', spec], { cwd: WORK }).stdout;
    expect(table).toMatch(/T1/);
    expect(runXplan(['plan', '--format', 'tree', spec], { cwd: WORK }).stdout).toMatch(/Wave 1/);
    expect(runXplan(['plan', '--format', 'mermaid', spec], { cwd: WORK }).stdout).toMatch(/^flowchart TD/);
    const md = runXplan(['plan', '--format', 'md', spec], { cwd: WORK }).stdout;
    expect(md).toMatch(/## Purpose[\s\S]*## Progress[\s\S]*## Outcomes & Retrospective/);
    expect(md).not.toContain('Not saved');
  });

  it('refuses an absurd --max-tasks without a terminal or --yes, exit 1, and saves nothing', () => {
    const repo = repoWith('test/fixtures/specs/own/tech-spec-rate-limiter.md');
    const result = runXplan(['plan', '--max-tasks', '500', 'spec.md'], { cwd: repo });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--max-tasks 500 is far above what this spec supports/);
    expect(result.stderr).toMatch(/--yes/);
    expect(existsSync(join(repo, '.xplan/state.json'))).toBe(false);
    const accepted = runXplan(['plan', '--max-tasks', '500', '--yes', 'spec.md'], { cwd: repo });
    expect(accepted.code).toBe(0);
    expect(existsSync(join(repo, '.xplan/state.json'))).toBe(true);
  });

  it('asks for a spec when none is given or saved', () => {
    const repo = tempRepo();
    const result = runXplan(['plan'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No spec given, and no spec saved/);
  });

  it('show without a saved plan says how to make one', () => {
    const result = runXplan(['show'], { cwd: tempRepo() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/There is no saved plan.*\n.*xplan plan <spec\.md>/);
  });

  it('plans outside a git repository without saving', () => {
    const dir = tempDir();
    writeFiles(dir, { 'spec.md': readFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), 'utf8') });
    const result = runXplan(['plan', 'spec.md'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Not saved: not inside a git repository.');
  });
});

describe('xplan plan asks on a terminal', () => {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  /** Runs xplan under a pseudo-terminal (util-linux `script`) and types `keys` once the prompt is up. */
  function onTerminal(args: string[], cwd: string, keys: string) {
    const command = [process.execPath, join(REPO_ROOT, 'bin/xplan.js'), ...args].map((a) => `'${a}'`).join(' ');
    const typing = `sleep 1.5; printf '${keys}'; sleep 0.3; printf '\\r'; sleep 1.5`;
    return spawnSync('sh', ['-c', `(${typing}) | script -qfec "${command}" /dev/null`], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cwd, TERM: 'xterm' }, timeout: 30_000 });
  }

  it.skipIf(!hasScript)('saves after the user confirms', () => {
    const repo = repoWith('test/fixtures/specs/own/tech-spec-rate-limiter.md');
    const result = onTerminal(['plan', '--max-tasks', '500', 'spec.md'], repo, 'y');
    const screen = result.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(screen).toContain('--max-tasks 500 is far above what this spec supports');
    expect(screen).toContain('Save this plan anyway?');
    expect(result.status).toBe(0);
    expect(existsSync(join(repo, '.xplan/state.json'))).toBe(true);
  });

  it.skipIf(!hasScript)('cancels with exit 130 and saves nothing when the user declines', () => {
    const repo = repoWith('test/fixtures/specs/own/tech-spec-rate-limiter.md');
    const result = onTerminal(['plan', '--max-tasks', '500', 'spec.md'], repo, 'n');
    expect(result.stdout).toContain('Plan not saved.');
    expect(result.status).toBe(130);
    expect(existsSync(join(repo, '.xplan/state.json'))).toBe(false);
  });
});
