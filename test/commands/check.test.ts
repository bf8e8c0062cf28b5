import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, locateJsonError, type CheckResult } from '../../src/commands/check.js';
import { InputError } from '../../src/core/errors.js';
import { TaskSchema, validatePlanDocument } from '../../src/core/plan/plan-schema.js';
import { StateStore } from '../../src/adapters/store/state-store.js';
import { renderCheck } from '../../src/ui/render-check.js';
import { plainTheme } from '../../src/ui/theme.js';
import { checkoutPlan } from '../fixtures/plans/checkout.js';
import { REPO_ROOT, tempDir } from '../support/cli.js';
// @ts-expect-error: a plain .mjs bench module without type declarations
import { generateLargePlanFile } from '../../bench/check-20k.mjs';

const fixture = (name: string) => join(REPO_ROOT, 'test/fixtures/taskmaster', name);

/** A directory holding the given files. */
function dirWith(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function inputError(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

const smallPlan = {
  schemaVersion: 1,
  planId: 'plan-1',
  tasks: [
    { id: 'T1', title: 'Schema', effort: 'S' },
    { id: 'T2', title: 'API', dependsOn: ['T1'], effort: 'L' },
    { id: 'T3', title: 'UI', dependsOn: ['T1'], effort: 'M' },
    { id: 'T4', title: 'End-to-end tests', dependsOn: ['T2', 'T3'] },
  ],
};
const smallStats = { tasks: 4, edges: 4, roots: 1, leaves: 1, waves: 3, maxWaveWidth: 2, criticalPath: ['T1', 'T2', 'T4'], criticalPathHours: 7, totalHours: 9, excluded: 0 };

describe('check: xplan plan files', () => {
  it('checks a valid JSON plan and gives its DAG statistics', async () => {
    const dir = dirWith({ 'plan.json': JSON.stringify(smallPlan) });
    const result = await check({ cwd: dir, file: 'plan.json' });
    expect(result).toEqual({
      schemaVersion: 1,
      source: { kind: 'file', path: 'plan.json', format: 'xplan', detected: true },
      stats: smallStats,
      errors: [],
      warnings: [],
      ok: true,
    });
  });

  it('checks the same plan written as YAML', async () => {
    const yaml = [
      'schemaVersion: 1',
      'tasks:',
      '  - { id: T1, title: Schema, effort: S }',
      '  - id: T2',
      '    title: API',
      '    dependsOn: [T1]',
      '    effort: L',
      '  - { id: T3, title: UI, dependsOn: [T1], effort: M }',
      '  - { id: T4, title: End-to-end tests, dependsOn: [T2, T3] }',
      '',
    ].join('\n');
    const result = await check({ cwd: dirWith({ 'plan.yml': yaml }), file: 'plan.yml' });
    expect(result.ok).toBe(true);
    expect(result.stats).toEqual(smallStats);
    expect(result.source.path).toBe('plan.yml');
  });

  it('reports a cycle with its path and leaves the tasks on and behind it out of the figures', async () => {
    const plan = {
      tasks: [
        { id: 'T1', title: 'a' },
        { id: 'T3', title: 'b', dependsOn: ['T1', 'T5'] },
        { id: 'T5', title: 'c', dependsOn: ['T3'] },
        { id: 'T6', title: 'd', dependsOn: ['T5'] },
      ],
    };
    const result = await check({ cwd: dirWith({ 'plan.json': JSON.stringify(plan) }), file: 'plan.json' });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([{ code: 'CYCLE', message: 'cycle: T3 → T5 → T3', tasks: ['T3', 'T5'] }]);
    expect(result.stats).toMatchObject({ tasks: 4, waves: 1, excluded: 3, criticalPath: ['T1'] });
    expect(result.warnings).toEqual([{ code: 'EXCLUDED', message: '3 tasks are on or behind a cycle, so they have no wave and are left out of the figures above', tasks: ['T3', 'T5', 'T6'] }]);
  });

  it('reports invalid fields as path: message, and still checks the graph', async () => {
    const plan = {
      tasks: [
        { id: 'T1', title: 'ok' },
        { id: 'T2', title: 'bad effort', effort: 'XXL' },
        { id: 'T3', title: 'misspelt key', dependencies: ['T1'] },
        { id: 'X1', title: 'bad id' },
        { id: 'T5', dependsOn: ['T9'] },
      ],
    };
    const result = await check({ cwd: dirWith({ 'plan.json': JSON.stringify(plan) }), file: 'plan.json' });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      { code: 'INVALID_FIELD', message: 'tasks.1.effort: expected one of XS, S, M, L, XL (found "XXL")', tasks: [] },
      { code: 'INVALID_FIELD', message: 'tasks.2.dependencies: unknown key (did you mean dependsOn?)', tasks: [] },
      { code: 'INVALID_FIELD', message: 'tasks.3.id: task ids look like T1, T2, … (found "X1")', tasks: [] },
      { code: 'INVALID_FIELD', message: 'tasks.4.title: required', tasks: [] },
      { code: 'DANGLING_REF', message: 'T5 depends on T9, which does not exist', tasks: ['T5'] },
    ]);
    expect(result.stats.tasks).toBe(5);
  });

  it.each([
    { name: 'a list instead of a plan', doc: [], errors: ['(root): expected a plan (an object with a tasks list), found an empty list'] },
    { name: 'no tasks', doc: { schemaVersion: 1 }, errors: ['tasks: required (a list of tasks)'] },
    { name: 'another schema version', doc: { schemaVersion: 2, tasks: [] }, errors: ['schemaVersion: expected 1 (found 2)'] },
    { name: 'a bad status', doc: { status: 'done', tasks: [] }, errors: ['status: expected one of draft, approved (found "done")'] },
    {
      name: 'a bad source',
      doc: { tasks: [{ id: 'T1', title: 'a', sources: [{ file: 'a.md', line: 0, ref: 'FR-1', col: 2 }] }] },
      errors: ['tasks.0.sources.0.line: expected a line number of 1 or more', 'tasks.0.sources.0.col: unknown key'],
    },
    { name: 'a dependency that is not text', doc: { tasks: [{ id: 'T1', title: 'a', dependsOn: 'T2' }] }, errors: ['tasks.0.dependsOn: expected a list (found "T2")'] },
  ])('refuses $name', async ({ doc, errors }) => {
    const result = await check({ cwd: dirWith({ 'plan.json': JSON.stringify(doc) }), file: 'plan.json' });
    expect(result.errors.map((e) => e.message)).toEqual(errors);
    expect(result.ok).toBe(false);
  });

  it('warns when stated waves do not match the dependencies, and about an empty plan', async () => {
    const plan = {
      tasks: [
        { id: 'T1', title: 'a', wave: 1 },
        { id: 'T2', title: 'b', dependsOn: ['T1'], wave: 1 },
        { id: 'T3', title: 'c', wave: 0 },
      ],
    };
    const result = await check({ cwd: dirWith({ 'plan.json': JSON.stringify(plan) }), file: 'plan.json' });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([{ code: 'STALE_WAVES', message: '1 task states a wave that does not match its dependencies (T2 says 1, is 2); xplan recomputes waves', tasks: ['T2'] }]);
    const empty = await check({ cwd: dirWith({ 'plan.json': '{ "tasks": [] }' }), file: 'plan.json' });
    expect([empty.ok, empty.warnings.map((w) => w.code)]).toEqual([true, ['EMPTY_PLAN']]);
  });

  it('checks the 20,000-task bench plan', async () => {
    const dir = tempDir();
    const made = generateLargePlanFile(join(dir, 'plan-20k.json')) as { tasks: number; edges: number };
    const result = await check({ cwd: dir, file: 'plan-20k.json' });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.stats).toMatchObject({ tasks: 20_000, edges: made.edges, waves: 100, maxWaveWidth: 200, roots: 200, excluded: 0 });
    expect(made.edges).toBeGreaterThan(29_000);
    expect(result.stats.criticalPath).toHaveLength(100);
  });
});

describe('check: task-master files', () => {
  it('detects a tagged tasks.json and says so', async () => {
    const result = await check({ cwd: REPO_ROOT, file: fixture('tagged-tasks.json') });
    expect(result.source).toEqual({ kind: 'file', path: 'test/fixtures/taskmaster/tagged-tasks.json', format: 'taskmaster', detected: true, layout: 'tagged', tag: 'master', subtasks: 'folded' });
    expect(result.stats).toMatchObject({ tasks: 10, edges: 13, roots: 1, leaves: 3, waves: 5, criticalPath: ['T1', 'T2', 'T5', 'T6', 'T8'] });
    expect(result.ok).toBe(true);
  });

  it('reads another tag, subtasks as tasks, and a forced format', async () => {
    const ui = await check({ cwd: REPO_ROOT, file: fixture('tagged-tasks.json'), tag: 'feature-ui' });
    expect([ui.source.tag, ui.stats.tasks]).toEqual(['feature-ui', 1]);
    const expanded = await check({ cwd: REPO_ROOT, file: fixture('tagged-tasks.json'), subtasks: true });
    expect([expanded.source.subtasks, expanded.stats.tasks, expanded.ok]).toEqual(['expanded', 17, true]);
    const forced = await check({ cwd: REPO_ROOT, file: fixture('tagged-tasks.json'), from: 'taskmaster' });
    expect(forced.source.detected).toBe(false);
  });

  it('reports the cycle and the dangling reference of a legacy file', async () => {
    const result = await check({ cwd: REPO_ROOT, file: fixture('legacy-cycle.json') });
    expect(result.source).toMatchObject({ format: 'taskmaster', layout: 'legacy' });
    expect(result.errors).toEqual([
      { code: 'DANGLING_REF', message: 'T5 depends on T9, which does not exist', tasks: ['T5'] },
      { code: 'CYCLE', message: 'cycle: T2 → T4 → T3 → T2', tasks: ['T2', 'T4', 'T3'] },
    ]);
  });

  it('refuses an unknown tag, naming the tags there are', async () => {
    const error = await inputError(check({ cwd: REPO_ROOT, file: fixture('tagged-tasks.json'), tag: 'nope' }));
    expect(error.code).toBe('UNKNOWN_TAG');
    expect(error.message).toBe('test/fixtures/taskmaster/tagged-tasks.json: there is no tag nope (tags: master, feature-ui)');
    expect(error.hint).toBe('Choose a tag: --tag master, --tag feature-ui');
  });

  it('asks for a tag when no tag is master, refuses --tag on an untagged file, and refuses a file with no task list', async () => {
    const dir = dirWith({ 'tags.json': JSON.stringify({ a: { tasks: [] }, b: { tasks: [] } }), 'legacy.json': '{ "tasks": [{ "id": 1, "title": "x" }] }', 'other.json': '{ "hello": 1 }' });
    const required = await inputError(check({ cwd: dir, file: 'tags.json' }));
    expect([required.code, required.hint]).toEqual(['TAG_REQUIRED', 'Choose a tag: --tag a, --tag b']);
    const untagged = await inputError(check({ cwd: dir, file: 'legacy.json', tag: 'ui' }));
    expect([untagged.code, untagged.message, untagged.hint]).toEqual(['UNKNOWN_TAG', 'legacy.json: the file has no tags (legacy layout), so there is no tag ui', 'Leave out --tag.']);
    expect((await inputError(check({ cwd: dir, file: 'other.json', from: 'taskmaster' }))).code).toBe('NOT_A_PLAN');
  });

  it('says when --from xplan is given a task-master file, and when --tag does not apply', async () => {
    const forced = await check({ cwd: REPO_ROOT, file: fixture('legacy-cycle.json'), from: 'xplan' });
    expect(forced.ok).toBe(false);
    expect(forced.errors[0]).toEqual({ code: 'INVALID_FIELD', message: 'tasks.0.id: expected text (found 1)', tasks: [] });
    expect(forced.warnings.map((w) => w.code)).toEqual(['LOOKS_LIKE_TASKMASTER']);
    const tagged = await check({ cwd: dirWith({ 'plan.json': JSON.stringify(smallPlan) }), file: 'plan.json', tag: 'master' });
    expect([tagged.ok, tagged.warnings.map((w) => w.code)]).toEqual([true, ['OPTION_IGNORED']]);
  });
});

describe('check: files it cannot use', () => {
  it.each([
    { name: 'a missing file', files: {}, file: 'nope.json', code: 'PLAN_NOT_FOUND', message: 'Plan file not found: nope.json' },
    { name: 'an empty file', files: { 'plan.json': '  \n' }, file: 'plan.json', code: 'PLAN_EMPTY', message: 'plan.json is empty' },
    {
      name: 'invalid JSON, with line and column',
      files: { 'bad.json': '{\n  "tasks": [\n    { "id": "T1", }\n  ]\n}\n' },
      file: 'bad.json',
      code: 'PLAN_INVALID_JSON',
      message: 'bad.json:3:19 is not valid JSON: a comma before } (trailing commas are not allowed in JSON)',
    },
    { name: 'JSON cut short', files: { 'cut.json': '{ "tasks": [' }, file: 'cut.json', code: 'PLAN_INVALID_JSON', message: 'cut.json:1:13 is not valid JSON: the file ends before the JSON does' },
  ])('refuses $name', async ({ files, file, code, message }) => {
    const error = await inputError(check({ cwd: dirWith(files), file }));
    expect([error.code, error.message]).toEqual([code, message]);
    expect(error.hint).toBeTruthy();
  });

  it('refuses a directory and invalid YAML, with the position', async () => {
    const dir = dirWith({ 'plan.yaml': 'tasks:\n  - id: T1\n    title: [unclosed\n' });
    mkdirSync(join(dir, 'plans'));
    const directory = await inputError(check({ cwd: dir, file: 'plans' }));
    expect([directory.code, directory.message, directory.hint]).toEqual(['PLAN_IS_DIRECTORY', 'plans is a directory, not a plan file', 'Name the file inside it: xplan check plans/plan.json']);
    mkdirSync(join(dir, '.taskmaster/tasks'), { recursive: true });
    writeFileSync(join(dir, '.taskmaster/tasks/tasks.json'), '{ "tasks": [] }');
    const project = await inputError(check({ cwd: dir, file: '.' }));
    expect([project.message, project.hint]).toEqual(['. is a directory, not a plan file', 'Name the file inside it: xplan check .taskmaster/tasks/tasks.json']);
    const yaml = await inputError(check({ cwd: dir, file: 'plan.yaml' }));
    expect(yaml.code).toBe('PLAN_INVALID_YAML');
    expect(yaml.message).toMatch(/^plan\.yaml:\d+:\d+ is not valid YAML: /);
  });

  // root reads anything, so there is nothing to refuse when the tests run as root.
  it.skipIf(process.getuid?.() === 0)('refuses an unreadable file', async () => {
    const dir = dirWith({ 'plan.json': '{}' });
    chmodSync(join(dir, 'plan.json'), 0o000);
    const error = await inputError(check({ cwd: dir, file: 'plan.json' }));
    expect([error.code, error.message]).toEqual(['PLAN_UNREADABLE', 'Cannot read plan.json: permission denied']);
  });
});

describe('check: the saved plan', () => {
  it('says how to get one when there is none', async () => {
    const repo = tempDir();
    mkdirSync(join(repo, '.git'));
    const none = await inputError(check({ cwd: repo }));
    expect([none.code, none.message]).toEqual(['NO_PLAN', 'There is no saved plan to check in this repository']);
    expect(none.hint).toContain('xplan plan <spec>');
    const outside = await inputError(check({ cwd: tempDir() }));
    expect(outside.message).toBe('Not inside a git repository, so there is no saved plan to check');
  });

  it('checks the plan in .xplan/state.json', async () => {
    const repo = tempDir();
    mkdirSync(join(repo, '.git'));
    await new StateStore(join(repo, '.xplan')).update((s) => ({ ...s, plan: checkoutPlan }));
    const result = await check({ cwd: repo });
    expect(result.source).toEqual({ kind: 'state', path: '.xplan/state.json', format: 'xplan', detected: false });
    expect(result.stats).toMatchObject({ tasks: 7, waves: 4, criticalPath: checkoutPlan.summary.criticalPath, criticalPathHours: 8, totalHours: 13.5 });
    expect(result.ok).toBe(true);
  });
});

describe('plan schema: the fast path answers exactly as zod', () => {
  const full = {
    id: 'T1',
    title: 'Schema',
    description: 'd',
    dependsOn: ['T2'],
    acceptanceCriteria: ['works'],
    effort: 'M',
    risk: 'low',
    riskReason: 'r',
    testStrategy: 'none',
    strategyReason: 's',
    stream: 'A',
    wave: 2,
    kind: 'docs',
    sources: [{ file: 'spec.md', line: 3, ref: 'FR-1' }],
    files: ['src/**'],
  };
  const values: unknown[] = [undefined, null, 0, -1, 1.5, 3, '', ' ', 'x', 'T7', 'M', 'low', 'none', 'docs', [], ['a'], [1], {}, true];
  const variants: Array<{ name: string; task: unknown }> = [
    { name: 'complete', task: full },
    { name: 'minimal', task: { id: 'T1', title: 'x' } },
  ];
  for (const key of Object.keys(full)) {
    for (const value of values) variants.push({ name: `${key} = ${JSON.stringify(value)}`, task: { ...full, [key]: value } });
    const { [key]: _, ...without } = full as Record<string, unknown>;
    variants.push({ name: `without ${key}`, task: without });
  }
  const sources: unknown[] = [
    [{ line: 3, file: 'spec.md', ref: 'FR-1' }],
    [{ file: 'spec.md', line: 0, ref: 'FR-1' }],
    [{ file: 'spec.md', line: 2.5, ref: 'FR-1' }],
    [{ file: 'spec.md', line: 3 }],
    [{ file: 'spec.md', line: 3, ref: 'FR-1', extra: 1 }],
    [{ file: 'spec.md', line: 3, ref: 'FR-1' }, 'x'],
  ];
  for (const s of sources) variants.push({ name: `sources = ${JSON.stringify(s)}`, task: { ...full, sources: s } });
  variants.push({ name: 'keys in another order', task: Object.fromEntries(Object.entries(full).reverse()) });
  variants.push({ name: 'an unknown key', task: { ...full, owner: 'me' } });
  variants.push({ name: 'not an object', task: 'T1' });

  it.each(variants)('$name', ({ task }) => {
    const zod = TaskSchema.safeParse(task);
    const ours = validatePlanDocument({ tasks: [task] });
    expect(ours.ok).toBe(zod.success);
    // Accepted: both read the same task, key for key and in the same order; refused: both have none.
    expect(ours.ok ? JSON.stringify(ours.tasks[0]) : undefined).toBe(zod.success ? JSON.stringify(zod.data) : undefined);
  });
});

describe('locateJsonError', () => {
  it.each([
    { text: '{"a": tru}', offset: 6, reason: 'unexpected "t"' },
    { text: '{"a" 1}', offset: 5, reason: 'expected : after the property name, found "1"' },
    { text: '[1, 2,]', offset: 6, reason: 'a comma before ] (trailing commas are not allowed in JSON)' },
    { text: "{'a': 1}", offset: 1, reason: `expected a property name in double quotes, found "'"` },
    { text: '{"a": "x\ny"}', offset: 8, reason: 'a line break inside a string (write \\n, or close the quote)' },
    { text: '{"a": 1}}', offset: 8, reason: 'unexpected "}" after the end of the JSON value' },
    { text: '{"a": 1 "b": 2}', offset: 8, reason: 'expected , or } after a property value, found "\\""' },
    { text: '{"a": 1}', offset: undefined, reason: undefined },
  ])('$text', ({ text, offset, reason }) => {
    const found = locateJsonError(text);
    expect(found?.offset).toBe(offset);
    expect(found?.reason).toBe(reason);
  });
});

describe('renderCheck', () => {
  const base: CheckResult = {
    schemaVersion: 1,
    source: { kind: 'file', path: 'plan.json', format: 'xplan', detected: true },
    stats: smallStats,
    errors: [],
    warnings: [],
    ok: true,
  };

  it('names what was checked, gives the statistics and says the plan is valid', () => {
    expect(renderCheck(base, plainTheme)).toBe(
      [
        'Checked plan.json (xplan plan)',
        '',
        'Tasks          4 tasks · 4 dependencies · 1 root · 1 leaf',
        'Waves          3 (widest: 2 tasks)',
        'Critical path  T1 → T2 → T4 (3 tasks, 7h of 9h in all)',
        '',
        'Plan is valid.',
      ].join('\n'),
    );
  });

  it.each([
    { source: { kind: 'state', path: '.xplan/state.json', format: 'xplan', detected: false }, header: 'Checked the saved plan (.xplan/state.json)' },
    { source: { kind: 'file', path: 'p.json', format: 'xplan', detected: false }, header: 'Checked p.json (xplan plan, --from xplan)' },
    {
      source: { kind: 'file', path: 'tasks.json', format: 'taskmaster', detected: true, layout: 'tagged', tag: 'ui', subtasks: 'expanded' },
      header: 'Checked tasks.json (task-master tasks.json: detected, tag ui, subtasks expanded)',
    },
    {
      source: { kind: 'file', path: 'tasks.json', format: 'taskmaster', detected: false, layout: 'legacy', subtasks: 'folded' },
      header: 'Checked tasks.json (task-master tasks.json: --from taskmaster, legacy layout, subtasks folded)',
    },
  ] as Array<{ source: CheckResult['source']; header: string }>)('header: $header', ({ source, header }) => {
    expect(renderCheck({ ...base, source }, plainTheme).split('\n')[0]).toBe(header);
  });

  it('lists each error with its code, explains cycles, lists warnings and counts the errors', () => {
    const result: CheckResult = {
      ...base,
      ok: false,
      errors: [
        { code: 'CYCLE', message: 'cycle: T3 → T5 → T3', tasks: ['T3', 'T5'] },
        { code: 'DANGLING_REF', message: 'T4 depends on T9, which does not exist', tasks: ['T4'] },
      ],
      warnings: [{ code: 'EXCLUDED', message: '2 tasks are on or behind a cycle', tasks: ['T3', 'T5'] }],
    };
    const lines = renderCheck(result, plainTheme).split('\n');
    expect(lines.slice(6)).toEqual([
      'Errors',
      '  ✖ CYCLE  cycle: T3 → T5 → T3',
      '  ✖ DANGLING_REF  T4 depends on T9, which does not exist',
      '  In a cycle, A → B reads "A depends on B"; remove one dependency of the cycle to break it.',
      '',
      'Warnings',
      '  ! 2 tasks are on or behind a cycle',
      '',
      '2 errors.',
    ]);
  });

  it('lists 50 errors and says how many more --json has', () => {
    const errors = Array.from({ length: 60 }, (_, k) => ({ code: 'SELF_REF' as const, message: `T${k + 1} depends on itself`, tasks: [`T${k + 1}`] }));
    const lines = renderCheck({ ...base, ok: false, errors }, plainTheme).split('\n');
    expect(lines.filter((l) => l.includes('SELF_REF'))).toHaveLength(50);
    expect(lines).toContain('  … 10 more (--json lists them)');
    expect(lines.at(-1)).toBe('60 errors.');
  });

  it('shortens a long critical path and colours through the theme', () => {
    const path = Array.from({ length: 12 }, (_, k) => `T${k + 1}`);
    const theme = { ...plainTheme, ok: (s: string) => `<ok>${s}</ok>` };
    const text = renderCheck({ ...base, stats: { ...smallStats, criticalPath: path } }, theme);
    expect(text).toContain('Critical path  T1 → T2 → T3 → T4 → T5 → … → T11 → T12 (12 tasks, 7h of 9h in all)');
    expect(text.endsWith('<ok>Plan is valid.</ok>')).toBe(true);
  });
});

describe('check: paths', () => {
  it('shows a file outside cwd by its absolute path', async () => {
    const dir = tempDir();
    copyFileSync(fixture('tagged-tasks.json'), join(dir, 'tasks.json'));
    const result = await check({ cwd: tempDir(), file: join(dir, 'tasks.json') });
    expect(result.source.path).toBe(join(dir, 'tasks.json'));
  });
});
