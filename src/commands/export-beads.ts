/**
 * `xplan export beads`: the approved plan as a beads epic with child issues and dependencies, under the
 * workspace's issue prefix. Exporting again updates the same issues (found through the stored mapping, their
 * external ref or their metadata) and adds or removes dependencies to match; it never duplicates. With a bd that
 * has `create --graph`, new issues and their dependencies go in one transaction, then the fields the graph format
 * cannot carry are set on each. `--sync` also sets each issue's status from the run, and closes (or reopens) an
 * epic to follow its children. Without bd on PATH (or with --jsonl), it writes import-ready JSONL instead.
 */
import { basename, relative, resolve } from 'node:path';
import {
  asBeadsStatus,
  bdInitPrefix,
  changedFields,
  dependencyLine,
  emptyCounts,
  epicChange,
  epicsOf,
  graphPlan,
  issueLabel,
  missingDetails,
  prefixProblem,
  unusableTitles,
  type BeadsRecord,
  type ExportResult,
} from '../core/beads-export.js';
import { beadsGraph, beadsJsonl, beadsStatusOf, type BeadsChange, type BeadsGraph, type BeadsIssue, type BeadsMapping, type JsonlStatus } from '../core/beads-map.js';
import { InputError, XplanError } from '../core/errors.js';
import { planHash, type Plan } from '../core/plan.js';
import type { RunState } from '../core/run.js';
import type { State } from '../core/state.js';
import { applyEpicStatus, applyStatus, BeadsCli } from '../adapters/beads.js';
import { refuseOwnFile, writeOutputFile } from '../adapters/input-file.js';
import type { ApprovalHook, Workspace } from '../workspace.js';

export type { ExportResult } from '../core/beads-export.js';

export interface ExportOptions {
  dryRun?: boolean;
  jsonl?: string;
  sync?: boolean;
  /** The issue prefix of the JSONL ids; with bd, it must be the workspace's. */
  prefix?: string;
  /** Called before each bd call (and once for the JSONL file) with a running count over the whole export. */
  onProgress?: (done: number, total: number, what: string) => void;
}

export const DEFAULT_JSONL = '.xplan/beads-issues.jsonl';

/** One bd call of the export: what it does, for the report and the progress count, and the call itself. */
interface Step {
  what: string;
  lines: () => string[];
  run: () => Promise<void>;
}

export async function exportBeads(options: ExportOptions, ws: Workspace): Promise<ExportResult> {
  const { state, plan } = await loadApprovedPlan(ws);
  const graph = beadsGraph(plan);
  // Both refusals come before bd is even asked for its version.
  refuseUnusableTitles(plan, graph);
  if (options.prefix !== undefined) {
    const problem = prefixProblem(options.prefix);
    if (problem)
      throw new InputError(
        'BAD_PREFIX',
        `--prefix ${JSON.stringify(options.prefix)} cannot name beads issues: ${problem}`,
        'Give the prefix of the beads workspace, e.g. `--prefix acme` for ids like acme-a3f2.',
      );
  }
  const bd = await BeadsCli.detect(ws.root, ws.env);
  const sync = options.sync ? syncedRun(state, plan) : { notes: [] };
  return options.jsonl !== undefined || !bd ? exportJsonl(options, ws, plan, graph, bd, sync) : exportToBd(options, ws, state, plan, graph, bd, sync);
}

function refuseUnusableTitles(plan: Plan, graph: BeadsGraph): void {
  const bad = unusableTitles(graph, Object.fromEntries(plan.tasks.map((t) => [t.id, t.title])));
  if (bad.length === 0) return;
  const first = bad[0]!.key;
  throw new InputError(
    'BEADS_TITLES',
    `${bad.length === 1 ? 'A task has' : `${bad.length} tasks have`} no title beads can take: ${bad.map((b) => `${b.key} (${b.problem})`).join('; ')}. Nothing was exported.`,
    `Give ${bad.length === 1 ? 'it' : 'each'} a short one-line title, e.g. \`xplan task set ${first} --title "Add the login form"\`, then \`xplan approve\` and export again.`,
  );
}

/** The run whose statuses `--sync` writes, or why there is none. */
function syncedRun(state: State, plan: Plan): { run?: RunState; notes: string[] } {
  const run = state.run;
  if (!run) return { notes: ['--sync: there is no run yet, so every issue stays open.'] };
  if (run.planHash !== planHash(plan.tasks)) return { notes: [`--sync: run ${run.id} ran another version of the plan, so its statuses were not used.`] };
  return { run, notes: [] };
}

async function resolvePrefix(options: ExportOptions, bd: BeadsCli | undefined, root: string): Promise<{ prefix: string; source: 'flag' | 'bd' | 'directory' }> {
  if (options.prefix !== undefined) return { prefix: options.prefix, source: 'flag' };
  // bd may have no workspace here yet; then the ids take the prefix `bd init` will give this directory.
  const fromBd = bd ? await bd.prefix().catch(() => undefined) : undefined;
  return fromBd ? { prefix: fromBd, source: 'bd' } : { prefix: bdInitPrefix(basename(root)), source: 'directory' };
}

async function exportJsonl(options: ExportOptions, ws: Workspace, plan: Plan, graph: BeadsGraph, bd: BeadsCli | undefined, sync: { run?: RunState; notes: string[] }): Promise<ExportResult> {
  const { prefix, source } = await resolvePrefix(options, bd, ws.root);
  const file = resolve(ws.cwd, options.jsonl ?? resolve(ws.root, DEFAULT_JSONL));
  const shown = relative(ws.cwd, file) || '.';
  if (options.jsonl !== undefined) refuseOwnFile(file, ws.project.xplanDir, shown, '--jsonl');
  const statuses = sync.run ? jsonlStatuses(sync.run, graph) : undefined;
  const dry = options.dryRun ?? false;
  options.onProgress?.(1, 1, shown);
  await writeOutputFile(file, shown, '--jsonl', beadsJsonl(plan, graph, { prefix, at: plan.approval!.at, actor: 'xplan', ...(statuses ? { statuses } : {}) }), dry);
  const counts = { ...emptyCounts(), created: graph.issues.length, statuses: statuses ? Object.keys(statuses).length : 0 };
  const closed = statuses ? Object.values(statuses).filter((s) => s.status === 'closed').length : 0;
  return {
    mode: 'jsonl',
    dryRun: dry,
    ...(bd ? { tool: bd.command, version: bd.version } : {}),
    prefix,
    prefixSource: source,
    file: shown,
    importCommand: `bd import ${shown}`,
    actions: [
      `${dry ? 'would write' : 'wrote'} ${graph.issues.length} issues and ${graph.dependencies.length} dependencies to ${shown}, ids ${prefix}-…`,
      ...(statuses ? [`statuses from run ${sync.run!.id}: ${closed} of ${graph.issues.length} issues closed`] : []),
    ],
    notes: sync.notes,
    counts,
    mapping: {},
  };
}

/** Each task's status in the run, and each epic's: closed once every child is. */
function jsonlStatuses(run: RunState, graph: BeadsGraph): Record<string, JsonlStatus> {
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

async function exportToBd(options: ExportOptions, ws: Workspace, state: State, plan: Plan, graph: BeadsGraph, bd: BeadsCli, sync: { run?: RunState; notes: string[] }): Promise<ExportResult> {
  const dry = options.dryRun ?? false;
  let noPrefix: unknown;
  const workspacePrefix = await bd.prefix().catch((error: unknown) => {
    noPrefix = error;
    return undefined;
  });
  if (options.prefix !== undefined && workspacePrefix !== undefined && options.prefix !== workspacePrefix) {
    throw new InputError(
      'BEADS_PREFIX_MISMATCH',
      `The beads workspace here uses the prefix ${workspacePrefix}, not ${options.prefix}: bd names the issues it creates itself`,
      `Leave out --prefix, or write JSONL for another workspace with \`xplan export beads --jsonl FILE --prefix ${options.prefix}\`.`,
    );
  }
  const counts = emptyCounts();
  const saved = (state as State & { beads?: BeadsMapping }).beads;
  const mapping: Record<string, string> = saved?.planId === plan.planId ? { ...saved.issues } : {};
  const existing = await bd.listAll().catch((error: unknown) => {
    // bd could give neither its prefix nor its issues: most likely there is no workspace here yet.
    if (noPrefix === undefined) throw error;
    throw new XplanError('BEADS_NO_WORKSPACE', `bd has no usable beads workspace here: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Run `bd init` (or `bd init -p PREFIX`) in the repository, then export again; or write JSONL for `bd import` with `xplan export beads --jsonl FILE`.',
      cause: error,
    });
  });
  const byId = new Map(existing.map((i) => [i.id, i]));
  const byRef = new Map(existing.filter((i) => i.external_ref).map((i) => [i.external_ref!, i]));
  // Issues made by `create --graph` carry the xplan keys in their metadata before their external ref is set.
  const byMetadata = new Map(existing.filter((i) => i.metadata?.xplanPlan === plan.planId).map((i) => [String(i.metadata?.xplanTask ?? `epic:${String(i.metadata?.xplanSpec)}`), i]));
  const issueByKey = new Map(graph.issues.map((i) => [i.key, i]));
  const titleOf = (key: string) => issueByKey.get(key)?.title ?? key;
  const end = (key: string) => ({ id: mapping[key], title: titleOf(key) });

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
  const steps: Step[] = [];

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
    steps.push({
      what: `update ${issue.key}`,
      lines: () => [`update ${issueLabel(record.id, issue.title)}: ${flags.map(([flag]) => flag).join(' ')}`],
      run: () => bd.update(record.id, flags),
    });
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

  // New issues: one transaction when bd can, each with its own call otherwise.
  const useGraph = bd.supportsGraph && created.length > 1;
  const isNew = new Set(created.map((i) => i.key));
  const inGraph = useGraph ? wanted.filter((d) => isNew.has(d.from) || isNew.has(d.to)) : [];
  if (useGraph) {
    counts.created += created.length;
    counts.dependenciesAdded += inGraph.length;
    steps.push({
      what: `create ${created.length} issues`,
      lines: () => [
        `create ${created.length} issues and ${inGraph.length} dependencies in one transaction (${bd.command} create --graph):`,
        ...created.map((issue) => `  create ${issueLabel(mapping[issue.key], issue.title)}${issue.parent ? ` under ${issueLabel(mapping[issue.parent], titleOf(issue.parent))}` : ''}`),
        ...inGraph.map((d) => `  dep add ${dependencyLine(end(d.from), end(d.to))}`),
      ],
      run: async () => {
        const ids = await bd.createGraph(graphPlan(`xplan: plan ${plan.planId} (${created.length} issues)`, created, mapping, inGraph));
        Object.assign(mapping, ids);
      },
    });
    for (const issue of created) {
      const flags = missingDetails(issue, {});
      if (flags.length === 0) continue;
      steps.push({
        what: `details of ${issue.key}`,
        lines: () => [`update ${issueLabel(mapping[issue.key], issue.title)}: ${flags.map(([flag]) => flag).join(' ')} (not in the graph format)`],
        run: () => bd.update(mapping[issue.key]!, flags),
      });
    }
  } else {
    // Epics come first in the graph, so children can name their parent.
    for (const issue of created) {
      counts.created++;
      steps.push({
        what: `create ${issue.key}`,
        lines: () => [`create ${issueLabel(mapping[issue.key], issue.title)}${issue.parent ? ` under ${issueLabel(mapping[issue.parent], titleOf(issue.parent))}` : ''}`],
        run: async () => {
          const parent = issue.parent ? mapping[issue.parent] : undefined;
          mapping[issue.key] = await bd.create({ ...issue, ...(parent ? { parent } : {}) });
        },
      });
    }
  }
  for (const d of wanted) {
    if (inGraph.includes(d)) continue;
    counts.dependenciesAdded++;
    steps.push({ what: 'dependencies', lines: () => [`dep add ${dependencyLine(end(d.from), end(d.to))}`], run: () => bd.addDependency(mapping[d.from]!, mapping[d.to]!) });
  }
  for (const [from, to] of unwanted) {
    counts.dependenciesRemoved++;
    steps.push({ what: 'dependencies', lines: () => [`dep remove ${dependencyLine(end(from), end(to))}`], run: () => bd.removeDependency(mapping[from]!, mapping[to]!) });
  }

  // Statuses from the run, then each epic after its children.
  if (sync.run) {
    const have = (key: string) => found.get(key);
    const statusNow: Record<string, string> = Object.fromEntries(graph.issues.map((i) => [i.key, asBeadsStatus(have(i.key)?.status)]));
    for (const issue of graph.issues) {
      if (issue.type === 'epic') continue;
      const want = beadsStatusOf(sync.run, issue.key);
      if (!want) continue;
      const record = have(issue.key);
      statusNow[issue.key] = want.status;
      if (record && record.status === want.status && (!want.assignee || record.assignee === want.assignee)) continue;
      if (!record && want.status === 'open') continue;
      counts.statuses++;
      steps.push(
        statusStep(
          issue,
          want,
          () => mapping[issue.key]!,
          (id, change) => applyStatus(bd, id, change),
        ),
      );
    }
    for (const [epic, children] of epicsOf(graph).childrenOf) {
      const change = epicChange(
        children.map((c) => statusNow[c] ?? 'open'),
        have(epic)?.status ?? 'open',
      );
      if (!change) continue;
      counts.epics++;
      steps.push(
        statusStep(
          issueByKey.get(epic)!,
          change,
          () => mapping[epic]!,
          (id, c) => applyEpicStatus(bd, id, c),
        ),
      );
    }
  }

  const actions: string[] = [];
  for (const [index, step] of steps.entries()) {
    options.onProgress?.(index + 1, steps.length, step.what);
    if (!dry) await step.run();
    actions.push(...step.lines());
  }
  if (!dry) {
    await ws.store.update((s) => ({ ...s, beads: { planId: plan.planId, tool: bd.command, issues: mapping } satisfies BeadsMapping }));
  }
  return {
    mode: 'bd',
    dryRun: dry,
    tool: bd.command,
    version: bd.version,
    ...(workspacePrefix ? { prefix: workspacePrefix, prefixSource: 'bd' as const } : {}),
    ...(created.length > 0 ? { creation: useGraph ? ('graph' as const) : ('per-issue' as const) } : {}),
    actions,
    notes: sync.notes,
    counts,
    mapping,
  };
}

function statusStep(issue: BeadsIssue, want: BeadsChange, id: () => string, apply: (id: string, change: BeadsChange) => Promise<void>): Step {
  const verb = issue.type === 'epic' ? (want.status === 'closed' ? 'close epic' : 'reopen epic') : 'status';
  return {
    what: `${verb} ${issue.key}`,
    lines: () => [`${verb} ${issueLabel(id(), issue.title)}${verb === 'status' ? ` → ${want.status}` : ''}${want.reason && issue.type === 'epic' ? `: ${want.reason}` : ''}`],
    run: () => apply(id(), want),
  };
}

async function loadApprovedPlan(ws: Workspace): Promise<{ state: State; plan: Plan }> {
  return ws.requireApprovedPlan('export');
}

/** With `beads: auto`, approving a plan exports it when bd is on PATH; the line returned tells the user. */
export function beadsOnApproval(): ApprovalHook {
  return async (_plan, ws) => {
    const config = await ws.config();
    if (config.beads !== 'auto') return undefined;
    if (!(await BeadsCli.detect(ws.root, ws.env))) return 'beads: auto, but bd is not on PATH: `xplan export beads` writes JSONL for `bd import`.';
    try {
      const result = await exportBeads({}, ws);
      const c = result.counts;
      return `Exported to beads: ${c.created} created, ${c.updated} updated, ${c.dependenciesAdded} dependencies added.`;
    } catch (error) {
      // The plan is approved either way; the export can be run again once its problem is fixed.
      if (!(error instanceof XplanError)) throw error;
      return `The plan is approved, but the beads export failed: ${error.message}${error.hint ? ` ${error.hint}` : ''}`;
    }
  };
}
