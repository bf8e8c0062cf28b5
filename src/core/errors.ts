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
