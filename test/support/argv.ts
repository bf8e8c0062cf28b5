/**
 * The real command table with every command stubbed: argv is parsed by commander as `xplan` parses it, and the test
 * sees which action would have run and with what, or the usage error the user would get.
 */
import type { ActionInput } from '../../src/cli/outcome.js';
import { buildProgram } from '../../src/cli/program.js';
import { usageErrorOf } from '../../src/cli/usage.js';
import { XplanError } from '../../src/core/errors.js';
import { plainTheme } from '../../src/ui/theme.js';

export interface Parsed {
  action: string;
  args: unknown[];
  opts: Record<string, unknown>;
  global: ActionInput['global'];
  reporter: string;
}

export interface Refused {
  code: string;
  message: string;
  hint: string | undefined;
  exitCode: number;
  /** Whether a command ran before the refusal (it must not). */
  ran: boolean;
}

export async function parseArgv(argv: string[]): Promise<Parsed | Refused> {
  const ctx = { cwd: '/nonexistent', env: {}, stdoutTheme: async () => plainTheme };
  let seen: Omit<Parsed, 'reporter'> | undefined;
  const program = buildProgram(ctx, '0.0.0-test', async (action, input) => {
    seen = { action, args: input.args, opts: { ...input.opts }, global: input.global };
    return { result: null };
  });
  // Help and suggestions would go to the test's terminal.
  program.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const xplan =
      error instanceof XplanError
        ? error
        : isCommanderError(error)
          ? usageErrorOf(
              error,
              argv,
              program.commands.map((c) => c.name()),
            )
          : undefined;
    if (!xplan) throw error;
    return { code: xplan.code, message: xplan.message, hint: xplan.hint, exitCode: xplan.exitCode, ran: seen !== undefined };
  }
  if (!seen) throw new Error(`no command ran for ${argv.join(' ')}`);
  return { ...seen, reporter: ctx.outcome?.reporter ?? '' } as Parsed;
}

/** The parse of argv that must succeed. */
export async function accepted(argv: string[]): Promise<Parsed> {
  const parsed = await parseArgv(argv);
  if ('code' in parsed) throw new Error(`${argv.join(' ')} was refused: ${parsed.message}`);
  return parsed;
}

/** The parse of argv that must be refused. */
export async function refused(argv: string[]): Promise<Refused> {
  const parsed = await parseArgv(argv);
  if (!('code' in parsed)) throw new Error(`${argv.join(' ')} was accepted as ${parsed.action}`);
  return parsed;
}

function isCommanderError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown }).code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('commander.');
}
