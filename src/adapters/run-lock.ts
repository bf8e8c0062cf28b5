/**
 * One orchestrator per repository: `.xplan/run.lock` names the process that drives the run. The lock of a process
 * that is gone is reclaimed.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { XplanError } from '../core/errors.js';
import { ensureXplanDir } from './xplan-dir.js';

export interface RunLockHolder {
  pid: number;
  host: string;
  since: string;
  runId: string;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runLockPath(xplanDir: string): string {
  return join(xplanDir, 'run.lock');
}

/** The live holder of the run lock, if any. */
export async function runLockHolder(xplanDir: string): Promise<RunLockHolder | undefined> {
  let holder: RunLockHolder;
  try {
    holder = JSON.parse(await readFile(runLockPath(xplanDir), 'utf8')) as RunLockHolder;
  } catch {
    return undefined;
  }
  return holder.host !== hostname() || isAlive(holder.pid) ? holder : undefined;
}

export function runLockedError(holder: RunLockHolder): XplanError {
  return new XplanError('RUN_LOCKED', `Another xplan drives run ${holder.runId} in this repository (pid ${holder.pid} on ${holder.host}, since ${holder.since})`, {
    hint: 'Follow it with `xplan status --watch`; stop it with `xplan pause`.',
  });
}

export async function acquireRunLock(xplanDir: string, runId: string, now: Date): Promise<{ release: () => Promise<void> }> {
  await ensureXplanDir(xplanDir);
  const path = runLockPath(xplanDir);
  const me: RunLockHolder = { pid: process.pid, host: hostname(), since: now.toISOString(), runId };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await runLockHolder(xplanDir);
    if (holder) throw runLockedError(holder);
    await rm(path, { force: true }); // stale: its process is gone
  }
  throw new XplanError('RUN_LOCKED', `Could not take ${path}`, { hint: `Remove ${path} if no xplan is running.` });
}
