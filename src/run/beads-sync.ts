/**
 * Keeps beads issues in step with a run: dispatch → in_progress with the agent as assignee; completion → closed
 * with the branch and whether it was verified; failure → blocked with notes; skip → deferred; done by hand →
 * closed with the given reason. bd calls are queued one at a time and retried; a bd failure is recorded and never
 * stops the run (`xplan export beads --sync` repairs any drift).
 */
import { completedReason, doneReason, type BeadsChange, type BeadsMapping } from '../core/beads-map.js';
import type { RunEvent } from '../core/run.js';
import type { State } from '../core/state.js';
import { applyStatus, BeadsCli } from '../adapters/beads.js';
import type { RunFiles } from '../adapters/run-files.js';
import type { Beads } from './ports.js';

const RETRIES = 3;

/** The Beads port on the bd CLI. */
export class BeadsSync implements Beads {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly bd: BeadsCli,
    private readonly issues: Record<string, string>,
    private readonly files: RunFiles,
    private readonly onFailure: (event: RunEvent) => void,
    private readonly retryDelayMs: number,
  ) {}

  /** A sync for this repository, when its plan was exported to beads and bd is installed. */
  static async open(root: string, state: State, files: RunFiles, env: NodeJS.ProcessEnv, onFailure: (event: RunEvent) => void = () => {}): Promise<BeadsSync | undefined> {
    const mapping = (state as State & { beads?: BeadsMapping }).beads;
    if (!mapping || mapping.planId !== state.plan?.planId) return undefined;
    const bd = await BeadsCli.detect(root, env);
    return bd ? new BeadsSync(bd, mapping.issues, files, onFailure, Number(env.XPLAN_BEADS_RETRY_MS ?? 500)) : undefined;
  }

  onEvent(event: RunEvent): void {
    const change = statusFor(event);
    const id = event.taskId ? this.issues[event.taskId] : undefined;
    if (!change || !id) return;
    this.queue = this.queue.then(() => this.apply(event, id, change));
  }

  /** Waits for every queued bd call. */
  drain(): Promise<void> {
    return this.queue;
  }

  private async apply(event: RunEvent, id: string, change: BeadsChange): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await applyStatus(this.bd, id, change);
        return;
      } catch (error) {
        if (attempt <= RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * 2 ** (attempt - 1)));
          continue;
        }
        const failure: RunEvent = {
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
      return { status: 'closed', reason: completedReason(String(e.branch), e.verified === true) };
    case 'task.failed':
      return { status: 'blocked', reason: `failed: ${e.failure}: ${e.reason}` };
    case 'task.blocked':
      return { status: 'blocked', reason: `blocked: ${e.reason}` };
    case 'task.skipped':
      return { status: 'deferred', reason: `skipped: ${e.reason}` };
    case 'task.done':
      return { status: 'closed', reason: doneReason(String(e.by), String(e.reason)) };
    default:
      return undefined;
  }
}
