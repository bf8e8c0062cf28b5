/**
 * The prompt an agent gets for its task, filled into templates/agent-prompt.md. Pure: the template and the spec
 * texts come in as strings. The spec is included whole, never trimmed: the agent must see all of it.
 */
import type { Commit } from './run.js';
import type { Task } from '../plan/plan.js';

export interface DependencyStatus {
  task: Pick<Task, 'id' | 'title'>;
  state: string;
  branch?: string;
  commits?: Commit[];
}

export interface AgentPromptInput {
  task: Task;
  specTitle: string;
  specs: Array<{ path: string; text: string }>;
  dependencies: DependencyStatus[];
  branch: string;
  worktree: string;
  verify: string | null;
  /** Extra instructions for this attempt (a retry's context). */
  context?: string;
  /** The files reserved for this task and for the other running tasks (core/run/reservations.ts `reservationBrief`). */
  reservations?: { own: string[]; heldByOthers: Array<{ taskId: string; patterns: string[] }> };
}

const TEST_INSTRUCTIONS: Record<Task['testStrategy'], string> = {
  'test-first': 'Write the tests for the acceptance criteria first and commit them; see them fail; then implement until they pass.',
  'test-after': 'Implement, then add tests that cover every acceptance criterion, and make them pass.',
  'test-parallel': 'Another task writes the main tests for this work in parallel. Keep to the interfaces the spec names, and add unit tests for your own code.',
  none: 'No tests are planned for this task; check your work by running it.',
};

export function renderAgentPrompt(template: string, input: AgentPromptInput): string {
  const { task } = input;
  const values: Record<string, string> = {
    taskId: task.id,
    title: task.title,
    specTitle: input.specTitle,
    description: task.description || task.title,
    acceptanceCriteria: bullets(task.acceptanceCriteria, 'None listed: the task is done when its description is.'),
    testStrategy: task.testStrategy,
    testInstructions: TEST_INSTRUCTIONS[task.testStrategy] + (task.strategyReason ? ` (${task.strategyReason})` : ''),
    effort: task.effort,
    risk: task.risk,
    riskReason: task.riskReason ? ` (${task.riskReason})` : '',
    stream: task.stream,
    files: task.files.length > 0 ? task.files.map((f) => `\`${f}\``).join(', ') : 'not named by the spec',
    dependencies: dependencyLines(input.dependencies),
    worktree: input.worktree,
    branch: input.branch,
    verify: input.verify
      ? `After your last commit xplan runs \`${input.verify}\` in this directory; the task counts as done only if it passes. Run it yourself before you finish.`
      : "No verify command is configured: check your work with the project's own tests before you finish.",
    reservations: input.reservations ? reservationSection(input.reservations) : '',
    specs: input.specs.map((s) => (input.specs.length > 1 ? `### ${s.path}\n\n${s.text}` : s.text)).join('\n\n'),
  };
  // One pass over the template, so a spec containing `{{…}}` is never expanded.
  const prompt = template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
  return input.context ? `${prompt.trimEnd()}\n\n## Notes for this attempt\n\n${input.context.trim()}\n` : prompt;
}

function reservationSection(reservations: NonNullable<AgentPromptInput['reservations']>): string {
  const own = reservations.own.length > 0 ? reservations.own.map((p) => `\`${p}\``).join(', ') : 'none predicted';
  const lines = ['', '', '## Files', '', `- Reserved for you: ${own}. Other files nobody holds are yours to change too.`];
  if (reservations.heldByOthers.length > 0) {
    lines.push('- Reserved by other running tasks (do not change them; a commit that stages one is refused):');
    for (const other of reservations.heldByOthers) lines.push(`  - ${other.taskId}: ${other.patterns.map((p) => `\`${p}\``).join(', ')}`);
    lines.push('  If your task needs one of them changed, leave it, and say what change it needs in your final paragraph.');
  }
  return lines.join('\n');
}

function bullets(items: string[], empty: string): string {
  return items.length > 0 ? items.map((item) => `- ${item}`).join('\n') : empty;
}

function dependencyLines(deps: DependencyStatus[]): string {
  if (deps.length === 0) return "- None: this task starts from the run's base commit.";
  return deps
    .map((d) => {
      const commits = d.commits?.length ? `; commits ${d.commits.map((c) => c.sha.slice(0, 7)).join(', ')}` : '';
      return `- ${d.task.id} ${d.task.title}: ${d.state}${d.branch ? ` on \`${d.branch}\`` : ''}${commits}`;
    })
    .join('\n');
}

/** What an agent whose attempt follows an earlier one is told, as the prompt's notes for this attempt. */
export function attemptContext(input: {
  /** The conflict that ended the task's last attempt, with the commits of the tasks it clashed with. */
  conflict?: { files: string[]; with: string[]; commits: Commit[] };
  /** The attempt this one continues on the same branch, and how it ended. */
  previous?: { agent: number; ended: string };
  /** Context given with `xplan retry --context`. */
  extra?: string;
}): string | undefined {
  const notes = [input.conflict ? conflictNote(input.conflict) : '', input.previous ? earlierAttemptNote(input.previous) : '', input.extra ?? ''].filter(Boolean);
  return notes.length > 0 ? notes.join('\n\n') : undefined;
}

function earlierAttemptNote(previous: { agent: number; ended: string }): string {
  return `An earlier attempt at this task (agent-${previous.agent}) ended: ${previous.ended}. Its commits are on your branch; continue from there.`;
}

/** What a task that conflicted is told when it runs again from the integration head. */
function conflictNote(conflict: { files: string[]; with: string[]; commits: Commit[] }): string {
  const commits = conflict.commits.map((c) => `${c.sha.slice(0, 8)} ${c.subject}`);
  return [
    `Your task's last attempt could not be merged into the integration branch: it conflicted in ${conflict.files.join(', ')}${conflict.with.length > 0 ? ` with the merged work of ${conflict.with.join(', ')}` : ''}.`,
    'This attempt starts from the integration head, which holds that work. Build on it; do not undo it.',
    ...(commits.length > 0 ? ['Their commits:', ...commits.map((c) => `- ${c}`)] : []),
  ].join('\n');
}

/** The prompt an interrupted agent continues its own session with. */
export function resumePrompt(taskId: string): string {
  return `Your work on task ${taskId} was interrupted. Continue where you stopped: check \`git status\` and \`git log\`, finish the task as described earlier, and commit with the [${taskId}] prefix.\n`;
}
