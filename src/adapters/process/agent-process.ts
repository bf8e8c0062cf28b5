/** Agents as processes: starting an agent's supervisor, finding it again, and stopping its whole process group. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentPids, Agents } from '../../run/ports.js';
import { readJsonIfPresent } from '../store/atomic-file.js';
import { groupAlive, isAlive, stopGroup } from './processes.js';
import { AGENT_FILES } from '../store/run-files.js';

const XPLAN_MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** Starts `xplan __agent <dir>` detached, as the leader of its own process group; returns its pid. */
export function spawnSupervisor(dir: string, cwd: string, env: NodeJS.ProcessEnv): number | undefined {
  const child = spawn(process.execPath, [XPLAN_MAIN, '__agent', dir], { cwd, detached: true, stdio: 'ignore', env });
  child.on('error', () => {}); // a failed start shows as a dead pid without exit.json
  child.unref();
  return child.pid;
}

export function readPids(dir: string): Promise<AgentPids | undefined> {
  return readJsonIfPresent<AgentPids>(join(dir, AGENT_FILES.pid)).catch(() => undefined);
}

/** Stops the agent whose files are in `dir`, if it is running. */
export async function stopAgent(dir: string, graceMs: number): Promise<void> {
  const pids = await readPids(dir);
  if (pids) await stopGroup(pids.supervisor, graceMs);
}

/** The Agents port: each agent a detached `xplan __agent` supervisor leading its own process group. */
export function processAgents(env: NodeJS.ProcessEnv): Agents {
  return {
    spawn: (dir, cwd, extra) => spawnSupervisor(dir, cwd, extra ? { ...env, ...extra } : env),
    alive: isAlive,
    groupAlive,
    stop: stopGroup,
    pids: readPids,
  };
}
