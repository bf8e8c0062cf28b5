/** What each command receives from its command line, parsed by the real command table with the commands stubbed. */
import { describe, expect, it } from 'vitest';
import { accepted } from '../support/argv.js';

describe('argv → the options a command receives', () => {
  const cases: Array<{ argv: string[]; action: string; reporter: string; args?: unknown[]; opts?: Record<string, unknown> }> = [
    { argv: ['assess', 'a.md', 'b.md'], action: 'assess', reporter: 'assess', args: [['a.md', 'b.md']], opts: { save: true } },
    { argv: ['assess', '--no-save', '--engine', 'heuristic', 'a.md'], action: 'assess', reporter: 'assess', opts: { save: false, engine: 'heuristic' } },
    { argv: ['plan'], action: 'plan', reporter: 'plan', args: [[]], opts: { format: 'table' } },
    {
      argv: ['plan', 'spec.md', '--max-tasks', '12', '--branching', 'stacked', '-y', '--force', '--note', '  Phase 2 is in scope ', '--format', 'tree'],
      action: 'plan',
      reporter: 'plan',
      args: [['spec.md']],
      opts: { maxTasks: 12, branching: 'stacked', yes: true, force: true, note: 'Phase 2 is in scope', format: 'tree' },
    },
    {
      argv: ['plan', '--from', 'taskmaster', 'tasks.json', '--tag', 'feature', '--subtasks'],
      action: 'plan',
      reporter: 'plan',
      args: [['tasks.json']],
      opts: { from: 'taskmaster', tag: 'feature', subtasks: true },
    },
    { argv: ['plan', '--edit', '--editor'], action: 'plan', reporter: 'plan', args: [[]], opts: { edit: true, editor: true } },
    { argv: ['show', '--format', 'taskmaster'], action: 'show', reporter: 'plan', opts: { format: 'taskmaster' } },
    { argv: ['check', 'tasks.json', '--from', 'taskmaster', '--tag', 'v2', '--json'], action: 'check', reporter: 'check', args: ['tasks.json'], opts: { from: 'taskmaster', tag: 'v2', json: true } },
    { argv: ['check'], action: 'check', reporter: 'check', args: [undefined] },
    {
      argv: ['task', 'add', '--title', 'Docs', '--after', 'T2', '--depends-on', ' T1, T2 ,', '--acceptance', 'one', 'two', '--effort', 'S', '--kind', 'docs', '--strategy', 'none'],
      action: 'task add',
      reporter: 'edit',
      opts: { title: 'Docs', after: 'T2', dependsOn: ['T1', 'T2'], acceptance: ['one', 'two'], effort: 'S', kind: 'docs', strategy: 'none' },
    },
    {
      argv: ['task', 'set', 'T2', '--risk', 'high', '--risk-reason', 'billing', '--stream', 'api'],
      action: 'task set',
      reporter: 'edit',
      args: ['T2'],
      opts: { risk: 'high', riskReason: 'billing', stream: 'api' },
    },
    { argv: ['task', 'rm', 'T3', '--force'], action: 'task rm', reporter: 'edit', args: ['T3'], opts: { force: true } },
    { argv: ['task', 'dep', 'add', 'T5', 'T3'], action: 'task dep', reporter: 'edit', args: ['add', 'T5', 'T3'] },
    { argv: ['task', 'move', 'T5', '--before', 'T2'], action: 'task move', reporter: 'edit', args: ['T5'], opts: { before: 'T2' } },
    { argv: ['approve', '-y'], action: 'approve', reporter: 'approve', opts: { yes: true } },
    { argv: ['run', '-c', '4', '--only', 'T1,T3', '-y', '--json'], action: 'run', reporter: 'run', opts: { concurrency: 4, only: ['T1', 'T3'], yes: true, json: true } },
    { argv: ['run', '--dry-run', '--show-secrets'], action: 'run', reporter: 'run', opts: { dryRun: true, showSecrets: true } },
    { argv: ['run', '--dry-run', '--prompts'], action: 'run', reporter: 'run', opts: { dryRun: true, prompts: true } },
    { argv: ['run', '--dry-run', '--prompt', 'T3,T4'], action: 'run', reporter: 'run', opts: { dryRun: true, prompt: ['T3', 'T4'] } },
    { argv: ['resume', '--json'], action: 'resume', reporter: 'run', opts: { json: true } },
    { argv: ['pause', '--now'], action: 'pause', reporter: 'control', opts: { now: true } },
    { argv: ['cancel'], action: 'cancel', reporter: 'control', opts: {} },
    { argv: ['merge', '--into', 'release', '--partial', '--dry-run'], action: 'merge', reporter: 'merge', opts: { into: 'release', partial: true, dryRun: true } },
    { argv: ['retry', 'T3', '--context', ' use the v2 API ', '--fresh'], action: 'retry', reporter: 'control', args: ['T3'], opts: { context: 'use the v2 API', fresh: true } },
    { argv: ['retry', 'T3', '--context-file', 'notes.md'], action: 'retry', reporter: 'control', args: ['T3'], opts: { contextFile: 'notes.md' } },
    { argv: ['skip', 'T3', '--cascade', '--reason', 'later'], action: 'skip', reporter: 'control', args: ['T3'], opts: { cascade: true, reason: 'later' } },
    { argv: ['done', 'T3', '--reason', 'fixed by hand'], action: 'done', reporter: 'control', args: ['T3'], opts: { reason: 'fixed by hand', resume: true } },
    { argv: ['done', 'T3', '--reason', 'fixed by hand', '--no-resume'], action: 'done', reporter: 'control', args: ['T3'], opts: { resume: false } },
    { argv: ['retry', 'T3', '--no-resume'], action: 'retry', reporter: 'control', args: ['T3'], opts: { resume: false } },
    { argv: ['skip', 'T3', '--cascade', '--no-resume'], action: 'skip', reporter: 'control', args: ['T3'], opts: { cascade: true, resume: false } },
    { argv: ['review', 'T3'], action: 'review', reporter: 'review', args: ['T3'], opts: {} },
    { argv: ['review', 'T3', '--json'], action: 'review', reporter: 'review', args: ['T3'], opts: { json: true } },
    { argv: ['status', '-w', '--run', '20260101-000000'], action: 'status', reporter: 'status', opts: { watch: true, run: '20260101-000000' } },
    { argv: ['logs', 'T3', '--attempt', '2', '-f', '--raw'], action: 'logs', reporter: 'logs', args: ['T3'], opts: { attempt: 2, follow: true, raw: true } },
    { argv: ['logs', 'T3', '--review', '--json'], action: 'logs', reporter: 'logs', args: ['T3'], opts: { review: true, json: true } },
    { argv: ['export', 'beads', '--jsonl', 'out.jsonl', '--sync', '--prefix', 'ops'], action: 'export', reporter: 'export', args: ['beads'], opts: { jsonl: 'out.jsonl', sync: true, prefix: 'ops' } },
    { argv: ['clean', '--older-than', '14d', '--dry-run'], action: 'clean', reporter: 'clean', opts: { olderThan: '14d', dryRun: true } },
    { argv: ['init', '--print', '--json'], action: 'init', reporter: 'init', opts: { print: true, json: true } },
    { argv: ['doctor', '--json'], action: 'doctor', reporter: 'doctor', opts: { json: true } },
    { argv: ['runs'], action: 'runs', reporter: 'runs' },
    { argv: ['report', '-o', '-', '--format', 'md'], action: 'report', reporter: 'report', opts: { out: '-', format: 'md' } },
    { argv: ['report'], action: 'report', reporter: 'report', opts: { format: 'html' } },
    { argv: ['dashboard', '-p', '0'], action: 'dashboard', reporter: 'dashboard', opts: { port: 0 } },
    { argv: ['completion', 'fish'], action: 'completion', reporter: 'document', args: ['fish'] },
    { argv: ['help', 'task', 'add'], action: 'help', reporter: 'document', args: [['task', 'add']] },
  ];

  for (const c of cases) {
    it(c.argv.join(' '), async () => {
      const parsed = await accepted(c.argv);
      expect(parsed.action).toBe(c.action);
      expect(parsed.reporter).toBe(c.reporter);
      if (c.args) expect(parsed.args).toEqual(c.args);
      if (c.opts) expect(parsed.opts).toMatchObject(c.opts);
    });
  }

  it('leaves unset flags out instead of guessing them', async () => {
    expect((await accepted(['run'])).opts).toEqual({});
    expect((await accepted(['run', '--no-review'])).opts).toEqual({ review: false });
    expect((await accepted(['resume', '--no-review'])).opts).toEqual({ review: false });
    expect((await accepted(['task', 'set', 'T1', '--title', 'x'])).opts).toEqual({ title: 'x' });
  });

  it('passes the global flags, before or after the command', async () => {
    expect((await accepted(['--no-color', '--quiet', 'status'])).global).toEqual({ color: false, pager: true, quiet: true });
    expect((await accepted(['status', '--verbose', '--debug'])).global).toEqual({ color: true, pager: true, verbose: true, debug: true });
  });

  it('--no-pager turns the pager off, before or after the command', async () => {
    expect((await accepted(['--no-pager', 'show'])).global).toEqual({ color: true, pager: false });
    expect((await accepted(['show', '--format', 'tree', '--no-pager'])).global).toEqual({ color: true, pager: false });
  });
});
