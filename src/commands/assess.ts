/** `xplan assess`: read specs, assess their scope, and save the assessment for `plan` to reuse. */
import { relative } from 'node:path';
import type { Assessment } from '../core/intake/assess.js';
import { configuredEngine, type EngineName } from '../core/config.js';
import { parseSpecs } from '../core/intake/spec.js';
import { secretsInSpecs, secretsWarning } from '../core/secrets.js';
import { chooseEngine, createEngine } from '../engines/engine.js';
import { readSpecFiles } from '../adapters/store/spec-file.js';
import { refuseTaskmasterAsSpec } from '../adapters/store/foreign-plan.js';
import type { Workspace } from '../workspace.js';
import type { AssessResult } from '../core/results.js';
export type { AssessResult };

export interface AssessOptions {
  specs: string[];
  save: boolean;
  /** Overrides the config's `engine`. */
  engine?: EngineName;
  /** Told what a slow engine is waiting for. */
  progress?: (message: string) => void;
}

export async function assess(options: AssessOptions, ws: Workspace): Promise<AssessResult> {
  const { project, store } = ws;
  // Everything that can be refused is checked before anything is written.
  const config = await ws.config();
  const files = await readSpecFiles(options.specs, ws.cwd);
  refuseTaskmasterAsSpec(files);

  const choice = await chooseEngine(options.engine ?? configuredEngine(config), { config, cwd: ws.cwd, env: ws.env });
  const engine = await createEngine(choice, { config, cwd: ws.cwd, env: ws.env, progress: options.progress });
  const found = secretsInSpecs(files);
  const parsed = parseSpecs(files);
  const assessed = await engine.assess({ specs: files.map((f, i) => ({ parsed: parsed[i]!, text: f.text })) });
  const assessment =
    found.length === 0
      ? assessed
      : { ...assessed, warnings: [...assessed.warnings, { code: 'SECRETS_IN_SPEC', message: secretsWarning(found), evidence: found.map((f) => ({ file: f.file, line: f.line, text: f.kind })) }] };

  if (!options.save) return { assessment, notSavedReason: '--no-save' };
  if (!project.inGitRepo) return { assessment, notSavedReason: 'not inside a git repository' };

  const state = await store.update((s) => ({
    ...s,
    specs: files.map((f) => ({ path: relative(project.root, f.absolutePath), sha256: f.sha256, bytes: f.bytes })),
    assessment,
  }));
  return { assessment, saved: { path: relative(ws.cwd, store.path) || store.path, revision: state.revision } };
}
