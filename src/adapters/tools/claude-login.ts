/**
 * Is Claude Code there and logged in? `claude auth status --json` answers without a model call, in well under a
 * second, so `engine: auto` can ask it before every plan. node's own execFile, not execa: `assess` stays light.
 */
import { execFile, type ExecFileException } from 'node:child_process';

export type ClaudeLogin = { state: 'logged-in'; method: string } | { state: 'logged-out' } | { state: 'missing' } | { state: 'unknown'; detail: string };

export async function claudeLogin(command: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ClaudeLogin> {
  const result = await new Promise<{ error: ExecFileException | null; stdout: string; stderr: string }>((resolve) => {
    execFile(command, ['auth', 'status', '--json'], { cwd: options.cwd, env: options.env, timeout: 5000, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      resolve({ error, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
  if (result.error?.code === 'ENOENT') return { state: 'missing' };
  try {
    // It prints the status and exits 1 when logged out: the JSON decides, not the exit code.
    const status = JSON.parse(result.stdout) as { loggedIn?: unknown; authMethod?: unknown };
    if (status.loggedIn === true) return { state: 'logged-in', method: typeof status.authMethod === 'string' ? status.authMethod : 'unknown' };
    if (status.loggedIn === false) return { state: 'logged-out' };
  } catch {
    // an older Claude Code without `auth status --json`, or a command that is not Claude Code
  }
  const said = (result.stderr || result.stdout).trim().split('\n')[0]?.slice(0, 120) ?? '';
  const how = result.error?.killed ? 'did not answer within 5 s' : `failed${said ? `: ${said}` : ''}`;
  return { state: 'unknown', detail: `\`${command} auth status --json\` ${how}` };
}
