/**
 * The numbered inventory of what the intake found in the specs: requirements and stories, acceptance lines,
 * risks, open questions, assumptions and out-of-scope items, each with its key and spec line. It is the contract
 * between intake and planning engines: an engine says which keys a task covers, and coverage is checked against
 * it, key by key. Pure.
 */
import { keywords } from '../plan/planner.js';
import type { DependencyRef, ParsedSpec, Requirement, WorkOrigin } from './spec.js';
import type { Task } from '../plan/plan.js';

export type InventoryKind = 'requirement' | 'story' | 'acceptance' | 'risk' | 'question' | 'assumption' | 'out-of-scope';

/** Key prefix per kind: R1 (requirement or story), A1, K1 (risk), Q1, H1 (assumption), X1 (out of scope). */
export const INVENTORY_PREFIX: Record<InventoryKind, string> = {
  requirement: 'R',
  story: 'R',
  acceptance: 'A',
  risk: 'K',
  question: 'Q',
  assumption: 'H',
  'out-of-scope': 'X',
};

export interface InventoryItem {
  key: string;
  kind: InventoryKind;
  file: string;
  line: number;
  text: string;
  /** The id the spec gives it (`FR-12`, `US-3`, `SC-004`). */
  id?: string;
  /** For an acceptance line: the key of the requirement it sits under. */
  of?: string;
  /** Work found outside the requirement lists: a command table row, a format, a decision, a mitigation, a test to write. */
  origin?: WorkOrigin;
  /** Its place in the order the spec gives its work (a task-master "Logical Dependency Chain"), 1 first. */
  order?: number;
  /** Keys of the items the spec says this one needs first ("depends on FR-2", a step of the dependency chain). */
  dependsOn?: string[];
}

export interface Inventory {
  items: InventoryItem[];
  byKey: Map<string, InventoryItem>;
}

/** Requirements and acceptance lines: what a plan must cover, each exactly once. */
export function isWork(item: InventoryItem): boolean {
  return item.kind === 'requirement' || item.kind === 'story' || item.kind === 'acceptance';
}

export function buildInventory(specs: ParsedSpec[]): Inventory {
  const items: InventoryItem[] = [];
  const counters = new Map<string, number>();
  const next = (prefix: string): string => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}${n}`;
  };
  const add = (kind: InventoryKind, file: string, line: number, text: string, extra: { id?: string; of?: string; origin?: WorkOrigin; key?: string } = {}): InventoryItem => {
    const item: InventoryItem = { key: extra.key ?? next(INVENTORY_PREFIX[kind]), kind, file, line, text };
    if (extra.id) item.id = extra.id;
    if (extra.of) item.of = extra.of;
    if (extra.origin) item.origin = extra.origin;
    items.push(item);
    return item;
  };
  // Work found outside the requirement lists is numbered after all the rest (R and A of every spec), so that
  // reading more of a spec adds keys and moves none.
  const requirementKey = new Map<Requirement, string>();
  for (const spec of specs) for (const r of spec.requirements) if (!r.origin) requirementKey.set(r, next('R'));
  for (const spec of specs) for (const r of spec.requirements) if (r.origin) requirementKey.set(r, next('R'));
  const later: Array<() => void> = [];
  for (const spec of specs) {
    for (const r of spec.requirements) {
      const entry = () => add(r.kind === 'story' ? 'story' : 'requirement', r.file, r.line, r.text, { id: r.id, origin: r.origin, key: requirementKey.get(r) });
      if (r.origin) later.push(entry);
      else entry();
    }
    for (const c of spec.acceptance) {
      const entry = () => add('acceptance', c.file, c.line, c.text, { id: c.id, of: c.owner === undefined ? undefined : requirementKey.get(spec.requirements[c.owner]!), origin: c.origin });
      if (c.origin) later.push(entry);
      else entry();
    }
    for (const r of spec.risks) add('risk', r.file, r.line, r.text);
    for (const q of spec.openQuestions) add('question', q.file, q.line, q.text);
    for (const a of spec.assumptions) add('assumption', a.file, a.line, a.text);
    for (const o of spec.outOfScope) add('out-of-scope', o.file, o.line, o.text);
  }
  for (const entry of later) entry();
  for (const spec of specs) linkStatedOrder(spec, requirementKey, items);
  return { items, byKey: new Map(items.map((i) => [i.key, i])) };
}

/**
 * The order and dependencies a spec states, as hints on the items they name, for planners to use as edges: a
 * requirement id, a story priority, a line inside a requirement, or the words of a chain step ("Backend storage
 * module") matched to the requirement sharing most of them.
 */
function linkStatedOrder(spec: ParsedSpec, requirementKey: Map<Requirement, string>, items: InventoryItem[]): void {
  if (spec.dependencies.length === 0) return;
  const byKey = new Map(items.map((i) => [i.key, i]));
  // Chain steps name the main work; mitigations and the like are matched by id or line only.
  const requirements = spec.requirements.filter((r) => requirementKey.has(r) && !r.origin);
  const words = requirements.map((r) => keywords(`${r.text} ${r.details}`));
  const used = new Map<string, number>();
  for (const own of words) for (const w of own) used.set(w, (used.get(w) ?? 0) + 1);
  // Keys already named by an earlier step: a chain names each piece of work once, so a new step is likelier another item.
  const claimed = new Set<string>();
  const stepKeys = new Map<number, string[]>();
  const resolve = (ref: DependencyRef, ownStep = false): string[] => {
    if (ref.line !== undefined && stepKeys.has(ref.line)) return stepKeys.get(ref.line)!;
    const found = ref.id
      ? requirements.filter((r) => r.id === ref.id)
      : ref.priority
        ? requirements.filter((r) => r.priority === ref.priority)
        : requirements.filter((r) => ref.line !== undefined && r.line <= ref.line && ref.line <= r.endLine);
    if (found.length > 0 || !ref.text) return found.map((r) => requirementKey.get(r)!);
    const wanted = keywords(ref.text.replace(/\(?\s*(?:depends on|needs|after)\b[^)]*\)?/gi, ''));
    let best = -1;
    let bestWeight = 0;
    words.forEach((own, i) => {
      let shared = 0;
      let weight = 0;
      for (const w of wanted) {
        if (!own.has(w)) continue;
        shared++;
        weight += 1 / used.get(w)!;
      }
      // Two words in common, or half the words of a short step ("Frontend UI components").
      if (shared === 0 || (shared < 2 && shared * 2 < wanted.size)) return;
      if (ownStep && claimed.has(requirementKey.get(requirements[i]!)!)) weight /= 2;
      if (weight > bestWeight) [best, bestWeight] = [i, weight];
    });
    return best >= 0 ? [requirementKey.get(requirements[best]!)!] : [];
  };
  let step = 0;
  for (const statement of spec.dependencies) {
    // A step of a dependency chain names itself by its words; its place in the chain is its order.
    const isStep = statement.from.text !== undefined && statement.from.line === statement.line;
    const from = resolve(statement.from, isStep);
    if (isStep) {
      step++;
      stepKeys.set(statement.line, from);
      for (const key of from) claimed.add(key);
    }
    const on = [...new Set(statement.on.flatMap((ref) => resolve(ref)))];
    for (const key of from) {
      const item = byKey.get(key)!;
      if (isStep && item.order === undefined) item.order = step;
      const needs = on.filter((k) => k !== key && !(item.dependsOn ?? []).includes(k));
      if (needs.length > 0) item.dependsOn = [...(item.dependsOn ?? []), ...needs];
    }
  }
}

/** The inventory as numbered lines, for a prompt or a reviewer: `R3 [FR-3] spec.md:14 — text`. */
export function formatInventory(inventory: Inventory): string {
  const headings: Array<[string, (i: InventoryItem) => boolean]> = [
    ['Requirements and user stories (R): each must be covered by exactly one task', (i) => i.kind === 'requirement' || i.kind === 'story'],
    ['Acceptance lines (A): each belongs on exactly one task, the one that implements it', (i) => i.kind === 'acceptance'],
    ['Risks (K)', (i) => i.kind === 'risk'],
    ['Open questions (Q)', (i) => i.kind === 'question'],
    ['Assumptions (H)', (i) => i.kind === 'assumption'],
    ['Out of scope (X): never planned', (i) => i.kind === 'out-of-scope'],
  ];
  const out: string[] = [];
  for (const [title, match] of headings) {
    const items = inventory.items.filter(match);
    if (items.length === 0) continue;
    out.push(`### ${title}`);
    for (const i of items) {
      const tags = [
        i.id,
        i.kind === 'story' ? 'story' : undefined,
        i.origin,
        i.of ? `of ${i.of}` : undefined,
        i.order ? `step ${i.order}` : undefined,
        i.dependsOn ? `after ${i.dependsOn.join(' ')}` : undefined,
      ]
        .filter(Boolean)
        .join(', ');
      out.push(`${i.key}${tags ? ` [${tags}]` : ''} ${i.file}:${i.line} — ${i.text}`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export interface CoverageProblem {
  code: 'UNCOVERED' | 'COVERED_TWICE' | 'OUT_OF_SCOPE_PLANNED' | 'UNKNOWN_ITEM';
  message: string;
  tasks: string[];
  items: string[];
}

/**
 * Coverage against the inventory: every requirement and acceptance line covered by exactly one task, of any kind
 * (a test task that lists an item covers it), nothing out of scope planned. `excluded` are work items the engine
 * left out on purpose, with its reason; they must not be covered either.
 */
export function checkCoverage(inventory: Inventory, tasks: Array<Pick<Task, 'id' | 'kind'> & { covers: string[] }>, excluded: Set<string> = new Set()): CoverageProblem[] {
  const problems: CoverageProblem[] = [];
  const coveredBy = new Map<string, string[]>();
  for (const t of tasks) {
    for (const key of new Set(t.covers)) {
      if (!inventory.byKey.has(key)) {
        problems.push({ code: 'UNKNOWN_ITEM', message: `${t.id} covers ${key}, which is not in the inventory`, tasks: [t.id], items: [key] });
        continue;
      }
      coveredBy.set(key, [...(coveredBy.get(key) ?? []), t.id]);
    }
  }
  for (const item of inventory.items) {
    const by = coveredBy.get(item.key) ?? [];
    const label = `${item.key}${item.id ? ` (${item.id})` : ''} at ${item.file}:${item.line} "${item.text.slice(0, 80)}"`;
    if (item.kind === 'out-of-scope' || excluded.has(item.key)) {
      if (by.length > 0) problems.push({ code: 'OUT_OF_SCOPE_PLANNED', message: `${label} is out of scope but ${by.join(', ')} plans it`, tasks: by, items: [item.key] });
    } else if (isWork(item)) {
      if (by.length === 0) problems.push({ code: 'UNCOVERED', message: `${label} is covered by no task`, tasks: [], items: [item.key] });
      else if (by.length > 1) problems.push({ code: 'COVERED_TWICE', message: `${label} is covered by ${by.join(' and ')}; it belongs to one task`, tasks: by, items: [item.key] });
    }
  }
  return problems;
}
