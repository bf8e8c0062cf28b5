/** Finds where xplan keeps its files: the git work tree containing cwd, without spawning git. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const XPLAN_DIR = '.xplan';

export interface Project {
  /** Git work-tree root, or cwd when not inside a repository. */
  root: string;
  inGitRepo: boolean;
  xplanDir: string;
}

export function findProject(cwd: string): Project {
  let dir = resolve(cwd);
  for (;;) {
    // `.git` is a directory in a normal clone and a file in a worktree or submodule.
    if (existsSync(join(dir, '.git'))) return { root: dir, inGitRepo: true, xplanDir: join(dir, XPLAN_DIR) };
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const root = resolve(cwd);
  return { root, inGitRepo: false, xplanDir: join(root, XPLAN_DIR) };
}
