/** How xplan invokes Claude Code for an agent, and whether the executable is there at all. */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ClaudeSettings } from '../core/config.js';

/**
 * The arguments of one agent's `claude` process. The prompt goes on stdin, never in argv: a full spec can exceed the
 * argument size limit.
 */
export function claudeArgs(settings: ClaudeSettings, options: { sessionId: string; verify: string | null; resume?: boolean }): string[] {
  const tools = [...settings.allowedTools];
  // A plain command can be allowed by prefix; Claude Code cannot express a rule for one with shell operators or quotes.
  if (options.verify && /^[\w@./:=+-]+(?: [\w@./:=+-]+)*$/.test(options.verify)) tools.push(`Bash(${options.verify}:*)`);
  const session = options.resume ? ['--resume', options.sessionId] : ['--session-id', options.sessionId];
  const args = ['-p', '--output-format', 'stream-json', '--verbose', ...session, '--permission-mode', settings.permissionMode];
  if (settings.model) args.push('--model', settings.model);
  if (settings.maxBudgetUsd !== null) args.push('--max-budget-usd', String(settings.maxBudgetUsd));
  args.push(...settings.extraArgs);
  // --allowedTools takes every following value up to the next option, so it goes last.
  if (tools.length > 0) args.push('--allowedTools', ...tools);
  return args;
}

/** The executable `command` resolves to, or undefined when it is not installed. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const candidates = command.includes('/') || isAbsolute(command) ? [resolve(cwd, command)] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
