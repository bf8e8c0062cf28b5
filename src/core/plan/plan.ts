/**
 * The plan: a DAG of tasks with everything a reviewer and an agent need. Types and small pure helpers only;
 * generation lives in planner.ts, graph checks in dag.ts.
 */
import { createHash } from 'node:crypto';
import type { Effort } from './effort.js';

export const PLAN_SCHEMA_VERSION = 1;

export type Risk = 'low' | 'medium' | 'high';
export type TestStrategy = 'test-first' | 'test-after' | 'test-parallel' | 'none';
export type TaskKind = 'setup' | 'foundation' | 'feature' | 'fix' | 'test' | 'integration' | 'docs';
export type Branching = 'single' | 'feature' | 'stacked';
export const BRANCHINGS: readonly Branching[] = ['single', 'feature', 'stacked'];

export interface TaskSource {
  file: string;
  line: number;
  /** Requirement id, or a short label of what the line is ("acceptance", "story"). */
  ref: string;
}

export interface Task {
  id: string;
  title: string;
  description: string;
  dependsOn: string[];
  acceptanceCriteria: string[];
  effort: Effort;
  risk: Risk;
  riskReason: string;
  testStrategy: TestStrategy;
  strategyReason: string;
  /** Stream letter: tasks in different streams touch different components. */
  stream: string;
  /** Topological level, 1-based: every dependency of a task sits in an earlier wave. */
  wave: number;
  kind: TaskKind;
  sources: TaskSource[];
  /** Files the task is expected to touch (globs), where the spec names them. */
  files: string[];
}

export interface Stream {
  id: string;
  name: string;
  tasks: string[];
}

export interface Coverage {
  /** `total` counts every item; `leftOut` of them were left out on purpose (see Plan.leftOut), not uncovered. */
  requirements: { covered: number; total: number; leftOut?: number };
  acceptance: { covered: number; total: number; leftOut?: number };
  /** Spec items no task covers, as `file:line text`. */
  uncovered: string[];
}

export interface PlanWarning {
  code: string;
  message: string;
  /** Task ids the warning is about. */
  tasks: string[];
}

export interface PlanSummary {
  tasks: number;
  streams: number;
  waves: number;
  /** Task ids on the longest effort-weighted path. */
  criticalPath: string[];
  criticalPathHours: number;
  totalHours: number;
  /** Concurrency the parallelism figures assume. */
  concurrency: number;
  /** Expected speed-up over one agent, divided by the concurrency (1 = every agent always busy). */
  parallelEfficiency: number;
  /** Hours from the first start to the last end at `concurrency` agents (the list schedule behind the efficiency). */
  makespanHours?: number;
  coverage: Coverage;
  /** Task-count range the spec's size supports; above it the plan is probably over-decomposed. */
  recommendedTasks: { min: number; max: number };
}

export interface Approval {
  by: string;
  at: string;
  hash: string;
}

/** Which engine made a plan or an assessment, and what its calls to a model cost. */
export interface EngineRun {
  name: 'heuristic' | 'claude';
  /** What the user asked for (`auto` picks one), and why this engine planned. */
  requested?: 'auto' | 'heuristic' | 'claude';
  reason?: string;
  /** How to get the other engine, when auto fell back to the heuristic. */
  hint?: string;
  model?: string;
  /** Calls made, repair rounds included. */
  calls: number;
  repairRounds: number;
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  /** The longest chain of output tokens through calls that wait on each other: what the lead waits for. */
  sequentialOutputTokens?: number;
}

/** An inventory item the engine left out on purpose: a decision for the lead, shown before approval. */
export interface LeftOutItem {
  key: string;
  file: string;
  line: number;
  text: string;
  reason: string;
}

export interface Plan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  planId: string;
  status: 'draft' | 'approved';
  approval?: Approval;
  branching: Branching;
  spec: { paths: string[]; title: string };
  summary: PlanSummary;
  tasks: Task[];
  streams: Stream[];
  mergeOrder: string[];
  /** The branch each task will get in a run, in dispatch order (`<run>` is the run id). */
  branchPreview: Array<{ task: string; branch: string }>;
  warnings: PlanWarning[];
  /** Inventory items left out on purpose, each with its reason: decisions for the lead to review. */
  leftOut?: LeftOutItem[];
  /** The lead's instruction to the planner (`xplan plan --note`), kept for re-plans. */
  note?: string;
  /** The engine that made the plan, why it was chosen, and for claude the model and the tokens and cost. */
  engine?: EngineRun;
}

/** The hash of what agents will be asked to do: the tasks, in order, with every field. */
export function planHash(tasks: Task[]): string {
  return createHash('sha256').update(JSON.stringify(tasks)).digest('hex');
}

/** Approved, and unchanged since: only such a plan runs or is exported. */
export function isApproved(plan: Plan): boolean {
  return plan.status === 'approved' && plan.approval?.hash === planHash(plan.tasks);
}
