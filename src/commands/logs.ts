/** `xplan logs T3`: an agent's transcript, from the saved run, optionally followed while the agent works. */
import { count } from '../core/text.js';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError, UsageError } from '../core/errors.js';
import { readPids } from '../adapters/process/agent-process.js';
import { groupAlive } from '../adapters/process/processes.js';
import { AGENT_FILES } from '../adapters/store/run-files.js';
import { openXplanFile } from '../adapters/store/xplan-dir.js';
import type { Workspace } from '../workspace.js';
import type { ReviewLogResult } from '../core/run/review.js';

export interface LogsOptions {
  /** A run other than the current one. */
  run?: string | undefined;
  taskId: string;
  attempt?: number;
  follow?: boolean;
  pollMs?: number;
}

export interface LogsResult {
  taskId: string;
  attempt: number;
  attempts: number;
  agent: number;
  transcript: string;
  /** The transcript's lines, as written; with follow, new lines as they come until the agent ends. */
  lines: AsyncIterable<string>;
}

export async function logs(options: LogsOptions, ws: Workspace): Promise<LogsResult> {
  const { run } = await ws.requireRun({ runId: options.run });
  const entry = run.tasks[options.taskId];
  if (!entry) {
    throw new UsageError(`Task ${options.taskId} is not part of run ${run.id}`, `The run has ${Object.keys(run.tasks).join(', ')}.`);
  }
  if (entry.attempts.length === 0) throw new InputError('NO_ATTEMPT', `${options.taskId} has not started yet (${entry.state})`, 'See what it waits for with `xplan status`.');
  const number = options.attempt ?? entry.attempts.length;
  const attempt = entry.attempts[number - 1];
  if (!attempt) throw new UsageError(`${options.taskId} has ${count(entry.attempts.length, 'attempt')}; there is no attempt ${number}`, `Use --attempt 1 to ${entry.attempts.length}.`);
  const dir = ws.files.agentDir(run.id, attempt.agent);
  const transcript = join(dir, AGENT_FILES.transcript);
  return {
    taskId: options.taskId,
    attempt: number,
    attempts: entry.attempts.length,
    agent: attempt.agent,
    transcript,
    lines: options.follow ? follow(transcript, () => attemptEnded(dir), options.pollMs ?? 200) : readLines(transcript),
  };
}

async function* readLines(path: string, start = 0): AsyncGenerator<string> {
  const handle = await openXplanFile(path);
  if (!handle) return;
  yield* createInterface({ input: handle.createReadStream({ start }), crlfDelay: Infinity });
}

/**
 * Whether the attempt's agent has ended: exit.json says so, or nothing of its process group is left (a supervisor
 * killed by SIGKILL writes no exit.json). Before its supervisor has started there is no pid.json: not ended yet.
 */
async function attemptEnded(dir: string): Promise<boolean> {
  if (existsSync(join(dir, AGENT_FILES.exit))) return true;
  const pids = await readPids(dir);
  return pids !== undefined && !groupAlive(pids.supervisor);
}

/** New complete lines as the file grows, until the attempt has ended and everything is read. */
async function* follow(path: string, ended: () => Promise<boolean>, pollMs: number): AsyncGenerator<string> {
  let offset = 0;
  let partial = '';
  for (;;) {
    const over = await ended();
    const size = existsSync(path) ? (await stat(path)).size : 0;
    if (size > offset) {
      for await (const chunk of createReadStream(path, { start: offset, end: size - 1, encoding: 'utf8' })) {
        const text = partial + String(chunk);
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) if (line) yield line;
      }
      offset = size;
    }
    if (over && size === offset) {
      if (partial) yield partial;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** `xplan logs T3 --review`: the task's latest acceptance review (of `attempt`, when one is named). */
export async function reviewLog(options: Pick<LogsOptions, 'run' | 'taskId' | 'attempt'>, ws: Workspace): Promise<ReviewLogResult> {
  const { run } = await ws.requireRun({ runId: options.run });
  const entry = run.tasks[options.taskId];
  if (!entry) {
    throw new UsageError(`Task ${options.taskId} is not part of run ${run.id}`, `The run has ${Object.keys(run.tasks).join(', ')}.`);
  }
  const reviews = (entry.reviews ?? []).filter((r) => options.attempt === undefined || r.attempt === options.attempt);
  const review = reviews[reviews.length - 1];
  if (!review) {
    const which = options.attempt === undefined ? '' : ` in attempt ${options.attempt}`;
    throw new InputError('NO_REVIEW', `${options.taskId} has not been reviewed${which} (${entry.state})`, 'A task is reviewed once its verify passes; see where it stands with `xplan status`.');
  }
  return { runId: run.id, taskId: options.taskId, review };
}
