/**
 * How a command's stream is printed: on a terminal the frame is redrawn in place and cut to the screen's height,
 * with one final frame left in the scrollback; piped, each changed frame is printed plainly.
 */
import { describe, expect, it } from 'vitest';
import { printOutcome } from '../../src/cli/output.js';
import type { LiveItem } from '../../src/cli/outcome.js';
import { newRun, withTask, type RunState, type TaskRun } from '../../src/core/run/run.js';
import { statusOf, type StatusResult } from '../../src/core/run/run-status.js';
import { fitFrame, LiveFrame } from '../../src/ui/live-frame.js';
import { plainTheme } from '../../src/ui/theme.js';
import { plan } from '../support/plan-builder.js';
import { Terminal } from '../support/terminal.js';

const CLEARS = ['\u001b[2J', '\u001b[3J', '\u001bc', '\u001b[H'];

const tasks = plan(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`T${i + 1}`, []])));

function statusAt(seconds: number, states: Record<string, Partial<TaskRun>>, runStatus: RunState['status'] = 'running'): StatusResult {
  let run = newRun({
    id: 'r1',
    now: '2026-12-01T10:00:00.000Z',
    plan: tasks,
    taskIds: tasks.tasks.map((t) => t.id),
    base: { commit: 'abc', branch: 'main' },
    concurrency: 2,
    verify: null,
    planHash: 'h',
  });
  for (const [id, fields] of Object.entries(states)) run = withTask(run, id, (t) => ({ ...t, ...fields }));
  return statusOf(tasks, { ...run, status: runStatus }, new Date(Date.parse('2026-12-01T10:00:00.000Z') + seconds * 1000));
}

const frames = [statusAt(1, {}), statusAt(2, {}), statusAt(3, { T1: { state: 'skipped' } }), statusAt(4, { T1: { state: 'skipped' }, T2: { state: 'skipped' } }, 'completed')];

async function* watch(): AsyncGenerator<LiveItem> {
  yield { note: 'Waiting for a run to start…' };
  for (const frame of frames) yield { frame };
}

async function print(stdout: { isTTY?: boolean; rows?: number; columns?: number; write: (text: string) => unknown }, json = false) {
  let stderr = '';
  await printOutcome(
    { reporter: 'status', live: watch(), settle: async () => ({ result: frames.at(-1) }) },
    { json, showSecrets: false, theme: async () => plainTheme, streams: { stdout: stdout as never, stderr: { write: (t: string) => (stderr += t) } as never } },
  );
  return stderr;
}

describe('status --watch on a terminal', () => {
  it('redraws the frame in place, never clears the screen, and leaves one final frame in full', async () => {
    const terminal = new Terminal(12, 120);
    terminal.write('$ xplan status --watch\n');
    let raw = '';
    const stderr = await print({ isTTY: true, rows: terminal.rows, columns: terminal.columns, write: (t) => ((raw += t), terminal.write(t)) });
    expect(stderr).toBe('Waiting for a run to start…\n');
    for (const clear of CLEARS) expect(raw).not.toContain(clear);
    expect(terminal.unknown).toEqual([]);
    // Each live frame fitted the 12-row screen.
    expect(raw).toMatch(/… \d+ more/);
    const text = terminal.text();
    expect(text.startsWith('$ xplan status --watch\nRun r1 · completed')).toBe(true);
    expect(text.match(/^Run r1/gm)).toHaveLength(1);
    expect(text).not.toContain('more');
    expect(text).toContain('T30');
  });
});

describe('status --watch piped', () => {
  it('prints each frame that changed, with no escape codes, the last one once', async () => {
    let out = '';
    await print({ isTTY: false, write: (t) => (out += t) });
    expect(out).not.toContain('\u001b');
    // Frames 1 and 2 differ only in elapsed time.
    expect(out.match(/^Run r1 · running/gm)).toHaveLength(2);
    expect(out.match(/^Run r1 · completed/gm)).toHaveLength(1);
    // The output ends with the final frame, whole.
    const last = out.slice(out.lastIndexOf('Run r1'));
    expect(last).toMatch(/^Run r1 · completed[\s\S]*T30[\s\S]*Usage: [^\n]+\n$/);
  });

  it('with --json prints one JSON line per change and no document after', async () => {
    let out = '';
    await print({ isTTY: true, write: (t) => (out += t) }, true);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => (JSON.parse(l) as StatusResult).run.status)).toEqual(['running', 'running', 'completed']);
  });
});

describe('a live frame', () => {
  it('is cut to the screen, saying how many lines are left out, counting wrapped lines', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
    expect(fitFrame(lines, 80, 24)).toEqual(lines);
    expect(fitFrame(lines, 80, 6)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', '… 6 more']);
    expect(fitFrame(['x'.repeat(100), ...lines], 80, 6)).toEqual(['x'.repeat(100), 'line 1', 'line 2', '… 8 more']);
  });

  it('keeps lines printed above it and is drawn again under them', () => {
    const terminal = new Terminal(24, 80);
    const frame = new LiveFrame(terminal);
    frame.draw('⠿ T1 agent-1 3s');
    frame.line('✔ T2 completed');
    frame.draw('⠿ T1 agent-1 4s\n⠿ T3 agent-2 1s');
    frame.draw('⠿ T1 agent-1 5s');
    expect(terminal.text()).toBe('✔ T2 completed\n⠿ T1 agent-1 5s');
    frame.clear();
    expect(terminal.text()).toBe('✔ T2 completed');
  });

  it('starts the Ctrl-C line clean: neither the echoed ^C nor a live agent line stays on it', () => {
    const terminal = new Terminal(24, 80);
    const frame = new LiveFrame(terminal);
    frame.draw('⠿ T1 agent-1 3s');
    terminal.write('^C'); // what the terminal echoes under the frame
    frame.line('⏸ paused by Ctrl-C: running agents finish their tasks');
    frame.clear();
    terminal.write('^C');
    frame.line('⏸ paused by a second Ctrl-C: agents stopped');
    expect(terminal.text()).toBe('⏸ paused by Ctrl-C: running agents finish their tasks\n⏸ paused by a second Ctrl-C: agents stopped');
  });
});

describe('xplan run on a terminal', () => {
  it('keeps the event lines, draws the agent lines under them in place, and ends with the status alone under the events', async () => {
    const at = '2026-12-01T10:00:00.000Z';
    const event = (type: string, fields: Record<string, unknown>) => ({ type, at, runId: 'r1', ...fields });
    const agent = (seconds: number) => ({ lines: [{ taskId: 'T2', agent: 2, startedAt: 0, tool: { name: 'Bash', detail: 'npm test' }, tokens: 10 }], now: seconds * 1000 });
    async function* run(): AsyncGenerator<LiveItem> {
      yield { line: event('task.blocked', { taskId: 'T1', reason: 'needs a key' }) };
      yield { frame: agent(1) };
      yield { frame: agent(2) };
      yield { line: event('task.blocked', { taskId: 'T3', reason: 'needs T1' }) };
      yield { frame: agent(3) };
    }
    const terminal = new Terminal(24, 100);
    let raw = '';
    const final = statusAt(5, { T1: { state: 'blocked' } }, 'failed');
    const ending = await printOutcome(
      { reporter: 'run', live: run(), settle: async () => ({ result: final, negative: true }) },
      {
        json: false,
        showSecrets: false,
        theme: async () => plainTheme,
        streams: { stdout: { isTTY: true, rows: 24, columns: 100, write: (t: string) => ((raw += t), terminal.write(t)) } as never, stderr: process.stderr },
      },
    );
    expect(ending.negative).toBe(true);
    expect(raw).toContain('T2 agent-2      3s');
    const lines = terminal.text().split('\n');
    expect(lines[0]).toMatch(/^■ T1 blocked · needs a key$/);
    expect(lines[1]).toMatch(/^■ T3 blocked · needs T1$/);
    expect(lines.slice(2, 4)).toEqual(['', expect.stringMatching(/^Run r1 · failed/)]);
    expect(terminal.text()).not.toContain('agent-2');
  });
});
