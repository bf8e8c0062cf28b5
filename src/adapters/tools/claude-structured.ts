/**
 * One headless Claude Code call that answers with structured output:
 * `claude -p --output-format stream-json --verbose --include-partial-messages --json-schema <schema> --tools ""`,
 * the prompt on stdin (a full spec can exceed the argument size limit), no tools (or only the ones named, in
 * `dontAsk` mode so anything else is refused, never asked), no saved session, a budget and a wall-clock timeout. The partial messages tell how many tokens the answer has so far, for the progress line; the
 * final result event holds the answer. Every way it can fail becomes a StructuredCallError saying what happened.
 */
import { spawn } from 'node:child_process';
import { classifyAgentExit, usageOf, type AgentExit, type ResultEvent } from '../../core/run/agent-result.js';
import type { Usage } from '../../core/run/run.js';

export interface StructuredCallOptions {
  command: string;
  schema: object;
  prompt: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  model?: string | null;
  maxBudgetUsd?: number | null;
  /** Kept last: what the user configured in claude.extraArgs. */
  extraArgs?: string[];
  /** Tools the call may use; none when absent. */
  tools?: ToolAccess;
  /** Where to raise the timeout, said when it strikes. */
  timeoutHint?: string;
  /** Told the output tokens so far as the answer streams in (estimated from its text until the model says). */
  onOutputTokens?: (tokens: number) => void;
}

export interface StructuredAnswer {
  output: unknown;
  usage: Usage;
  model?: string;
}

/**
 * Tools for a structured call. `allowed` are permission rules (`Read`, `Bash(git diff:*)`); the tools they name are
 * the only ones the model sees. `denied` rules win over allowed ones. The call runs in `dontAsk` mode: a tool use no
 * rule allows is refused, never asked.
 */
export interface ToolAccess {
  allowed: string[];
  denied?: string[];
}

export type StructuredFailure = 'not-found' | 'not-authenticated' | 'usage-limit' | 'transient' | 'timeout' | 'no-answer' | 'failed';

export class StructuredCallError extends Error {
  constructor(
    readonly failure: StructuredFailure,
    message: string,
    readonly usage: Usage,
    readonly hint?: string,
    /** For a usage limit, when Claude Code said it resets. */
    readonly resetAt?: Date,
  ) {
    super(message);
    this.name = 'StructuredCallError';
  }
}

export function structuredArgs(options: Pick<StructuredCallOptions, 'schema' | 'model' | 'maxBudgetUsd' | 'extraArgs' | 'tools'>): string[] {
  const args = [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--include-partial-messages',
    '--json-schema',
    JSON.stringify(options.schema),
    ...toolArgs(options.tools),
    '--no-session-persistence',
  ];
  if (options.model) args.push('--model', options.model);
  if (options.maxBudgetUsd !== null && options.maxBudgetUsd !== undefined) args.push('--max-budget-usd', String(options.maxBudgetUsd));
  args.push(...(options.extraArgs ?? []));
  return args;
}

function toolArgs(tools: ToolAccess | undefined): string[] {
  if (!tools || tools.allowed.length === 0) return ['--tools', ''];
  // `Bash(git diff:*)` makes Bash available; the rule then limits what it may run.
  const available = [...new Set(tools.allowed.map((rule) => rule.replace(/\(.*$/s, '')))];
  // `=` keeps each list one argument: the flags take several values, and the next flag must not become one of them.
  const args = [`--tools=${available.join(',')}`, `--allowedTools=${tools.allowed.join(',')}`];
  if (tools.denied && tools.denied.length > 0) args.push(`--disallowedTools=${tools.denied.join(',')}`);
  args.push('--permission-mode', 'dontAsk');
  return args;
}

const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };

export async function callStructured(options: StructuredCallOptions): Promise<StructuredAnswer> {
  const startedAt = new Date().toISOString();
  const run = await new Promise<{ code: number | null; signal: string | null; result?: ResultEvent; stderr: string; spawnError?: NodeJS.ErrnoException; timedOut: boolean }>((resolve) => {
    // Its own process group, so a timeout stops Claude Code and anything it started.
    const child = spawn(options.command, structuredArgs(options), { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const events = new StreamReader(options.onOutputTokens);
    let stderr = '';
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => events.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
    child.on('error', (error: NodeJS.ErrnoException) => (spawnError = error));
    child.stdin.on('error', () => {}); // a process that died at once closes its stdin; its exit says why
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup(child.pid, 'SIGTERM');
      setTimeout(() => stopGroup(child.pid, 'SIGKILL'), 2000).unref();
    }, options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, result: events.end(), stderr, spawnError, timedOut });
    });
    child.stdin.end(options.prompt);
  });

  const result = run.result;
  const usage = result ? usageOf(result) : NO_USAGE;
  if (run.timedOut) {
    throw new StructuredCallError(
      'timeout',
      `Claude Code did not answer within ${Math.round(options.timeoutMs / 1000)} s`,
      usage,
      options.timeoutHint ?? 'Raise planning.timeoutSeconds in .xplan/config.yaml',
    );
  }
  const exit: AgentExit = {
    exitCode: run.code,
    signal: run.signal,
    ...(run.spawnError ? { spawnError: { code: run.spawnError.code ?? 'UNKNOWN', message: run.spawnError.message } } : {}),
    ...(result ? { result } : {}),
    stderrTail: run.stderr,
    startedAt,
    endedAt: new Date().toISOString(),
    lines: 0,
  };
  const outcome = classifyAgentExit(exit, options.command, new Date());
  switch (outcome.kind) {
    case 'success':
      break;
    case 'fatal':
      throw new StructuredCallError(run.spawnError ? 'not-found' : /logged in/.test(outcome.reason) ? 'not-authenticated' : 'failed', outcome.reason, usage, outcome.hint);
    case 'usage-limit':
      throw new StructuredCallError(
        'usage-limit',
        `Claude usage limit reached${outcome.resetAt ? ` (resets ${outcome.resetAt.toISOString()})` : ''}: ${outcome.reason}`,
        usage,
        undefined,
        outcome.resetAt,
      );
    case 'transient':
      throw new StructuredCallError('transient', `Claude Code could not reach the model: ${outcome.reason}`, usage, 'Try again in a moment');
    case 'task-failure':
      throw new StructuredCallError('failed', `Claude Code failed: ${outcome.reason}`, usage);
  }
  const structured = (result as ResultEvent & { structured_output?: unknown }).structured_output;
  if (structured === undefined || structured === null) {
    throw new StructuredCallError('no-answer', `Claude Code ended without a structured answer${result?.result ? ` (it said: ${result.result.slice(0, 200)})` : ''}`, usage);
  }
  const model = Object.keys((result as { modelUsage?: Record<string, unknown> }).modelUsage ?? {})[0];
  return { output: structured, usage, ...(model ? { model } : {}) };
}

/**
 * Reads stream-json as it arrives: counts the answer's tokens for progress and keeps the result event (the
 * `--output-format json` object, which some stand-ins print alone). Lines that are not JSON are skipped.
 */
class StreamReader {
  private partial = '';
  private streamedChars = 0;
  private result: ResultEvent | undefined;

  constructor(private readonly onOutputTokens?: (tokens: number) => void) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  end(): ResultEvent | undefined {
    this.line(this.partial);
    this.partial = '';
    return this.result;
  }

  private line(line: string): void {
    if (!line.trim()) return;
    let event: { type?: string; event?: { type?: string; delta?: { text?: string; partial_json?: string }; usage?: { output_tokens?: number } } };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (event?.type === 'result') this.result = event as ResultEvent;
    if (event?.type !== 'stream_event' || !this.onOutputTokens) return;
    const delta = event.event?.delta;
    if (event.event?.type === 'content_block_delta' && delta) {
      this.streamedChars += (delta.partial_json ?? delta.text ?? '').length;
      // About four characters a token, until message_delta gives the count.
      this.onOutputTokens(Math.round(this.streamedChars / 4));
    } else if (event.event?.type === 'message_delta' && typeof event.event.usage?.output_tokens === 'number') {
      this.onOutputTokens(event.event.usage.output_tokens);
    }
  }
}

function stopGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
