/**
 * The spec a run hands its agents is the spec the approved plan was made from: run, resume and retry refuse, naming
 * the file, when it changed since, and change nothing; --force goes ahead with the spec as it is now.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pause } from '../../src/commands/pause.js';
import { retry } from '../../src/commands/retry.js';
import { ensureXplanDir } from '../../src/adapters/store/xplan-dir.js';
import { harness, type Harness } from '../support/run-harness.js';

const ORIGINAL_SPEC = '# Test spec\n\nBuild the parts.\n';

function editSpec(h: Harness): void {
  writeFileSync(join(h.repo, 'spec.md'), `${ORIGINAL_SPEC}\nAlso build a dashboard.\n`);
}

/** Everything under .xplan that a refusal must leave alone: the state and the names of the files beside it. */
function snapshot(h: Harness): { state: string; files: string[] } {
  return { state: readFileSync(join(h.repo, '.xplan/state.json'), 'utf8'), files: readdirSync(join(h.repo, '.xplan'), { recursive: true }).map(String).sort() };
}

async function pausedRun(h: Harness): Promise<void> {
  let paused = false;
  const first = await h.start({
    onEvent: (e) => {
      if (e.type === 'task.dispatched' && !paused) {
        paused = true;
        void pause({ now: false }, h.ws);
      }
    },
  });
  expect(first.status.run.status).toBe('paused');
}

describe('a spec changed since the plan was made', () => {
  it('xplan run is refused, naming the file and both fixes, and writes nothing', async () => {
    const h = harness({ tasks: { T1: [] } });
    await ensureXplanDir(join(h.repo, '.xplan')); // as \`xplan plan\` leaves it
    editSpec(h);
    const before = snapshot(h);
    await expect(h.start()).rejects.toMatchObject({
      code: 'SPEC_CHANGED',
      message: expect.stringContaining('The spec spec.md has changed since the plan was made from it'),
      hint: expect.stringMatching(/xplan plan.*xplan run --force/),
    });
    expect(snapshot(h)).toEqual(before);
    expect(existsSync(join(h.repo, '.xplan/runs'))).toBe(false);
    expect(h.agents.started).toHaveLength(0);
  });

  it('xplan run --force runs the approved plan with the spec as it is now', async () => {
    const h = harness({ tasks: { T1: [] } });
    editSpec(h);
    const { status } = await h.start({ force: true });
    expect(status.run.status).toBe('completed');
    expect(readFileSync(join(h.agents.started[0]!.dir, 'prompt.md'), 'utf8')).toContain('Also build a dashboard.');
  });

  it('xplan run with the spec unchanged starts as before', async () => {
    const h = harness({ tasks: { T1: [] } });
    const { status } = await h.start();
    expect(status.run.status).toBe('completed');
  });

  it('xplan resume is refused while the spec differs, goes ahead with --force, and needs no --force once the spec is back', async () => {
    const h = harness({ tasks: { T1: [], T2: ['T1'] } });
    await pausedRun(h);
    editSpec(h);
    const before = snapshot(h);
    await expect(h.resume()).rejects.toMatchObject({ code: 'SPEC_CHANGED', message: expect.stringContaining('spec.md'), hint: expect.stringContaining('xplan resume --force') });
    expect(snapshot(h)).toEqual(before);
    expect(h.agents.started).toHaveLength(1);

    writeFileSync(join(h.repo, 'spec.md'), ORIGINAL_SPEC);
    const resumed = await h.resume();
    expect(resumed.status.run.status).toBe('completed');

    const forced = harness({ tasks: { T1: [], T2: ['T1'] } });
    await pausedRun(forced);
    editSpec(forced);
    expect((await forced.resume({ force: true })).status.run.status).toBe('completed');
  });

  it('xplan retry is refused while the spec differs, and goes ahead with --force or once the spec is back', async () => {
    const h = harness({ tasks: { T1: [] }, script: () => ({ durationMs: 1000, result: 'error' }) });
    const first = await h.start();
    expect(first.status.tasks[0]!.state).toBe('failed');
    editSpec(h);
    const before = snapshot(h);
    await expect(retry({ taskId: 'T1', fresh: false }, h.ws)).rejects.toMatchObject({
      code: 'SPEC_CHANGED',
      message: expect.stringContaining('spec.md'),
      hint: expect.stringContaining('xplan retry T1 --force'),
    });
    expect(snapshot(h)).toEqual(before);

    const forced = await retry({ taskId: 'T1', fresh: false, force: true }, h.ws);
    expect(forced.message).toContain('T1 will run again as a new attempt');

    const other = harness({ tasks: { T1: [] }, script: () => ({ durationMs: 1000, result: 'error' }) });
    await other.start();
    editSpec(other);
    writeFileSync(join(other.repo, 'spec.md'), ORIGINAL_SPEC);
    expect((await retry({ taskId: 'T1', fresh: false }, other.ws)).message).toContain('T1 will run again as a new attempt');
  });
});
