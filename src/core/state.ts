/**
 * The shape of `.xplan/state.json`. Unknown top-level fields are kept, so a newer xplan's state survives an
 * older one's write.
 */
import { z } from 'zod/v3';
import type { Assessment } from './assess.js';
import type { Plan } from './plan.js';
import type { RunState } from './run.js';

export const STATE_SCHEMA_VERSION = 1;

const SpecRefSchema = z.object({
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
});

export const StateSchema = z
  .object({
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    revision: z.number().int().nonnegative(),
    updatedAt: z.string(),
    specs: z.array(SpecRefSchema).default([]),
    assessment: z.custom<Assessment>((value) => typeof value === 'object' && value !== null && 'verdict' in value).optional(),
    // The current run, kept by `xplan run`; while it is active the plan must not change.
    run: z.custom<RunState>((value) => typeof value === 'object' && value !== null && typeof (value as RunState).id === 'string' && typeof (value as RunState).status === 'string').optional(),
    plan: z.custom<Plan>((value) => typeof value === 'object' && value !== null && Array.isArray((value as Plan).tasks)).optional(),
  })
  .passthrough();

export type State = z.infer<typeof StateSchema>;

export function emptyState(now: string): State {
  return { schemaVersion: STATE_SCHEMA_VERSION, revision: 0, updatedAt: now, specs: [] };
}

export type StateValidation = { ok: true; state: State } | { ok: false; reason: string };

export function validateState(input: unknown): StateValidation {
  const result = StateSchema.safeParse(input);
  if (result.success) return { ok: true, state: result.data };
  const issue = result.error.issues[0]!;
  return { ok: false, reason: `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` };
}
