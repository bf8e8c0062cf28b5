/**
 * Follows the current run on disk for the dashboard: state.json as it is rewritten, events.jsonl read on from where
 * it was last read (never from the start again), and the last tool call of each running agent.
 */
import { open, stat } from 'node:fs/promises';
import type { ToolCall } from '../../core/run/agent-activity.js';
import type { RunEvent } from '../../core/run/run.js';
import type { ReportInput } from '../../core/run/run-report.js';
import type { State } from '../../core/run/state.js';
import { readAgentActivity } from './run-history.js';
import { RunFiles } from './run-files.js';
import { StateStore } from './state-store.js';

export type RunSnapshot = { kind: 'run'; key: string; input: ReportInput } | { kind: 'waiting'; key: string; message: string };

export class RunWatcher {
  private readonly store: StateStore;
  private readonly eventsFile: string;
  private runId: string | undefined;
  private events: RunEvent[] = [];
  private offset = 0;
  private partial = '';

  constructor(private readonly xplanDir: string) {
    this.store = new StateStore(xplanDir);
    this.eventsFile = new RunFiles(xplanDir).eventsFile;
  }

  async snapshot(now: Date): Promise<RunSnapshot> {
    let state: State | undefined;
    try {
      state = await this.store.read();
    } catch (error) {
      // A damaged state file is shown, not fatal: the page recovers when it is repaired.
      const message = (error as Error).message;
      return { kind: 'waiting', key: `error:${message}`, message };
    }
    const run = state?.run;
    if (!run) return { kind: 'waiting', key: `none:${state?.revision ?? 0}`, message: 'No run yet. This page follows the next `xplan run` as soon as it starts.' };
    if (run.id !== this.runId) this.restart(run.id);
    await this.readNewEvents();
    const activity = await readAgentActivity(this.xplanDir, run);
    return {
      kind: 'run',
      key: `${run.id}:${state!.revision}:${state!.updatedAt}:${this.events.length}:${activityKey(activity)}`,
      input: { run, plan: state!.plan, events: this.events, now, activity },
    };
  }

  private restart(runId: string): void {
    this.runId = runId;
    this.events = [];
    this.offset = 0;
    this.partial = '';
  }

  /** Appends the complete lines written since the last read; a file that shrank was replaced, so it is read anew. */
  private async readNewEvents(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.eventsFile)).size;
    } catch {
      return;
    }
    if (size < this.offset) this.restart(this.runId!);
    if (size === this.offset) return;
    const handle = await open(this.eventsFile, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        try {
          const event = JSON.parse(line) as RunEvent;
          if (event.runId === this.runId && typeof event.type === 'string') this.events.push(event);
        } catch {
          // a torn line from a crashed writer
        }
      }
    } finally {
      await handle.close();
    }
  }
}

function activityKey(activity: Record<number, ToolCall | undefined>): string {
  return Object.entries(activity)
    .map(([agent, call]) => `${agent}=${call ? `${call.name}:${call.detail}` : ''}`)
    .join(',');
}
