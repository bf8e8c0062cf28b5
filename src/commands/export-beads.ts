/**
 * `xplan export beads`: the approved plan as a beads epic with child issues and dependencies. Exporting again
 * updates the same issues (found through the stored mapping, or their external ref) and adds or removes
 * dependencies to match; it never duplicates. `--sync` also sets each issue's status from the run. Without bd on
 * PATH (or with --jsonl), it writes import-ready JSONL instead and says how to import it.
 */
import { relative, resolve } from 'node:path';
import { beadsGraph, beadsJsonl, beadsStatusOf, type BeadsIssue, type BeadsMapping } from '../core/beads-map.js';
import { XplanError } from '../core/errors.js';
import { isApproved, planHash, type Plan } from '../core/plan.js';
import type { RunState } from '../core/run.js';
import type { State } from '../core/state.js';
import { applyStatus, BeadsCli, type BdFlag, type BdIssue } from '../adapters/beads.js';
import { writeOutputFile } from '../adapters/input-file.js';
import type { Project } from '../adapters/project.js';
import type { StateStore } from '../adapters/state-store.js';
import type { ApprovalHook, Workspace } from '../workspace.js';

export interface ExportOptions {
  dryRun?: boolean;
  jsonl?: string;
  sync?: boolean;
  /** Called as each bd call is made: issues, then dependencies, then statuses. */
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface ExportResult {
  mode: 'bd' | 'jsonl';
  dryRun: boolean;
  tool?: string;
  version?: string;
  file?: string;
  importCommand?: string;
  /** What was (or, with --dry-run, would be) done, one line each. */
  actions: string[];
  counts: { created: number; updated: number; unchanged: number; dependenciesAdded: number; dependenciesRemoved: number; statuses: number };
  mapping: Record<string, string>;
}

export const DEFAULT_JSONL = '.xplan/beads-issues.jsonl';

export async function exportBeads(options: ExportOptions, ws: Workspace): Promise<ExportResult> {
  const { project, store, state, plan } = await loadApprovedPlan(ws);
  const graph = beadsGraph(plan);
  const bd = options.jsonl !== undefined ? undefined : await BeadsCli.detect(project.root, ws.env);
  const counts = { created: 0, updated: 0, unchanged: 0, dependenciesAdded: 0, dependenciesRemoved: 0, statuses: 0 };

  if (!bd) {
    const file = resolve(ws.cwd, options.jsonl ?? resolve(project.root, DEFAULT_JSONL));
    const shown = relative(ws.cwd, file) || '.';
    await writeOutputFile(file, shown, '--jsonl', beadsJsonl(plan, graph, { prefix: 'xp', at: plan.approval!.at, actor: 'xplan' }), options.dryRun ?? false);
    counts.created = graph.issues.length;
    return {
      mode: 'jsonl',
      dryRun: options.dryRun ?? false,
      file: shown,
      importCommand: `bd import ${shown}`,
      actions: [`${options.dryRun ? 'would write' : 'wrote'} ${graph.issues.length} issues and ${graph.dependencies.length} dependencies to ${shown}`],
      counts,
      mapping: {},
    };
  }

  const saved = (state as State & { beads?: BeadsMapping }).beads;
  const mapping: Record<string, string> = saved?.planId === plan.planId ? { ...saved.issues } : {};
  const existing = await bd.listAll();
  const byId = new Map(existing.map((i) => [i.id, i]));
  const byRef = new Map(existing.filter((i) => i.external_ref).map((i) => [i.external_ref!, i]));
  const actions: string[] = [];
  const dry = options.dryRun ?? false;

  // Epics first, so children can name their parent.
  let step = 0;
  for (const issue of graph.issues) {
    options.onProgress?.(++step, graph.issues.length, `issue ${issue.key}`);
    const found = (mapping[issue.key] && byId.get(mapping[issue.key]!)) || byRef.get(issue.externalRef);
    if (found) {
      mapping[issue.key] = found.id;
      const flags = changedFields(issue, found);
      if (flags.length === 0) {
        counts.unchanged++;
        continue;
      }
      actions.push(`update ${found.id} (${issue.key}): ${flags.map(([flag]) => flag).join(' ')}`);
      if (!dry) await bd.update(found.id, flags);
      counts.updated++;
    } else {
      const parent = issue.parent ? mapping[issue.parent] : undefined;
      if (dry) {
        mapping[issue.key] = `(new ${issue.key})`;
      } else {
        mapping[issue.key] = await bd.create({ ...issue, ...(parent ? { parent } : {}) });
      }
      actions.push(`create ${mapping[issue.key]} ${issue.title}${parent ? ` under ${parent}` : ''}`);
      counts.created++;
    }
  }

  // Dependencies: exactly the plan's, in bd's direction (the dependent depends on its prerequisite).
  const ours = new Set(Object.values(mapping));
  const wanted = new Set(graph.dependencies.map((d) => `${mapping[d.from]} ${mapping[d.to]}`));
  const current = new Set<string>();
  for (const issue of existing) {
    if (!ours.has(issue.id)) continue;
    for (const dep of issue.dependencies ?? []) {
      const to = dep.depends_on_id ?? dep.id;
      if ((dep.type ?? dep.dependency_type) === 'blocks' && to && ours.has(to)) current.add(`${dep.issue_id ?? issue.id} ${to}`);
    }
  }
  const toAdd = [...wanted].filter((pair) => !current.has(pair));
  step = 0;
  for (const pair of wanted) {
    if (current.has(pair)) continue;
    options.onProgress?.(++step, toAdd.length, 'dependencies');
    const [from, to] = pair.split(' ') as [string, string];
    actions.push(`dep add ${from} ${to}`);
    if (!dry) await bd.addDependency(from, to);
    counts.dependenciesAdded++;
  }
  for (const pair of current) {
    if (wanted.has(pair)) continue;
    const [from, to] = pair.split(' ') as [string, string];
    actions.push(`dep remove ${from} ${to}`);
    if (!dry) await bd.removeDependency(from, to);
    counts.dependenciesRemoved++;
  }

  const run = state.run;
  if (options.sync && run && run.planHash === planHash(plan.tasks)) {
    for (const taskId of Object.keys(run.tasks)) {
      const id = mapping[taskId];
      const want = beadsStatusOf(run, taskId);
      const have = id ? byId.get(id) : undefined;
      if (!id || !want || (have && have.status === want.status && (!want.assignee || have.assignee === want.assignee))) continue;
      actions.push(`status ${id} (${taskId}) → ${want.status}`);
      if (!dry) await applyStatus(bd, id, want);
      counts.statuses++;
    }
  }

  if (!dry) {
    await store.update((s) => ({ ...s, beads: { planId: plan.planId, tool: bd.command, issues: mapping } satisfies BeadsMapping }));
  }
  return { mode: 'bd', dryRun: dry, tool: bd.command, version: bd.version, actions, counts, mapping };
}

/** The `bd update` flags that bring an existing issue in line with the plan; none when it already is. */
function changedFields(issue: BeadsIssue, found: BdIssue): BdFlag[] {
  const have = found as BdIssue & { description?: string; design?: string; acceptance_criteria?: string; priority?: number; estimated_minutes?: number; labels?: string[] };
  const flags: BdFlag[] = [];
  if (have.title !== issue.title) flags.push(['--title', issue.title]);
  if ((have.description ?? '') !== issue.description) flags.push(['--description', issue.description]);
  if ((have.design ?? '') !== issue.design) flags.push(['--design', issue.design]);
  if ((have.acceptance_criteria ?? '') !== issue.acceptance) flags.push(['--acceptance', issue.acceptance]);
  if (have.priority !== issue.priority) flags.push(['--priority', String(issue.priority)]);
  if (issue.estimateMinutes !== undefined && have.estimated_minutes !== issue.estimateMinutes) flags.push(['--estimate', String(issue.estimateMinutes)]);
  for (const label of issue.labels) if (!(have.labels ?? []).includes(label)) flags.push(['--add-label', label]);
  if (have.external_ref !== issue.externalRef) flags.push(['--external-ref', issue.externalRef]);
  return flags;
}

async function loadApprovedPlan(ws: Workspace): Promise<{ project: Project; store: StateStore; state: State; plan: Plan }> {
  const { state, plan } = await ws.requirePlan();
  if (!isApproved(plan)) {
    throw new XplanError('PLAN_NOT_APPROVED', 'Only an approved plan is exported to beads', { hint: 'Review it with `xplan show`, then `xplan approve`.' });
  }
  return { project: ws.project, store: ws.store, state, plan };
}

/** With `beads: auto`, approving a plan exports it when bd is on PATH; the line returned tells the user. */
export function beadsOnApproval(): ApprovalHook {
  return async (_plan, ws) => {
    const config = await ws.config();
    if (config.beads !== 'auto') return undefined;
    if (!(await BeadsCli.detect(ws.root, ws.env))) return 'beads: auto, but bd is not on PATH: `xplan export beads` writes JSONL for `bd import`.';
    const result = await exportBeads({}, ws);
    const c = result.counts;
    return `Exported to beads: ${c.created} created, ${c.updated} updated, ${c.dependenciesAdded} dependencies added.`;
  };
}
