/** Scratch repositories with an approved plan, and the environment that points the real `claude` at a model server. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runXplan, tempDir, tempRepo, writeFiles } from './cli.js';

export const CLAUDE_BIN = join(REPO_ROOT, 'node_modules/.bin/claude');

export const SPEC = `# Greeting files

Fix the missing greeting files: the app expects one text file per part of the greeting.
`;

export interface PlannedTask {
  title: string;
  dependsOn?: string[];
}

export function git(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function xplan(cwd: string, args: string[]): string {
  const result = runXplan(args, { cwd });
  if (result.code !== 0) throw new Error(`xplan ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/**
 * A committed repository whose plan has exactly the given tasks (T1, T2, … in order), approved. The plan is shaped
 * with xplan's own commands, as a user would.
 */
export function approvedRepo(tasks: PlannedTask[], config: string): string {
  const repo = tempRepo();
  git(repo, ['config', 'user.name', 'Test User']);
  git(repo, ['config', 'user.email', 'test@example.com']);
  writeFiles(repo, { 'spec.md': SPEC, 'README.md': '# app\n', '.xplan/config.yaml': config });
  git(repo, ['add', 'spec.md', 'README.md']);
  git(repo, ['commit', '-q', '-m', 'init']);
  xplan(repo, ['plan', 'spec.md', '--yes']);
  const plan = JSON.parse(xplan(repo, ['show', '--json'])) as { tasks: Array<{ id: string }> };
  if (plan.tasks.length !== 1) throw new Error(`expected a one-task plan, got ${plan.tasks.length}`);
  tasks.forEach((task, i) => {
    const deps = task.dependsOn?.length ? ['--depends-on', task.dependsOn.join(',')] : [];
    if (i === 0) xplan(repo, ['task', 'set', 'T1', '--title', task.title]);
    else xplan(repo, ['task', 'add', '--title', task.title, ...deps]);
  });
  xplan(repo, ['approve', '--yes']);
  return repo;
}

/** The environment of a hermetic Claude Code talking to the scripted model server. */
export function claudeEnv(serverUrl: string, options: { apiKey?: boolean } = {}): NodeJS.ProcessEnv {
  return {
    ...(options.apiKey === false ? {} : { ANTHROPIC_API_KEY: 'test-key' }),
    ANTHROPIC_BASE_URL: serverUrl,
    CLAUDE_CONFIG_DIR: tempDir('xplan-claude-'),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    // A scripted 429 reaches the result at once, so xplan's own retry is what the test sees.
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
}

/**
 * The run tests script each agent's model calls; the acceptance review would be one more call per task, which
 * only the tests of the review script (`review: true`). The others prove the run without it.
 */
export function runConfig(extra: { verify?: string; concurrency?: number; branching?: string; run?: string[]; review?: boolean } = {}): string {
  return [
    `plan:`,
    `  branching: ${extra.branching ?? 'feature'}`,
    `run:`,
    `  concurrency: ${extra.concurrency ?? 2}`,
    `  verify: ${extra.verify ? JSON.stringify(extra.verify) : 'null'}`,
    `  backoffSeconds: 0.2`,
    `  stopGraceSeconds: 2`,
    `  beadsRetrySeconds: 0.01`,
    ...(extra.run ?? []).map((line) => `  ${line}`),
    `review:`,
    `  enabled: ${extra.review === true}`,
    `claude:`,
    `  command: ${JSON.stringify(CLAUDE_BIN)}`,
    '',
  ].join('\n');
}

/** Waits until events.jsonl has an event matching `match`; returns it. */
export async function waitForEvent(repo: string, match: (e: { type: string; taskId?: string }) => boolean, timeoutMs = 60_000): Promise<{ type: string; taskId?: string; [k: string]: unknown }> {
  const path = join(repo, '.xplan/events.jsonl');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(path)) {
      const found = readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; taskId?: string })
        .find(match);
      if (found) return found;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for an event');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Processes whose command line or working directory is inside `dir`: agents, supervisors, verify commands. */
export function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(`${pid} ${cmdline}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
