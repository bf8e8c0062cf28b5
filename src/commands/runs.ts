/** `xplan runs`: every run this repository knows of, newest first, and where its details are kept. */
import { notARepositoryError } from '../core/errors.js';
import type { RunList } from '../core/run/run-history.js';
import { listKnownRuns } from '../adapters/store/run-history.js';
import type { Workspace } from '../workspace.js';

export interface RunsResult extends RunList {
  /** Saved run summaries that could not be read, by path. */
  unreadable: string[];
}

export async function runs(ws: Workspace): Promise<RunsResult> {
  const { project } = ws;
  if (!project.inGitRepo) throw notARepositoryError('xplan runs', 'the repository of the runs');
  return listKnownRuns(project.xplanDir);
}
