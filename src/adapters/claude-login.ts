/**
 * Is Claude Code there and logged in? `claude auth status --json` answers without a model call, in well under a
 * second, so `engine: auto` can ask it before every plan.
 */
import { probe } from './system.js';

export type ClaudeLogin = { state: 'logged-in'; method: string } | { state: 'logged-out' } | { state: 'missing' } | { state: 'unknown'; detail: string };

export async function claudeLogin(command: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ClaudeLogin> {
  const result = await probe(command, ['auth', 'status', '--json'], { ...options, timeoutMs: 5000 });
  if (!result.found) return { state: 'missing' };
  try {
    const status = JSON.parse(result.stdout) as { loggedIn?: unknown; authMethod?: unknown };
    if (status.loggedIn === true) return { state: 'logged-in', method: typeof status.authMethod === 'string' ? status.authMethod : 'unknown' };
    if (status.loggedIn === false) return { state: 'logged-out' };
  } catch {
    // an older Claude Code without `auth status --json`, or a command that is not Claude Code
  }
  const said = (result.stderr || result.stdout).split('\n')[0]?.slice(0, 120) ?? '';
  return { state: 'unknown', detail: `\`${command} auth status --json\` exited ${result.exitCode ?? 'on a signal'}${said ? `: ${said}` : ''}` };
}
