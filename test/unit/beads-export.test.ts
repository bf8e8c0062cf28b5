/** The pure rules of the beads export: usable titles, the prefix bd init picks, epics that follow their children, the graph plan. */
import { describe, expect, it } from 'vitest';
import { bdInitPrefix, changedFields, dependencyLine, epicChange, graphPlan, missingDetails, prefixProblem, titleProblem } from '../../src/core/beads-export.js';
import type { BeadsIssue } from '../../src/core/beads-map.js';

describe('titleProblem', () => {
  it.each([
    ['Add the login form', undefined],
    ['Δοκιμή 42', undefined],
    ['...', 'no letter or digit in "..."'],
    ['— ·', 'no letter or digit in "— ·"'],
    ['Two\nlines', 'a line break or control character'],
    ['Tab\there', 'a line break or control character'],
  ])('%j → %j', (title, problem) => {
    expect(titleProblem(title, `T1 ${title}`)).toBe(problem);
  });

  it('counts bytes, as bd does: 500 fit, 501 do not', () => {
    expect(titleProblem('x', 'x'.repeat(500))).toBeUndefined();
    expect(titleProblem('é', 'é'.repeat(251))).toBe('502 bytes as an issue title, bd takes at most 500');
  });
});

describe('bdInitPrefix', () => {
  it.each([
    ['myapp', 'myapp'],
    ['.claude', 'claude'],
    ['my.project-', 'my_project'],
    ['001', 'bd_001'],
    ['xplan-repo-Ab12', 'xplan-repo-Ab12'],
  ])('%s → %s', (dir, prefix) => {
    expect(bdInitPrefix(dir)).toBe(prefix);
  });
});

describe('prefixProblem', () => {
  it('takes bd-style prefixes and explains the rest', () => {
    expect(prefixProblem('acme')).toBeUndefined();
    expect(prefixProblem('my-app_2')).toBeUndefined();
    expect(prefixProblem('')).toBe('it is empty');
    expect(prefixProblem('acme-')).toMatch(/trailing/);
    expect(prefixProblem('2fast')).toMatch(/starting with a letter/);
    expect(prefixProblem('a b')).toMatch(/letters, digits/);
  });
});

describe('epicChange', () => {
  it('closes once every child is closed, reopens a closed epic when one is not, and otherwise leaves it', () => {
    expect(epicChange(['closed', 'closed'], 'open')).toEqual({ status: 'closed', reason: 'All 2 child issues are closed' });
    expect(epicChange(['closed', 'closed'], 'closed')).toBeUndefined();
    expect(epicChange(['closed', 'in_progress'], 'closed')).toEqual({ status: 'open', reason: 'Reopened: 1 of 2 child issues are not closed' });
    expect(epicChange(['closed', 'deferred'], 'open')).toBeUndefined();
    expect(epicChange([], 'open')).toBeUndefined();
  });
});

const issue = (key: string, extra: Partial<BeadsIssue> = {}): BeadsIssue => ({
  key,
  title: `${key} Title`,
  type: 'task',
  priority: 2,
  description: 'D',
  design: 'G',
  acceptance: '- A',
  labels: ['xplan'],
  estimateMinutes: 60,
  externalRef: `xplan:p-1:${key}`,
  metadata: { xplanPlan: 'p-1', xplanTask: key },
  ...extra,
});

describe('graphPlan', () => {
  it('names new ends by key and existing ones by bd id; nodes leave out what the graph format cannot carry', () => {
    const plan = graphPlan('msg', [issue('T2', { parent: 'epic:spec.md' }), issue('T3', { parent: 'epic:spec.md' })], { 'epic:spec.md': 'acme-e1', T1: 'acme-e1.1' }, [
      { from: 'T2', to: 'T1' },
      { from: 'T3', to: 'T2' },
    ]);
    expect(plan.commit_message).toBe('msg');
    expect(plan.nodes[0]).toEqual({
      key: 'T2',
      title: 'T2 Title',
      type: 'task',
      description: 'D',
      priority: 2,
      labels: ['xplan'],
      metadata: { xplanPlan: 'p-1', xplanTask: 'T2' },
      parent_id: 'acme-e1',
    });
    expect(plan.edges).toEqual([
      { from_key: 'T2', to_id: 'acme-e1.1', type: 'blocks' },
      { from_key: 'T3', to_key: 'T2', type: 'blocks' },
    ]);
  });
});

describe('changedFields and missingDetails', () => {
  it('ask bd only for what differs', () => {
    const wanted = issue('T1');
    expect(
      changedFields(wanted, {
        id: 'x',
        title: 'T1 Title',
        description: 'D',
        design: 'G',
        acceptance_criteria: '- A',
        priority: 2,
        estimated_minutes: 60,
        labels: ['xplan', 'mine'],
        external_ref: 'xplan:p-1:T1',
      }),
    ).toEqual([]);
    expect(changedFields(wanted, { id: 'x', title: 'Old', priority: 1 })).toEqual([
      ['--title', 'T1 Title'],
      ['--description', 'D'],
      ['--design', 'G'],
      ['--acceptance', '- A'],
      ['--estimate', '60'],
      ['--external-ref', 'xplan:p-1:T1'],
      ['--priority', '2'],
      ['--add-label', 'xplan'],
    ]);
    expect(missingDetails(wanted, {})).toEqual([
      ['--design', 'G'],
      ['--acceptance', '- A'],
      ['--estimate', '60'],
      ['--external-ref', 'xplan:p-1:T1'],
    ]);
  });
});

describe('dependencyLine', () => {
  it('names both ends, with ids and titles', () => {
    expect(dependencyLine({ id: 'acme-1.2', title: 'T2 API' }, { id: undefined, title: 'T1 Schema' })).toBe('acme-1.2 "T2 API" depends on new "T1 Schema"');
  });
});
