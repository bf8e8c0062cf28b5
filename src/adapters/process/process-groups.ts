/**
 * `.xplan/runs/<run>/processes.json`: the process groups the run engine started for the merge queue and the verify
 * commands, each recorded before it may run (see `gated`). A kill -9 of xplan leaves them running, detached; the
 * next xplan to drive the run stops what is left of them before it touches the integration worktree.
 */
import { hostname } from 'node:os';
import { readJsonIfPresent, writeJsonAtomic } from '../store/atomic-file.js';
import { groupAlive, stopGroup } from './processes.js';
import type { ProcessGroups, RecordedGroup } from '../../run/ports.js';

interface GroupsFile {
  groups: RecordedGroup[];
}

export class RecordedGroups implements ProcessGroups {
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async track(pgid: number, what: string): Promise<() => Promise<void>> {
    const group: RecordedGroup = { pgid, what, host: hostname(), since: this.now().toISOString() };
    await this.change((groups) => [...groups.filter((g) => g.pgid !== pgid), group]);
    return () => this.change((groups) => groups.filter((g) => g.pgid !== pgid));
  }

  async stopAll(graceMs: number): Promise<RecordedGroup[]> {
    await this.writes;
    const recorded = (await this.read()).filter((g) => g.host === hostname());
    const stopped = recorded.filter((g) => groupAlive(g.pgid));
    await Promise.all(stopped.map((g) => stopGroup(g.pgid, graceMs)));
    await this.change((groups) => groups.filter((g) => !recorded.some((r) => r.pgid === g.pgid)));
    return stopped;
  }

  private async read(): Promise<RecordedGroup[]> {
    const file = await readJsonIfPresent<GroupsFile>(this.path).catch(() => undefined);
    return Array.isArray(file?.groups) ? file.groups : [];
  }

  /** One change at a time, each a whole-file atomic write. */
  private change(edit: (groups: RecordedGroup[]) => RecordedGroup[]): Promise<void> {
    const write = this.writes.then(async () => writeJsonAtomic(this.path, { groups: edit(await this.read()) } satisfies GroupsFile));
    this.writes = write.catch(() => {});
    return write;
  }
}
