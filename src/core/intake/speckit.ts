/**
 * spec-kit's `tasks.md` (written by `/speckit.tasks`) as xplan tasks. Pure: the caller reads the file.
 *
 * The shape read: `## Phase N: Name` headings; task lines `- [ ] T012 [P] [US1] Description in src/x.py` (`[X]`
 * when done); optional `### …` subsections; `**Goal**:`, `**Independent Test**:` and `**Checkpoint**:` lines under a
 * phase; "(depends on T012, T013)" in a description.
 *
 * Mapping:
 * - id `T012` → `T12`; the original id stays as the task's source (`spec-kit T012`, with its line).
 * - Dependencies, as spec-kit's "Dependencies & Execution Order" describes them:
 *   - phases: Setup first; every phase that is not a user story waits for all phases before it; a user story
 *     phase waits for the phases before it that are not user stories (stories are independent of each other).
 *     Waiting for a phase means depending on its last tasks (those no task of the phase waits for); only the
 *     nearest such phases are named, as the earlier ones are waited for through them.
 *   - within a phase, tasks run in file order, except that `[P]` tasks run beside each other: a `[P]` task waits
 *     for the last task before it that is not `[P]`, and a task after a run of `[P]` tasks waits for all of them.
 *   - "depends on T012, T013" in a description adds those.
 * - acceptance criteria: the story's Independent Test and the phase's Checkpoint; the task line itself is the
 *   description.
 * - risk from the story priority: P1 → medium, others low. Effort M. Stream: one per user story, `A` for the rest.
 * - kind: setup (Setup phase), foundation (Foundational), test (tests subsection or a test task), docs
 *   (documentation task), else feature. Files: the paths the line names.
 */
import type { Risk, Task, TaskKind } from '../plan/plan.js';

export interface SpeckitConversion {
  title: string;
  tasks: Task[];
  /** Lines that look like tasks but could not be read, as `file:line: message`. */
  errors: string[];
  warnings: string[];
}

interface Phase {
  name: string;
  story?: string;
  priority?: string;
  acceptance: string[];
  tasks: ParsedTask[];
}

interface ParsedTask {
  id: string;
  original: string;
  line: number;
  parallel: boolean;
  story?: string;
  done: boolean;
  text: string;
  inTests: boolean;
  explicit: string[];
}

const PHASE = /^##\s+Phase\s+[\w.]+\s*[:：-]\s*(.+?)\s*$/i;
const TASK_LINE = /^\s*[-*]\s+\[( |x|X)\]\s+(T\d+)\b\s*(.*)$/;
const LOOSE_TASK = /^\s*[-*]\s+\[[ xX]\]\s+T[\dX]+/;
const STORY = /User Story\s+(\d+)/i;
const PRIORITY = /\(Priority:\s*(P\d)\)/i;
const DEPENDS = /\(?\s*depends on\s+((?:T\d+\s*(?:,|and)?\s*)+)\)?/i;
const PATH = /(?:^|\s)((?:[\w.-]+\/)+[\w.-]+\.\w+|[\w-]+\.(?:py|ts|tsx|js|jsx|go|rs|java|kt|rb|md|json|yaml|yml|toml|sql|sh))\b/g;

export function convertSpeckit(text: string, file: string): SpeckitConversion {
  const lines = text.split(/\r?\n/);
  const errors: string[] = [];
  const warnings: string[] = [];
  const phases: Phase[] = [];
  let title = '';
  let phase: Phase | undefined;
  let inTests = false;
  let stop = false;
  for (let k = 0; k < lines.length && !stop; k++) {
    const line = lines[k]!;
    const at = k + 1;
    if (!title && /^#\s+/.test(line)) title = line.replace(/^#\s+(Tasks:\s*)?/i, '').trim();
    const heading = PHASE.exec(line);
    if (heading) {
      const name = heading[1]!.replace(/[^\p{L}\p{N})]+$/u, '').trim();
      const story = STORY.exec(name)?.[1];
      phase = { name, acceptance: [], tasks: [], ...(story ? { story: `US${story}` } : {}), ...(PRIORITY.exec(name) ? { priority: PRIORITY.exec(name)![1]!.toUpperCase() } : {}) };
      phases.push(phase);
      inTests = false;
      continue;
    }
    // The explanatory sections after the phases name sample tasks that are not work to do.
    if (/^##\s+(Dependencies|Parallel Example|Implementation Strategy|Notes)\b/i.test(line)) {
      phase = undefined;
      continue;
    }
    if (/^###\s+/.test(line)) {
      inTests = /^###\s+Tests?\b/i.test(line);
      continue;
    }
    if (!phase) continue;
    const criterion = /^\*\*(Independent Test|Checkpoint)\*\*\s*:\s*(.+)$/i.exec(line.trim());
    if (criterion) {
      phase.acceptance.push(criterion[2]!.trim());
      continue;
    }
    const task = TASK_LINE.exec(line);
    if (!task) {
      if (LOOSE_TASK.test(line)) errors.push(`${file}:${at}: ${line.trim()} has no task number (write T001, T002, …)`);
      continue;
    }
    let rest = task[3]!;
    let parallel = false;
    let story: string | undefined;
    for (;;) {
      const marker = /^\[(P|US\d+)\]\s*/i.exec(rest);
      if (!marker) break;
      if (marker[1]!.toUpperCase() === 'P') parallel = true;
      else story = marker[1]!.toUpperCase();
      rest = rest.slice(marker[0].length);
    }
    const depends = DEPENDS.exec(rest);
    const explicit = depends ? [...depends[1]!.matchAll(/T(\d+)/g)].map((m) => `T${Number(m[1])}`) : [];
    const description = (depends ? rest.replace(depends[0], '') : rest).trim();
    if (description === '') {
      errors.push(`${file}:${at}: ${task[2]} has no description`);
      continue;
    }
    phase.tasks.push({ id: `T${Number(task[2]!.slice(1))}`, original: task[2]!, line: at, parallel, ...(story ? { story } : {}), done: task[1] !== ' ', text: description, inTests, explicit });
  }

  const seen = new Map<string, ParsedTask>();
  for (const p of phases) {
    for (const t of p.tasks) {
      const before = seen.get(t.id);
      if (before) errors.push(`${file}:${t.line}: ${t.original} repeats ${before.original} (line ${before.line}); task numbers must be unique`);
      else seen.set(t.id, t);
    }
  }
  if (phases.every((p) => p.tasks.length === 0) && errors.length === 0) {
    errors.push(`${file}: no tasks found (expected "## Phase 1: …" headings with "- [ ] T001 …" lines)`);
  }

  const streamOf = new Map<string, string>();
  const tasks: Task[] = [];
  const exitsOf: string[][] = [];
  for (let i = 0; i < phases.length; i++) {
    const p = phases[i]!;
    // The phases this one waits for, by the rules above, without the ones those already wait for: a story waits
    // for the last phase that is not a story; any other phase for the stories since then, else for that phase.
    let gate = -1;
    for (let j = 0; j < i; j++) if (!phases[j]!.story) gate = j;
    const storiesSince = p.story ? [] : phases.slice(gate + 1, i).map((_, k) => gate + 1 + k);
    const entry = (storiesSince.length > 0 ? storiesSince : gate >= 0 ? [gate] : []).flatMap((j) => exitsOf[j]!);
    const depsOf = withinPhase(p.tasks, entry);
    const stream = p.story ? (streamOf.get(p.story) ?? streamOf.set(p.story, String.fromCharCode(66 + streamOf.size)).get(p.story)!) : 'A';
    for (const t of p.tasks) {
      const dependsOn = [...depsOf.get(t)!];
      for (const d of t.explicit) if (!dependsOn.includes(d) && d !== t.id) dependsOn.push(d);
      const risk: Risk = p.priority === 'P1' ? 'medium' : 'low';
      tasks.push({
        id: t.id,
        title: titleOf(t.text),
        description: [t.text, (t.story ?? p.story) ? `User story ${(t.story ?? p.story)!.slice(2)} · phase ${p.name}` : `Phase ${p.name}`, t.done ? 'spec-kit status: done' : '']
          .filter(Boolean)
          .join('\n\n'),
        dependsOn,
        acceptanceCriteria: [...p.acceptance],
        effort: 'M',
        risk,
        riskReason: p.priority ? `spec-kit story priority ${p.priority}` : 'spec-kit gives no priority for this phase',
        testStrategy: 'test-after',
        strategyReason: t.inTests ? 'a spec-kit test task' : 'spec-kit lists tests as tasks of their own, where it asks for them',
        stream,
        wave: 0,
        kind: kindOf(p, t),
        sources: [{ file, line: t.line, ref: `spec-kit ${t.original}` }],
        files: [...new Set([...t.text.matchAll(PATH)].map((m) => m[1]!))],
      });
    }
    exitsOf.push(exits(p.tasks, depsOf));
  }
  if (tasks.length > 0 && !tasks.some((t) => t.acceptanceCriteria.length > 0)) warnings.push('no phase has an Independent Test or Checkpoint line, so the tasks have no acceptance criteria');
  return { title: title || 'spec-kit tasks', tasks, errors, warnings };
}

/** Each task's dependencies inside its phase (and on the phase's entry): file order, `[P]` runs side by side. */
function withinPhase(tasks: ParsedTask[], entry: string[]): Map<ParsedTask, string[]> {
  const deps = new Map<ParsedTask, string[]>();
  let anchor: string[] = entry; // what the next task waits for
  let parallelRun: string[] = [];
  for (const t of tasks) {
    if (t.parallel) {
      deps.set(t, [...anchor]);
      parallelRun.push(t.id);
      continue;
    }
    const waits = parallelRun.length > 0 ? [...parallelRun] : [...anchor];
    deps.set(t, waits);
    anchor = [t.id];
    parallelRun = [];
  }
  return deps;
}

/** The tasks of a phase no other task of the phase waits for (the phase is done when they are). */
function exits(tasks: ParsedTask[], deps: Map<ParsedTask, string[]>): string[] {
  const waitedFor = new Set(tasks.flatMap((t) => deps.get(t)!));
  return tasks.filter((t) => !waitedFor.has(t.id)).map((t) => t.id);
}

function kindOf(phase: Phase, t: ParsedTask): TaskKind {
  if (t.inTests || /^(contract|integration|unit|e2e|end-to-end)?\s*tests?\b/i.test(t.text)) return 'test';
  if (/\b(docs?|documentation|readme)\b/i.test(t.text)) return 'docs';
  if (/\bsetup\b/i.test(phase.name)) return 'setup';
  if (/\bfoundation/i.test(phase.name)) return 'foundation';
  return 'feature';
}

function titleOf(text: string): string {
  const first = text.split(/(?<=[a-z0-9)])\.\s/i)[0]!.trim();
  return first.length > 90 ? `${first.slice(0, 89).replace(/\s+\S*$/, '')}…` : first;
}
