#!/usr/bin/env node
/**
 * Records the claude engine's answers for the specs under test/fixtures/recorded/<name>/specs, one file per call
 * purpose under <name>/answers. Each run plans the spec with the recorded-answer stand-in and either ends the plan
 * (DONE) or lists the calls that still need an answer:
 *
 *   PENDING <prompt.md> <schema.json> -> <answer.json>
 *
 * Whoever records answers each one (the structured output object alone, as JSON) and runs this again: the outline
 * comes first, then the detail calls, which depend on it. With a real login, `--with claude` asks Claude Code for
 * every missing answer in one go. `--fresh` throws the old answers away first.
 *
 *   node test/support/record-plans.mjs [--with claude] [--fresh] [name...]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = join(root, 'test/fixtures/recorded');
const args = process.argv.slice(2);
const withIndex = args.indexOf('--with');
const recordWith = withIndex >= 0 ? args.splice(withIndex, 2)[1] : undefined;
const fresh = args.includes('--fresh');
const names = args.filter((a) => !a.startsWith('--'));

for (const name of names.length > 0 ? names : readdirSync(fixtures).filter((n) => existsSync(join(fixtures, n, 'specs')))) {
  const answers = join(fixtures, name, 'answers');
  if (fresh) rmSync(answers, { recursive: true, force: true });
  rmSync(join(answers, 'pending'), { recursive: true, force: true });
  mkdirSync(answers, { recursive: true });
  const repo = mkdtempSync(join(tmpdir(), `xplan-record-${name}-`));
  spawnSync('git', ['init', '-q', repo]);
  cpSync(join(fixtures, name, 'specs'), join(repo, 'specs'), { recursive: true });
  mkdirSync(join(repo, '.xplan'));
  writeFileSync(join(repo, '.xplan/config.yaml'), `claude:\n  command: ${JSON.stringify(join(root, 'test/support/recorded-claude.mjs'))}\nplanning:\n  engine: claude\n`);
  const specs = readdirSync(join(repo, 'specs'))
    .sort()
    .map((f) => `specs/${f}`);
  const env = { ...process.env, RECORDED_ANSWERS: answers, NO_COLOR: '1', ...(recordWith ? { RECORD_WITH: recordWith } : {}) };
  const result = spawnSync(process.execPath, [join(root, 'bin/xplan.js'), 'plan', ...specs, '--json', '--yes'], { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  rmSync(repo, { recursive: true, force: true });
  const pending = existsSync(join(answers, 'pending')) ? readdirSync(join(answers, 'pending')).filter((f) => f.endsWith('.md')) : [];
  if (result.status === 0) {
    const plan = JSON.parse(result.stdout);
    const checks = plan.warnings.filter((w) => w.code === 'ENGINE_CHECK').map((w) => w.message);
    console.log(`${name}: DONE — ${plan.tasks.length} tasks${checks.length > 0 ? `; still failing xplan's checks: ${checks.join('; ')}` : ''}`);
  } else if (pending.length > 0) {
    for (const f of pending) {
      const base = f.slice(0, -'.md'.length);
      console.log(`${name}: PENDING ${join(answers, 'pending', f)} ${join(answers, 'pending', `${base}.schema.json`)} -> ${join(answers, `${base}.json`)}`);
    }
  } else {
    console.log(`${name}: FAILED ${result.stderr.trim()}`);
  }
}
