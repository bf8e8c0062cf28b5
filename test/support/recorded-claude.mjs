#!/usr/bin/env node
/**
 * A stand-in for `claude` in the planning engine that answers from recorded answers, kept by what each call is for
 * (`outline.json`, `details-T3-T6.json`, `outline.repair.json`) rather than by the prompt's text, so rewording a
 * prompt keeps them. It answers `claude auth status --json` as logged in, reads the prompt on stdin, finds its
 * `Call: <purpose>` line, and prints the result event of `--output-format stream-json` with the recorded answer as
 * structured output (tokens counted as characters / 4).
 *
 * Detail answers are per task, so a detail call for a grouping that was not recorded (another planning.concurrency)
 * is answered with those tasks' entries from the recorded detail files.
 *
 * RECORDED_ANSWERS names the folder of one spec's answers. A call with no recorded answer saves its prompt and
 * schema as pending/<purpose>.md and pending/<purpose>.schema.json there and fails, so whoever records can answer
 * it and run again; with RECORD_WITH=<real claude command> it asks that instead and saves the answer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
if (argv.includes('--version')) {
  console.log('2.1.197 (Claude Code)');
  process.exit(0);
}
if (argv[0] === 'auth' && argv[1] === 'status') {
  console.log(JSON.stringify({ loggedIn: true, authMethod: 'recorded', apiProvider: 'firstParty' }));
  process.exit(0);
}
const dir = process.env.RECORDED_ANSWERS;
if (!dir) {
  console.error('RECORDED_ANSWERS is not set');
  process.exit(1);
}
const prompt = readFileSync(0, 'utf8');
const purpose = /^Call: (.+)$/m.exec(prompt)?.[1];
if (!purpose) {
  console.error('the prompt names no purpose (no "Call:" line)');
  process.exit(1);
}
const name = purpose.replace(/[–—]/g, '-').replace(/[^A-Za-z0-9-]+/g, '-') + (prompt.includes("## Problems found by xplan's checks") ? '.repair' : '');
const schema = argv[argv.indexOf('--json-schema') + 1] ?? '{}';
const answerFile = join(dir, `${name}.json`);

const result = (output) =>
  JSON.stringify({
    type: 'result',
    subtype: 'success',
    is_error: false,
    duration_ms: 1,
    num_turns: 1,
    result: JSON.stringify(output),
    session_id: '00000000-0000-0000-0000-000000000000',
    total_cost_usd: 0,
    usage: { input_tokens: Math.round(prompt.length / 4), output_tokens: Math.round(JSON.stringify(output).length / 4) },
    modelUsage: { recorded: {} },
    structured_output: output,
  });

/** The asked tasks' entries from every recorded detail answer (a repair's over the first), if all are there. */
function regroupedDetails() {
  const asked = /no others: (T\d+(?:, T\d+)*)\./.exec(prompt.replace(/\s+/g, ' '))?.[1]?.split(', ');
  if (!asked || !name.startsWith('details-') || name.endsWith('.repair')) return undefined;
  const entries = new Map();
  const files = readdirSync(dir).filter((f) => f.startsWith('details-') && f.endsWith('.json'));
  for (const f of [...files.filter((f) => !f.endsWith('.repair.json')), ...files.filter((f) => f.endsWith('.repair.json'))]) {
    for (const t of JSON.parse(readFileSync(join(dir, f), 'utf8')).tasks ?? []) entries.set(t.id, t);
  }
  return asked.every((id) => entries.has(id)) ? { tasks: asked.map((id) => entries.get(id)) } : undefined;
}

const regrouped = existsSync(answerFile) ? undefined : regroupedDetails();
if (regrouped) {
  console.log(result(regrouped));
  process.exit(0);
}
if (!existsSync(answerFile)) {
  if (process.env.RECORD_WITH) {
    const args = argv.map((a) => (a === 'stream-json' ? 'json' : a)).filter((a) => a !== '--include-partial-messages' && a !== '--verbose');
    const real = spawnSync(process.env.RECORD_WITH, args, { input: prompt, encoding: 'utf8', maxBuffer: 1 << 28 });
    const answer = JSON.parse(real.stdout.trim().split('\n').pop() ?? '{}');
    if (answer.structured_output) writeFileSync(answerFile, JSON.stringify(answer.structured_output, null, 1) + '\n');
    process.stdout.write(real.stdout);
    process.exit(real.status ?? 1);
  }
  mkdirSync(join(dir, 'pending'), { recursive: true });
  writeFileSync(join(dir, 'pending', `${name}.md`), prompt);
  writeFileSync(join(dir, 'pending', `${name}.schema.json`), JSON.stringify(JSON.parse(schema), null, 1));
  console.log(JSON.stringify({ type: 'result', subtype: 'error_during_execution', is_error: true, result: `no recorded answer for ${name}`, usage: { input_tokens: 0, output_tokens: 0 }, total_cost_usd: 0, num_turns: 1 }));
  process.exit(1);
}
console.log(result(JSON.parse(readFileSync(answerFile, 'utf8'))));
