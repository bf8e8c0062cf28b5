/**
 * The commit guard: a pre-commit hook in one agent worktree that refuses a commit staging a file another running
 * task has reserved. Only that worktree gets it: `extensions.worktreeConfig` lets the worktree carry its own
 * `core.hooksPath` (a directory inside its own git dir), and the hooks the repository had before still run after
 * the guard (they are chained, not replaced). The hook reads `.xplan/runs/<run>/reservations.json`, which the run
 * rewrites atomically whenever a reservation is taken or released; with no such file it lets every commit through.
 */
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { gitFailedError } from '../core/errors.js';
import { writeTextAtomic } from './atomic-file.js';
import { guardFile, type ReservationTable } from '../core/reservations.js';

export const RESERVATIONS_FILE = 'reservations.json';
const HOOKS_DIR = 'xplan-hooks';
const CONFIG_FILE = 'guard.json';
const SCRIPT_FILE = 'xplan-guard.mjs';

export interface GuardConfig {
  runId: string;
  taskId: string;
  reservationsFile: string;
  /** The hooks directory the worktree used before; its hooks still run. */
  chain: string;
}

/** Writes the run's reservations for the guards to read: whole or not at all. */
export async function writeReservations(path: string, runId: string, table: ReservationTable, now: string): Promise<void> {
  await writeTextAtomic(path, `${JSON.stringify(guardFile(runId, table, now), null, 2)}\n`);
}

async function git(cwd: string, args: string[]): Promise<string> {
  const result = await execa('git', args, { cwd, reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    throw gitFailedError(args, cwd, String(result.stderr), result.exitCode, 'Check the worktree it names (`git worktree list`), then run the command again.');
  }
  return String(result.stdout).trim();
}

/** Where the worktree's guard lives: inside its own git dir, so removing the worktree removes it. */
export async function guardDir(worktree: string): Promise<string> {
  return join(await git(worktree, ['rev-parse', '--absolute-git-dir']), HOOKS_DIR);
}

/**
 * Installs (or updates) the guard in one worktree for one task. Idempotent: a second install keeps the hooks
 * directory it chains to.
 */
export async function installCommitGuard(options: { worktree: string; runId: string; taskId: string; reservationsFile: string; nodePath?: string }): Promise<GuardConfig> {
  const { worktree } = options;
  const dir = await guardDir(worktree);
  const previous = await readGuardConfig(dir);
  const chain = previous?.chain ?? resolve(worktree, await git(worktree, ['rev-parse', '--git-path', 'hooks']));
  const config: GuardConfig = { runId: options.runId, taskId: options.taskId, reservationsFile: resolve(options.reservationsFile), chain };

  await mkdir(dir, { recursive: true });
  // The hook reads its config on every commit: it must never see half of one.
  await writeTextAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(dir, SCRIPT_FILE), GUARD_SCRIPT);
  const node = options.nodePath ?? process.execPath;
  await writeHook(dir, 'pre-commit', [`${sh(node)} ${sh(join(dir, SCRIPT_FILE))} || exit $?`, ...chainLines(chain, 'pre-commit')]);
  // Other hooks the repository has keep running in this worktree.
  for (const name of await executableHooks(chain)) if (name !== 'pre-commit') await writeHook(dir, name, chainLines(chain, name));

  if ((await execa('git', ['config', '--bool', 'extensions.worktreeConfig'], { cwd: worktree, reject: false, stdin: 'ignore' })).stdout.trim() !== 'true') {
    await git(worktree, ['config', 'extensions.worktreeConfig', 'true']);
  }
  await git(worktree, ['config', '--worktree', 'core.hooksPath', dir]);
  return config;
}

/** The guard installed in a worktree, if any. */
export async function installedGuard(worktree: string): Promise<GuardConfig | undefined> {
  return readGuardConfig(await guardDir(worktree));
}

async function readGuardConfig(dir: string): Promise<GuardConfig | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, CONFIG_FILE), 'utf8')) as GuardConfig;
  } catch {
    return undefined;
  }
}

function chainLines(chain: string, name: string): string[] {
  const hook = sh(join(chain, name));
  return [`if [ -x ${hook} ]; then exec ${hook} "$@"; fi`, 'exit 0'];
}

async function writeHook(dir: string, name: string, body: string[]): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, ['#!/bin/sh', '# Written by xplan for this worktree only.', ...body, ''].join('\n'));
  await chmod(path, 0o755);
}

async function executableHooks(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names) {
    if (name.endsWith('.sample') || !/^[a-z-]+$/.test(name)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile() && (info.mode & 0o111) !== 0) out.push(name);
  }
  return out;
}

/** A single-quoted shell word. */
function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The hook itself: plain Node with no imports from xplan, so it keeps working whatever happens to xplan's install.
 * The reservations file carries each pattern as a regular expression.
 */
const GUARD_SCRIPT = `// xplan commit guard: refuses a commit that stages a file another running task has reserved.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const config = JSON.parse(readFileSync(new URL('./guard.json', import.meta.url), 'utf8'));
let doc;
try {
  doc = JSON.parse(readFileSync(config.reservationsFile, 'utf8'));
} catch (error) {
  // No reservations file: the run is over or has not reserved anything yet.
  if (error && error.code === 'ENOENT') process.exit(0);
  process.stderr.write('xplan: could not read ' + config.reservationsFile + ' (' + (error && error.message) + '); the commit is not checked against file reservations.\\n');
  process.exit(0);
}
if (!doc || doc.runId !== config.runId || !Array.isArray(doc.reservations)) process.exit(0);

const staged = execFileSync('git', ['diff', '--cached', '--name-only', '-z', '--no-renames', '--diff-filter=ACDMRTUXB'], { encoding: 'utf8' })
  .split('\\0')
  .filter(Boolean);
const others = doc.reservations
  .filter((r) => r.taskId !== config.taskId && r.exclusive)
  .map((r) => ({ ...r, compiled: r.regexes.map((source) => new RegExp(source)) }));
const refused = [];
for (const file of staged) {
  for (const r of others) {
    const index = r.compiled.findIndex((re) => re.test(file));
    if (index >= 0) {
      refused.push({ file, taskId: r.taskId, agent: r.agent, pattern: r.patterns[index] });
      break;
    }
  }
}
if (refused.length === 0) process.exit(0);

const own = doc.reservations.find((r) => r.taskId === config.taskId);
const holders = [...new Set(refused.map((r) => r.taskId))].join(', ');
const quoted = refused.map((r) => "'" + r.file.replace(/'/g, "'\\\\''") + "'").join(' ');
const lines = [
  'xplan: commit refused. It stages ' + (refused.length === 1 ? 'a file' : refused.length + ' files') + ' that another running task has reserved:',
  ...refused.map((r) => '  ' + r.file + '  reserved by task ' + r.taskId + ' (agent-' + r.agent + (r.pattern !== r.file ? ', pattern ' + r.pattern : '') + ')'),
  '',
  'Task ' + config.taskId + ' must not change ' + (refused.length === 1 ? 'it' : 'them') + ' while ' + holders + ' ' + (holders.includes(',') ? 'run' : 'runs') + '. To go on:',
  '  1. Unstage ' + (refused.length === 1 ? 'it' : 'them') + ' (your edits stay in the working tree): git restore --staged -- ' + quoted,
  '  2. Commit the rest of your work as usual.',
  '  3. In your final message, say what change ' + (refused.length === 1 ? 'that file' : 'those files') + ' still need' + (refused.length === 1 ? 's' : '') + ', so it is made once ' + holders + ' is merged.',
];
if (own && own.patterns.length > 0) lines.push('', 'Files reserved for ' + config.taskId + ': ' + own.patterns.join(', '));
process.stderr.write(lines.join('\\n') + '\\n');
process.exit(1);
`;
