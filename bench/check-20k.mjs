/**
 * A large plan for timing `xplan check`: 20,000 tasks and about 30,000 dependencies in a layered DAG (100 layers of
 * 200 tasks; each task after the first layer depends on one or two tasks of the layer before). Every field is
 * present and valid, as in a plan written by `xplan plan --json`, so the check does its full work.
 */
import { writeFileSync } from 'node:fs';

const EFFORTS = ['XS', 'S', 'M', 'L', 'XL'];
const KINDS = ['foundation', 'feature', 'feature', 'integration', 'test'];

/** Writes the plan to `path`; returns how many tasks and dependencies it holds. */
export function generateLargePlanFile(path, taskCount = 20_000, layerWidth = 200) {
  const tasks = [];
  let edges = 0;
  for (let i = 0; i < taskCount; i++) {
    const layer = Math.floor(i / layerWidth);
    const dependsOn = [];
    if (layer > 0) {
      const previous = (layer - 1) * layerWidth;
      // One or two prerequisites in the layer before: 1.5 edges per task on average.
      dependsOn.push(`T${previous + ((i * 7) % layerWidth) + 1}`);
      const second = `T${previous + ((i * 13 + 5) % layerWidth) + 1}`;
      if (i % 2 === 0 && second !== dependsOn[0]) dependsOn.push(second);
    }
    edges += dependsOn.length;
    tasks.push({
      id: `T${i + 1}`,
      title: `Task ${i + 1}`,
      description: `Generated task ${i + 1} in layer ${layer}.`,
      dependsOn,
      acceptanceCriteria: [`Task ${i + 1} works`],
      effort: EFFORTS[i % 5],
      risk: 'low',
      riskReason: 'generated',
      testStrategy: 'test-after',
      strategyReason: 'generated',
      stream: String.fromCharCode(65 + (i % 4)),
      wave: layer + 1,
      kind: KINDS[i % 5],
      sources: [{ file: 'spec.md', line: i + 1, ref: `FR-${i + 1}` }],
      files: [],
    });
  }
  const plan = {
    schemaVersion: 1,
    planId: 'plan-bench-20k',
    status: 'draft',
    branching: 'feature',
    spec: { paths: ['spec.md'], title: 'Generated 20k-task plan' },
    tasks,
  };
  writeFileSync(path, JSON.stringify(plan));
  return { tasks: taskCount, edges };
}
