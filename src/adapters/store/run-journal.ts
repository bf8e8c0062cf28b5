/**
 * Every change to a run goes through here: the new run state and its events are written together. The events ride
 * in the state's outbox (one atomic write), and are appended to events.jsonl under the same lock; if a crash falls
 * between the two, the next writer finds them in the outbox and appends what is missing. So no event is lost, and
 * state.json is always whole.
 */
import type { State } from '../../core/run/state.js';
import type { EventDraft, RunEvent, RunState } from '../../core/run/run.js';
import { readTail, type RunFiles } from './run-files.js';
import type { StateStore } from './state-store.js';

export class RunJournal {
  constructor(
    private readonly store: StateStore,
    private readonly files: RunFiles,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Applies `change` to the saved run and records `events` with it; returns the run as written. */
  commit(change: (run: RunState) => RunState, events: EventDraft[] | ((run: RunState) => EventDraft[])): Promise<{ run: RunState; events: RunEvent[] }> {
    return this.write((current) => {
      if (!current) throw new Error('there is no run to change');
      return change(current);
    }, events);
  }

  /** Starts a run: the first write, with its first events. */
  begin(run: RunState, events: EventDraft[]): Promise<{ run: RunState; events: RunEvent[] }> {
    return this.write(() => run, events);
  }

  private async write(change: (run: RunState | undefined) => RunState, events: EventDraft[] | ((run: RunState) => EventDraft[])): Promise<{ run: RunState; events: RunEvent[] }> {
    let written: RunEvent[] = [];
    const state = await this.store.update(
      (current) => {
        const run = change(current.run);
        const at = this.now().toISOString();
        const drafts = typeof events === 'function' ? events(run) : events;
        written = drafts.map((e, i) => ({ ...e, at, runId: run.id, id: `${run.id}:${current.revision + 1}:${i}` }));
        return { ...current, run: { ...run, outbox: written } };
      },
      {
        beforeWrite: async (current) => this.flush(current.run?.outbox),
        afterWrite: async () => this.files.appendEvents(written),
      },
    );
    return { run: state.run!, events: written };
  }

  /** Appends the outbox events that did not reach events.jsonl (the writer crashed between the two writes). */
  private async flush(outbox: RunEvent[] | undefined): Promise<void> {
    if (!outbox || outbox.length === 0) return;
    const tail = await readTail(this.files.eventsFile, 256 * 1024);
    const missing = outbox.filter((e) => !e.id || !tail.includes(`"id":"${e.id}"`));
    await this.files.appendEvents(missing);
  }
}
