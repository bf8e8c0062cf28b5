import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_EVENT_TYPES } from '../../src/core/run/run-events.js';
import { noticeFor } from '../../src/run/coordination.js';
import { describeEvent } from '../../src/ui/render-report-html.js';
import { renderRunEvent } from '../../src/ui/render-run.js';
import { plainTheme } from '../../src/ui/theme.js';
import { ALL_SAMPLE_EVENTS, SAMPLE_EVENTS } from '../support/sample-events.js';

const DOC = readFileSync(new URL('../../docs/run-events.md', import.meta.url), 'utf8');

describe('the run event contract', () => {
  it('docs/run-events.md documents exactly the event types of the union, once each', () => {
    const documented = [...DOC.matchAll(/^### `([a-z.-]+)`$/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual(Object.keys(RUN_EVENT_TYPES).sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('documents every field each event carries', () => {
    for (const event of ALL_SAMPLE_EVENTS) {
      const section = DOC.split(/^### /m).find((s) => s.startsWith(`\`${event.type}\``))!;
      for (const field of Object.keys(event).filter((k) => !['type', 'at', 'runId', 'id', 'taskId'].includes(k))) {
        expect(section, `${event.type}.${field}`).toMatch(new RegExp(`\`${field}\\??\``));
      }
    }
  });

  it('has a sample of every type (the fixture the renderer tests use)', () => {
    expect(Object.keys(SAMPLE_EVENTS).sort()).toEqual(Object.keys(RUN_EVENT_TYPES).sort());
  });
});

describe('rendering every event', () => {
  // Said by the status summary, by what follows, or by the command that caused them.
  const silent = new Set(['task.verifying', 'task.reviewing', 'run.ended', 'task.waiting', 'task.merging', 'run.conflicts', 'beads.failed']);

  it.each(ALL_SAMPLE_EVENTS.map((e) => [e.type, e] as const))('%s: `xplan run` prints a line for it, or is silent by design', (type, event) => {
    const line = renderRunEvent(event, plainTheme);
    if (silent.has(type)) expect(line).toBeUndefined();
    else {
      expect(line).toBeTruthy();
      if (event.taskId && !type.startsWith('run.')) expect(line).toContain(event.taskId);
    }
  });

  it('prints what matters of the event, not a placeholder', () => {
    expect(renderRunEvent(SAMPLE_EVENTS['task.completed'], plainTheme)).toBe('✓ T1 completed · 3 commits on xplan/r/1-parser · 1 uncommitted file left');
    expect(renderRunEvent(SAMPLE_EVENTS['task.conflict'], plainTheme)).toBe('✗ T2 conflict · merging into the integration branch conflicts in src/db.ts with T1 → xplan retry T2');
    expect(renderRunEvent(SAMPLE_EVENTS['run.started'], plainTheme)).toContain('2 tasks · 2 at a time · feature branching · base abcdef1');
  });

  it('the report describes every event, silent ones by their type and reason', () => {
    for (const event of ALL_SAMPLE_EVENTS) expect(describeEvent(event)).not.toBe('');
    expect(describeEvent(SAMPLE_EVENTS['run.conflicts'])).toBe('run.conflicts: 3 merge conflicts in this run');
  });

  it('an event of a type this xplan does not know (another version) renders as nothing, without an error', () => {
    const foreign = JSON.parse('{"type":"task.teleported","at":"2026-12-01T10:00:00.000Z","runId":"r","taskId":"T1"}') as (typeof ALL_SAMPLE_EVENTS)[number];
    expect(renderRunEvent(foreign, plainTheme)).toBeUndefined();
    expect(noticeFor(foreign)).toBeUndefined();
    expect(describeEvent(foreign)).toBe('task.teleported');
  });
});

describe('what the agent mail thread of a task hears', () => {
  it('completion with its commits, and what holds the task; nothing for the other events', () => {
    const heard = Object.fromEntries(ALL_SAMPLE_EVENTS.flatMap((e) => (noticeFor(e) ? [[e.type, noticeFor(e)]] : [])));
    expect(heard).toEqual({
      'task.completed': { kind: 'completed', summary: '3 commits on xplan/r/1-parser' },
      'task.failed': { kind: 'blocked', reason: '`npm test` exited with 1' },
      'task.blocked': { kind: 'blocked', reason: 'the branches of T1 and T2 conflict in src/db.ts' },
      'task.conflict': { kind: 'blocked', reason: 'task.conflict' },
      'task.held': { kind: 'blocked', reason: 'review: 2 of 3 criteria met; cannot tell: 3 (needs a database)' },
    });
  });
});
