/**
 * Processes and process groups: the one place xplan asks the kernel whether they live, and the one way it stops a
 * group (agents, verify commands, the merge queue's git).
 */

/** True while a process with this pid exists (EPERM: it exists, but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while any process of the group led by `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  return isAlive(-pgid);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops a process group: SIGTERM, then SIGKILL to whatever is left after the grace period.
 * Resolves when no process of the group is left.
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 100 && groupAlive(pgid); i++) await sleep(20);
}

/**
 * A command that waits for one line on stdin before it runs: started in its own process group, it does nothing
 * until its starter has recorded that group, and if the starter dies first (its end of the pipe closes) it exits
 * without running at all. So no group runs that no record names.
 */
export function gated(file: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: '/bin/sh', args: ['-c', 'read -r _ || exit 125; exec "$0" "$@"', file, ...args] };
}

/** Lets a gated command run. */
export function openGate(stdin: NodeJS.WritableStream | null | undefined): void {
  stdin?.on('error', () => {}); // it may already be gone: that is its exit to report
  stdin?.end('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
