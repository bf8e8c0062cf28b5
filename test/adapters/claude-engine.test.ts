/**
 * The claude engine in-process, with a scripted structured call behind its `call` port: the detail calls run side
 * by side after the outline, the progress line tells each call in flight with its tokens so far, and the chain of
 * output tokens counts the outline once and the longest detail call.
 */
import { describe, expect, it } from 'vitest';
import type { StructuredAnswer, StructuredCallOptions } from '../../src/adapters/tools/claude-structured.js';
import { ConfigSchema } from '../../src/core/config.js';
import { parseSpec } from '../../src/core/intake/spec.js';
import { assessSpecs } from '../../src/core/intake/assess.js';
import { ClaudeEngine } from '../../src/engines/claude.js';

const SPEC = ['# Notes', '## Requirements', '- FR-1: Create a note', '- FR-2: Search notes', '- FR-3: Tag notes', '- FR-4: Export notes', ''].join('\n');

const outline = {
  kind: 'technical-spec',
  verdict: 'multi-agent',
  confidence: 'medium',
  reasons: ['four small features over one store'],
  effortHours: 8,
  drivers: [],
  tasks: ['T1', 'T2', 'T3', 'T4'].map((id, i) => ({ id, title: `Build feature ${i + 1}`, covers: [`R${i + 1}`], dependsOn: i === 0 ? [] : ['T1'], effort: 'M', kind: 'feature', stream: 'notes' })),
  excluded: [],
};

function detailsFor(prompt: string) {
  const ids = /no others: (T\d+(?:, T\d+)*)\./.exec(prompt.replace(/\s+/g, ' '))![1]!.split(', ');
  return {
    tasks: ids.map((id) => ({
      id,
      description: `Build ${id}.`,
      edges: [],
      derivedAcceptance: [],
      risk: 'low',
      riskReason: 'small',
      testStrategy: 'test-after',
      strategyReason: 'in the task',
      files: [],
    })),
  };
}

describe('the claude engine', () => {
  it('runs the detail calls side by side after the outline, reporting each call in flight, and counts the output the lead waits for', async () => {
    const config = ConfigSchema.parse({ planning: { concurrency: 2 } });
    const started: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const call = async (options: StructuredCallOptions): Promise<StructuredAnswer> => {
      const purpose = /^Call: (.+)$/m.exec(options.prompt)![1]!;
      started.push(purpose);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      options.onOutputTokens?.(purpose === 'outline' ? 300 : 100);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      const output = purpose === 'outline' ? outline : detailsFor(options.prompt);
      return { output, usage: { inputTokens: 1000, outputTokens: purpose === 'outline' ? 400 : 150, costUsd: 0.01, turns: 1 } };
    };
    const progress: string[] = [];
    const engine = new ClaudeEngine({ config, cwd: '/', env: {}, call, progress: (m) => progress.push(m) });
    const parsed = parseSpec(SPEC, 'notes.md');
    const { plan, assessment } = await engine.plan({
      specs: [{ parsed, text: SPEC }],
      assessment: assessSpecs([parsed], config.assess.thresholds),
      options: { planId: 'p-test', branching: 'feature', maxTasks: 60, concurrency: 3, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 },
    });

    expect(started[0]).toBe('outline');
    expect(started.slice(1).sort()).toEqual(['details T1–T2', 'details T3–T4']);
    expect(mostInFlight).toBe(2);
    expect(progress).toContain('Claude Code: outline 0 s · 300 tokens');
    expect(progress.some((m) => /details T1–T2 0 s · 100 tokens; details T3–T4 0 s/.test(m) || /details T3–T4 0 s · 100 tokens; details T1–T2 0 s/.test(m))).toBe(true);
    expect(plan.engine).toMatchObject({ name: 'claude', calls: 3, sequentialOutputTokens: 550, usage: { outputTokens: 700, inputTokens: 3000, costUsd: 0.03 } });
    expect(plan.tasks.map((t) => t.description)).toEqual(['Build T1.', 'Build T2.', 'Build T3.', 'Build T4.']);
    expect(assessment).toMatchObject({ verdict: 'multi-agent', confidence: 'medium', reasons: ['four small features over one store'] });
    expect(assessment!.drivers.find((d) => d.id === 'effortHours')?.value).toBe(8);
  });
});
