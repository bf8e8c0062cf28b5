/**
 * `.xplan/run.lock`: one xplan at a time changes what a run works from. Its holder is either the orchestrator that
 * drives the run (`xplan run`, `xplan resume`), for as long as it drives it, or a command that changes the run or
 * the plan while nothing drives it (`pause`, `cancel`, `task set`, `approve`, `plan`…), for the length of its
 * change. Such commands wait for each other; none waits for an orchestrator. The lock of a process that is gone is
 * reclaimed.
 */
import { join } from 'node:path';
import { XplanError } from '../../core/errors.js';
import { acquirePidLock, liveLockHolder, type LockHolder } from './pid-lock.js';
import { ensureXplanDir } from './xplan-dir.js';

export interface RunLockHolder extends LockHolder {
  /** The run it drives or changes; empty for a plan change with no run. */
  runId: string;
  /** A command holding it for one change (`xplan pause --now`); absent for the orchestrator that drives the run. */
  command?: string;
}

/** How long a command waits for another command's change (each holds the lock for one change). */
const COMMAND_WAIT_MS = 30_000;

export function runLockPath(xplanDir: string): string {
  return join(xplanDir, 'run.lock');
}

/** The live holder of the run lock, if any. */
export function runLockHolder(xplanDir: string): Promise<RunLockHolder | undefined> {
  return liveLockHolder<RunLockHolder>(runLockPath(xplanDir));
}

/** The orchestrator driving a run in this repository, if one is alive. */
export async function runDriver(xplanDir: string): Promise<RunLockHolder | undefined> {
  const holder = await runLockHolder(xplanDir);
  return holder && holder.command === undefined ? holder : undefined;
}

export function runLockedError(holder: RunLockHolder | undefined, path?: string): XplanError {
  if (!holder) return new XplanError('RUN_LOCKED', `Another xplan is taking ${path ?? 'the run lock'} right now`, { hint: 'Follow the run with `xplan status --watch`.' });
  if (holder.command) {
    return new XplanError('RUN_LOCKED', `Another xplan (\`${holder.command}\`, pid ${holder.pid} on ${holder.host}, since ${holder.since}) is changing the run or the plan`, {
      hint: 'Run the command again once it is done.',
    });
  }
  return new XplanError('RUN_LOCKED', `Another xplan drives run ${holder.runId} in this repository (pid ${holder.pid} on ${holder.host}, since ${holder.since})`, {
    hint: 'Follow it with `xplan status --watch`; stop it with `xplan pause`.',
  });
}

export interface RunLock {
  release: () => Promise<void>;
}

/**
 * Takes the lock to drive run `runId`. A command's change under way is waited for; another orchestrator is not: that
 * is RUN_LOCKED.
 */
export async function acquireRunLock(xplanDir: string, runId: string, now: Date): Promise<RunLock> {
  const lock = await takeRunLock(xplanDir, { runId, since: now.toISOString() });
  if (!lock.taken) throw runLockedError(lock.driver, runLockPath(xplanDir));
  return lock;
}

/**
 * Takes the lock for one change by `command`, waiting for other commands' changes. When an orchestrator drives the
 * run instead, nothing is taken and its holder is returned: the change then goes to the state, which it follows.
 */
export async function acquireCommandLock(xplanDir: string, runId: string, command: string, now: Date): Promise<(RunLock & { taken: true }) | { taken: false; driver: RunLockHolder }> {
  const lock = await takeRunLock(xplanDir, { runId, command, since: now.toISOString() });
  if (!lock.taken && !lock.driver) throw runLockedError(undefined, runLockPath(xplanDir));
  return lock as (RunLock & { taken: true }) | { taken: false; driver: RunLockHolder };
}

async function takeRunLock(xplanDir: string, info: Omit<RunLockHolder, 'pid' | 'host'>): Promise<(RunLock & { taken: true }) | { taken: false; driver: RunLockHolder | undefined }> {
  await ensureXplanDir(xplanDir);
  const path = runLockPath(xplanDir);
  const deadline = Date.now() + COMMAND_WAIT_MS;
  for (;;) {
    let holder: RunLockHolder | undefined;
    try {
      const release = await acquirePidLock<RunLockHolder>(path, info, {
        held: (h) => {
          holder = h;
          return new Error('held');
        },
      });
      return { taken: true, release };
    } catch (error) {
      if (error instanceof Error && error.message !== 'held') throw error;
    }
    // An orchestrator is not waited for; a command (or a lock being written) is, for a while.
    if (holder && holder.command === undefined) return { taken: false, driver: holder };
    if (Date.now() >= deadline) throw runLockedError(holder, path);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
