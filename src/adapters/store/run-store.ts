/**
 * The RunStore port on the state file and the event log: each write goes through the journal (state and events in
 * one atomic write), and the state file's inode tells whether another xplan wrote it since (every atomic write
 * replaces the file, so a new inode means a new writer).
 */
import { mkdir, stat } from 'node:fs/promises';
import type { EventDraft, RunState, Transition } from '../../core/run/run.js';
import type { RunStore, Written } from '../../run/ports.js';
import type { RunFiles } from './run-files.js';
import type { RunJournal } from './run-journal.js';
import type { StateStore } from './state-store.js';

export class JournalRunStore implements RunStore {
  /** The state file as this process last wrote or read it. */
  private inode = 0;

  constructor(
    private readonly store: StateStore,
    private readonly journal: RunJournal,
    private readonly files: RunFiles,
  ) {}

  async begin({ run, events }: Transition): Promise<Written> {
    await mkdir(this.files.runDir(run.id), { recursive: true });
    return this.noted(await this.journal.begin(run, events));
  }

  async commit(step: (run: RunState) => Transition): Promise<Written> {
    let events: EventDraft[] = [];
    const written = await this.journal.commit(
      (current) => {
        const next = step(current);
        events = next.events;
        return next.run;
      },
      () => events,
    );
    return this.noted(written);
  }

  async changedSince(): Promise<RunState | undefined> {
    const { ino } = await stat(this.store.path);
    if (ino === this.inode) return undefined;
    const state = await this.store.read();
    if (!state?.run) return undefined;
    this.inode = ino;
    return state.run;
  }

  private async noted(written: Written): Promise<Written> {
    this.inode = (await stat(this.store.path)).ino;
    return written;
  }
}
