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
  actionLines,
  actionSummary,
  bdInitPrefix,
  decideBeadsExport,
  emptyCounts,
  graphPlan,
  jsonlStatuses,
  prefixProblem,
  unusableTitles,
  type BeadsAction,
  type ExportResult,
} from '../core/beads/beads-export.js';
import { beadsGraph, beadsJsonl, type BeadsGraph, type BeadsMapping } from '../core/beads/beads-map.js';
import { InputError, XplanError } from '../core/errors.js';
import { planHash, type Plan } from '../core/plan/plan.js';
import type { RunState } from '../core/run/run.js';
import type { State } from '../core/run/state.js';
import { applyEpicStatus, applyStatus, BeadsCli } from '../adapters/tools/beads.js';
import { refuseOwnFile, writeOutputFile } from '../adapters/store/input-file.js';
import type { ApprovalHook, Workspace } from '../workspace.js';

export type { ExportResult } from '../core/beads/beads-export.js';

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
  const saved = (state as State & { beads?: BeadsMapping }).beads;
  const existing = await bd.listAll().catch((error: unknown) => {
    // bd could give neither its prefix nor its issues: most likely there is no workspace here yet.
    if (noPrefix === undefined) throw error;
    throw new XplanError('BEADS_NO_WORKSPACE', `bd has no usable beads workspace here: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'Run `bd init` (or `bd init -p PREFIX`) in the repository, then export again; or write JSONL for `bd import` with `xplan export beads --jsonl FILE`.',
      cause: error,
    });
  });
  // Decide everything first; then each action is one bd call (none with --dry-run).
  const decision = decideBeadsExport({
    planId: plan.planId,
    graph,
    existing,
    saved: saved?.planId === plan.planId ? saved.issues : {},
    supportsGraph: bd.supportsGraph,
    run: sync.run,
  });
  const { mapping } = decision;
  const actions: string[] = [];
  for (const [index, action] of decision.actions.entries()) {
    options.onProgress?.(index + 1, decision.actions.length, actionSummary(action));
    if (!dry) await perform(bd, action, mapping);
    actions.push(...actionLines(action, mapping, graph, bd.command));
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
    ...(decision.creation ? { creation: decision.creation } : {}),
    actions,
    notes: sync.notes,
    counts: decision.counts,
    mapping,
  };
}

/** Carries out one decided action with bd; new issues add their ids to `mapping`. */
async function perform(bd: BeadsCli, action: BeadsAction, mapping: Record<string, string>): Promise<void> {
  switch (action.kind) {
    case 'update':
      return bd.update(action.id, action.flags);
    case 'create-graph':
      Object.assign(mapping, await bd.createGraph(graphPlan(action.message, action.issues, mapping, action.dependencies)));
      return;
    case 'details':
      return bd.update(mapping[action.issue.key]!, action.flags);
    case 'create': {
      const { issue } = action;
      const parent = issue.parent ? mapping[issue.parent] : undefined;
      mapping[issue.key] = await bd.create({ ...issue, ...(parent ? { parent } : {}) });
      return;
    }
    case 'add-dependency':
      return bd.addDependency(mapping[action.from]!, mapping[action.to]!);
    case 'remove-dependency':
      return bd.removeDependency(mapping[action.from]!, mapping[action.to]!);
    case 'status':
      return applyStatus(bd, mapping[action.issue.key]!, action.change);
    case 'epic-status':
      return applyEpicStatus(bd, mapping[action.issue.key]!, action.change);
  }
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
