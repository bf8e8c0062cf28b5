/**
 * 100 KB specs of shapes the realistic generator never writes are read and planned whole. How long they take is
 * measured in bench/ (`npm run bench`: under a second each); here, that every item is found and planned.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain script shared with the benchmark, without types.
import { generateOddSpec, ODD_SHAPES } from '../../bench/generate-odd-spec.mjs';
import { assessSpecs } from '../../src/core/intake/assess.js';
import { defaultConfig } from '../../src/core/config.js';
import { planSpecs } from '../../src/core/plan/planner.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const config = defaultConfig();

describe.each(ODD_SHAPES as string[])('a 100 KB spec of odd shape (%s)', (shape) => {
  it('is read whole and planned within the task limit', () => {
    const text = (generateOddSpec as (bytes: number, shape: string) => string)(100 * 1024, shape);
    expect(text.length).toBeGreaterThanOrEqual(100 * 1024);
    const spec = parseSpec(text, 'odd.md');
    expect(spec.lineCount).toBe(text.split('\n').length - 1);
    if (shape === 'components') expect(spec.components.length).toBeGreaterThan(1000);
    if (shape === 'table') expect(spec.requirements.filter((r) => r.origin === 'command').length).toBeGreaterThan(1000);
    if (shape === 'restated') expect(spec.requirements).toHaveLength(1);
    const assessment = { ...assessSpecs([spec], config.assess.thresholds), verdict: 'multi-agent' as const, confidence: 'medium' as const };
    const { plan } = planSpecs([spec], assessment, { planId: 'p', branching: 'feature', maxTasks: 60, concurrency: 3, minHoursPerTask: 1.5, tinyTaskRatio: 0.3 });
    expect(plan.tasks.length).toBeGreaterThan(0);
    expect(plan.tasks.length).toBeLessThanOrEqual(60);
  });
});
