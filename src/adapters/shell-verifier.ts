/** The Verifier port: the verify command in a shell, in its own process group so stopping it stops its whole test run. */
import { execa } from 'execa';
import type { Verifier } from '../run/ports.js';
import { stopGroup } from './agent-process.js';

export function shellVerifier(env: NodeJS.ProcessEnv): Verifier {
  return {
    run(command, cwd, timeoutMs) {
      const child = execa(command, { shell: true, cwd, reject: false, all: true, stdin: 'ignore', detached: true, timeout: timeoutMs, env });
      const result = child.then((r) => ({ exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, output: String(r.all ?? '') }));
      return { result, stop: async (graceMs) => (child.pid ? stopGroup(child.pid, graceMs) : undefined) };
    },
  };
}
