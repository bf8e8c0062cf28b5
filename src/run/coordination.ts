/** What the agent mail thread of each task hears of the run: the glue between run events and coordination. */
import { count } from '../core/text.js';
import { unhandledEvent, type RunEvent } from '../core/run/run-events.js';
import type { CoordinationNotice } from './ports.js';

/** What the task's thread hears of a run event: its completion, or what holds it; nothing for the other events. */
export function noticeFor(event: RunEvent): CoordinationNotice | undefined {
  switch (event.type) {
    case 'task.completed':
      return { kind: 'completed', summary: `${count(event.commits, 'commit')} on ${event.branch}` };
    case 'task.failed':
    case 'task.blocked':
    case 'task.held':
      return { kind: 'blocked', reason: event.reason };
    case 'task.conflict':
      return { kind: 'blocked', reason: event.type };
    case 'run.started':
    case 'secrets.found':
    case 'task.dispatched':
    case 'task.resumed':
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
    case 'task.retry':
    case 'task.skipped':
    case 'task.done':
    case 'beads.failed':
      return undefined;
    default:
      return unhandledEvent(event);
  }
}
