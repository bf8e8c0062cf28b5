/**
 * The in-process tier of run tests: a real temp git repository with an approved plan saved in its state, and the
 * run engine driven with fake agents, a fake verifier and a virtual clock. A run of several tasks takes well under
 * a second, so dispatch order, retries, timeouts, pause and crash windows are checked here, not end to end.
 */
import { createHash } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { planHash, type Plan } from '../../src/core/plan/plan.js';
import type { EventOf, RunEvent, RunEventType } from '../../src/core/run/run.js';
import type { RunResult } from '../../src/core/run/run-result.js';
import { resumeRun, startRun, type EngineOptions, type StartOptions } from '../../src/run/setup.js';
import { Workspace } from '../../src/workspace.js';
import { tempRepo } from './cli.js';
import { FakeAgents, FakeClock, FakeReviewer, FakeVerifier, git, type AgentScript, type ReviewScript } from './fake-ports.js';
import { plan as buildPlan } from './plan-builder.js';

export interface Harness {
  repo: string;
  ws: Workspace;
  plan: Plan;
  clock: FakeClock;
  agents: FakeAgents;
  verifier: FakeVerifier;
  reviewer: FakeReviewer;
  events: RunEvent[];
  start(options?: Partial<StartOptions>): Promise<RunResult & { kind: 'run' }>;
  resume(options?: Partial<EngineOptions>): Promise<RunResult & { kind: 'run' }>;
}

export interface HarnessOptions {
  /** Task id → the ids it depends on, in plan order. */
  tasks: Record<string, string[]>;
  branching?: Plan['branching'];
  /** Extra `run:` settings for .xplan/config.yaml, as YAML lines. */
  runConfig?: string[];
  /** Other top-level lines of .xplan/config.yaml. */
  config?: string[];
  /** What each attempt does; by default it commits one file and succeeds. */
  script?: (taskId: string, attempt: number) => AgentScript;
  verify?: (cwd: string, call: number) => { exitCode?: number; output?: string };
  /**
   * What each review call answers. The review runs in every harness run (review.enabled is on by default), and
   * unless a test scripts it, every criterion is met: the other tests' runs go through the review and merge as before.
   */
  review?: (taskId: string, call: number) => ReviewScript | undefined;
  /** Task id → its predicted files. */
  files?: Record<string, string[]>;
}

export const commitsOwnFile = (taskId: string): AgentScript => ({ durationMs: 1000, commits: { [`${taskId.toLowerCase()}.txt`]: `${taskId}\n` } });

export function harness(options: HarnessOptions): Harness {
  const repo = tempRepo();
  git(repo, ['config', 'user.name', 'Test User']);
  git(repo, ['config', 'user.email', 'test@example.com']);
  const spec = '# Test spec\n\nBuild the parts.\n';
  writeFileSync(join(repo, 'spec.md'), spec);
  git(repo, ['add', 'spec.md']);
  git(repo, ['commit', '-q', '-m', 'init']);
  mkdirSync(join(repo, '.xplan'), { recursive: true });
  const settings = options.runConfig ?? [];
  const defaults = ['verify: "npm test"', 'backoffSeconds: 1'].filter((line) => !settings.some((s) => s.split(':')[0] === line.split(':')[0]));
  writeFileSync(join(repo, '.xplan/config.yaml'), ['run:', ...[...defaults, ...settings].map((l) => `  ${l}`), ...(options.config ?? []), ''].join('\n'));
  const built = buildPlan(options.tasks, options.branching ?? 'feature');
  const draft = { ...built, tasks: built.tasks.map((t) => ({ ...t, files: options.files?.[t.id] ?? [] })) };
  const plan: Plan = { ...draft, approval: { by: 'Test User', at: '2026-12-01T09:00:00.000Z', hash: planHash(draft.tasks) } };
  const state = {
    schemaVersion: 1,
    revision: 1,
    updatedAt: '2026-12-01T09:00:00.000Z',
    specs: [{ path: 'spec.md', sha256: createHash('sha256').update(spec).digest('hex'), bytes: Buffer.byteLength(spec) }],
    plan,
  };
  writeFileSync(join(repo, '.xplan/state.json'), JSON.stringify(state));
  const ws = Workspace.open(repo, { PATH: process.env.PATH });
  const clock = new FakeClock();
  const agents = new FakeAgents(clock, options.script ?? commitsOwnFile);
  const verifier = new FakeVerifier(options.verify);
  const reviewer = new FakeReviewer(clock, options.review);
  const events: RunEvent[] = [];
  const engine = { ports: { agents, verifier, clock, reviewer }, pollMs: 250, onEvent: (e: RunEvent) => events.push(e), log: { stderr: () => {} } };
  return {
    repo,
    ws,
    plan,
    clock,
    agents,
    verifier,
    reviewer,
    events,
    start: (extra = {}) => startRun({ ...engine, ...extra }, ws),
    resume: (extra = {}) => resumeRun({ ...engine, ...extra }, ws),
  };
}

/** The events of one type, in order. */
export function eventsOf<T extends RunEventType>(events: RunEvent[], type: T): Array<EventOf<T>> {
  return events.filter((e): e is EventOf<T> => e.type === type);
}
