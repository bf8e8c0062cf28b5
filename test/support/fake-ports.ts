/**
 * Fakes behind the run engine's ports, for the in-process tier: a virtual clock, agents that act out a script in
 * their worktree (real git commits, real transcript and exit files), and a scripted verifier. Git stays real.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentExit, ResultEvent } from '../../src/core/run/agent-result.js';
import type { CriterionVerdictValue, TaskReview } from '../../src/core/run/review.js';
import { reviewCriteria, reviewOutcome } from '../../src/core/run/review.js';
import type { AgentPids, Agents, Clock, Reviewer, Verifier, VerifyResult } from '../../src/run/ports.js';

/** Resources that mean work is under way in this process: a child process (git), a file system call. */
const BUSY_RESOURCES = new Set(['ProcessWrap', 'FSReqPromise', 'FSReqCallback']);

/**
 * Resolves once nothing but timers and watchers is pending: every git call and file operation the engine started
 * (a settle, a merge, a state write in the background) has finished. Bounded, in case a test holds one open.
 */
async function untilIdle(maxMs = 5_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  do await new Promise((resolve) => setImmediate(resolve));
  while (process.getActiveResourcesInfo().some((r) => BUSY_RESOURCES.has(r)) && Date.now() < deadline);
}

/**
 * Virtual time: a sleep moves it forward and fires what falls due, but only once the engine's background work is
 * done, as if that work took no time. So the order of events never depends on how fast git runs on this machine.
 */
export class FakeClock implements Clock {
  private time: number;
  private timers: Array<{ at: number; fire: () => void }> = [];
  /** Only the latest sleep moves time: one the engine stopped waiting for (it woke early) does not. */
  private sleeps = 0;

  constructor(start = '2026-12-01T10:00:00.000Z') {
    this.time = Date.parse(start);
  }

  now(): Date {
    return new Date(this.time);
  }

  async sleep(ms: number): Promise<void> {
    const sleep = ++this.sleeps;
    await untilIdle();
    if (sleep === this.sleeps) this.advance(ms);
  }

  /** Runs `fire` once the clock reaches `ms` from now. */
  after(ms: number, fire: () => void): void {
    this.timers.push({ at: this.time + ms, fire });
  }

  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const timer of due) timer.fire();
  }
}

export type AgentResult = 'success' | 'error' | '429' | 'usage-limit' | 'not-logged-in' | 'crash';

/** What one attempt of a task does. */
export interface AgentScript {
  /** Virtual milliseconds until it ends. */
  durationMs?: number;
  /** Files it writes and commits, one commit each, `[Tn]`-prefixed. */
  commits?: Record<string, string>;
  /** Files it leaves uncommitted. */
  leaves?: Record<string, string>;
  result?: AgentResult;
  /** Prints nothing and never ends by itself (stall and timeout tests). */
  hang?: boolean;
  /** Commits past the repository's hooks (`git commit --no-verify`), the commit guard included. */
  noVerify?: boolean;
}

export interface FakeAgentRecord {
  taskId: string;
  pid: number;
  dir: string;
  cwd: string;
  startedAt: number;
  endedAt?: number;
  stopped?: boolean;
  /** `claude --resume`: the agent continues an earlier session. */
  resumed: boolean;
  /** What git said when a commit was refused. */
  refused?: string;
  env?: Record<string, string>;
  /** Agents still alive when this one started that work in the same worktree or on the same task: always none. */
  alongside: number[];
}

/** Agents as in-process scripts. The task comes from the prompt's `[Tn]` commit prefix. */
export class FakeAgents implements Agents {
  readonly started: FakeAgentRecord[] = [];
  private nextPid = 900_000;
  /** Agents whose supervisor is alive. */
  private readonly live = new Set<number>();
  /** Agents whose supervisor was killed while their Claude Code lives on, writing nothing anyone reads. */
  private readonly orphans = new Set<number>();

  constructor(
    private readonly clock: FakeClock,
    private readonly script: (taskId: string, attempt: number) => AgentScript,
  ) {}

  spawn(dir: string, cwd: string, env?: Record<string, string>): number {
    const spec = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { args: string[]; stdin: string };
    const prompt = readFileSync(join(dir, spec.stdin), 'utf8');
    const taskId = /\[(T\d+)\]/.exec(prompt)?.[1] ?? '?';
    const attempt = this.started.filter((a) => a.taskId === taskId).length + 1;
    const pid = this.nextPid++;
    const alongside = this.started.filter((a) => (a.cwd === cwd || a.taskId === taskId) && this.groupAlive(a.pid)).map((a) => a.pid);
    const record: FakeAgentRecord = {
      taskId,
      pid,
      dir,
      cwd,
      startedAt: this.clock.now().getTime(),
      resumed: spec.args.some((a) => a === '--resume' || a.startsWith('--resume=')),
      alongside,
      ...(env ? { env } : {}),
    };
    this.started.push(record);
    this.live.add(pid);
    const startedAt = this.clock.now().toISOString();
    writeFileSync(join(dir, 'pid.json'), JSON.stringify({ supervisor: pid, agent: pid + 1, startedAt } satisfies AgentPids), { flag: 'wx' });
    const behaviour = this.script(taskId, attempt);
    appendFileSync(join(dir, 'transcript.jsonl'), `${JSON.stringify({ type: 'system', subtype: 'init', session_id: 's' })}\n`);
    if (behaviour.hang) return pid;
    this.clock.after(behaviour.durationMs ?? 1000, () => {
      if (!this.live.has(pid) && !this.orphans.has(pid)) return;
      for (const [file, content] of Object.entries(behaviour.commits ?? {})) {
        mkdirSync(dirname(join(cwd, file)), { recursive: true });
        writeFileSync(join(cwd, file), content);
        git(cwd, ['add', '--', file]);
        try {
          git(cwd, ['commit', '-q', ...(behaviour.noVerify ? ['--no-verify'] : []), '-m', `[${taskId}] write ${file}`]);
        } catch (error) {
          // A refused commit (the commit guard) is what a real agent would see too; its file stays staged.
          record.refused = String((error as { stderr?: string }).stderr ?? error);
        }
      }
      for (const [file, content] of Object.entries(behaviour.leaves ?? {})) writeFileSync(join(cwd, file), content);
      // An orphan ends unseen: its supervisor is not there to record how.
      if (this.orphans.delete(pid)) return void (record.endedAt = this.clock.now().getTime());
      this.finish(record, { exitCode: 0, signal: null, result: resultEvent(behaviour.result ?? 'success', this.clock.now()), startedAt, endedAt: this.clock.now().toISOString(), lines: 2 });
    });
    return pid;
  }

  alive(pid: number): boolean {
    return this.live.has(pid);
  }

  groupAlive(pid: number): boolean {
    return this.live.has(pid) || this.orphans.has(pid);
  }

  /** kill -9 of an agent's supervisor: Claude Code goes on working without it. */
  killSupervisor(pid: number): void {
    if (!this.live.delete(pid)) return;
    this.orphans.add(pid);
  }

  async stop(pid: number): Promise<void> {
    const record = this.started.find((a) => a.pid === pid);
    if (!record) return;
    if (this.orphans.delete(pid)) {
      record.stopped = true;
      record.endedAt = this.clock.now().getTime();
      return;
    }
    if (!this.live.has(pid)) return;
    record.stopped = true;
    this.finish(record, { exitCode: null, signal: 'SIGTERM', startedAt: new Date(record.startedAt).toISOString(), endedAt: this.clock.now().toISOString(), lines: 1 });
  }

  async pids(dir: string): Promise<AgentPids | undefined> {
    try {
      return JSON.parse(readFileSync(join(dir, 'pid.json'), 'utf8')) as AgentPids;
    } catch {
      return undefined;
    }
  }

  /** The attempts each task got, in dispatch order. */
  tasksInOrder(): string[] {
    return this.started.map((a) => a.taskId);
  }

  /** How many agents were alive at once, at most. */
  maxConcurrent(): number {
    const points = this.started.flatMap((a) => [
      { t: a.startedAt, d: 1 },
      { t: a.endedAt ?? Infinity, d: -1 },
    ]);
    points.sort((a, b) => a.t - b.t || a.d - b.d);
    let now = 0;
    let max = 0;
    for (const p of points) max = Math.max(max, (now += p.d));
    return max;
  }

  private finish(record: FakeAgentRecord, exit: AgentExit): void {
    this.live.delete(record.pid);
    record.endedAt = this.clock.now().getTime();
    writeFileSync(join(record.dir, 'exit.json'), JSON.stringify(exit));
  }
}

function resultEvent(result: AgentResult, now: Date): ResultEvent | undefined {
  const usage = { input_tokens: 100, output_tokens: 50 };
  switch (result) {
    case 'success':
      return { type: 'result', subtype: 'success', is_error: false, result: 'done', num_turns: 3, total_cost_usd: 0.01, usage };
    case 'error':
      return { type: 'result', subtype: 'error_during_execution', is_error: true, result: 'the agent gave up' };
    case '429':
      return { type: 'result', subtype: 'success', is_error: true, api_error_status: 429, result: 'API Error: 429 rate limited' };
    case 'usage-limit':
      return { type: 'result', subtype: 'success', is_error: true, result: `Claude AI usage limit reached|${Math.floor(now.getTime() / 1000) + 300}` };
    case 'not-logged-in':
      return { type: 'result', subtype: 'success', is_error: true, result: 'Invalid API key · Please run /login' };
    case 'crash':
      return undefined;
  }
}

/** A verifier whose answer the test decides per worktree call; it records every call. */
export class FakeVerifier implements Verifier {
  readonly calls: Array<{ command: string; cwd: string }> = [];

  constructor(private readonly answer: (cwd: string, call: number) => Partial<VerifyResult> = () => ({})) {}

  run(command: string, cwd: string): { result: Promise<VerifyResult>; stop(): Promise<void> } {
    this.calls.push({ command, cwd });
    const answer = this.answer(cwd, this.calls.length);
    return { result: Promise.resolve({ exitCode: 0, timedOut: false, output: 'ok\n', ...answer }), stop: async () => {} };
  }
}

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Agent', GIT_AUTHOR_EMAIL: 'agent@example.com', GIT_COMMITTER_NAME: 'Agent', GIT_COMMITTER_EMAIL: 'agent@example.com' },
  }).trim();
}

/** What one review call answers: a verdict per criterion (all `met` by default), or a failure to run. */
export type ReviewScript = { verdicts: CriterionVerdictValue[] } | { fails: 'timeout' | 'transient' | 'not-authenticated' | 'usage-limit' };

/** A reviewer the test scripts per task and call; it records each call. By default every criterion is met. */
export class FakeReviewer implements Reviewer {
  readonly calls: Array<{ taskId: string; attempt: number; worktree: string }> = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly script: (taskId: string, call: number) => ReviewScript | undefined = () => undefined,
  ) {}

  async review(request: Parameters<Reviewer['review']>[0]): ReturnType<Reviewer['review']> {
    const call = this.calls.filter((c) => c.taskId === request.task.id).length + 1;
    this.calls.push({ taskId: request.task.id, attempt: request.attempt, worktree: request.worktree });
    const criteria = reviewCriteria(request.task);
    const answer = this.script(request.task.id, call) ?? { verdicts: criteria.map(() => 'met' as const) };
    const usage = { inputTokens: 10, outputTokens: 5, costUsd: 0.002, turns: 1 };
    if ('fails' in answer) return { ok: false, failure: { kind: answer.fails, message: `The review could not run: ${answer.fails}`, usage } };
    const verdicts = criteria.map((criterion, i) => {
      const verdict = answer.verdicts[i] ?? 'met';
      return { index: i + 1, criterion, verdict, evidence: verdict === 'cannot-tell' ? [] : [`src/${request.task.id.toLowerCase()}.ts:${i + 1}`], reasoning: `criterion ${i + 1} is ${verdict}` };
    });
    const review: TaskReview = { attempt: request.attempt, at: this.clock.now().toISOString(), outcome: reviewOutcome(verdicts), verdicts, outsideTask: [], usage };
    return { ok: true, review };
  }
}
