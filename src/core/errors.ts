/**
 * Typed errors. Domain code throws these; only src/cli/main.ts turns them into output and an exit code.
 * Exit codes: 1 = ran, outcome negative; 2 = usage, config or other known error; 130 = cancelled.
 */
export type ExitCode = 0 | 1 | 2 | 130 | 143;

export class XplanError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'XplanError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }
}

/** Bad command-line usage: unknown option, missing argument, bad value. */
export class UsageError extends XplanError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { hint, exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** An input file xplan cannot use (spec, config, plan file). */
export class InputError extends XplanError {
  constructor(code: string, message: string, hint?: string) {
    super(code, message, { hint, exitCode: 2 });
    this.name = 'InputError';
  }
}

/** The user cancelled (Ctrl-C at a prompt, declined a confirmation). */
export class CancelledError extends XplanError {
  constructor(message = 'Cancelled.') {
    super('CANCELLED', message, { exitCode: 130 });
    this.name = 'CancelledError';
  }
}

/**
 * The spec files on disk are not the ones the approved plan was made from: running would hand agents a spec nobody
 * reviewed. `command` is what the user ran, so the hint repeats it with --force.
 */
export function specChangedError(changed: string[], command: string): XplanError {
  const what = changed.length === 1 ? `The spec ${changed[0]!} has` : `The specs ${changed.join(', ')} have`;
  return new XplanError('SPEC_CHANGED', `${what} changed since the plan was made from ${changed.length === 1 ? 'it' : 'them'}: the approved plan may no longer match`, {
    hint: `Re-plan with \`xplan plan\` and approve the new plan, or run the approved plan against the spec as it is now with \`${command} --force\`.`,
  });
}

/** A command that needs a git repository was run outside one; `command` and `repository` say which and where. */
export function notARepositoryError(command = 'xplan', repository = 'the repository the plan is for'): InputError {
  return new InputError('NOT_A_REPOSITORY', 'Not inside a git repository', `Run ${command} inside ${repository}.`);
}

/** There is no saved plan to work from: outside a repository, or none was made; `check` says so for `xplan check`. */
export function noPlanError(why: 'not-a-repository' | 'none', purpose: 'use' | 'check' = 'use'): InputError {
  if (purpose === 'check') {
    const hint = 'Run xplan plan <spec> first, or name a plan file: xplan check plan.json';
    return why === 'none'
      ? new InputError('NO_PLAN', 'There is no saved plan to check in this repository', hint)
      : new InputError('NO_PLAN', 'Not inside a git repository, so there is no saved plan to check', hint);
  }
  return why === 'none'
    ? new InputError('NO_PLAN', 'There is no saved plan in this repository', 'Run `xplan plan <spec.md>` to create one.')
    : new InputError('NO_PLAN', 'Not inside a git repository, so there is no saved plan', 'Run xplan inside the repository you planned.');
}

/** No run has started yet; the hint says how to start one. */
export function noRunError(hint = 'Start one with `xplan run`.'): InputError {
  return new InputError('NO_RUN', 'No run has started in this repository', hint);
}

/** What an active run keeps from happening, each with its own fix. */
export type BlockedByRun = 'replan' | 'import' | 'edit' | 'start' | 'merge';

const BLOCKED_BY_RUN: Record<BlockedByRun, { what: string; hint: string }> = {
  replan: {
    what: ': a new plan cannot replace the one its agents work from',
    hint: 'Finish it with `xplan resume`, or end it for good with `xplan cancel` (its branches and worktrees are kept), then plan again.',
  },
  import: {
    what: ': a new plan cannot replace the one its agents work from',
    hint: 'Finish it with `xplan resume`, or end it for good with `xplan cancel` (its branches and worktrees are kept), then import again.',
  },
  edit: {
    what: ': the plan cannot change while agents work from it',
    hint: 'Finish it with `xplan resume`, or end it for good with `xplan cancel` (its branches and worktrees are kept), then edit the plan.',
  },
  start: { what: ', and no xplan process drives it any more', hint: 'Continue it with `xplan resume`.' },
  merge: { what: '', hint: 'Wait for it to end, or use --partial.' },
};

/** A run is still active (running, waiting or paused), so `blocked` cannot happen now. */
export function runInProgressError(run: { id: string; status: string }, blocked: BlockedByRun): XplanError {
  const { what, hint } = BLOCKED_BY_RUN[blocked];
  return new XplanError('RUN_IN_PROGRESS', `Run ${run.id} is ${run.status}${what}`, { hint });
}

/** Only an approved plan, unchanged since its approval, runs or is exported; `purpose` says which was refused. */
export function planNotApprovedError(plan: { status: 'draft' | 'approved' }, purpose: 'run' | 'export'): XplanError {
  if (purpose === 'export') return new XplanError('PLAN_NOT_APPROVED', 'Only an approved plan is exported to beads', { hint: 'Review it with `xplan show`, then `xplan approve`.' });
  return new XplanError('PLAN_NOT_APPROVED', plan.status === 'approved' ? 'The plan changed after it was approved' : 'The plan is a draft: only an approved plan runs', {
    hint: 'Review it with `xplan show`, then `xplan approve`. `xplan run --dry-run` previews a draft.',
  });
}

/** Asking was needed and nobody can answer (no terminal): nothing was done; `hint` names the flag that answers yes. */
export function confirmationRequiredError(message: string, hint: string): XplanError {
  return new XplanError('CONFIRMATION_REQUIRED', message, { exitCode: 1, hint });
}

/** A git command failed; its last line of stderr says why. */
export function gitFailedError(
  args: readonly string[],
  cwd: string,
  stderr: string,
  exitCode: number | undefined,
  hint = 'Fix the repository state it names, then run the command again.',
): XplanError {
  const why = stderr.trim().split('\n').pop()?.trim() || `exit ${exitCode ?? '?'}`;
  return new XplanError('GIT_FAILED', `git ${args.join(' ')} failed in ${cwd}: ${why}`, { hint });
}
