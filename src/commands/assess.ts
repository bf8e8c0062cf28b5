/** `xplan assess`: read specs, assess their scope, and save the assessment for `plan` to reuse. */
import { relative } from 'node:path';
import type { Assessment } from '../core/assess.js';
import type { EngineName } from '../core/config.js';
import { parseSpec } from '../core/spec.js';
import { createEngine } from '../engines/engine.js';
import { readConfig } from '../adapters/config-file.js';
import { findProject } from '../adapters/project.js';
import { readSpecFiles } from '../adapters/spec-file.js';
import { StateStore } from '../adapters/state-store.js';

export interface AssessOptions {
  cwd: string;
  specs: string[];
  save: boolean;
  /** Overrides the config's `engine`. */
  engine?: EngineName;
  env?: NodeJS.ProcessEnv;
  /** Told what a slow engine is waiting for. */
  progress?: (message: string) => void;
}

export interface AssessResult {
  assessment: Assessment;
  saved?: { path: string; revision: number };
  notSavedReason?: string;
}

export async function assess(options: AssessOptions): Promise<AssessResult> {
  const project = findProject(options.cwd);
  // Everything that can be refused is checked before anything is written.
  const config = await readConfig(project.xplanDir, options.cwd);
  const files = await readSpecFiles(options.specs, options.cwd);

  const engine = await createEngine(options.engine ?? config.engine, { config, cwd: options.cwd, env: options.env ?? process.env, progress: options.progress });
  const assessment = await engine.assess({ specs: files.map((f) => ({ parsed: parseSpec(f.text, f.path), text: f.text })) });

  if (!options.save) return { assessment, notSavedReason: '--no-save' };
  if (!project.inGitRepo) return { assessment, notSavedReason: 'not inside a git repository' };

  const store = new StateStore(project.xplanDir);
  const state = await store.update((s) => ({
    ...s,
    specs: files.map((f) => ({ path: relative(project.root, f.absolutePath), sha256: f.sha256, bytes: f.bytes })),
    assessment,
  }));
  return { assessment, saved: { path: relative(options.cwd, store.path) || store.path, revision: state.revision } };
}
