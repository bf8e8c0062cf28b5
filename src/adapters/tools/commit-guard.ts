/**
 * The commit guard: a pre-commit hook in one agent worktree that refuses a commit staging a file another running
 * task has reserved. Only that worktree gets it: `extensions.worktreeConfig` lets the worktree carry its own
 * `core.hooksPath` (a directory inside its own git dir), and the hooks the repository had before still run after
 * the guard (they are chained, not replaced). The hook reads `.xplan/runs/<run>/reservations.json`, which the run
 * rewrites atomically whenever a reservation is taken or released; with no such file it lets every commit through.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { gitFailedError } from '../../core/errors.js';
import { writeTextAtomic } from '../store/atomic-file.js';
import { guardFile, type ReservationTable } from '../../core/run/reservations.js';
import type { RunState } from '../../core/run/run.js';

export const RESERVATIONS_FILE = 'reservations.json';
/** The hook itself, a plain Node program (see the file). */
const GUARD_SCRIPT = new URL('../../../templates/commit-guard-hook.mjs', import.meta.url);
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
  await copyFile(GUARD_SCRIPT, join(dir, SCRIPT_FILE));
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

/**
 * Takes the guard out of a worktree the run kept after it ended: the worktree's hooks are what they were before,
 * and the user's own commits there go through. Returns whether there was one.
 */
export async function removeCommitGuard(worktree: string): Promise<boolean> {
  const dir = await guardDir(worktree);
  if (!(await readGuardConfig(dir))) return false;
  const hooksPath = await execa('git', ['config', '--worktree', 'core.hooksPath'], { cwd: worktree, reject: false, stdin: 'ignore' });
  if (String(hooksPath.stdout).trim() === dir) await git(worktree, ['config', '--worktree', '--unset', 'core.hooksPath']);
  await rm(dir, { recursive: true, force: true });
  return true;
}

/**
 * A run that ended (completed, failed, stopped, cancelled, even after a crash) holds no file any more: its
 * reservations file goes, and the guard leaves every worktree it kept, so the user's own commits there go through.
 * Whatever fails is reported, not thrown: the run has ended either way.
 */
export async function endReservations(runDir: string, run: RunState, report: (message: string) => void = () => {}): Promise<void> {
  const file = join(runDir, RESERVATIONS_FILE);
  await rm(file, { force: true }).catch((error: unknown) => report(`could not remove ${file}: ${String(error)}`));
  for (const worktree of new Set(Object.values(run.tasks).flatMap((t) => t.attempts.map((a) => a.worktree)))) {
    if (!existsSync(worktree)) continue;
    await removeCommitGuard(worktree).catch((error: unknown) => report(`could not remove the commit guard from ${worktree}: ${String(error)}`));
  }
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
