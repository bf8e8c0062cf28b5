/** One event of every type, as the engine writes it: each test that must know every event starts from these. */
import type { EventOf, RunEvent, RunEventType } from '../../src/core/run/run.js';

const envelope = { at: '2026-12-01T10:00:00.000Z', runId: '20261201-100000', id: '20261201-100000:2:0' };

export const SAMPLE_EVENTS: { [T in RunEventType]: EventOf<T> } = {
  'run.started': {
    type: 'run.started',
    integration: 'xplan/20261201-100000/integration',
    base: { commit: 'abcdef1234567', branch: 'main' },
    branching: 'feature',
    concurrency: 2,
    tasks: ['T1', 'T2'],
    verify: 'npm test',
    pid: 4242,
    ...envelope,
  },
  'secrets.found': { type: 'secrets.found', policy: 'redact', findings: ['spec.md:3: aws-key'], ...envelope },
  'task.dispatched': { type: 'task.dispatched', taskId: 'T1', agent: 1, attempt: 2, branch: 'xplan/r/1-parser', worktree: '.xplan/worktrees/r/agent-1', sessionId: 's-1', ...envelope },
  'task.resumed': { type: 'task.resumed', taskId: 'T1', agent: 1, session: 'resumed', sessionId: 's-1', ...envelope },
  'task.waiting': { type: 'task.waiting', taskId: 'T2', heldBy: 'T1', file: 'src/db.ts', ...envelope },
  'task.verifying': { type: 'task.verifying', taskId: 'T1', agent: 1, ...envelope },
  'task.reviewing': { type: 'task.reviewing', taskId: 'T1', agent: 1, attempt: 1, ...envelope },
  'task.reviewed': { type: 'task.reviewed', taskId: 'T1', attempt: 1, outcome: 'rejected', met: 2, total: 3, summary: '2 of 3 criteria met; not met: 3 (no test)', ...envelope },
  'task.review-retrying': { type: 'task.review-retrying', taskId: 'T1', reason: 'The review could not run: timed out', retryAt: '2026-12-01T10:00:30.000Z', ...envelope },
  'task.held': { type: 'task.held', taskId: 'T1', reason: 'review: 2 of 3 criteria met; cannot tell: 3 (needs a database)', ...envelope },
  'task.completed': { type: 'task.completed', taskId: 'T1', agent: 1, branch: 'xplan/r/1-parser', verified: true, commits: 3, uncommitted: ['notes.txt'], ...envelope },
  'task.failed': { type: 'task.failed', taskId: 'T1', failure: 'verify', reason: '`npm test` exited with 1', log: '.xplan/runs/r/agent-1/verify.log', ...envelope },
  'task.blocked': { type: 'task.blocked', taskId: 'T3', reason: 'the branches of T1 and T2 conflict in src/db.ts', ...envelope },
  'task.retrying': { type: 'task.retrying', taskId: 'T1', agent: 1, reason: 'Request timed out', retryAt: '2026-12-01T10:00:30.000Z', attempt: 2, ...envelope },
  'task.interrupted': { type: 'task.interrupted', taskId: 'T1', reason: 'the agent ended while no xplan was watching it', ...envelope },
  'agent.stopped': { type: 'agent.stopped', taskId: 'T1', agent: 1, pid: 999, reason: 'it was still running though T1 is skipped', ...envelope },
  'task.merging': { type: 'task.merging', taskId: 'T1', branch: 'xplan/r/1-parser', into: 'xplan/r/integration', ...envelope },
  'task.merged': { type: 'task.merged', taskId: 'T1', commit: '0123456789abcdef', diffStat: '1 file changed, 2 insertions(+)', ...envelope },
  'task.merge-undone': { type: 'task.merge-undone', taskId: 'T1', reason: 'the merge was cut short; it runs again', ...envelope },
  'task.conflict': { type: 'task.conflict', taskId: 'T2', files: ['src/db.ts'], with: ['T1'], ...envelope },
  'run.conflicts': { type: 'run.conflicts', reason: '3 merge conflicts in this run', files: ['src/db.ts'], ...envelope },
  'run.waiting': { type: 'run.waiting', taskId: 'T1', reason: 'usage limit reached', resumeAt: '2026-12-01T15:00:00.000Z', ...envelope },
  'run.stopping': { type: 'run.stopping', taskId: 'T1', reason: 'Claude Code is not logged in', hint: 'Run `claude login`.', ...envelope },
  'run.paused': { type: 'run.paused', now: true, by: 'xplan pause --now', interrupted: ['T1'], ...envelope },
  'run.resumed': { type: 'run.resumed', reason: 'xplan resume', ...envelope },
  'run.cancelled': { type: 'run.cancelled', by: 'Test User', interrupted: [], ...envelope },
  'run.ended': { type: 'run.ended', status: 'completed', ...envelope },
  'task.retry': { type: 'task.retry', taskId: 'T1', fresh: false, context: true, ...envelope },
  'task.skipped': { type: 'task.skipped', taskId: 'T3', reason: 'skipped by hand', ...envelope },
  'task.done': { type: 'task.done', taskId: 'T3', by: 'Test User', reason: 'fixed upstream', ...envelope },
  'beads.failed': { type: 'beads.failed', taskId: 'T1', issue: 'bd-12', status: 'closed', error: 'bd exited with 1', ...envelope },
};

export const ALL_SAMPLE_EVENTS: RunEvent[] = Object.values(SAMPLE_EVENTS);
