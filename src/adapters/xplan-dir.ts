/** Creates `.xplan/` with its `.gitignore`, so working files never end up committed by accident. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const XPLAN_GITIGNORE = `# xplan working files. config.yaml and history/ (merge conflicts, for later plans) are meant to be committed;
# everything else here is local.
state.json*
*.lock
events.jsonl
runs/
worktrees/
logs/
`;

export async function ensureXplanDir(xplanDir: string): Promise<void> {
  await mkdir(xplanDir, { recursive: true });
  // 'wx' keeps a .gitignore the user has edited.
  await writeFile(join(xplanDir, '.gitignore'), XPLAN_GITIGNORE, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}
