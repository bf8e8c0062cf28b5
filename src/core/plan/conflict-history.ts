/**
 * Learning from merge conflicts: tasks predicted to touch files that conflicted in earlier runs are not run in
 * parallel. Each such pair gets an edge (the later task in plan order depends on the earlier) and a warning with
 * the reason. Pure.
 */
import { matchesGlob } from '../glob.js';
import type { PlanWarning, Task } from './plan.js';
import type { ConflictRecord } from '../run/reservations.js';

/** Hot file → the runs it conflicted in, in order. */
export function hotFiles(history: readonly ConflictRecord[]): Map<string, string[]> {
  const hot = new Map<string, string[]>();
  for (const record of history) {
    for (const file of record.files) {
      const runs = hot.get(file) ?? [];
      if (!runs.includes(record.run)) runs.push(record.run);
      hot.set(file, runs);
    }
  }
  return hot;
}

function touches(task: Task, file: string): boolean {
  return task.files.some((pattern) => matchesGlob(file, pattern));
}

/**
 * Serializes tasks that share a file with a conflict history. Returns the tasks with the added edges, and a
 * warning per edge naming the file and the runs it conflicted in.
 */
export function serializeHotTasks(tasks: readonly Task[], history: readonly ConflictRecord[]): { tasks: Task[]; warnings: PlanWarning[] } {
  const hot = hotFiles(history);
  const result = tasks.map((t) => ({ ...t, dependsOn: [...t.dependsOn] }));
  const warnings: PlanWarning[] = [];
  if (hot.size === 0) return { tasks: result, warnings };
  const byId = new Map(result.map((t) => [t.id, t]));
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === to) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(byId.get(id)?.dependsOn ?? []));
    }
    return false;
  };
  for (const [file, runs] of hot) {
    const touching = result.filter((t) => touches(t, file));
    for (let i = 1; i < touching.length; i++) {
      const earlier = touching[i - 1]!;
      const later = touching[i]!;
      if (reaches(later.id, earlier.id) || reaches(earlier.id, later.id)) continue;
      later.dependsOn.push(earlier.id);
      warnings.push({
        code: 'CONFLICT_HISTORY',
        message: `${later.id} now runs after ${earlier.id}: ${file} conflicted in run${runs.length === 1 ? '' : 's'} ${runs.join(', ')}`,
        tasks: [earlier.id, later.id],
      });
    }
  }
  return { tasks: result, warnings };
}
