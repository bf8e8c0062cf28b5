/** Writes an xplan plan file with 20,000 tasks and about 30,000 dependencies: a layered DAG, every field valid. */
import { writeFileSync } from 'node:fs';

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
      if (i % 2 === 0) dependsOn.push(`T${previous + ((i * 13 + 5) % layerWidth) + 1}`);
      if (dependsOn[0] === dependsOn[1]) dependsOn.pop();
    }
    edges += dependsOn.length;
    tasks.push({
      id: `T${i + 1}`,
      title: `Task ${i + 1}`,
      description: `Generated task ${i + 1} in layer ${layer}.`,
      dependsOn,
      acceptanceCriteria: [`Task ${i + 1} works`],
      effort: ['XS', 'S', 'M', 'L', 'XL'][i % 5],
      risk: 'low',
      riskReason: 'generated',
      testStrategy: 'test-after',
      strategyReason: 'generated',
      stream: 'A',
      wave: layer + 1,
      kind: 'feature',
      sources: [{ file: 'spec.md', line: i + 1, ref: `FR-${i + 1}` }],
      files: [],
    });
  }
  writeFileSync(path, JSON.stringify({ schemaVersion: 1, tasks }));
  return { tasks: taskCount, edges };
}
