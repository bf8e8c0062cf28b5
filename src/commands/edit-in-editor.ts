/**
 * `xplan plan --edit --editor`: the plan's tasks as YAML in $VISUAL/$EDITOR. An invalid save reopens the editor
 * with the errors on top (as `kubectl edit` does); an unchanged or emptied file changes nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeDag } from '../core/plan/dag.js';
import { CancelledError, InputError, UsageError } from '../core/errors.js';
import type { Plan, Task } from '../core/plan/plan.js';
import { validatePlanDocument } from '../core/plan/plan-schema.js';
import { parseYamlText } from '../adapters/store/yaml-text.js';
import type { EditPlanResult } from '../core/plan/plan-edit.js';
import type { Workspace } from '../workspace.js';

export type EditorResult = ({ changed: true } & EditPlanResult) | { changed: false; plan: Plan };

const HELP = [
  '# Edit the tasks of this plan, then save and close the editor.',
  '# Fields: id, title, description, dependsOn, acceptanceCriteria, effort (XS|S|M|L|XL), risk (low|medium|high),',
  '# riskReason, testStrategy (test-first|test-after|test-parallel|none), strategyReason, stream, kind, sources, files.',
  '# Waves, streams and the summary are recomputed. Clear the file to cancel.',
];
const ERROR_MARK = '# xplan:';

export async function editInEditor(ws: Workspace): Promise<EditorResult> {
  const editor = ws.env.VISUAL || ws.env.EDITOR;
  if (!editor) throw new UsageError('No editor configured', 'Set $VISUAL or $EDITOR (e.g. export EDITOR=vim), or use `xplan task …` to edit from the command line.');
  const { state, plan } = await ws.requireEditablePlan();
  const { stringify } = await import('yaml');
  const original = [...HELP, '', stringify({ tasks: plan.tasks.map(editable) }, { lineWidth: 0 })].join('\n');

  const dir = await mkdtemp(join(tmpdir(), 'xplan-edit-'));
  const file = join(dir, 'plan.yaml');
  try {
    let content = original;
    for (;;) {
      await writeFile(file, content);
      const code = await runEditor(editor, file, ws.env);
      if (code !== 0) throw new CancelledError(`The editor exited with code ${code}; nothing changed.`);
      const saved = await readFile(file, 'utf8');
      const body = withoutComments(saved);
      if (saved === original || body === withoutComments(original)) return { changed: false, plan };
      if (body.trim() === '') throw new CancelledError('The file was cleared; nothing changed.');

      const read = await readTasks(body);
      if ('tasks' in read) {
        const { tasks } = read;
        return { changed: true, ...(await ws.editPlan(() => ({ tasks, message: 'Saved the plan edited in the editor' }), state.revision)) };
      }
      const { errors } = read;
      // Reopen with the errors on top and the user's text below, so nothing they typed is lost.
      content = [
        `${ERROR_MARK} the plan was not saved:`,
        ...errors.map((e) => `${ERROR_MARK}   ${e}`),
        `${ERROR_MARK} fix them and save again, or clear the file to cancel.`,
        '',
        saved
          .split('\n')
          .filter((l) => !l.startsWith(ERROR_MARK))
          .join('\n')
          .replace(/^\n+/, ''),
      ].join('\n');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function editable(task: Task): Omit<Task, 'wave'> {
  const { wave: _wave, ...rest } = task;
  return rest;
}

function withoutComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .trim();
}

/** The edited tasks, or why they cannot be saved: invalid YAML or fields, tags or alias bombs, cycles, dangling references. */
async function readTasks(body: string): Promise<{ tasks: Task[] } | { errors: string[] }> {
  let doc: unknown;
  try {
    doc = await parseYamlText(body, 'plan.yaml', 'PLAN_INVALID_YAML', '');
  } catch (error) {
    if (error instanceof InputError) return { errors: [error.message] };
    throw error;
  }
  const validation = validatePlanDocument(doc);
  if (!validation.ok) return { errors: validation.errors };
  const dagErrors = analyzeDag(validation.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn }))).errors.map((e) => e.message);
  return dagErrors.length > 0 ? { errors: dagErrors } : { tasks: validation.tasks };
}

/** Runs the editor through the shell, so values such as `code --wait` work; the editor gets the terminal. */
function runEditor(editor: string, file: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'xplan-editor', file], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
