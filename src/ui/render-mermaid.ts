/**
 * `xplan plan --format mermaid`: the task DAG as a Mermaid flowchart, one subgraph per stream, an edge from
 * each prerequisite to its dependent, and high-risk tasks marked. Deterministic: same plan, same text.
 */
import { transitiveReduction } from '../core/plan/schedule.js';
import type { Plan } from '../core/plan/plan.js';
import { tasksByStream } from './render-plan.js';
import { terminalSafe } from './terminal-text.js';

/** Mermaid entity codes for what would end a quoted label or be read as markup or an entity. */
const ESCAPES: Record<string, string> = {
  '#': '#35;',
  '"': '#quot;',
  '[': '#91;',
  ']': '#93;',
  '<': '#60;',
  '>': '#62;',
  '`': '#96;',
};

export function escapeMermaid(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[#"[\]<>`]/g, (c) => ESCAPES[c]!);
}

/** Subgraph ids must be plain words. */
function mermaidId(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, '_') || 'stream';
}

export function renderMermaid(unsafe: Plan): string {
  const plan = terminalSafe(unsafe);
  const out = ['flowchart TD'];
  const node = (id: string, title: string) => `${id}["${escapeMermaid(`${id}: ${title}`)}"]`;

  for (const stream of tasksByStream(plan, plan.tasks)) {
    out.push(`  subgraph ${mermaidId(stream.id)}["${escapeMermaid(stream.name)}"]`);
    for (const t of stream.tasks) out.push(`    ${node(t.id, t.title)}`);
    out.push('  end');
  }

  // Direct edges only: an edge another path implies would only add crossings.
  const { direct } = transitiveReduction(plan.tasks);
  for (const t of plan.tasks) {
    for (const dep of direct.get(t.id) ?? []) out.push(`  ${dep} --> ${t.id}`);
  }

  const risky = plan.tasks.filter((t) => t.risk === 'high').map((t) => t.id);
  if (risky.length > 0) {
    out.push('  classDef riskHigh fill:#fde2e1,stroke:#c0392b,stroke-width:2px');
    out.push(`  class ${risky.join(',')} riskHigh`);
  }
  return out.join('\n');
}
