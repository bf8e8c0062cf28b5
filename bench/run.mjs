#!/usr/bin/env node
/**
 * `npm run bench`: measures xplan against the performance targets in DESIGN §10 and prints each beside its target.
 * Whole-process wall times of the built binary, as a user experiences them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSpec } from './generate-spec.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/xplan.js');
const work = mkdtempSync(join(tmpdir(), 'xplan-bench-'));

function time(args, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`xplan ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function timeNode(runs, args = ['-e', '0']) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, args);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/**
 * xplan against a bare `node` doing the least the same job needs, as a ratio. The two alternate, run by run, so a
 * busy machine slows both alike; the figure is the median of the per-pair ratios.
 */
function timeAgainstNode(args, nodeArgs, runs) {
  const ratios = [];
  const own = [];
  for (let i = 0; i < runs; i++) {
    const base = timeNode(1, nodeArgs);
    const mine = time(args, 1);
    own.push(mine);
    ratios.push(mine / base);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ms: median(own), ratio: median(ratios) };
}

const rows = [];
function report(what, measured, target, note = '') {
  const ok = target === undefined ? '' : measured <= target ? 'ok' : 'OVER';
  rows.push([what, `${measured.toFixed(0)} ms`, target === undefined ? '—' : `≤ ${target} ms`, ok, note]);
}
function reportRatio(what, { ms, ratio }, floor, note = '') {
  rows.push([what, `${ratio.toFixed(2)}× (${ms.toFixed(0)} ms)`, `≤ ${floor}×`, ratio <= floor ? 'ok' : 'OVER', note]);
}

// `node bench/run.mjs --cli` measures the commands only, without the run benchmarks (which take minutes);
// `--run-only <name>` runs only the run benchmarks whose name contains <name>, and none of the command ones.
const cliOnly = process.argv.includes('--cli');
const runOnlyAt = process.argv.indexOf('--run-only');
const runOnly = runOnlyAt >= 0 ? process.argv[runOnlyAt + 1] : undefined;
if (runOnly !== undefined) {
  const { runBenchmarks } = await import('./run-bench.mjs');
  await runBenchmarks({ only: runOnly });
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

const nodeBaseline = timeNode(15);
report('node -e 0 (baseline)', nodeBaseline, undefined, 'reference: ≈ 85 ms on a typical machine');
report('xplan --version', time(['--version'], 20), 150, 'task-master --version ≈ 5 s');
report('xplan --help', time(['--help'], 20), 150);

const small = join(work, 'spec-100k.md');
const large = join(work, 'spec-5m.md');
writeFileSync(small, generateSpec(100 * 1024));
writeFileSync(large, generateSpec(5 * 1024 * 1024));
// The heuristic's own speed: `engine: auto` would first ask `claude auth status` (about half a second).
const assessSmall = time(['assess', '--json', '--no-save', '--engine', 'heuristic', small], 7);
const assessLarge = time(['assess', '--json', '--no-save', '--engine', 'heuristic', large], 3);
report('assess, 100 KB spec', assessSmall, 300);
// Linear growth: the work above process start-up should grow with the size (×51.2), not faster.
const perKbSmall = (assessSmall - nodeBaseline) / 100;
const perKbLarge = (assessLarge - nodeBaseline) / (5 * 1024);
report('assess, 5 MB spec', assessLarge, undefined, `per KB after start-up: ${perKbLarge.toFixed(3)} ms vs ${perKbSmall.toFixed(3)} ms at 100 KB (linear if not larger)`);

const planSmall = time(['plan', '--json', '--yes', '--engine', 'heuristic', small], 7);
report('plan, 100 KB spec', planSmall, 300);
const planLarge = time(['plan', '--json', '--yes', '--engine', 'heuristic', large], 3);
const planPerKbSmall = (planSmall - nodeBaseline) / 100;
const planPerKbLarge = (planLarge - nodeBaseline) / (5 * 1024);
report('plan, 5 MB spec', planLarge, undefined, `per KB after start-up: ${planPerKbLarge.toFixed(3)} ms vs ${planPerKbSmall.toFixed(3)} ms at 100 KB (linear if not larger); consolidates 8,000 tasks to the limit`);

// Shapes the realistic generator never writes: none may take a second to plan.
const { generateOddSpec, ODD_SHAPES } = await import('./generate-odd-spec.mjs');
for (const shape of ODD_SHAPES) {
  const odd = join(work, `spec-odd-${shape}.md`);
  writeFileSync(odd, generateOddSpec(100 * 1024, shape));
  report(`plan, 100 KB spec of odd shape (${shape})`, time(['plan', '--json', '--yes', '--engine', 'heuristic', odd], 3), 1000);
}

const { generateLargePlanFile } = await import('./check-20k.mjs');
const largePlan = join(work, 'plan-20k.json');
generateLargePlanFile(largePlan);
report('check, 20,000 tasks / 30,000 edges', time(['check', largePlan], 5), 300, 'task-master validate-dependencies ≈ 25 s');

const { generateTaskmasterFile } = await import('./taskmaster-20k.mjs');
const tasksJson = join(work, 'tasks.json');
generateTaskmasterFile(tasksJson);
reportRatio(
  'check, task-master tasks.json, 20,000 tasks',
  timeAgainstNode(['check', tasksJson], ['-e', `JSON.parse(require('node:fs').readFileSync(${JSON.stringify(tasksJson)}, 'utf8'))`], 7),
  1.6,
  'against bare node reading and parsing the same file',
);

// The claude engine, replayed from recorded answers: output tokens in sequence (what the lead waits for) and in all.
const { measureClaudePlan, BENCH_SPEC } = await import('./claude-plan.mjs');
const claude = measureClaudePlan(root, bin);
const seq = claude.engine.sequentialOutputTokens;
const all = claude.engine.usage.outputTokens;
rows.push([
  `claude-engine plan, ${Math.round(claude.bytes / 1024)} KB spec: sequential output tokens`,
  seq.toLocaleString('en-US'),
  '≤ 4,000',
  seq <= 4000 ? 'ok' : 'OVER',
  `${BENCH_SPEC}: ${claude.tasks} tasks in ${claude.engine.calls} calls (recorded answers; about 60 s at ~70 tokens/s)`,
]);
rows.push([
  'claude-engine plan: all output tokens against one single-call answer',
  `${(all / claude.singleCallTokens).toFixed(2)}×`,
  '≤ 1.5×',
  all <= 1.5 * claude.singleCallTokens ? 'ok' : 'OVER',
  `${all.toLocaleString('en-US')} vs ${claude.singleCallTokens.toLocaleString('en-US')} output tokens; input ${claude.engine.usage.inputTokens.toLocaleString('en-US')} tokens, the shared spec prefix served from the prompt cache after the first call`,
]);

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length), ['what', 'measured', 'target', '', 'note'][i].length));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
console.log(line(['what', 'measured', 'target', '', 'note']));
for (const r of rows) console.log(line(r));
rmSync(work, { recursive: true, force: true });

// The `xplan run` benchmarks (dispatch latency, makespan, orchestrator RSS), with a fake agent: bench/run-bench.mjs.
if (!cliOnly) {
  console.log('');
  const { runBenchmarks } = await import('./run-bench.mjs');
  await runBenchmarks();
}
