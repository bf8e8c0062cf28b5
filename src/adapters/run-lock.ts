/**
 * One orchestrator per repository: `.xplan/run.lock` names the process that drives the run. The lock of a process
 * that is gone is reclaimed.
 */
import { join } from 'node:path';
import { XplanError } from '../core/errors.js';
import { acquirePidLock, liveLockHolder, type LockHolder } from './pid-lock.js';
import { ensureXplanDir } from './xplan-dir.js';

export interface RunLockHolder extends LockHolder {
  runId: string;
}

export function runLockPath(xplanDir: string): string {
  return join(xplanDir, 'run.lock');
}

/** The live holder of the run lock, if any. */
export function runLockHolder(xplanDir: string): Promise<RunLockHolder | undefined> {
  return liveLockHolder<RunLockHolder>(runLockPath(xplanDir));
}

export function runLockedError(holder: RunLockHolder | undefined, path?: string): XplanError {
  if (!holder) return new XplanError('RUN_LOCKED', `Another xplan is taking ${path ?? 'the run lock'} right now`, { hint: 'Follow the run with `xplan status --watch`.' });
  return new XplanError('RUN_LOCKED', `Another xplan drives run ${holder.runId} in this repository (pid ${holder.pid} on ${holder.host}, since ${holder.since})`, {
    hint: 'Follow it with `xplan status --watch`; stop it with `xplan pause`.',
  });
}

export async function acquireRunLock(xplanDir: string, runId: string, now: Date): Promise<{ release: () => Promise<void> }> {
  await ensureXplanDir(xplanDir);
  const path = runLockPath(xplanDir);
  const release = await acquirePidLock<RunLockHolder>(path, { runId, since: now.toISOString() }, { held: (holder) => runLockedError(holder, path) });
  return { release };
}
