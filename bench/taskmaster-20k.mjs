/**
 * A large task-master tasks.json for timing `xplan check`: 20,000 tasks in the tagged layout task-master writes
 * (`{ "master": { "tasks": [...], "metadata": {...} } }`), about 30,000 dependencies in a layered DAG, every field
 * task-master fills (title, description, details, testStrategy, status, priority), and a few subtasks on every
 * tenth task, as `task-master parse-prd` and `expand` leave them.
 */
import { writeFileSync } from 'node:fs';

const PRIORITIES = ['high', 'medium', 'low'];
const STATUSES = ['pending', 'pending', 'in-progress', 'done'];

/** Writes the file to `path`; returns how many tasks and dependencies it holds. */
export function generateTaskmasterFile(path, taskCount = 20_000, layerWidth = 200) {
  const tasks = [];
  let edges = 0;
  for (let i = 0; i < taskCount; i++) {
    const id = i + 1;
    const layer = Math.floor(i / layerWidth);
    const dependencies = [];
    if (layer > 0) {
      const previous = (layer - 1) * layerWidth;
      dependencies.push(previous + ((i * 7) % layerWidth) + 1);
      const second = previous + ((i * 13 + 5) % layerWidth) + 1;
      if (i % 2 === 0 && second !== dependencies[0]) dependencies.push(second);
    }
    edges += dependencies.length;
    const subtasks = i % 10 === 0
      ? [1, 2, 3].map((s) => ({ id: s, title: `Step ${s} of task ${id}`, description: `Part ${s} of the work.`, details: '', status: 'pending', dependencies: s === 1 ? [] : [s - 1] }))
      : [];
    tasks.push({
      id,
      title: `Task ${id}`,
      description: `Generated task ${id} in layer ${layer}.`,
      details: `Implement part ${id} of the system. It builds on the tasks it depends on and is tested on its own.`,
      testStrategy: `Unit tests for part ${id}`,
      status: STATUSES[i % 4],
      dependencies,
      priority: PRIORITIES[i % 3],
      subtasks,
    });
  }
  const doc = { master: { tasks, metadata: { created: '2026-01-01T00:00:00.000Z', updated: '2026-01-01T00:00:00.000Z', description: 'Tasks for master context' } } };
  writeFileSync(path, JSON.stringify(doc, null, 2));
  return { tasks: taskCount, edges };
}
