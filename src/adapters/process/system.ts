/** Runs external programs to ask them their version. A missing program is an answer, not an error. */
import { execa } from 'execa';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

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

/** The first executable file called `name` in the PATH directories, as the shell would find it. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
