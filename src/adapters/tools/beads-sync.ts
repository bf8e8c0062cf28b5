/**
 * Keeps beads issues in step with a run: dispatch → in_progress with the agent as assignee; completion → closed
 * with the branch and whether it was verified; failure or a merge conflict → blocked with notes; skip → deferred;
 * a retry → open; done by hand → closed with the given reason. An epic closes once all its children are closed,
 * and opens again when one of them does. Each recorded acceptance review adds its summary to the issue's notes. bd calls are queued one at a time and retried; a bd failure is recorded
 * and never stops the run (`xplan export beads --sync` repairs any drift).
 */
import { epicChange, epicsOf } from '../../core/beads/beads-export.js';
import { beadsGraph, beadsStatusOf, completedReason, doneReason, reviewNote, type BeadsChange, type BeadsMapping } from '../../core/beads/beads-map.js';
import { planHash } from '../../core/plan/plan.js';
import type { EventOf, RunEvent } from '../../core/run/run.js';
import { unhandledEvent } from '../../core/run/run-events.js';
import type { State } from '../../core/run/state.js';
import { applyEpicStatus, applyStatus, BeadsCli } from './beads.js';
import type { RunFiles } from '../store/run-files.js';
import type { Beads } from '../../run/ports.js';

const RETRIES = 3;

/** Each task's epic, each epic's children, and each task's last known status in beads. */
interface Epics {
  parentOf: Map<string, string>;
  childrenOf: Map<string, string[]>;
  status: Map<string, string>;
}

/** The Beads port on the bd CLI. */
export class BeadsSync implements Beads {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly bd: BeadsCli,
    private readonly issues: Record<string, string>,
    private readonly epics: Epics,
    private readonly files: RunFiles,
    private readonly onFailure: (event: EventOf<'beads.failed'>) => void,
    private readonly retryDelayMs: number,
  ) {}

  /** A sync for this repository, when its plan was exported to beads and bd is installed. */
  static async open(
    root: string,
    state: State,
    files: RunFiles,
    env: NodeJS.ProcessEnv,
    retryDelayMs: number,
    onFailure: (event: EventOf<'beads.failed'>) => void = () => {},
  ): Promise<BeadsSync | undefined> {
    const mapping = (state as State & { beads?: BeadsMapping }).beads;
    if (!mapping || !state.plan || mapping.planId !== state.plan.planId) return undefined;
    const bd = await BeadsCli.detect(root, env);
    if (!bd) return undefined;
    // Where each task stands in beads now: as the saved run left it, or open.
    const { parentOf, childrenOf } = epicsOf(beadsGraph(state.plan));
    const run = state.run && state.run.planHash === planHash(state.plan.tasks) ? state.run : undefined;
    const status = new Map(state.plan.tasks.map((t) => [t.id, (run && beadsStatusOf(run, t.id)?.status) || 'open']));
    return new BeadsSync(bd, mapping.issues, { parentOf, childrenOf, status }, files, onFailure, retryDelayMs);
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'task.reviewed') return this.noteReview(event);
    const change = statusFor(event);
    const taskId = event.taskId;
    const id = taskId ? this.issues[taskId] : undefined;
    if (!change || !id || !taskId) return;
    // Whether the task's epic flips between "every child closed" and not is known now, in event order.
    const epic = this.epics.parentOf.get(taskId);
    const children = epic ? (this.epics.childrenOf.get(epic) ?? []) : [];
    const allClosed = () => children.every((c) => this.epics.status.get(c) === 'closed');
    const before = allClosed();
    this.epics.status.set(taskId, change.status);
    const after = allClosed();
    this.queue = this.queue.then(() => this.apply(event, id, change, applyStatus));
    const epicId = epic ? this.issues[epic] : undefined;
    if (epicId && before !== after) this.queue = this.queue.then(() => this.followChildren(event, epicId, children));
  }

  /** The review's summary goes on the task's issue as a note; its status follows from the events after it. */
  private noteReview(event: EventOf<'task.reviewed'>): void {
    const id = this.issues[event.taskId];
    if (!id) return;
    const note = reviewNote(event);
    // A failure is recorded against the status the issue has, which this note leaves as it is.
    const unchanged: BeadsChange = { status: (this.epics.status.get(event.taskId) ?? 'open') as BeadsChange['status'], reason: note };
    this.queue = this.queue.then(() => this.apply(event, id, unchanged, (bd, issue) => bd.update(issue, [['--append-notes', note]])));
  }

  /** Closes the epic once every child is closed, or opens it again, after reading where it stands. */
  private async followChildren(event: RunEvent, epicId: string, children: readonly string[]): Promise<void> {
    const statuses = children.map((c) => this.epics.status.get(c) ?? 'open');
    let current: string | undefined;
    try {
      current = (await this.bd.show([epicId]))[0]?.status;
    } catch {
      current = statuses.every((s) => s === 'closed') ? 'open' : 'closed';
    }
    const change = epicChange(statuses, current);
    if (change) await this.apply(event, epicId, change, applyEpicStatus);
  }

  /** Waits for every queued bd call. */
  drain(): Promise<void> {
    return this.queue;
  }

  private async apply(event: RunEvent, id: string, change: BeadsChange, how: (bd: BeadsCli, id: string, change: BeadsChange) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await how(this.bd, id, change);
        return;
      } catch (error) {
        if (attempt <= RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * 2 ** (attempt - 1)));
          continue;
        }
        const failure: EventOf<'beads.failed'> = {
          type: 'beads.failed',
          at: new Date().toISOString(),
          runId: event.runId,
          taskId: event.taskId,
          issue: id,
          status: change.status,
          error: error instanceof Error ? error.message : String(error),
        };
        await this.files.appendEvents([failure]).catch(() => {});
        this.onFailure(failure);
        return;
      }
    }
  }
}

/** What beads shows after a run event, for the events that change a task. */
function statusFor(e: RunEvent): BeadsChange | undefined {
  switch (e.type) {
    case 'task.dispatched':
    case 'task.resumed':
      return { status: 'in_progress', assignee: `agent-${e.agent}` };
    case 'task.completed':
      return { status: 'closed', reason: completedReason(e.branch, e.verified) };
    case 'task.failed':
      return { status: 'blocked', reason: `failed: ${e.failure}: ${e.reason}` };
    case 'task.blocked':
      return { status: 'blocked', reason: `blocked: ${e.reason}` };
    case 'task.held':
      return { status: 'blocked', reason: `held: ${e.reason}` };
    case 'task.conflict':
      return {
        status: 'blocked',
        reason: `conflict: merging clashed${e.with.length > 0 ? ` with ${e.with.join(', ')}` : ''}${e.files.length > 0 ? ` in ${e.files.join(', ')}` : ''}`,
      };
    case 'task.retry':
      return { status: 'open' };
    case 'task.skipped':
      return { status: 'deferred', reason: `skipped: ${e.reason}` };
    case 'task.done':
      return { status: 'closed', reason: doneReason(e.by, e.reason) };
    case 'run.started':
    case 'secrets.found':
    case 'task.waiting':
    case 'task.verifying':
    case 'task.reviewing':
    case 'task.reviewed':
    case 'task.review-retrying':
    case 'task.retrying':
    case 'task.interrupted':
    case 'agent.stopped':
    case 'task.merging':
    case 'task.merged':
    case 'task.merge-undone':
    case 'run.conflicts':
    case 'run.waiting':
    case 'run.stopping':
    case 'run.paused':
    case 'run.resumed':
    case 'run.cancelled':
    case 'run.ended':
    case 'beads.failed':
      return undefined;
    default:
      return unhandledEvent(e);
  }
}
