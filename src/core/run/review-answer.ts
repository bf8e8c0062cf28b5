/**
 * The check of a reviewer's answer, apart from the rest of the review so that the run state (which every command
 * reads) does not load the schema library: only the reviewer needs it.
 */
import { z } from 'zod/v3';
import { CRITERION_VERDICTS, type CriterionVerdict } from './review.js';

const ReviewAnswerSchema = z
  .object({
    criteria: z.array(
      z
        .object({
          index: z.number().int(),
          verdict: z.enum(CRITERION_VERDICTS),
          evidence: z.array(z.string()),
          reasoning: z.string(),
        })
        .strict(),
    ),
    outsideTask: z.array(z.string()),
  })
  .strict();

export type ReviewAnswer = z.infer<typeof ReviewAnswerSchema>;

export type ReviewCheck = { ok: true; verdicts: CriterionVerdict[]; outsideTask: string[] } | { ok: false; problems: string[] };

/**
 * Checks an answer against the task's criteria: the shape, every criterion answered exactly once by its number,
 * evidence for every `met` and `not-met`, and a reason for each. The problems are written to be sent back as they are.
 */
export function checkReviewAnswer(answer: unknown, criteria: string[]): ReviewCheck {
  const parsed = ReviewAnswerSchema.safeParse(answer);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'the answer'}: ${issue.message}`) };
  }
  const problems: string[] = [];
  const seen = new Map<number, number>();
  for (const entry of parsed.data.criteria) {
    if (entry.index < 1 || entry.index > criteria.length) {
      problems.push(`criterion ${entry.index} does not exist: the criteria are numbered 1 to ${criteria.length}`);
      continue;
    }
    seen.set(entry.index, (seen.get(entry.index) ?? 0) + 1);
    const evidence = entry.evidence.filter((e) => e.trim());
    if (entry.verdict !== 'cannot-tell' && evidence.length === 0) {
      problems.push(`criterion ${entry.index} is ${entry.verdict} without evidence: name the file and line, or the test, that show it`);
    }
    if (!entry.reasoning.trim()) problems.push(`criterion ${entry.index} has no reasoning: give one sentence`);
  }
  for (const [index, count] of seen) if (count > 1) problems.push(`criterion ${index} is answered ${count} times: answer each criterion once`);
  for (let index = 1; index <= criteria.length; index++) if (!seen.has(index)) problems.push(`criterion ${index} ("${criteria[index - 1]}") is not answered`);
  if (problems.length > 0) return { ok: false, problems };
  const verdicts = [...parsed.data.criteria]
    .sort((a, b) => a.index - b.index)
    .map((entry) => ({
      index: entry.index,
      criterion: criteria[entry.index - 1]!,
      verdict: entry.verdict,
      evidence: entry.evidence.map((e) => e.trim()).filter(Boolean),
      reasoning: entry.reasoning.trim(),
    }));
  return { ok: true, verdicts, outsideTask: parsed.data.outsideTask.map((o) => o.trim()).filter(Boolean) };
}
