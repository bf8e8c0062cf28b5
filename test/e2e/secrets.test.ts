/** Secrets never reach xplan's files: an agent (the real claude) prints one, and every file under .xplan/ is searched. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runXplan, runXplanAsync, writeFiles } from '../support/cli.js';
import { commitSteps, startModelServer } from '../support/model-server.mjs';
import { approvedRepo, claudeEnv, git, runConfig } from '../support/run-repo.js';

const TOKEN = 'ghp_Zq8Wm3Xn5Yp7Rs2Tv4Ux6Vz9Ab1Cd3Ef5Gh7';
const DB_PASSWORD = 'Tr0ub4dor-3x-9q';

/** Every file under dir, worktrees excluded (they hold the user's own files), with the paths that contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (path.includes('/.xplan/worktrees')) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (readFileSync(path).includes(needle)) hits.push(path);
    }
  };
  walk(dir);
  return hits;
}

let server: Awaited<ReturnType<typeof startModelServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it('an agent that prints a secret: no file under .xplan/ holds it, the transcript holds <REDACTED:kind>', async () => {
  server = await startModelServer((c) => {
    if (c.turn === 0) return { tool: 'Bash', input: { command: `echo "GITHUB_TOKEN=${TOKEN}"`, description: 'Show the token' } };
    const step = commitSteps(c);
    return step.text ? { text: `I found the token ${TOKEN} and the database URL postgres://app:${DB_PASSWORD}@db/app.` } : step;
  });
  // The agent also fails verify with the secret in its output, so it lands in a reason and verify.log.
  // (The command itself only holds it base64-encoded: the agent is told the command, and that is not a leak.)
  const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig({ verify: `echo "password: $(echo ${Buffer.from(DB_PASSWORD).toString('base64')} | base64 -d)" && exit 1` }));
  git(repo, ['commit', '-q', '--allow-empty', '-m', 'base']);
  const result = await runXplanAsync(['run'], { cwd: repo, env: claudeEnv(server.url) });
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
  expect(filesContaining(join(repo, '.xplan'), TOKEN)).toEqual([]);
  expect(filesContaining(join(repo, '.xplan'), DB_PASSWORD)).toEqual([]);
  const run = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as { run: { id: string }; tasks: Array<{ label: string; reason: string }> };
  expect(run.tasks[0]).toMatchObject({ label: 'failed: verify' });
  expect(run.tasks[0]!.reason).toContain('password: <REDACTED:password>');
  const transcript = readFileSync(join(repo, `.xplan/runs/${run.run.id}/agent-1/transcript.jsonl`), 'utf8');
  expect(transcript).toContain('<REDACTED:github-token>');
  expect(transcript).toContain('<REDACTED:url-password>');
  for (const line of transcript.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  expect(runXplan(['logs', 'T1'], { cwd: repo }).stdout).toContain('GITHUB_TOKEN=<REDACTED:github-token>');
  expect(readFileSync(join(repo, '.xplan/logs/xplan.log'), 'utf8')).toContain('"msg":"run.started"');
}, 120_000);

it('a spec with a secret: warn says where, redact sends it redacted, block refuses to run', async () => {
  server = await startModelServer((c) => commitSteps(c));
  const spec = `# Greeting files\n\nFix the missing greeting files. Deploy with GITHUB_TOKEN=${TOKEN}.\n`;
  const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
  writeFiles(repo, { 'spec.md': spec });
  // The plan's spec hash changed, but its tasks did not: still approved, and a dry run previews it; a run needs --force.
  const warn = runXplan(['run', '--dry-run', '--prompts'], { cwd: repo });
  expect(warn.stdout).toContain('The spec holds 1 secret: spec.md:3: github-token. Agents will see them (secrets: warn).');
  // What is printed is masked; --show-secrets shows the prompts as the agents get them.
  expect(warn.stdout).toContain('Deploy with GITHUB_TOKEN=<REDACTED:github-token>.');
  expect(warn.stdout).not.toContain(TOKEN);
  expect(runXplan(['run', '--dry-run', '--json'], { cwd: repo }).stdout).not.toContain(TOKEN);
  const shown = runXplan(['run', '--dry-run', '--show-secrets'], { cwd: repo });
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(`Deploy with GITHUB_TOKEN=${TOKEN}.`);

  writeFiles(repo, { '.xplan/config.yaml': `${runConfig()}secrets: block\n` });
  const block = runXplan(['run', '--force'], { cwd: repo, env: claudeEnv(server.url) });
  expect(block.code).toBe(2);
  expect(block.stderr).toContain('The spec holds 1 secret, so no agent gets it: spec.md:3: github-token');
  expect(block.stderr).not.toContain(TOKEN);

  writeFiles(repo, { '.xplan/config.yaml': `${runConfig()}secrets: redact\n` });
  const redact = await runXplanAsync(['run', '--force'], { cwd: repo, env: claudeEnv(server.url) });
  expect(redact.code, redact.stdout + redact.stderr).toBe(0);
  expect(redact.stdout).toContain('agents get them as <REDACTED:kind>');
  const prompt = server.requests.find((r) => r.turn === 0)!.prompt;
  expect(prompt).toContain('Deploy with GITHUB_TOKEN=<REDACTED:github-token>.');
  expect(prompt).not.toContain(TOKEN);
  expect(filesContaining(join(repo, '.xplan'), TOKEN)).toEqual([]);
}, 120_000);

const SECRET_SPEC = `# Release ${TOKEN} pipeline

## Requirements

- FR-1 Publish with GITHUB_TOKEN=${TOKEN} to the registry.
- FR-2 Reports read postgres://app:p@ssw0rd-9x@db.internal/app nightly.
- FR-3 The admin password is Hunter2-xyz for now.

## Acceptance criteria

- [ ] Publishing with ${TOKEN} works.
`;
/** What must not show up anywhere: the values, and the lowercase cut a branch slug would make of the token. */
const SPEC_SECRETS = [TOKEN, TOKEN.toLowerCase().slice(0, 12), 'ssw0rd-9x', 'Hunter2-xyz'];

it('a spec with secrets: no plan output, JSON, state, branch preview or export holds any of them', () => {
  const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
  writeFiles(repo, { 'spec.md': SECRET_SPEC });
  const outputs = [
    runXplan(['assess', 'spec.md'], { cwd: repo }),
    runXplan(['assess', 'spec.md', '--json'], { cwd: repo }),
    runXplan(['plan', 'spec.md', '--yes'], { cwd: repo }),
    runXplan(['show', '--format', 'tree'], { cwd: repo }),
    runXplan(['show', '--format', 'md'], { cwd: repo }),
    runXplan(['show', '--json'], { cwd: repo }),
    runXplan(['approve', '--yes'], { cwd: repo }),
    runXplan(['export', 'beads', '--jsonl', 'issues.jsonl'], { cwd: repo }),
  ];
  for (const output of outputs) {
    expect(output.code, output.stderr).toBe(0);
    for (const secret of SPEC_SECRETS) expect(output.stdout + output.stderr).not.toContain(secret);
  }
  const plan = JSON.parse(outputs[5]!.stdout) as { spec: { title: string }; branchPreview: Array<{ branch: string }> };
  expect(plan.spec.title).toBe('Release <REDACTED:github-token> pipeline');
  for (const secret of SPEC_SECRETS) {
    expect(filesContaining(join(repo, '.xplan'), secret)).toEqual([]);
    expect(readFileSync(join(repo, 'issues.jsonl'), 'utf8')).not.toContain(secret);
  }
});

it('the prompt is not left on disk: the agent gets the whole spec through a pipe, and prompt.md is gone after', async () => {
  server = await startModelServer((c) => commitSteps(c));
  const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
  writeFiles(repo, { 'spec.md': `# Greeting files\n\nFix the missing greeting files. Deploy with GITHUB_TOKEN=${TOKEN}.\n` });
  const result = await runXplanAsync(['run', '--force'], { cwd: repo, env: claudeEnv(server.url) });
  expect(result.code, result.stdout + result.stderr).toBe(0);
  // secrets: warn, the default: the agent sees the spec as it is.
  expect(server.requests.find((r) => r.turn === 0)!.prompt).toContain(`Deploy with GITHUB_TOKEN=${TOKEN}.`);
  const status = JSON.parse(runXplan(['status', '--json'], { cwd: repo }).stdout) as { run: { id: string } };
  expect(readdirSync(join(repo, `.xplan/runs/${status.run.id}/agent-1`))).not.toContain('prompt.md');
  expect(filesContaining(join(repo, '.xplan'), TOKEN)).toEqual([]);
}, 120_000);

it('assess and plan warn about a secret in the spec by file, line and kind, never its value', () => {
  const repo = approvedRepo([{ title: 'Write the hello file' }], runConfig());
  writeFiles(repo, { 'leaky.md': `# Deploy notes\n\nPush with the token ${TOKEN} from CI.\n` });
  for (const args of [
    ['assess', 'leaky.md', '--json'],
    ['plan', 'leaky.md', '--json', '--force'],
  ]) {
    const result = runXplan(args, { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    const warning = (JSON.parse(result.stdout) as { warnings: Array<{ code: string; message: string }> }).warnings.find((w) => w.code === 'SECRETS_IN_SPEC');
    expect(warning?.message).toContain('leaky.md:3 (github-token)');
    expect(result.stdout).not.toContain(TOKEN);
  }
});

it('every secret shape of the scanner corpus, in a heading, a requirement or a criterion, stays out of every output and file under redact', async () => {
  const { SECRETS } = await import('../fixtures/secrets/corpus.js');
  const { scanSecrets } = await import('../../src/core/secrets.js');
  expect(SECRETS.length).toBeGreaterThanOrEqual(40);
  const lines = SECRETS.map((s, i) => (i % 3 === 0 ? `## Setup ${i}: ${s.text}` : i % 3 === 1 ? `- FR-${i}: Configure ${s.text}` : `- [ ] Works with ${s.text}`));
  // The values themselves (what redaction replaces), long enough that they cannot turn up by chance.
  const values = SECRETS.flatMap((s) => scanSecrets(s.text).map((f) => s.text.slice(f.start, f.end))).filter((v) => v.length >= 8);
  // Every shape is found (a shape the scanner misses would otherwise drop out of this test unnoticed).
  expect(SECRETS.filter((s) => !scanSecrets(s.text).some((f) => f.kind === s.kind)).map((s) => s.text)).toEqual([]);
  const repo = approvedRepo([{ title: 'Write the hello file' }], `${runConfig()}secrets: redact\n`);
  writeFiles(repo, { 'spec.md': `# Secrets everywhere\n\n## Requirements\n\n${lines.join('\n')}\n` });
  const outputs = [
    runXplan(['assess', 'spec.md', '--json'], { cwd: repo }),
    runXplan(['plan', 'spec.md', '--yes'], { cwd: repo }),
    runXplan(['show', '--json'], { cwd: repo }),
    runXplan(['show', '--format', 'md'], { cwd: repo }),
    runXplan(['approve', '--yes'], { cwd: repo }),
    runXplan(['export', 'beads', '--jsonl', 'issues.jsonl'], { cwd: repo }),
    // The dry run prints each task's prompt, spec included.
    runXplan(['run', '--dry-run'], { cwd: repo }),
  ];
  const leaks = (text: string) => values.filter((v) => text.includes(v));
  for (const output of outputs) {
    expect(output.code, output.stderr).toBe(0);
    expect(leaks(output.stdout + output.stderr)).toEqual([]);
  }
  expect(outputs[6]!.stdout).toContain('<REDACTED:');
  expect(leaks(readFileSync(join(repo, 'issues.jsonl'), 'utf8'))).toEqual([]);
  for (const value of values) expect(filesContaining(join(repo, '.xplan'), value), value).toEqual([]);
});
