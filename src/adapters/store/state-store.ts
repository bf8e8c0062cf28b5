/**
 * The only writer of `.xplan/state.json`.
 * Writes are atomic (temp file, fsync, rename), serialised by a short lock file, and checked against the revision
 * the caller read (compare-and-swap). The previous good state is kept as `state.json.bak`: the old file itself,
 * hard-linked there before the new one replaces it, so a write costs one file, not two. A corrupt state file is
 * never overwritten.
 */
import { copyFile, link, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { XplanError } from '../../core/errors.js';
import { redactDeep } from '../../core/secrets.js';
import { emptyState, validateState, type State } from '../../core/run/state.js';
import { writeTextAtomic } from './atomic-file.js';
import { acquirePidLock, type LockHolder } from './pid-lock.js';
import { directoryInTheWay, ensureXplanDir, readXplanFile, xplanFileError } from './xplan-dir.js';

export class StateCorruptError extends XplanError {
  constructor(path: string, reason: string, backup: string | undefined) {
    super('STATE_CORRUPT', `${path} is corrupt (${reason}); xplan will not overwrite it`, {
      hint: backup ? `The last good state is ${backup}: inspect it, then copy it over ${path}.` : `Move ${path} aside to start fresh, or repair it by hand.`,
    });
  }
}

export class StateConflictError extends XplanError {
  constructor(expected: number, found: number) {
    super('STATE_CONFLICT', `The state changed while this command ran (revision ${expected} → ${found})`, {
      hint: 'Run the command again; another xplan process updated the state.',
    });
  }
}

export class StateLockedError extends XplanError {
  constructor(path: string, holder: LockHolder) {
    super('STATE_LOCKED', `The state is locked by pid ${holder.pid} on ${holder.host} since ${holder.since}`, {
      hint: `Wait for that process to finish; if it is gone, remove ${path}.`,
    });
  }
}

export interface StateStoreOptions {
  now?: () => Date;
  /** How long to wait for another writer's lock before giving up. */
  lockTimeoutMs?: number;
}

export class StateStore {
  readonly path: string;
  readonly backupPath: string;
  private readonly lockPath: string;
  private readonly now: () => Date;
  private readonly lockTimeoutMs: number;

  constructor(
    private readonly xplanDir: string,
    options: StateStoreOptions = {},
  ) {
    this.path = join(xplanDir, 'state.json');
    this.backupPath = join(xplanDir, 'state.json.bak');
    this.lockPath = join(xplanDir, 'state.lock');
    this.now = options.now ?? (() => new Date());
    this.lockTimeoutMs = options.lockTimeoutMs ?? 5000;
  }

  /** The saved state, or undefined when there is none yet. Throws StateCorruptError for a damaged file. */
  async read(): Promise<State | undefined> {
    return (await this.readRaw())?.state;
  }

  /**
   * Applies `change` to the current state and writes the result as the next revision.
   * With `expectedRevision`, refuses to write if someone else wrote since the caller read that revision.
   */
  async update(
    change: (state: State) => State,
    options: {
      expectedRevision?: number;
      /** Runs under the lock before the write, with the state as it is on disk. */
      beforeWrite?: (current: State) => Promise<void>;
      /** Runs under the lock after the write. */
      afterWrite?: (next: State) => Promise<void>;
    } = {},
  ): Promise<State> {
    await ensureXplanDir(this.xplanDir);
    await this.lock();
    try {
      const current = await this.readRaw();
      const base = current?.state ?? emptyState(this.now().toISOString());
      if (options.expectedRevision !== undefined && base.revision !== options.expectedRevision) {
        throw new StateConflictError(options.expectedRevision, base.revision);
      }
      const next: State = { ...change(structuredClone(base)), revision: base.revision + 1, updatedAt: this.now().toISOString() };
      await options.beforeWrite?.(base);
      if (current) await this.keepAsBackup();
      // Reasons and notes can quote an agent's output: no detected secret reaches the state file.
      await writeTextAtomic(this.path, `${JSON.stringify(redactDeep(next), null, 2)}\n`);
      await options.afterWrite?.(next);
      return next;
    } finally {
      await rm(this.lockPath, { force: true });
    }
  }

  /**
   * The current file becomes state.json.bak without being rewritten: a second name for it (hard link), moved over
   * the old backup in one rename. state.json itself never goes missing, so a reader never finds no state. Where
   * the file system has no hard links, it is copied.
   */
  private async keepAsBackup(): Promise<void> {
    const staging = `${this.backupPath}.${process.pid}.tmp`;
    await rm(staging, { force: true });
    try {
      await link(this.path, staging);
    } catch (error) {
      if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await copyFile(this.path, staging);
    }
    await rename(staging, this.backupPath);
  }

  private async readRaw(): Promise<{ state: State } | undefined> {
    const text = await readXplanFile(this.path);
    if (text === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new StateCorruptError(this.path, `not valid JSON: ${(error as Error).message}`, await this.goodBackup());
    }
    const validation = validateState(parsed);
    if (!validation.ok) throw new StateCorruptError(this.path, validation.reason, await this.goodBackup());
    return { state: validation.state };
  }

  private async goodBackup(): Promise<string | undefined> {
    try {
      const text = await readXplanFile(this.backupPath);
      return text !== undefined && validateState(JSON.parse(text)).ok ? this.backupPath : undefined;
    } catch {
      return undefined;
    }
  }

  private async lock(): Promise<void> {
    if (await isDirectory(this.lockPath)) throw directoryInTheWay(this.lockPath);
    try {
      await acquirePidLock<LockHolder>(
        this.lockPath,
        { since: this.now().toISOString() },
        {
          waitMs: this.lockTimeoutMs,
          held: (holder) => new StateLockedError(this.lockPath, holder ?? { pid: 0, host: 'unknown', since: 'unknown' }),
        },
      );
    } catch (error) {
      throw xplanFileError(error, this.lockPath) ?? error;
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** Errors of a file system without hard links (some network and FAT file systems). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);
