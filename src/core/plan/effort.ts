/** Effort sizing shared by the assessment and the planner. Hours are agent-hours of focused work. */
export type Effort = 'XS' | 'S' | 'M' | 'L' | 'XL';

export const EFFORT_HOURS: Record<Effort, number> = { XS: 0.5, S: 1, M: 2, L: 4, XL: 8 };

/** Sizes a piece of work by how much the spec says about it. */
export function effortFromWords(words: number): Effort {
  if (words <= 12) return 'XS';
  if (words <= 35) return 'S';
  if (words <= 90) return 'M';
  if (words <= 220) return 'L';
  return 'XL';
}

/** Hours for a spec with no recognisable requirements: proportional to its text. */
export function hoursFromText(words: number): number {
  return Math.max(0.5, Math.round(words / 30) / 2);
}

/**
 * The least effort a spec of this length stands for, whatever its requirement list says: design sections,
 * flows and test plans describe work too. One agent-hour per 120 words.
 */
export function hoursFloorFromLength(words: number): number {
  return Math.round(words / 60) / 2;
}
