/**
 * The acceptance review without a model: what the reviewer is told, which answers are sent back and why, the
 * outcome a set of verdicts makes and what the run does with it, and what a retried agent reads.
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config.js';
import { checkReviewAnswer } from '../../src/core/run/review-answer.js';
import {
  REVIEW_JSON_SCHEMA,
  reviewCriteria,
  afterReview,
  reviewOutcome,
  reviewPrompt,
  reviewRepairPrompt,
  reviewRetryContext,
  reviewSummary,
  type CriterionVerdict,
  type TaskReview,
} from '../../src/core/run/review.js';

const task = {
  id: 'T3',
  title: 'Refuse notes without a title',
  description: 'Creating a note checks its title in src/notes.ts.',
  acceptanceCriteria: ['an empty title is refused with a message', 'a title of 200 characters is accepted', 'the refusal is logged'],
};
const criteria = reviewCriteria(task);

const answer = (entries: Array<Partial<{ index: number; verdict: string; evidence: string[]; reasoning: string }>>, outsideTask: string[] = []) => ({
  criteria: entries.map((e) => ({ index: 1, verdict: 'met', evidence: ['src/notes.ts:12'], reasoning: 'It does.', ...e })),
  outsideTask,
});

describe('the review prompt', () => {
  const prompt = reviewPrompt({
    task,
    base: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    diffStat: ' src/notes.ts | 12 +++++++++---\n 1 file changed, 9 insertions(+), 3 deletions(-)',
    commits: [{ sha: 'ffeeddccbbaa99887766554433221100ffeeddcc', subject: '[T3] Refuse empty titles' }],
    specs: [{ path: 'spec.md', text: '# Notes\n\n- FR-1: a note needs a title\n' }],
  });

  it('names the task, numbers its criteria, and shows the diff stat, the commits and the whole spec', () => {
    expect(prompt).toContain('Task T3: Refuse notes without a title');
    expect(prompt).toContain('Creating a note checks its title in src/notes.ts.');
    expect(prompt).toContain('1. an empty title is refused with a message\n2. a title of 200 characters is accepted\n3. the refusal is logged');
    expect(prompt).toContain('`git diff --stat a1b2c3d4e5f6 HEAD`');
    expect(prompt).toContain(' src/notes.ts | 12 +++++++++---');
    expect(prompt).toContain('- ffeeddccbbaa [T3] Refuse empty titles');
    expect(prompt).toContain('- FR-1: a note needs a title');
  });

  it('asks for met, not-met or cannot-tell for every criterion with evidence and a reason, and for work outside the task', () => {
    expect(prompt).toContain('For every criterion, 1 to 3, give exactly one verdict');
    for (const verdict of ['`met`', '`not-met`', '`cannot-tell`']) expect(prompt).toContain(verdict);
    expect(prompt).toMatch(/file and line/);
    expect(prompt).toMatch(/one sentence of reasoning/);
    expect(prompt).toMatch(/`outsideTask`.*did not ask for/);
    expect(REVIEW_JSON_SCHEMA.properties.criteria.items.properties.verdict.enum).toEqual(['met', 'not-met', 'cannot-tell']);
  });

  it('judges a task without criteria by its description', () => {
    expect(reviewCriteria({ acceptanceCriteria: [' '] })).toEqual(['The change does what the task description says.']);
    const bare = reviewPrompt({ task: { ...task, acceptanceCriteria: [] }, base: 'abc', diffStat: '', commits: [], specs: [{ path: 's.md', text: 'x' }] });
    expect(bare).toContain('1. The change does what the task description says.');
    expect(bare).toContain('(no changes)');
  });
});

describe('checking an answer', () => {
  it('accepts one verdict per criterion, in any order, and keeps each criterion’s text with it', () => {
    const check = checkReviewAnswer(
      answer(
        [
          { index: 3, verdict: 'cannot-tell', evidence: [], reasoning: 'No logger is configured in the tests.' },
          { index: 2 },
          { index: 1, evidence: [' test/notes.test.ts "refuses an empty title" '] },
        ],
        [' adds a CHANGELOG entry '],
      ),
      criteria,
    );
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.verdicts.map((v) => [v.index, v.criterion, v.verdict, v.evidence])).toEqual([
      [1, 'an empty title is refused with a message', 'met', ['test/notes.test.ts "refuses an empty title"']],
      [2, 'a title of 200 characters is accepted', 'met', ['src/notes.ts:12']],
      [3, 'the refusal is logged', 'cannot-tell', []],
    ]);
    expect(check.outsideTask).toEqual(['adds a CHANGELOG entry']);
  });

  it('lists every broken rule, so one repair can fix them all', () => {
    const check = checkReviewAnswer(answer([{ index: 1, evidence: [] }, { index: 1 }, { index: 4 }, { index: 2, verdict: 'not-met', evidence: ['  '], reasoning: ' ' }]), criteria);
    expect(check).toEqual({
      ok: false,
      problems: [
        'criterion 1 is met without evidence: name the file and line, or the test, that show it',
        'criterion 4 does not exist: the criteria are numbered 1 to 3',
        'criterion 2 is not-met without evidence: name the file and line, or the test, that show it',
        'criterion 2 has no reasoning: give one sentence',
        'criterion 1 is answered 2 times: answer each criterion once',
        'criterion 3 ("the refusal is logged") is not answered',
      ],
    });
  });

  it('says where an answer of the wrong shape is wrong', () => {
    const check = checkReviewAnswer({ criteria: [{ index: 1, verdict: 'probably', evidence: [], reasoning: 'x' }] }, criteria);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems.join('\n')).toMatch(/criteria\.0\.verdict: Invalid enum value/);
    expect(check.problems.join('\n')).toMatch(/outsideTask: Required/);
  });

  it('sends the answer back with its problems and the whole prompt', () => {
    const repair = reviewRepairPrompt('PROMPT\n', { criteria: [] }, ['criterion 1 ("a") is not answered']);
    expect(repair.startsWith('PROMPT\n')).toBe(true);
    expect(repair).toContain('{"criteria":[]}');
    expect(repair).toContain('- criterion 1 ("a") is not answered');
    expect(repair).toMatch(/every criterion, once each/);
  });
});

const verdict = (index: number, value: CriterionVerdict['verdict'], reasoning = `reason ${index}`): CriterionVerdict => ({
  index,
  criterion: criteria[index - 1]!,
  verdict: value,
  evidence: value === 'cannot-tell' ? [] : [`src/notes.ts:${index * 10}`],
  reasoning,
});

describe('the outcome and what the run does with it', () => {
  const reviewOf = (values: CriterionVerdict['verdict'][]): TaskReview => {
    const verdicts = values.map((v, i) => verdict(i + 1, v));
    return { attempt: 1, at: 'x', outcome: reviewOutcome(verdicts), verdicts, outsideTask: [], usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 } };
  };
  const settings = { autoRetry: 1, onUncertain: 'hold' as const };

  it('all met is accepted and merges', () => {
    const review = reviewOf(['met', 'met', 'met']);
    expect(review.outcome).toBe('accepted');
    expect(afterReview(review, [], settings)).toEqual({ action: 'merge' });
  });

  it('any not met is rejected: retried with the review as context while autoRetry allows, then failed', () => {
    const review = reviewOf(['met', 'not-met', 'cannot-tell']);
    expect(review.outcome).toBe('rejected');
    const first = afterReview(review, [], settings);
    expect(first).toMatchObject({ action: 'retry', reason: 'review: 1 of 3 criteria met; not met: 2 (reason 2)' });
    expect(first.action === 'retry' && first.context).toContain('found these criteria not met:\n\n2. a title of 200 characters is accepted');
    expect(afterReview(review, [{ outcome: 'rejected' }], settings)).toEqual({ action: 'fail', reason: 'review: 1 of 3 criteria met; not met: 2 (reason 2)' });
    expect(afterReview(review, [], { ...settings, autoRetry: 0 })).toMatchObject({ action: 'fail' });
    // An uncertain review before does not spend the retry.
    expect(afterReview(review, [{ outcome: 'uncertain' }], settings)).toMatchObject({ action: 'retry' });
  });

  it('only cannot-tell left is uncertain: held for the lead by default, merged with onUncertain: merge', () => {
    const review = reviewOf(['met', 'cannot-tell', 'met']);
    expect(review.outcome).toBe('uncertain');
    expect(afterReview(review, [], settings)).toEqual({ action: 'hold', reason: 'review: 2 of 3 criteria met; cannot tell: 2 (reason 2)' });
    expect(afterReview(review, [], { ...settings, onUncertain: 'merge' })).toEqual({ action: 'merge' });
  });

  it('holds an uncertain review unless the config says merge', () => {
    const config = validateConfig({});
    expect(config.ok && config.config.review).toEqual({ enabled: true, autoRetry: 1, model: null, maxBudgetUsd: 0.5, timeoutSeconds: 300, onUncertain: 'hold' });
    expect(validateConfig({ review: { onUncertain: 'maybe', autoRetry: -1, budget: 1 } })).toEqual({
      ok: false,
      errors: ['review.autoRetry: Number must be greater than or equal to 0', "review.onUncertain: Invalid enum value. Expected 'merge' | 'hold', received 'maybe'", 'review.budget: unknown key'],
    });
  });

  it('names the criteria not met, with the reasons, in one line', () => {
    const verdicts = [verdict(1, 'met'), verdict(2, 'not-met', 'Titles over 100 characters are cut.'), verdict(3, 'cannot-tell', 'No logger in the tests.')];
    expect(reviewSummary({ outcome: 'rejected', verdicts })).toBe('1 of 3 criteria met; not met: 2 (Titles over 100 characters are cut.)');
    expect(reviewSummary({ outcome: 'uncertain', verdicts: [verdict(1, 'met'), verdict(2, 'met'), verdicts[2]!] })).toBe('2 of 3 criteria met; cannot tell: 3 (No logger in the tests.)');
    expect(reviewSummary({ outcome: 'accepted', verdicts: [verdict(1, 'met')] })).toBe('1 of 1 criteria met');
  });

  it('tells a retried agent what was not met, where, and what it did outside the task', () => {
    const context = reviewRetryContext({
      verdicts: [verdict(1, 'met'), verdict(2, 'not-met', 'Titles over 100 characters are cut.'), verdict(3, 'cannot-tell', 'No logger in the tests.')],
      outsideTask: ['reformats src/store.ts'],
    });
    expect(context).toContain('A review of the previous attempt found these criteria not met:\n\n2. a title of 200 characters is accepted\n   Titles over 100 characters are cut. (src/notes.ts:20)');
    expect(context).toContain('3. the refusal is logged\n   No logger in the tests.');
    expect(context).toContain('- reformats src/store.ts');
    expect(context).not.toContain('an empty title is refused');
  });
});
