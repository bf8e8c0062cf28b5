/** Runs external programs to ask them their version. A missing program is an answer, not an error. */
import { execa } from 'execa';

export interface ProbeResult {
  found: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export async function probe(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ProbeResult> {
  const result = await execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
  });
  const missing = result.failed && (result as { code?: string }).code === 'ENOENT';
  return {
    found: !missing,
    exitCode: result.exitCode,
    stdout: String(result.stdout ?? '').trim(),
    stderr: String(result.stderr ?? '').trim(),
  };
}
