/** `xplan init`: writes `.xplan/config.yaml` with every setting and its default, and `.xplan/.gitignore`. */
import { access, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { XplanError } from '../core/errors.js';
import { writeTextAtomic } from '../adapters/store/atomic-file.js';
import { CONFIG_FILE } from '../adapters/store/config-file.js';
import { ensureXplanDir } from '../adapters/store/xplan-dir.js';
import type { Workspace } from '../workspace.js';
import type { InitResult } from '../core/results.js';
export type { InitResult };

export interface InitOptions {
  force: boolean;
  /** Print the starter config instead of writing it. */
  print: boolean;
}

export async function configTemplate(): Promise<string> {
  return readFile(new URL('../../templates/config.yaml', import.meta.url), 'utf8');
}

export async function init(options: InitOptions, ws: Workspace): Promise<InitResult> {
  const { project } = ws;
  const template = await configTemplate();
  if (options.print) return { printed: template, overwritten: false, inGitRepo: project.inGitRepo };

  const path = join(project.xplanDir, CONFIG_FILE);
  const shown = relative(ws.cwd, path) || path;
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists && !options.force) {
    throw new XplanError('CONFIG_EXISTS', `${shown} already exists`, {
      hint: 'Keep it, or run `xplan init --force` to replace it with the defaults (`xplan init --print` shows them).',
    });
  }
  await ensureXplanDir(project.xplanDir);
  await writeTextAtomic(path, template);
  return { configPath: shown, overwritten: exists, inGitRepo: project.inGitRepo };
}
