/** `xplan retry T3`: the task runs again as a new attempt, with a new agent and branch. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { retryTask, type ControlResult } from '../core/run/run-control.js';
import { applyControl } from '../run/control.js';
import type { Workspace } from '../workspace.js';

export interface RetryOptions {
  taskId: string;
  context?: string;
  contextFile?: string;
  fresh: boolean;
  /** Retry even though a spec changed since the plan was made from it. */
  force?: boolean;
}

export async function retry(options: RetryOptions, ws: Workspace): Promise<ControlResult> {
  const context = options.contextFile ? await readContextFile(ws.cwd, options.contextFile) : options.context;
  const { state } = await ws.requireRun();
  await ws.requireUnchangedSpecs(state, `xplan retry ${options.taskId}`, options.force);
  return applyControl(
    ws,
    (run, plan) => retryTask(run, plan, options.taskId, { ...(context ? { context } : {}), fresh: options.fresh }),
    (run) =>
      `${options.taskId} will run again as a new attempt${options.fresh ? ' from a fresh branch' : ' continuing from its last branch'}${context ? ', with your context added to its prompt' : ''} (${run.tasks[options.taskId]!.state}).`,
    { command: `xplan retry ${options.taskId}` },
  );
}

async function readContextFile(cwd: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new InputError('CONTEXT_FILE', `Cannot read the context file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Pass a readable text file to --context-file.');
  }
  // A prompt is text: a binary file would reach the agent as noise.
  if (text.includes('\u0000') || text.includes('\ufffd')) throw new InputError('CONTEXT_FILE_BINARY', `The context file ${path} is not text`, 'Pass a UTF-8 text file to --context-file.');
  if (text.trim() === '') throw new InputError('CONTEXT_FILE_EMPTY', `The context file ${path} is empty`, 'Write the context into it, or use --context "…".');
  return text;
}
