/**
 * The commands that print as they go hand back a stream: `status --watch` its frames, `logs` the transcript's lines,
 * `dashboard` its link, `run` and `resume` their events with the live agent lines under them on a terminal.
 * output.ts prints the stream; nothing here writes to the terminal.
 */
import type { ActionInput, CliContext, LiveItem, Outcome } from './outcome.js';
import { PushStream } from './outcome.js';
import type { RunEvent } from '../core/run/run.js';
import type { RunResult } from '../core/run/run-result.js';
import type { RunFiles } from '../adapters/store/run-files.js';
import type { ControlLine, ControlRunResult, PreviewView, TranscriptItem } from './reporters.js';
import type { ControlResult } from '../core/run/run-control.js';
import { isActiveRun } from '../core/run/run.js';

// Each action states the arguments and options it takes; the table guarantees them.
type Action = (input: ActionInput<any, any>, ctx: CliContext) => Promise<Outcome>;
type In<Args extends unknown[], Opts> = ActionInput<Args, Opts>;

const workspace = async (ctx: CliContext) => (await import('../workspace.js')).Workspace.open(ctx.cwd, ctx.env);

/** Events (and, on a terminal, the live agent lines) go into the stream as the engine runs; its end settles the outcome. */
async function runStream(
  input: ActionInput<unknown[], { json?: boolean }>,
  ctx: CliContext,
  start: (options: object, ws: Awaited<ReturnType<typeof workspace>>) => Promise<RunResult>,
  after?: ControlResult,
): Promise<Outcome> {
  const ws = await workspace(ctx);
  const { levelsFrom } = await import('../adapters/store/logger.js');
  const { escapeControl } = await import('../ui/terminal-text.js');
  const stream = new PushStream<LiveItem>();
  // The step that set the run going again is said first.
  if (after) stream.push({ line: { control: after } satisfies ControlLine });
  const agents = !input.opts.json && process.stdout.isTTY === true ? await liveAgents(ws.files, stream) : undefined;
  const running = start(
    {
      signals: true,
      log: { ...levelsFrom(input.global, ctx.env), stderr: (line: string) => process.stderr.write(`${escapeControl(line)}\n`) },
      onEvent: (event: RunEvent) => {
        agents?.follow(event);
        stream.push({ line: event });
      },
    },
    ws,
  ).finally(() => {
    agents?.stop();
    stream.close();
  });
  running.catch(() => {}); // the error is thrown again by settle, once the stream has been printed
  return {
    reporter: after ? 'control-run' : 'run',
    live: stream,
    settle: async () => {
      const result = await running;
      if (result.kind !== 'run') return {};
      return {
        result: after ? ({ control: after, status: result.status } satisfies ControlRunResult) : result.status,
        negative: !['completed', 'paused'].includes(result.status.run.status),
        cancelled: result.interrupted,
        terminated: result.terminated,
      };
    },
  };
}

/** The flags of the commands that take one step on a run: retry, skip and done. */
export interface StepFlags {
  /** false with --no-resume: the step is only queued. */
  resume?: boolean;
  force?: boolean;
  json?: boolean;
}

/**
 * After retry, skip or done, a run that still has work and that no live xplan drives goes on as `xplan resume`
 * would; a driven run picks the step up by itself, and --no-resume only queues it.
 */
export async function continueRun(control: ControlResult, input: ActionInput<unknown[], StepFlags>, ctx: CliContext): Promise<Outcome> {
  if (input.opts.resume === false || control.driven || !isActiveRun(control.run)) return { result: control };
  const { resume } = await import('../commands/resume.js');
  const { next: _queuedOnly, ...going } = control;
  // `retry --force` takes the changed spec for the run as well.
  return runStream(input, ctx, (engine, ws) => resume({ ...engine, force: input.opts.force ?? false }, ws), going);
}

/** One live line per running agent: elapsed time, last tool call, tokens, read from its transcript every second. */
async function liveAgents(files: RunFiles, stream: PushStream<LiveItem>) {
  const { TranscriptFollower } = await import('../adapters/process/transcript-progress.js');
  const { AGENT_FILES } = await import('../adapters/store/run-files.js');
  const agents = new Map<string, { agent: number; startedAt: number; follower: InstanceType<typeof TranscriptFollower> }>();
  const ENDS = new Set(['task.verifying', 'task.completed', 'task.failed', 'task.blocked', 'task.retrying', 'task.interrupted', 'task.skipped', 'task.done']);
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    void Promise.all([...agents].map(async ([taskId, a]) => ({ taskId, agent: a.agent, startedAt: a.startedAt, ...(await a.follower.poll()) })))
      .then((lines) => stream.push({ frame: { lines, now: Date.now() } }))
      .finally(() => (polling = false));
  }, 1000);
  timer.unref();
  return {
    follow(event: RunEvent) {
      if (!event.taskId) return;
      if (event.type === 'task.dispatched' || event.type === 'task.resumed') {
        const agent = Number(event.agent);
        agents.set(event.taskId, { agent, startedAt: Date.parse(event.at), follower: new TranscriptFollower(`${files.agentDir(event.runId, agent)}/${AGENT_FILES.transcript}`) });
      } else if (ENDS.has(event.type)) agents.delete(event.taskId);
    },
    stop: () => clearInterval(timer),
  };
}

export const liveActions: Record<string, Action> = {
  async run(
    input: In<
      [],
      { concurrency?: number; dryRun?: boolean; prompts?: boolean; prompt?: string[]; showSecrets?: boolean; only?: string[]; yes?: boolean; force?: boolean; review?: boolean; json?: boolean }
    >,
    ctx,
  ) {
    const { opts: o } = input;
    const { run } = await import('../commands/run.js');
    const { terminalConfirm } = await import('../adapters/terminal/prompts.js');
    const options = { concurrency: o.concurrency, dryRun: o.dryRun ?? false, only: o.only, yes: o.yes ?? false, force: o.force ?? false, noReview: o.review === false, confirm: terminalConfirm() };
    if (options.dryRun) {
      const preview = await run(options, await workspace(ctx));
      if (preview.kind !== 'dry-run') return { result: preview };
      const unknown = (o.prompt ?? []).filter((id) => !preview.tasks.some((t) => t.id === id));
      if (unknown.length > 0) {
        const { UsageError } = await import('../core/errors.js');
        throw new UsageError(`--prompt ${unknown.join(', ')}: no such task in this run`, `The run has ${preview.tasks.map((t) => t.id).join(', ')}.`);
      }
      return { reporter: 'run-preview', result: { preview, prompts: o.prompts || (o.showSecrets && !o.prompt) ? 'all' : (o.prompt ?? []) } satisfies PreviewView };
    }
    return runStream(input, ctx, (engine, ws) => run({ ...engine, ...options }, ws));
  },

  async resume(input: In<[], { force?: boolean; review?: boolean; json?: boolean }>, ctx) {
    const { resume } = await import('../commands/resume.js');
    return runStream(input, ctx, (engine, ws) => resume({ ...engine, force: input.opts.force ?? false, noReview: input.opts.review === false }, ws));
  },

  async status({ opts }: In<[], { watch?: boolean; run?: string; json?: boolean }>, ctx) {
    const { status, watchStatus } = await import('../commands/status.js');
    const ws = await workspace(ctx);
    if (!opts.watch) return { result: await status({ run: opts.run }, ws) };
    let last: unknown;
    async function* frames(): AsyncGenerator<LiveItem> {
      for await (const update of watchStatus({ run: opts.run }, ws)) {
        if ('waiting' in update) yield { note: 'Waiting for a run to start…' };
        else yield { frame: (last = update.status) };
      }
    }
    return { live: frames(), settle: async () => ({ result: last }) };
  },

  async logs({ args: [taskId], opts }: In<[string], { attempt?: number; follow?: boolean; raw?: boolean; review?: boolean; json?: boolean; run?: string }>, ctx) {
    const { logs, reviewLog } = await import('../commands/logs.js');
    if (opts.review) {
      const { UsageError } = await import('../core/errors.js');
      if (opts.follow || opts.raw)
        throw new UsageError(`--review cannot go with ${opts.follow ? '--follow' : '--raw'}`, `Use \`xplan logs ${taskId} --review\` for the review, or drop --review for the transcript.`);
      return { reporter: 'logs-review', result: await reviewLog({ taskId, attempt: opts.attempt, run: opts.run }, await workspace(ctx)) };
    }
    const result = await logs({ taskId, attempt: opts.attempt, follow: opts.follow ?? false, run: opts.run }, await workspace(ctx));
    async function* transcript(): AsyncGenerator<LiveItem> {
      const source = { taskId: result.taskId, attempt: result.attempt, attempts: result.attempts, agent: result.agent, transcript: result.transcript };
      yield { line: { header: source } satisfies TranscriptItem };
      for await (const line of result.lines) yield { line: { source, line } satisfies TranscriptItem };
    }
    return { reporter: opts.raw ? 'logs-raw' : 'logs', live: transcript() };
  },

  /** Serves until Ctrl-C or SIGTERM, which end it as a stop, not as an interruption. */
  async dashboard({ opts }: In<[], { port?: number }>, ctx) {
    const { dashboard } = await import('../commands/dashboard.js');
    const { renderDashboardBody, renderDashboardPage } = await import('../ui/render-report-html.js');
    const ws = await workspace(ctx);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const stream = new PushStream<LiveItem>();
    const serving = dashboard(
      { port: opts.port, signal: controller.signal, render: { body: renderDashboardBody, page: renderDashboardPage }, onListening: (url) => stream.push({ line: url }) },
      ws,
    ).finally(() => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      stream.close();
    });
    serving.catch(() => {}); // thrown again by settle
    return { live: stream, settle: async () => ({ result: await serving }) };
  },
};
