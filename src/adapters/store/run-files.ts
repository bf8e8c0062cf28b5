/**
 * Where a run keeps its files, and the append-only event log.
 *   .xplan/runs/<run>/agent-<n>/       prompt.md, agent.json, pid.json, transcript.jsonl, stderr.log, exit.json
 *   .xplan/worktrees/<run>/agent-<n>/  the agent's git worktree
 *   .xplan/events.jsonl                every transition, one JSON object per line, never rewritten
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';

import { agentName, INTEGRATION_NAME } from '../../core/branch-names.js';
import type { RunEvent } from '../../core/run/run.js';
import { redactDeep } from '../../core/secrets.js';
import { openXplanFile } from './xplan-dir.js';

export type { RunEvent };

export class RunFiles {
  constructor(readonly xplanDir: string) {}

  get eventsFile(): string {
    return join(this.xplanDir, 'events.jsonl');
  }

  runDir(runId: string): string {
    return join(this.xplanDir, 'runs', runId);
  }

  agentDir(runId: string, agent: number): string {
    return join(this.runDir(runId), agentName(agent));
  }

  worktree(runId: string, agent: number): string {
    return join(this.xplanDir, 'worktrees', runId, agentName(agent));
  }

  /** The run's integration worktree, where completed tasks are merged. */
  integrationWorktree(runId: string): string {
    return join(this.xplanDir, 'worktrees', runId, INTEGRATION_NAME);
  }

  /** One write per event with O_APPEND, so concurrent writers never interleave within a line. */
  async appendEvents(events: RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    await appendFile(this.eventsFile, events.map((e) => `${JSON.stringify(redactDeep(e))}\n`).join(''), { flag: 'a' });
  }
}

export const AGENT_FILES = {
  prompt: 'prompt.md',
  spec: 'agent.json',
  pid: 'pid.json',
  transcript: 'transcript.jsonl',
  stderr: 'stderr.log',
  exit: 'exit.json',
  verify: 'verify.log',
} as const;

/** The last `bytes` of a file, or '' when there is none. */
export async function readTail(path: string, bytes: number): Promise<string> {
  const handle = await openXplanFile(path);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
