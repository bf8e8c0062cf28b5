/** Plans built by hand for tests of the run: tasks by id with their dependencies, in plan order. */
import type { Branching, Plan, Task } from '../../src/core/plan/plan.js';

export function task(id: string, dependsOn: string[] = []): Task {
  return {
    id,
    title: `Task ${id}`,
    description: `Do ${id}.`,
    dependsOn,
    acceptanceCriteria: [`${id} is done`],
    effort: 'S',
    risk: 'low',
    riskReason: '',
    testStrategy: 'test-after',
    strategyReason: '',
    stream: 'A',
    wave: 1,
    kind: 'feature',
    sources: [],
    files: [],
  };
}

/** A minimal plan from `id: deps` pairs, in the order given (the plan order). */
export function plan(spec: Record<string, string[]>, branching: Branching = 'feature'): Plan {
  const tasks = Object.entries(spec).map(([id, deps]) => task(id, deps));
  return {
    schemaVersion: 1,
    planId: 'plan-test',
    status: 'approved',
    branching,
    spec: { paths: ['spec.md'], title: 'Test spec' },
    summary: {
      tasks: tasks.length,
      streams: 1,
      waves: 1,
      criticalPath: [],
      criticalPathHours: 0,
      totalHours: 0,
      concurrency: 1,
      parallelEfficiency: 1,
      coverage: { requirements: { covered: 0, total: 0 }, acceptance: { covered: 0, total: 0 }, uncovered: [] },
      recommendedTasks: { min: 1, max: 3 },
    },
    tasks,
    streams: [{ id: 'A', name: 'All', tasks: tasks.map((t) => t.id) }],
    mergeOrder: tasks.map((t) => t.id),
    branchPreview: [],
    warnings: [],
  };
}
