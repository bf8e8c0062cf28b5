/**
 * The words `xplan __complete <kind>` offers a shell: the task ids of the saved plan and the ids of the runs kept in
 * .xplan/runs. Read straight from the files, unchecked, so completing stays fast; anything unreadable offers nothing.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findProject } from './project.js';

export type CompletionKind = 'task' | 'run';

export async function completionWords(kind: string | undefined, cwd: string): Promise<string[]> {
  const { xplanDir } = findProject(cwd);
  try {
    if (kind === 'task') {
      const state = JSON.parse(await readFile(join(xplanDir, 'state.json'), 'utf8')) as { plan?: { tasks?: Array<{ id?: unknown }> } };
      return (state.plan?.tasks ?? []).map((t) => t.id).filter((id): id is string => typeof id === 'string' && /^[\w.-]+$/.test(id));
    }
    if (kind === 'run') {
      const entries = await readdir(join(xplanDir, 'runs'), { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory() && /^[\w.-]+$/.test(e.name))
        .map((e) => e.name)
        .sort()
        .reverse();
    }
  } catch {
    // No plan or no runs yet: nothing to offer.
  }
  return [];
}
