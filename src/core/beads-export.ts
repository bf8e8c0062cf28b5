/**
 * The rules of `xplan export beads` that need no bd: which titles bd can take, which prefix a workspace has when
 * bd cannot say, what an existing issue lacks, how a dependency reads, when an epic closes or reopens, and the
 * JSON plan of `bd create --graph`. Pure: the command and the run's beads sync call bd with what these return.
 */
import type { BeadsChange, BeadsGraph, BeadsIssue, BeadsStatus } from './beads-map.js';

/** An issue as bd lists it (`bd list --json`); only the fields xplan reads. */
export interface BeadsRecord {
  id: string;
  title: string;
  status?: string;
  external_ref?: string;
  assignee?: string;
  description?: string;
  design?: string;
  acceptance_criteria?: string;
  priority?: number;
  estimated_minutes?: number;
  labels?: string[];
  metadata?: Record<string, unknown>;
  dependencies?: Array<{ id?: string; issue_id?: string; depends_on_id?: string; type?: string; dependency_type?: string }>;
}

export interface ExportCounts {
  created: number;
  updated: number;
  unchanged: number;
  dependenciesAdded: number;
  dependenciesRemoved: number;
  statuses: number;
  /** Epics closed or reopened to follow their children. */
  epics: number;
}

export interface ExportResult {
  mode: 'bd' | 'jsonl';
  dryRun: boolean;
  tool?: string;
  version?: string;
  /** The issue prefix: of the JSONL ids, or of the bd workspace when bd says. */
  prefix?: string;
  /** Where the prefix came from: `--prefix`, `bd config`, or the directory name (what `bd init` would pick). */
  prefixSource?: 'flag' | 'bd' | 'directory';
  /** How new issues were (or would be) created: one `bd create --graph` transaction, or one `bd create` each. */
  creation?: 'graph' | 'per-issue';
  file?: string;
  importCommand?: string;
  /** What was (or, with --dry-run, would be) done, one line each. */
  actions: string[];
  /** Things the user should know that changed nothing, e.g. why --sync had nothing to sync. */
  notes: string[];
  counts: ExportCounts;
  mapping: Record<string, string>;
}

export function emptyCounts(): ExportCounts {
  return { created: 0, updated: 0, unchanged: 0, dependenciesAdded: 0, dependenciesRemoved: 0, statuses: 0, epics: 0 };
}

/** bd refuses a title over 500 bytes (its issue validation counts bytes, not characters). */
export const MAX_TITLE_BYTES = 500;

/** Why bd (or a person reading `bd list`) could not use this title; undefined when it is fine. */
export function titleProblem(taskTitle: string, issueTitle: string): string | undefined {
  if (!/[\p{L}\p{N}]/u.test(taskTitle)) return `no letter or digit in ${JSON.stringify(taskTitle)}`;
  if (/\p{Cc}/u.test(taskTitle)) return 'a line break or control character';
  const bytes = new TextEncoder().encode(issueTitle).length;
  if (bytes > MAX_TITLE_BYTES) return `${bytes} bytes as an issue title, bd takes at most ${MAX_TITLE_BYTES}`;
  return undefined;
}

/** The tasks whose titles bd cannot take, with the reason for each. */
export function unusableTitles(graph: BeadsGraph, taskTitles: Record<string, string>): Array<{ key: string; problem: string }> {
  const found: Array<{ key: string; problem: string }> = [];
  for (const issue of graph.issues) {
    if (issue.type === 'epic') continue;
    const problem = titleProblem(taskTitles[issue.key] ?? issue.title, issue.title);
    if (problem) found.push({ key: issue.key, problem });
  }
  return found;
}

/** The prefix `bd init` gives a workspace in a directory of this name (beads: cmd/bd/init.go). */
export function bdInitPrefix(directoryName: string): string {
  const prefix = directoryName.replace(/^\.+/, '').replace(/-+$/, '').replaceAll('.', '_');
  return prefix && !/^[A-Za-z_]/.test(prefix) ? `bd_${prefix}` : prefix || 'bd';
}

/** Why a `--prefix` value cannot name beads ids; undefined when it can. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return 'it is empty';
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(prefix)) return 'use letters, digits, `_` and `-`, starting with a letter or `_`';
  if (prefix.endsWith('-')) return 'leave out the trailing `-`: bd adds it';
  return undefined;
}

/** A bd flag and its value; the bd adapter passes it attached (`--flag=value`), so a value never reads as a flag. */
export type BdFlag = [flag: string, value: string];

/** The `bd update` flags that bring an existing issue in line with the plan; none when it already is. */
export function changedFields(issue: BeadsIssue, have: BeadsRecord): BdFlag[] {
  const flags: BdFlag[] = [];
  if (have.title !== issue.title) flags.push(['--title', issue.title]);
  if ((have.description ?? '') !== issue.description) flags.push(['--description', issue.description]);
  flags.push(...missingDetails(issue, have));
  if (have.priority !== issue.priority) flags.push(['--priority', String(issue.priority)]);
  for (const label of issue.labels) if (!(have.labels ?? []).includes(label)) flags.push(['--add-label', label]);
  return flags;
}

/**
 * The fields `bd create --graph` has no room for (design, acceptance criteria, estimate, external ref), as the
 * `bd update` flags that set them where they differ.
 */
export function missingDetails(issue: BeadsIssue, have: Partial<BeadsRecord>): BdFlag[] {
  const flags: BdFlag[] = [];
  if ((have.design ?? '') !== issue.design) flags.push(['--design', issue.design]);
  if ((have.acceptance_criteria ?? '') !== issue.acceptance) flags.push(['--acceptance', issue.acceptance]);
  if (issue.estimateMinutes !== undefined && have.estimated_minutes !== issue.estimateMinutes) flags.push(['--estimate', String(issue.estimateMinutes)]);
  if (have.external_ref !== issue.externalRef) flags.push(['--external-ref', issue.externalRef]);
  return flags;
}

/** An issue as a line names it: its bd id (or `new`) and its title. */
export function issueLabel(id: string | undefined, title: string): string {
  return `${id ?? 'new'} ${JSON.stringify(title)}`;
}

/** `xp-a1.2 "T2 Build the API" depends on xp-a1.1 "T1 Schema"`: both ends of a dependency, ids and titles. */
export function dependencyLine(from: { id?: string | undefined; title: string }, to: { id?: string | undefined; title: string }): string {
  return `${issueLabel(from.id, from.title)} depends on ${issueLabel(to.id, to.title)}`;
}

/**
 * What an epic becomes when its children are as given: closed once every child is closed, open again when one is
 * not while the epic is closed; undefined when it should stay as it is.
 */
export function epicChange(children: readonly string[], epicStatus: string | undefined): BeadsChange | undefined {
  if (children.length === 0) return undefined;
  const open = children.filter((s) => s !== 'closed').length;
  if (open === 0 && epicStatus !== 'closed') return { status: 'closed', reason: `All ${children.length} child issues are closed` };
  if (open > 0 && epicStatus === 'closed') return { status: 'open', reason: `Reopened: ${open} of ${children.length} child issues are not closed` };
  return undefined;
}

/** The epic of each child issue, and the children of each epic. */
export function epicsOf(graph: BeadsGraph): { parentOf: Map<string, string>; childrenOf: Map<string, string[]> } {
  const parentOf = new Map<string, string>();
  const childrenOf = new Map<string, string[]>();
  for (const issue of graph.issues) {
    if (!issue.parent) continue;
    parentOf.set(issue.key, issue.parent);
    childrenOf.set(issue.parent, [...(childrenOf.get(issue.parent) ?? []), issue.key]);
  }
  return { parentOf, childrenOf };
}

/** The JSON of `bd create --graph` (beads 0.63+): nodes with their parent, edges `from` depends on `to`. */
export interface GraphPlan {
  commit_message: string;
  nodes: Array<{ key: string; title: string; type: string; description: string; priority: number; labels: string[]; metadata: Record<string, string>; parent_key?: string; parent_id?: string }>;
  edges: Array<{ from_key?: string; from_id?: string; to_key?: string; to_id?: string; type: 'blocks' }>;
}

/**
 * The graph plan that creates `create` (issues not in bd yet) with the given dependencies. A parent or a dependency
 * end that already exists is named by its bd id.
 */
export function graphPlan(message: string, create: readonly BeadsIssue[], existingIds: Record<string, string>, dependencies: ReadonlyArray<{ from: string; to: string }>): GraphPlan {
  const isNew = new Set(create.map((i) => i.key));
  const end = (side: 'from' | 'to', key: string) => (isNew.has(key) ? { [`${side}_key`]: key } : { [`${side}_id`]: existingIds[key]! });
  return {
    commit_message: message,
    nodes: create.map((issue) => ({
      key: issue.key,
      title: issue.title,
      type: issue.type,
      description: issue.description,
      priority: issue.priority,
      labels: issue.labels,
      metadata: issue.metadata,
      ...(issue.parent ? (isNew.has(issue.parent) ? { parent_key: issue.parent } : { parent_id: existingIds[issue.parent]! }) : {}),
    })),
    edges: dependencies.map((d) => ({ ...end('from', d.from), ...end('to', d.to), type: 'blocks' as const })),
  };
}

/** Statuses bd accepts for an issue; anything else reads as open. */
export function asBeadsStatus(status: string | undefined): BeadsStatus {
  return status === 'in_progress' || status === 'blocked' || status === 'deferred' || status === 'closed' ? status : 'open';
}
