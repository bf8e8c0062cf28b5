/**
 * Lock files that name their holder (`{ pid, host, since, … }`), created exclusively. A holder whose process is gone
 * is stale and reclaimed; so is an empty lock left by a process killed between creating and writing it.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAlive } from '../process/processes.js';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** An empty or half-written lock older than this is taken as abandoned. */
const EMPTY_LOCK_STALE_MS = 1000;

export async function readLockHolder<T extends LockHolder>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The holder, if its process may still be alive (a holder on another host is taken as alive). */
export async function liveLockHolder<T extends LockHolder>(path: string): Promise<T | undefined> {
  const holder = await readLockHolder<T>(path);
  return holder && (holder.host !== hostname() || isAlive(holder.pid)) ? holder : undefined;
}

/**
 * Takes the lock at `path` for this process, waiting up to `waitMs` for a live holder to let go; `held` makes the
 * error thrown when it does not. Returns the release function.
 */
export async function acquirePidLock<T extends LockHolder>(
  path: string,
  info: Omit<T, keyof LockHolder> & { since: string },
  options: { waitMs?: number; held: (holder: T | undefined) => Error },
): Promise<() => Promise<void>> {
  const me = { ...info, pid: process.pid, host: hostname() } as unknown as T;
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLockHolder<T>(path);
    const stale = holder ? holder.host === me.host && !isAlive(holder.pid) : (await ageMs(path)) > EMPTY_LOCK_STALE_MS;
    if (stale) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw options.held(holder);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}
