/**
 * Settling an attempt: what an ended agent's outcome means for its task. `settlementFor` decides from the outcome
 * alone; `checkWork` then does what a success needs before it counts: new commits, and the verify command passing.
 */
import { count } from '../core/text.js';
import { relative } from 'node:path';
import type { AgentOutcome } from '../core/run/agent-result.js';
import type { Config } from '../core/config.js';
import type { Effort } from '../core/plan/effort.js';
import { backoffMs, type Commit, type Failure, type TaskRun, type TaskVerdict, type VerdictDetail } from '../core/run/run.js';
import { redactSecrets } from '../core/secrets.js';
import type { RunPorts, Track } from './ports.js';

/** Why the engine stopped an agent itself. */
export type StopReason = 'timeout' | 'stalled';

export type Settlement =
  /** The verdict, applied at once (core/run/run.ts `settleTask` records it with its event). */
  | { kind: 'verdict'; verdict: TaskVerdict }
  /** The task failed; what the agent committed and left behind is gathered first. */
  | { kind: 'fail'; failure: Failure; reason: string }
  /** The agent says it succeeded: its work is checked. */
  | { kind: 'check-work'; permissionDenials: string[] };

export interface SettleInput {
  entry: TaskRun;
  outcome: AgentOutcome;
  stopped: StopReason | undefined;
  effort: Effort;
  config: Config;
  now: Date;
}

export function settlementFor(input: SettleInput): Settlement {
  const { entry, outcome, config, now } = input;
  const at = now.toISOString();
  if (input.stopped) {
    const what = input.stopped === 'timeout' ? `ran past its ${config.run.timeoutMinutes[input.effort]} min limit` : `printed nothing for ${config.run.stallMinutes} min`;
    if ((entry.stops ?? 0) < 1) {
      const reason = `the agent ${what}; trying once more`;
      return { kind: 'verdict', verdict: { kind: 'stopped', reason, retryAt: at } };
    }
    return { kind: 'fail', failure: input.stopped, reason: `the agent ${what}, twice` };
  }
  switch (outcome.kind) {
    case 'fatal':
      return { kind: 'verdict', verdict: { kind: 'fatal', reason: outcome.reason, hint: outcome.hint } };
    case 'usage-limit': {
      const resumeAt = (outcome.resetAt ?? new Date(now.getTime() + config.run.usageLimitWaitMinutes * 60_000)).toISOString();
      return { kind: 'verdict', verdict: { kind: 'usage-limit', reason: outcome.reason, resumeAt } };
    }
    case 'transient': {
      if (entry.transientFailures >= config.run.retries) {
        return { kind: 'fail', failure: 'transient', reason: `${outcome.reason} (gave up after ${entry.transientFailures + 1} attempts)` };
      }
      const retryAt = new Date(now.getTime() + backoffMs(config.run.backoffSeconds * 1000, entry.transientFailures)).toISOString();
      return { kind: 'verdict', verdict: { kind: 'retry', reason: outcome.reason, retryAt } };
    }
    case 'task-failure':
      return { kind: 'fail', failure: outcome.failure, reason: outcome.reason };
    case 'success':
      return { kind: 'check-work', permissionDenials: outcome.permissionDenials };
  }
}

export interface WorkCheck {
  verdict: TaskVerdict;
  /** What the verdict's event adds (core/run/run.ts `settleTask`). */
  detail?: VerdictDetail;
  /** The verify output, to keep beside the agent's files. */
  verifyLog?: string;
}

/**
 * Completion users can trust: new commits on the branch, and the verify command passing in the worktree.
 * `onVerify` receives the running verify, so the engine can stop it with the run.
 */
export async function checkWork(
  ports: Pick<RunPorts, 'vcs' | 'verifier'>,
  input: {
    worktree: string;
    base: string;
    root: string;
    verify: string | null;
    verifyTimeoutMinutes: number;
    verifyLogPath: string;
    permissionDenials: string[];
    now: () => Date;
    /** Records the verify's process group before it starts. */
    track?: Track;
  },
  onVerify: (stop: (graceMs: number) => Promise<void>) => () => void,
): Promise<WorkCheck> {
  const { worktree, base, verify } = input;
  const commits = await ports.vcs.commitsSince(worktree, base);
  const uncommitted = await ports.vcs.uncommittedFiles(worktree);
  if (commits.length === 0) {
    const notes = [
      uncommitted.length > 0 ? `${count(uncommitted.length, 'uncommitted file')} left in ${relative(input.root, worktree)}` : '',
      input.permissionDenials.length > 0 ? `permission denied: ${input.permissionDenials.slice(0, 3).join(', ')}` : '',
    ].filter(Boolean);
    const reason = `the agent made no commits${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`;
    return {
      verdict: { kind: 'failed', failure: 'no commits', reason, commits, uncommitted, now: input.now().toISOString() },
      detail: { uncommitted },
    };
  }
  if (verify) {
    const running = ports.verifier.run(verify, worktree, input.verifyTimeoutMinutes * 60_000, input.track);
    const done = onVerify(running.stop);
    const result = await running.result.finally(done);
    const verifyLog = redactSecrets(result.output);
    if (result.exitCode !== 0 || result.timedOut) {
      const why = result.timedOut ? `timed out after ${input.verifyTimeoutMinutes} min` : `exited with ${result.exitCode ?? result.signal}`;
      const last = result.output.trim().split('\n').pop()?.trim();
      const reason = redactSecrets(`\`${verify}\` ${why}${last ? `: ${last.slice(0, 200)}` : ''}`);
      return {
        verdict: { kind: 'failed', failure: 'verify', reason, commits, uncommitted, now: input.now().toISOString() },
        detail: { log: relative(input.root, input.verifyLogPath) },
        verifyLog,
      };
    }
    return completed(input, commits, uncommitted, true, verifyLog);
  }
  return completed(input, commits, uncommitted, false);
}

function completed(input: { now: () => Date }, commits: Commit[], uncommitted: string[], verified: boolean, verifyLog?: string): WorkCheck {
  return {
    verdict: { kind: 'completed', verified, commits, uncommitted, now: input.now().toISOString() },
    ...(verifyLog !== undefined ? { verifyLog } : {}),
  };
}
