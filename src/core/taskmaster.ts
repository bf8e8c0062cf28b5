/**
 * Reads task-master's `tasks.json` (legacy `{ tasks }`, tagged `{ master: { tasks } }`, or a bare array) as xplan
 * tasks, so a team moving from task-master can check its graph. Subtasks fold into their parent.
 */
import type { Risk, Task } from './plan.js';

interface TaskmasterTask {
  id: number | string;
  title?: string;
  description?: string;
  details?: string;
  testStrategy?: string;
  priority?: string;
  dependencies?: Array<number | string>;
  subtasks?: Array<{ id: number | string; title?: string; description?: string }>;
}

export type TaskmasterRead = { ok: true; tasks: Task[]; tag?: string } | { ok: false; error: string };

/** Whether a parsed JSON document looks like task-master's format. */
export function isTaskmasterDocument(doc: unknown): boolean {
  const tasks = taskList(doc, undefined);
  return tasks !== undefined && tasks.length > 0 && tasks.every((t) => typeof t === 'object' && t !== null && /^\d+$/.test(String((t as TaskmasterTask).id)));
}

function taskList(doc: unknown, tag: string | undefined): unknown[] | undefined {
  if (Array.isArray(doc)) return doc;
  if (typeof doc !== 'object' || doc === null) return undefined;
  const record = doc as Record<string, unknown>;
  if (Array.isArray(record.tasks)) return record.tasks;
  const tags = Object.keys(record).filter((k) => Array.isArray((record[k] as { tasks?: unknown })?.tasks));
  const chosen = tag ?? (tags.includes('master') ? 'master' : tags.length === 1 ? tags[0] : undefined);
  const list = chosen !== undefined ? (record[chosen] as { tasks?: unknown[] } | undefined)?.tasks : undefined;
  return Array.isArray(list) ? list : undefined;
}

const RISK_BY_PRIORITY: Record<string, Risk> = { high: 'high', medium: 'medium', low: 'low' };

export function readTaskmaster(doc: unknown, tag?: string): TaskmasterRead {
  const list = taskList(doc, tag);
  if (!list) {
    const tags = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? Object.keys(doc) : [];
    return {
      ok: false,
      error: tag ? `no tag "${tag}" with tasks (tags: ${tags.join(', ') || 'none'})` : `no task list found${tags.length > 1 ? `; choose a tag with --tag (${tags.join(', ')})` : ''}`,
    };
  }
  const tasks: Task[] = [];
  for (const [i, raw] of list.entries()) {
    const t = raw as TaskmasterTask;
    if (typeof t !== 'object' || t === null || t.id === undefined) return { ok: false, error: `task ${i + 1} has no id` };
    const subtasks = (t.subtasks ?? []).map((s) => `${t.id}.${s.id} ${s.title ?? ''}`.trim());
    const risk = RISK_BY_PRIORITY[t.priority ?? ''] ?? 'medium';
    tasks.push({
      id: `T${t.id}`,
      title: t.title ?? `Task ${t.id}`,
      description: [t.description, t.details].filter(Boolean).join('\n\n'),
      // Kept as written, so references to missing tasks are reported rather than lost.
      dependsOn: (t.dependencies ?? []).map((d) => `T${d}`),
      acceptanceCriteria: [...(t.testStrategy ? [t.testStrategy] : []), ...subtasks.map((s) => `Subtask ${s}`)],
      effort: (t.details?.length ?? 0) > 1500 ? 'L' : 'M',
      risk,
      riskReason: `task-master priority ${t.priority ?? 'not set'}`,
      testStrategy: t.testStrategy ? 'test-after' : 'none',
      strategyReason: t.testStrategy ? 'task-master test strategy kept as an acceptance criterion' : 'task-master gives no test strategy',
      stream: 'A',
      wave: 0,
      kind: 'feature',
      sources: [],
      files: [],
    });
  }
  return { ok: true, tasks, ...(tag ? { tag } : {}) };
}
