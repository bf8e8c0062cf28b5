/** Entry point: runs the program, prints the outcome or the error, and is the only place that sets exit codes. */
import { readFileSync } from 'node:fs';
import { XplanError, type ExitCode } from '../core/errors.js';
import type { CliContext } from './outcome.js';

async function main(argv: string[]): Promise<ExitCode> {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  // The most frequent cheap call answers before the argument parser is even loaded.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  // The agent supervisor is started once per agent: no argument parser, no output of its own.
  if (argv[0] === '__agent' && argv[1]) {
    const { superviseAgent } = await import('../adapters/process/agent-supervisor.js');
    return (await superviseAgent(argv[1])) === 0 ? 0 : 1;
  }
  // Shell completion asks for the task and run ids as the user types: no argument parser, never an error.
  if (argv[0] === '__complete') {
    const { completionWords } = await import('../adapters/store/completion-words.js');
    const words = await completionWords(argv[1], process.cwd());
    if (words.length > 0) process.stdout.write(`${words.join('\n')}\n`);
    return 0;
  }
  // Bare `xplan` asks what it can do: the help, on stdout, and success (as `git` and `npm` answer).
  if (argv.length === 0) argv = ['--help'];
  const { buildProgram } = await import('./program.js');
  const ctx: CliContext = { cwd: process.cwd(), env: process.env, stdoutTheme: () => stdoutTheme(argv) };
  const json = argv.includes('--json');
  const debug = argv.includes('--debug') || isTruthy(process.env.XPLAN_DEBUG);
  const program = buildProgram(ctx, version);

  try {
    await program.parseAsync(argv, { from: 'user' });
    const outcome = ctx.outcome;
    if (!outcome) return 0;
    const { printOutcome } = await import('./output.js');
    // What is printed can quote a spec (the prompts of `run --dry-run`): secrets are masked unless asked for.
    const ending = await printOutcome(outcome, {
      json,
      showSecrets: argv.includes('--show-secrets'),
      theme: ctx.stdoutTheme,
      noPager: argv.includes('--no-pager'),
    });
    // 143 = 128 + SIGTERM, what a shell reports for a process SIGTERM ended: CI and `timeout` read it as such.
    return ending.terminated ? 143 : ending.cancelled ? 130 : ending.negative ? 1 : 0;
  } catch (error) {
    return reportError(error, { json, debug, argv, commands: program.commands.map((c) => c.name()) });
  }
}

/** The one place that reads the terminal: colours, and the width every renderer fits its tables to. */
async function stdoutTheme(argv: string[]) {
  const { colorEnabled, loadTheme, outputColumns } = await import('../ui/theme.js');
  const columns = outputColumns({ wide: argv.includes('--wide'), terminalColumns: process.stdout.isTTY === true ? process.stdout.columns : undefined });
  return loadTheme(colorEnabled({ env: process.env, isTTY: process.stdout.isTTY === true, noColorFlag: argv.includes('--no-color'), json: false }), columns);
}

interface ErrorContext {
  json: boolean;
  debug: boolean;
  argv: string[];
  commands: string[];
}

async function reportError(error: unknown, ctx: ErrorContext): Promise<ExitCode> {
  if (isCommanderError(error)) {
    // --help and --version end parsing through an exception too.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    if (error.code === 'commander.help') return 2; // no command given: help went to stderr
    const { usageErrorOf } = await import('./usage.js');
    const usage = usageErrorOf(error, ctx.argv, ctx.commands);
    return printError(usage, ctx);
  }
  if (error instanceof Error && error.name === 'ExitPromptError') {
    return printError(new XplanError('CANCELLED', 'Cancelled.', { exitCode: 130 }), ctx);
  }
  if (error instanceof XplanError) return printError(error, ctx);
  const unexpected = new XplanError('INTERNAL', `Unexpected error: ${error instanceof Error ? error.message : String(error)}`, {
    hint: ctx.debug ? 'This is a bug in xplan; please report it with the stack trace above.' : 'Run again with --debug for the stack trace, and report it as a bug.',
  });
  return printError(unexpected, ctx, error);
}

async function printError(error: XplanError, ctx: ErrorContext, original: unknown = error): Promise<ExitCode> {
  await logError(error, original);
  // An error can quote a config value, a file name or a bd message: secrets in it are redacted before anyone sees
  // it, and control characters are shown, not sent to the terminal.
  const [{ redactSecrets }, { escapeControl }] = await Promise.all([import('../core/secrets.js'), import('../ui/terminal-text.js')]);
  const message = escapeControl(redactSecrets(error.message));
  const hint = error.hint === undefined ? undefined : escapeControl(redactSecrets(error.hint));
  if (ctx.json) {
    process.stderr.write(`${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error: { code: error.code, message, hint: hint ?? null } })}\n`);
    return error.exitCode;
  }
  const { colorEnabled, loadTheme } = await import('../ui/theme.js');
  const theme = await loadTheme(colorEnabled({ env: process.env, isTTY: process.stderr.isTTY === true, noColorFlag: ctx.argv.includes('--no-color'), json: false }));
  if (ctx.debug && original instanceof Error && original.stack) process.stderr.write(`${theme.dim(escapeControl(redactSecrets(original.stack)))}\n`);
  process.stderr.write(`${theme.error('✖')} ${message}\n`);
  if (hint) process.stderr.write(`  ${theme.dim('→')} ${hint}\n`);
  return error.exitCode;
}

/**
 * Failures (and xplan's own bugs) go to the project's log too, when it has an .xplan directory. Bad input does not:
 * a refused input changes nothing on disk. Logging never fails a command.
 */
async function logError(error: XplanError, original: unknown): Promise<void> {
  if (error.code !== 'INTERNAL' && error.exitCode !== 1) return;
  try {
    const { findProject } = await import('../adapters/store/project.js');
    const { existsSync } = await import('node:fs');
    const project = findProject(process.cwd());
    if (!existsSync(project.xplanDir)) return;
    const { Logger } = await import('../adapters/store/logger.js');
    const { join } = await import('node:path');
    new Logger(join(project.xplanDir, 'logs'), { maxBytes: 1_048_576, keep: 3, fileLevel: 'info' }).error(error.message, {
      code: error.code,
      hint: error.hint,
      ...(original instanceof Error && original !== error ? { stack: original.stack } : {}),
    });
  } catch {
    // the error itself is what matters
  }
}

const JSON_SCHEMA_VERSION = 1;

function isCommanderError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown }).code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('commander.');
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

// A reader that stops early (`xplan … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
