import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTaskmasterDocument, readTaskmaster } from '../../src/core/taskmaster.js';
import { REPO_ROOT } from '../support/cli.js';

const load = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/taskmaster', name), 'utf8'));

describe('readTaskmaster', () => {
  it('reads the master tag of a tagged file, mapping ids, dependencies, priorities and subtasks', () => {
    const doc = load('tagged-tasks.json');
    expect(isTaskmasterDocument(doc)).toBe(true);
    const read = readTaskmaster(doc);
    if (!read.ok) throw new Error(read.error);
    expect(read.tasks).toHaveLength(10);
    const t2 = read.tasks[1]!;
    expect(t2).toMatchObject({ id: 'T2', title: 'Design the task schema', dependsOn: ['T1'], risk: 'high', riskReason: 'task-master priority high' });
    expect(t2.acceptanceCriteria).toEqual(['Schema unit tests', 'Subtask 2.1 Write the zod schema', 'Subtask 2.2 Validate on load']);
  });

  it('reads a legacy file and keeps references to missing tasks so they can be reported', () => {
    const read = readTaskmaster(load('legacy-cycle.json'));
    if (!read.ok) throw new Error(read.error);
    expect(read.tasks.find((t) => t.id === 'T5')!.dependsOn).toEqual(['T9']);
  });

  it('reads a chosen tag and explains a missing one', () => {
    const doc = load('tagged-tasks.json');
    const ui = readTaskmaster(doc, 'feature-ui');
    expect(ui.ok && ui.tasks.map((t) => t.title)).toEqual(['Board layout']);
    expect(readTaskmaster(doc, 'nope')).toEqual({ ok: false, error: 'no tag "nope" with tasks (tags: master, feature-ui)' });
  });

  it('does not take an xplan plan for a task-master file', () => {
    expect(isTaskmasterDocument({ schemaVersion: 1, tasks: [{ id: 'T1', title: 'x' }] })).toBe(false);
  });
});
