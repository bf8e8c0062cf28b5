/**
 * The Verifier port: the verify command in a shell, in its own process group so stopping it stops its whole test
 * run. With `track`, the group is recorded before the command starts (a gated start).
 */
import { execa } from 'execa';
import type { Verifier } from '../../run/ports.js';
import { gated, openGate, stopGroup } from '../process/processes.js';

export function shellVerifier(env: NodeJS.ProcessEnv): Verifier {
  return {
    run(command, cwd, timeoutMs, track) {
      const options = { cwd, reject: false, all: true, detached: true, timeout: timeoutMs, env } as const;
      if (!track) {
        const child = execa(command, { ...options, shell: true, stdin: 'ignore' });
        const result = child.then((r) => ({ exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, output: String(r.all ?? '') }));
        return { result, stop: async (graceMs) => (child.pid ? stopGroup(child.pid, graceMs) : undefined) };
      }
      const start = gated('/bin/sh', ['-c', command]);
      const child = execa(start.file, start.args, { ...options, stdin: 'pipe' });
      const result = (async () => {
        let untrack: (() => Promise<void>) | undefined;
        try {
          if (child.pid !== undefined) untrack = await track(child.pid, `verify \`${command}\` in ${cwd}`);
        } catch (error) {
          child.kill('SIGKILL');
          await child.catch(() => {});
          throw error;
        }
        openGate(child.stdin);
        const r = await child;
        await untrack?.();
        return { exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, output: String(r.all ?? '') };
      })();
      return { result, stop: async (graceMs) => (child.pid ? stopGroup(child.pid, graceMs) : undefined) };
    },
  };
}
