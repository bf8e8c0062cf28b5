/** Small text and list helpers shared by the core and the renderers. */

/** Cuts at a word boundary where one is close, and marks the cut with `…`. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space >= max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.\-–—]+$/, '')}…`;
}

/** A count with its noun in the right number: `1 commit`, `2 commits`, `3 statuses` (give the plural when it is not +s). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A number as people read it: at most one decimal, none when it is whole. */
export function formatNumber(n: number): string {
  return String(Number(n.toFixed(1)));
}

export function formatHours(hours: number): string {
  return `${formatNumber(hours)}h`;
}

/** Items grouped by key, in order of first appearance. */
export function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
