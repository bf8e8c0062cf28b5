/** Recognises a plan written by another tool among the files given as specs, and says how to bring it in. */
import { InputError } from '../../core/errors.js';
import { isTaskmasterDocument } from '../../core/plan/taskmaster.js';
import type { SpecFile } from './spec-file.js';

/** A task-master tasks.json read as a spec would be planned as JSON text: refused, pointing to `--from`. */
export function refuseTaskmasterAsSpec(files: SpecFile[]): void {
  for (const file of files) {
    if (!/\.json$/i.test(file.path)) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(file.text);
    } catch {
      continue; // not JSON after all: planned as text
    }
    if (isTaskmasterDocument(doc)) {
      throw new InputError('TASKMASTER_FILE', `${file.path} is a task-master tasks file, not a spec`, `Make the plan from its tasks: xplan plan --from taskmaster ${file.path}`);
    }
  }
}
