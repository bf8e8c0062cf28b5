/**
 * `xplan plan --edit`: an interactive menu over the saved plan. Each change is applied to a working copy,
 * re-checked and summarised at once; nothing is written until "Save and exit".
 */
import {
  EFFORTS,
  KINDS,
  PlanEditError,
  RISKS,
  STRATEGIES,
  addDependency,
  addTask,
  dependentsOf,
  moveTask,
  removeDependency,
  removeTask,
  setTask,
  type EditResult,
  type TaskFields,
} from '../core/plan/plan-edit.js';
import type { Plan, Task } from '../core/plan/plan.js';
import type { Prompts } from '../adapters/terminal/prompts.js';
import type { Workspace } from '../workspace.js';

export type MenuResult = { saved: true; plan: Plan; changes: string[] } | { saved: false; plan: Plan; changes: string[] };

type Action = 'add' | 'delete' | 'edit' | 'deps' | 'move' | 'save' | 'discard';

export async function editMenu(ws: Workspace, prompts: Prompts, describe: (plan: Plan) => string): Promise<MenuResult> {
  const session = await ws.startPlanEdit();
  let plan = session.plan;
  const changes: string[] = [];
  const apply = (result: EditResult) => {
    plan = session.derive(result.tasks);
    changes.push(result.message);
    prompts.show(`✔ ${result.message}.`);
  };
  const pickTask = (message: string, tasks: Task[] = plan.tasks) =>
    prompts.select(
      message,
      tasks.map((t) => ({ name: `${t.id}  ${t.title}`, value: t.id })),
    );

  for (;;) {
    prompts.show(describe(plan));
    const action = await prompts.select<Action>('What do you want to change?', [
      { name: 'Add a task', value: 'add' },
      { name: 'Delete a task', value: 'delete' },
      { name: 'Edit a task', value: 'edit' },
      { name: 'Dependencies of a task', value: 'deps' },
      { name: 'Move a task', value: 'move' },
      { name: changes.length > 0 ? `Save and exit (${changes.length} change${changes.length === 1 ? '' : 's'})` : 'Exit (no changes)', value: 'save' },
      { name: 'Discard changes and exit', value: 'discard' },
    ]);
    try {
      switch (action) {
        case 'add': {
          const title = await prompts.input('Title of the new task');
          const dependsOn = await prompts.checkbox(
            'It depends on',
            plan.tasks.map((t) => ({ name: `${t.id}  ${t.title}`, value: t.id })),
          );
          const effort = await prompts.select(
            'Effort',
            EFFORTS.map((e) => ({ name: e, value: e })),
            'M',
          );
          apply(addTask(plan.tasks, { title, dependsOn, effort }));
          break;
        }
        case 'delete': {
          const id = await pickTask('Delete which task?');
          const dependents = dependentsOf(plan.tasks, id);
          if (dependents.length > 0 && !(await prompts.confirm(`${dependents.join(', ')} depend on ${id}; they will depend on its own dependencies instead. Delete ${id}?`))) break;
          apply(removeTask(plan.tasks, id, true));
          break;
        }
        case 'edit': {
          const id = await pickTask('Edit which task?');
          apply(
            setTask(
              plan.tasks,
              id,
              await askField(
                prompts,
                plan.tasks.find((t) => t.id === id)!,
              ),
            ),
          );
          break;
        }
        case 'deps': {
          const id = await pickTask('Dependencies of which task?');
          const task = plan.tasks.find((t) => t.id === id)!;
          const chosen = await prompts.checkbox(
            `${id} depends on`,
            plan.tasks.filter((t) => t.id !== id).map((t) => ({ name: `${t.id}  ${t.title}`, value: t.id, checked: task.dependsOn.includes(t.id) })),
          );
          for (const on of task.dependsOn.filter((d) => !chosen.includes(d))) apply(removeDependency(plan.tasks, id, on));
          for (const on of chosen.filter((d) => !task.dependsOn.includes(d))) apply(addDependency(plan.tasks, id, on));
          break;
        }
        case 'move': {
          const id = await pickTask('Move which task?');
          const before = await pickTask(
            `Put ${id} before`,
            plan.tasks.filter((t) => t.id !== id),
          );
          apply(moveTask(plan.tasks, id, { before }));
          break;
        }
        case 'save':
          if (changes.length > 0) await session.save(plan);
          return { saved: changes.length > 0, plan, changes };
        case 'discard':
          if (changes.length === 0 || (await prompts.confirm(`Discard ${changes.length} change${changes.length === 1 ? '' : 's'}?`))) return { saved: false, plan: session.plan, changes: [] };
          break;
      }
    } catch (error) {
      // A refused change (a cycle, an empty title) is explained and the menu goes on.
      if (!(error instanceof PlanEditError)) throw error;
      prompts.show(`✖ ${error.message}${error.hint ? `\n  → ${error.hint}` : ''}`);
    }
  }
}

async function askField(prompts: Prompts, task: Task): Promise<TaskFields> {
  const field = await prompts.select<keyof TaskFields>('Which field?', [
    { name: `title: ${task.title}`, value: 'title' },
    { name: `description`, value: 'description' },
    { name: `acceptance criteria (${task.acceptanceCriteria.length})`, value: 'acceptanceCriteria' },
    { name: `effort: ${task.effort}`, value: 'effort' },
    { name: `risk: ${task.risk}`, value: 'risk' },
    { name: `test strategy: ${task.testStrategy}`, value: 'testStrategy' },
    { name: `stream: ${task.stream}`, value: 'stream' },
    { name: `kind: ${task.kind}`, value: 'kind' },
  ]);
  const pick = <T extends string>(values: readonly T[], current: T) =>
    prompts.select(
      field,
      values.map((v) => ({ name: v, value: v })),
      current,
    );
  switch (field) {
    case 'effort':
      return { effort: await pick(EFFORTS, task.effort) };
    case 'risk':
      return { risk: await pick(RISKS, task.risk), riskReason: await prompts.input('Why?', task.riskReason) };
    case 'testStrategy':
      return { testStrategy: await pick(STRATEGIES, task.testStrategy), strategyReason: await prompts.input('Why?', task.strategyReason) };
    case 'kind':
      return { kind: await pick(KINDS, task.kind) };
    case 'acceptanceCriteria': {
      const text = await prompts.input('Acceptance criteria, separated by " ; "', task.acceptanceCriteria.join(' ; '));
      return { acceptanceCriteria: text.split(/\s*;\s*/).filter(Boolean) };
    }
    default:
      return { [field]: await prompts.input(field, String(task[field as 'title' | 'description' | 'stream'] ?? '')) };
  }
}
