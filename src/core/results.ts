/** The results commands return and renderers print: shared types, so renderers never import commands. */
import type { Assessment } from './intake/assess.js';
import type { DagIssueCode } from './plan/dag.js';
import type { Plan, PlanWarning } from './plan/plan.js';
import type { TaskmasterLayout } from './plan/taskmaster.js';

export interface ApproveResult {
  plan: Plan;
  alreadyApproved: boolean;
  notes: string[];
}

export type PlanFileFormat = 'xplan' | 'taskmaster';

export interface CheckIssue {
  code: DagIssueCode | 'INVALID_FIELD';
  message: string;
  tasks: string[];
}

export interface CheckSource {
  kind: 'state' | 'file';
  /** The file as the user named it (relative to cwd when below it). */
  path?: string;
  format: PlanFileFormat;
  /** The format was detected, not given with --from. */
  detected: boolean;
  /** task-master only: the layout of the file and the tag read. */
  layout?: TaskmasterLayout;
  tag?: string;
  subtasks?: 'folded' | 'expanded';
}

export interface CheckStats {
  tasks: number;
  edges: number;
  roots: number;
  leaves: number;
  waves: number;
  maxWaveWidth: number;
  criticalPath: string[];
  criticalPathHours: number;
  totalHours: number;
  /** Tasks on or behind a cycle: no wave, not in the other figures. */
  excluded: number;
}

export interface CheckResult {
  schemaVersion: 1;
  source: CheckSource;
  stats: CheckStats;
  /** Invalid fields first (`path: message`), then graph errors (cycles, dangling, self and repeated references). */
  errors: CheckIssue[];
  warnings: PlanWarning[];
  ok: boolean;
}

export type CheckStatus = 'ok' | 'missing' | 'outdated' | 'invalid';

export interface DoctorCheck {
  name: string;
  /** Which xplan step needs it. */
  neededFor: string;
  required: boolean;
  status: CheckStatus;
  version?: string;
  detail?: string;
  fix?: string;
}

export interface DoctorResult {
  checks: DoctorCheck[];
  ok: boolean;
}

export interface InitResult {
  configPath?: string;
  printed?: string;
  overwritten: boolean;
  inGitRepo: boolean;
}

export interface AssessResult {
  assessment: Assessment;
  saved?: { path: string; revision: number };
  notSavedReason?: string;
}
