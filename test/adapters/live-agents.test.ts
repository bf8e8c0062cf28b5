import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TranscriptFollower } from '../../src/adapters/process/transcript-progress.js';
import { plainTheme } from '../../src/ui/theme.js';
import { renderLiveAgents } from '../../src/ui/live-agents.js';
import { tempDir } from '../support/cli.js';

describe('live agent lines of xplan run on a terminal', () => {
  it('shows each running agent with its elapsed time, tokens and last tool call, escaped and cut to the width', () => {
    const lines = renderLiveAgents(
      [
        { taskId: 'T1', agent: 1, startedAt: 0, tool: { name: 'Bash', detail: 'npm test' }, tokens: 12_345 },
        { taskId: 'T3', agent: 4, startedAt: 55_000, tool: { name: 'Edit', detail: 'src/\u001b]0;evil\u0007a.ts' }, tokens: 0 },
      ],
      65_000,
      plainTheme,
      200,
    );
    expect(lines[0]).toBe('⠿ T1 agent-1   1m05s · 12,345 tokens · Bash npm test');
    expect(lines[1]).toMatch(/^⠿ T3 agent-4     10s · Edit src\/.*a\.ts$/);
    expect(lines[1]).not.toContain('\u001b');
    expect(renderLiveAgents([{ taskId: 'T1', agent: 1, startedAt: 0, tool: undefined, tokens: 0 }], 0, plainTheme, 100)[0]).toContain('starting');
  });

  it('follows a growing transcript: only new bytes are read, a half-written line waits for its end', async () => {
    const path = join(tempDir(), 'transcript.jsonl');
    const follower = new TranscriptFollower(path);
    expect(await follower.poll()).toEqual({ tool: undefined, tokens: 0 });
    const turn = (tool: string, command: string, tokens: number) =>
      JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', name: tool, input: { command } }], usage: { input_tokens: tokens, output_tokens: 1 } } });
    writeFileSync(path, `${turn('Bash', 'ls', 10)}\n`);
    expect(await follower.poll()).toEqual({ tool: { name: 'Bash', detail: 'ls' }, tokens: 11 });
    const next = turn('Bash', 'npm test', 20);
    appendFileSync(path, next.slice(0, 30));
    expect((await follower.poll()).tool?.detail).toBe('ls');
    appendFileSync(path, `${next.slice(30)}\n`);
    expect(await follower.poll()).toEqual({ tool: { name: 'Bash', detail: 'npm test' }, tokens: 32 });
  });
});
