/**
 * The rules of `xplan export beads` that need no bd: which titles bd can take, which prefix a workspace has when
 * bd cannot say, what an existing issue lacks, how a dependency reads, when an epic closes or reopens, the JSON
 * plan of `bd create --graph`, and the whole export decided as a list of actions (decideBeadsExport). Pure: the
 * command and the run's beads sync call bd with what these return.
 */
import { beadsStatusOf, type BeadsChange, type BeadsGraph, type BeadsIssue, type BeadsStatus, type JsonlStatus } from './beads-map.js';
import type { RunState } from '../run/run.js';

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

/** One bd call of an export, decided before any is made. Issues are named by xplan key; bd ids come from the mapping. */
export type BeadsAction =
  | { kind: 'update'; issue: BeadsIssue; id: string; flags: BdFlag[] }
  /** New issues and the dependencies that touch them, in one `bd create --graph` transaction. */
  | { kind: 'create-graph'; issues: BeadsIssue[]; dependencies: Array<{ from: string; to: string }>; message: string }
  /** The fields of an issue just created by the graph that its format has no room for. */
  | { kind: 'details'; issue: BeadsIssue; flags: BdFlag[] }
  | { kind: 'create'; issue: BeadsIssue }
  | { kind: 'add-dependency'; from: string; to: string }
  | { kind: 'remove-dependency'; from: string; to: string }
  | { kind: 'status'; issue: BeadsIssue; change: BeadsChange }
  | { kind: 'epic-status'; issue: BeadsIssue; change: BeadsChange };

export interface BeadsExportInput {
  planId: string;
  graph: BeadsGraph;
  /** Every issue bd lists in the workspace. */
  existing: readonly BeadsRecord[];
  /** The xplan key → bd id mapping saved by the last export of this plan. */
  saved: Readonly<Record<string, string>>;
  /** Whether bd has `create --graph`. */
  supportsGraph: boolean;
  /** With `--sync`: the run whose statuses the issues take. */
  run?: RunState | undefined;
}

export interface BeadsExportDecision {
  actions: BeadsAction[];
  counts: ExportCounts;
  /** Key → bd id of every issue that exists already; creating the others adds theirs. */
  mapping: Record<string, string>;
  /** How new issues are created, when there are any. */
  creation?: 'graph' | 'per-issue';
}

/**
 * What an export to bd does, in order: existing issues found (through the saved mapping, their external ref or
 * their metadata) and updated where they differ, new ones created (one transaction when bd can and there is more
 * than one), dependencies added and removed to be exactly the plan's, and with a run each task's status set, then
 * each epic closed or reopened after its children.
 */
export function decideBeadsExport(input: BeadsExportInput): BeadsExportDecision {
  const { graph, existing, planId } = input;
  const counts = emptyCounts();
  const mapping: Record<string, string> = { ...input.saved };
  const byId = new Map(existing.map((i) => [i.id, i]));
  const byRef = new Map(existing.filter((i) => i.external_ref).map((i) => [i.external_ref!, i]));
  // Issues made by `create --graph` carry the xplan keys in their metadata before their external ref is set.
  const byMetadata = new Map(existing.filter((i) => i.metadata?.xplanPlan === planId).map((i) => [String(i.metadata?.xplanTask ?? `epic:${String(i.metadata?.xplanSpec)}`), i]));
  const issueByKey = new Map(graph.issues.map((i) => [i.key, i]));

  const found = new Map<string, BeadsRecord>();
  for (const issue of graph.issues) {
    const record = (mapping[issue.key] ? byId.get(mapping[issue.key]!) : undefined) ?? byRef.get(issue.externalRef) ?? byMetadata.get(issue.key);
    if (record) {
      found.set(issue.key, record);
      mapping[issue.key] = record.id;
    } else {
      delete mapping[issue.key];
    }
  }
  const created = graph.issues.filter((i) => !found.has(i.key));
  const actions: BeadsAction[] = [];

  // Existing issues: only the fields that changed.
  for (const issue of graph.issues) {
    const record = found.get(issue.key);
    if (!record) continue;
    const flags = changedFields(issue, record);
    if (flags.length === 0) {
      counts.unchanged++;
      continue;
    }
    counts.updated++;
    actions.push({ kind: 'update', issue, id: record.id, flags });
  }

  // Dependencies: exactly the plan's, in bd's direction (the dependent depends on its prerequisite).
  const keyOf = new Map(Object.entries(mapping).map(([key, id]) => [id, key]));
  const current = new Set<string>();
  for (const record of found.values()) {
    for (const dep of record.dependencies ?? []) {
      const to = dep.depends_on_id ?? dep.id;
      const [fromKey, toKey] = [keyOf.get(dep.issue_id ?? record.id), to ? keyOf.get(to) : undefined];
      if ((dep.type ?? dep.dependency_type) === 'blocks' && fromKey && toKey) current.add(`${fromKey} ${toKey}`);
    }
  }
  const wanted = graph.dependencies.filter((d) => !current.has(`${d.from} ${d.to}`));
  const unwanted = [...current].filter((pair) => !graph.dependencies.some((d) => `${d.from} ${d.to}` === pair)).map((pair) => pair.split(' ') as [string, string]);

  // New issues: one transaction when bd can, each with its own call otherwise (epics first, so children name them).
  const useGraph = input.supportsGraph && created.length > 1;
  const isNew = new Set(created.map((i) => i.key));
  const inGraph = useGraph ? wanted.filter((d) => isNew.has(d.from) || isNew.has(d.to)) : [];
  if (useGraph) {
    counts.created += created.length;
    counts.dependenciesAdded += inGraph.length;
    actions.push({ kind: 'create-graph', issues: created, dependencies: inGraph, message: `xplan: plan ${planId} (${created.length} issues)` });
    for (const issue of created) {
      const flags = missingDetails(issue, {});
      if (flags.length > 0) actions.push({ kind: 'details', issue, flags });
    }
  } else {
    for (const issue of created) {
      counts.created++;
      actions.push({ kind: 'create', issue });
    }
  }
  for (const d of wanted) {
    if (inGraph.includes(d)) continue;
    counts.dependenciesAdded++;
    actions.push({ kind: 'add-dependency', from: d.from, to: d.to });
  }
  for (const [from, to] of unwanted) {
    counts.dependenciesRemoved++;
    actions.push({ kind: 'remove-dependency', from, to });
  }

  // Statuses from the run, then each epic after its children.
  if (input.run) {
    const statusNow: Record<string, string> = Object.fromEntries(graph.issues.map((i) => [i.key, asBeadsStatus(found.get(i.key)?.status)]));
    for (const issue of graph.issues) {
      if (issue.type === 'epic') continue;
      const want = beadsStatusOf(input.run, issue.key);
      if (!want) continue;
      const record = found.get(issue.key);
      statusNow[issue.key] = want.status;
      if (record && record.status === want.status && (!want.assignee || record.assignee === want.assignee)) continue;
      if (!record && want.status === 'open') continue;
      counts.statuses++;
      actions.push({ kind: 'status', issue, change: want });
    }
    for (const [epic, children] of epicsOf(graph).childrenOf) {
      const change = epicChange(
        children.map((c) => statusNow[c] ?? 'open'),
        found.get(epic)?.status ?? 'open',
      );
      if (!change) continue;
      counts.epics++;
      actions.push({ kind: 'epic-status', issue: issueByKey.get(epic)!, change });
    }
  }
  return { actions, counts, mapping, ...(created.length > 0 ? { creation: useGraph ? ('graph' as const) : ('per-issue' as const) } : {}) };
}

/** What a progress line calls an action. */
export function actionSummary(action: BeadsAction): string {
  switch (action.kind) {
    case 'update':
      return `update ${action.issue.key}`;
    case 'create-graph':
      return `create ${action.issues.length} issues`;
    case 'details':
      return `details of ${action.issue.key}`;
    case 'create':
      return `create ${action.issue.key}`;
    case 'add-dependency':
    case 'remove-dependency':
      return 'dependencies';
    case 'status':
    case 'epic-status':
      return `${statusVerb(action)} ${action.issue.key}`;
  }
}

/**
 * The report lines of an action, with the bd ids known so far (`new` for an issue not created yet): after the
 * action runs for a real export, before it for a dry run.
 */
export function actionLines(action: BeadsAction, ids: Readonly<Record<string, string>>, graph: BeadsGraph, bdCommand: string): string[] {
  const titles = titlesOf(graph);
  const titleOf = (key: string) => titles.get(key) ?? key;
  const end = (key: string) => ({ id: ids[key], title: titleOf(key) });
  const under = (issue: BeadsIssue) => (issue.parent ? ` under ${issueLabel(ids[issue.parent], titleOf(issue.parent))}` : '');
  const flagNames = (flags: BdFlag[]) => flags.map(([flag]) => flag).join(' ');
  switch (action.kind) {
    case 'update':
      return [`update ${issueLabel(action.id, action.issue.title)}: ${flagNames(action.flags)}`];
    case 'create-graph':
      return [
        `create ${action.issues.length} issues and ${action.dependencies.length} dependencies in one transaction (${bdCommand} create --graph):`,
        ...action.issues.map((issue) => `  create ${issueLabel(ids[issue.key], issue.title)}${under(issue)}`),
        ...action.dependencies.map((d) => `  dep add ${dependencyLine(end(d.from), end(d.to))}`),
      ];
    case 'details':
      return [`update ${issueLabel(ids[action.issue.key], action.issue.title)}: ${flagNames(action.flags)} (not in the graph format)`];
    case 'create':
      return [`create ${issueLabel(ids[action.issue.key], action.issue.title)}${under(action.issue)}`];
    case 'add-dependency':
      return [`dep add ${dependencyLine(end(action.from), end(action.to))}`];
    case 'remove-dependency':
      return [`dep remove ${dependencyLine(end(action.from), end(action.to))}`];
    case 'status':
    case 'epic-status': {
      const verb = statusVerb(action);
      const { change, issue } = action;
      return [`${verb} ${issueLabel(ids[issue.key], issue.title)}${verb === 'status' ? ` → ${change.status}` : ''}${change.reason && issue.type === 'epic' ? `: ${change.reason}` : ''}`];
    }
  }
}

const TITLES = new WeakMap<BeadsGraph, Map<string, string>>();

function titlesOf(graph: BeadsGraph): Map<string, string> {
  let titles = TITLES.get(graph);
  if (!titles) TITLES.set(graph, (titles = new Map(graph.issues.map((i) => [i.key, i.title]))));
  return titles;
}

function statusVerb(action: Extract<BeadsAction, { kind: 'status' | 'epic-status' }>): string {
  if (action.issue.type !== 'epic') return 'status';
  return action.change.status === 'closed' ? 'close epic' : 'reopen epic';
}

/** For JSONL: each task's status in the run, and each epic's, closed once every child is. */
export function jsonlStatuses(run: RunState, graph: BeadsGraph): Record<string, JsonlStatus> {
  const statuses: Record<string, JsonlStatus> = {};
  for (const issue of graph.issues) {
    if (issue.type === 'epic') continue;
    const change = beadsStatusOf(run, issue.key);
    const task = run.tasks[issue.key];
    if (change) statuses[issue.key] = { ...change, ...(task?.endedAt ? { at: task.endedAt } : {}) };
  }
  const { childrenOf } = epicsOf(graph);
  for (const [epic, children] of childrenOf) {
    const change = epicChange(
      children.map((c) => statuses[c]?.status ?? 'open'),
      'open',
    );
    const latest = children
      .map((c) => statuses[c]?.at ?? '')
      .sort()
      .pop();
    statuses[epic] = change ? { ...change, ...(latest ? { at: latest } : {}) } : { status: 'open' };
  }
  return statuses;
}
