/**
 * The RunStore port on the real state file and event log: the engine's writes land with their events, and it hears
 * of a write by another xplan process (pause, skip, …) once, and not of its own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunFiles } from '../../src/adapters/store/run-files.js';
import { RunJournal } from '../../src/adapters/store/run-journal.js';
import { JournalRunStore } from '../../src/adapters/store/run-store.js';
import { StateStore } from '../../src/adapters/store/state-store.js';
import { pauseRun } from '../../src/core/run/run-control.js';
import { interruptTask, newRun, runStarted, unchanged } from '../../src/core/run/run.js';
import { tempDir } from '../support/cli.js';
import { plan as buildPlan } from '../support/plan-builder.js';

function setup() {
  const xplanDir = tempDir();
  const plan = buildPlan({ T1: [], T2: ['T1'] });
  writeFileSync(join(xplanDir, 'state.json'), JSON.stringify({ schemaVersion: 1, revision: 1, updatedAt: '2026-12-01T09:00:00.000Z', specs: [], plan }));
  const files = new RunFiles(xplanDir);
  const open = () => {
    const state = new StateStore(xplanDir);
    return new JournalRunStore(state, new RunJournal(state, files, () => new Date('2026-12-01T10:00:00.000Z')), files);
  };
  const run = newRun({ id: '20261201-100000', now: '2026-12-01T10:00:00.000Z', plan, taskIds: ['T1', 'T2'], base: { commit: 'abc', branch: 'main' }, concurrency: 2, verify: null, planHash: 'h' });
  return { xplanDir, plan, files, run, open };
}

const loggedTypes = (files: RunFiles) =>
  readFileSync(files.eventsFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { type: string }).type);

describe('the run store', () => {
  it('writes each transition with its events, stamped, and in the event log', async () => {
    const { files, run, open } = setup();
    const store = open();
    const begun = await store.begin(runStarted(run, { pid: 7 }));
    expect(begun.events).toEqual([expect.objectContaining({ type: 'run.started', runId: run.id, at: '2026-12-01T10:00:00.000Z', pid: 7, id: `${run.id}:2:0` })]);
    const written = await store.commit((r) => interruptTask(r, 'T1', 'gone'));
    expect(written.run.tasks.T1!.state).toBe('interrupted');
    expect(loggedTypes(files)).toEqual(['run.started', 'task.interrupted']);
  });

  it("hears of another process's write once, and never of its own", async () => {
    const { run, open } = setup();
    const engine = open();
    await engine.begin(runStarted(run, { pid: 7 }));
    await engine.commit(unchanged);
    expect(await engine.changedSince()).toBeUndefined();

    await open().commit((r) => pauseRun(r, { now: false, by: 'xplan pause' }));
    const seen = await engine.changedSince();
    expect(seen?.status).toBe('paused');
    expect(await engine.changedSince()).toBeUndefined();

    await engine.commit(unchanged);
    expect(await engine.changedSince()).toBeUndefined();
  });
});
