/**
 * The claude engine's plan of a 40 KB-class spec, replayed from recorded answers (test/fixtures/recorded): how many
 * output tokens the lead waits for (the longest chain of calls that wait on each other) against DESIGN §10's 4,000,
 * and all the output against the same plan written as one answer (the single-call plan), which must stay within
 * 1.5×. The stand-in counts tokens as characters / 4, as it does for the prompt.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BENCH_SPEC = 'bmad-harshjudge-prd';

export function measureClaudePlan(root, bin) {
  const fixture = join(root, 'test/fixtures/recorded', BENCH_SPEC);
  const answers = join(fixture, 'answers');
  const repo = mkdtempSync(join(tmpdir(), 'xplan-bench-claude-'));
  try {
    spawnSync('git', ['init', '-q', repo]);
    cpSync(join(fixture, 'specs'), join(repo, 'specs'), { recursive: true });
    mkdirSync(join(repo, '.xplan'));
    writeFileSync(join(repo, '.xplan/config.yaml'), `claude:\n  command: ${JSON.stringify(join(root, 'test/support/recorded-claude.mjs'))}\nplanning:\n  engine: claude\n`);
    const specs = readdirSync(join(repo, 'specs')).map((f) => `specs/${f}`);
    const bytes = specs.reduce((sum, s) => sum + statSync(join(repo, s)).size, 0);
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, 'plan', ...specs, '--json', '--yes'], { cwd: repo, env: { ...process.env, RECORDED_ANSWERS: answers }, encoding: 'utf8', maxBuffer: 1 << 28 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`xplan plan with recorded answers exited ${result.status}: ${result.stderr}`);
    const plan = JSON.parse(result.stdout);
    return { bytes, ms, tasks: plan.tasks.length, engine: plan.engine, singleCallTokens: singleCallTokens(answers) };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

/** The same plan as one answer of the single-call schema: every task's outline and detail fields together. */
function singleCallTokens(answers) {
  const read = (name) => JSON.parse(readFileSync(join(answers, name), 'utf8'));
  const outline = read(existsSync(join(answers, 'outline.repair.json')) ? 'outline.repair.json' : 'outline.json');
  const details = new Map();
  for (const f of readdirSync(answers).filter((f) => f.startsWith('details-') && f.endsWith('.json') && !f.endsWith('.repair.json'))) {
    const repaired = f.replace(/\.json$/, '.repair.json');
    for (const t of read(existsSync(join(answers, repaired)) ? repaired : f).tasks) details.set(t.id, t);
  }
  const tasks = outline.tasks.map((t) => {
    const d = details.get(t.id) ?? {};
    const reasons = new Map((d.edges ?? []).map((e) => [e.task, e.reason]));
    return {
      id: t.id,
      title: t.title,
      description: d.description,
      dependsOn: t.dependsOn.map((task) => ({ task, reason: reasons.get(task) ?? '' })),
      covers: t.covers.filter((k) => k.startsWith('R')),
      acceptance: t.covers.filter((k) => k.startsWith('A')),
      derivedAcceptance: d.derivedAcceptance,
      effort: t.effort,
      risk: d.risk,
      riskReason: d.riskReason,
      testStrategy: d.testStrategy,
      strategyReason: d.strategyReason,
      stream: t.stream,
      files: d.files,
      kind: t.kind,
    };
  });
  return Math.round(JSON.stringify({ tasks, excluded: outline.excluded }).length / 4);
}
