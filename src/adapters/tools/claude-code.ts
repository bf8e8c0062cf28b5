/** How xplan invokes Claude Code for an agent, and whether the executable is there at all. */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ClaudeSettings } from '../../core/config.js';

/**
 * The arguments of one agent's `claude` process. The prompt goes on stdin, never in argv: a full spec can exceed the
 * argument size limit. Every value is attached to its option (`--model=…`), so a configured value that starts with
 * `-` cannot become an option of its own; `extraArgs` are options by intent and pass as they are.
 */
export function claudeArgs(settings: ClaudeSettings, options: { sessionId: string; verify: string | null; resume?: boolean }): string[] {
  const tools = [...settings.allowedTools];
  // A plain command can be allowed by prefix; Claude Code cannot express a rule for one with shell operators or quotes.
  if (options.verify && /^[\w@./:=+-]+(?: [\w@./:=+-]+)*$/.test(options.verify)) tools.push(`Bash(${options.verify}:*)`);
  const session = options.resume ? `--resume=${options.sessionId}` : `--session-id=${options.sessionId}`;
  const args = ['-p', '--output-format=stream-json', '--verbose', session, `--permission-mode=${settings.permissionMode}`];
  if (settings.model) args.push(`--model=${settings.model}`);
  if (settings.maxBudgetUsd !== null) args.push(`--max-budget-usd=${settings.maxBudgetUsd}`);
  args.push(...settings.extraArgs);
  // One option per tool: a repeated --allowedTools adds to the list, and no entry can end it early.
  for (const tool of tools) args.push(`--allowedTools=${tool}`);
  return args;
}

/** The executable `command` resolves to, or undefined when it is not installed. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const candidates =
    command.includes('/') || isAbsolute(command)
      ? [resolve(cwd, command)]
      : (env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
