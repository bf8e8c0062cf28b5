/**
 * How xplan writes times: one duration style (`45s`, `1m32s`, `2h05m`) and one date style, local and ISO-like
 * (`2026-12-08 14:03`), with a relative form where a person asks "how long ago".
 */

const pad = (n: number) => String(n).padStart(2, '0');

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad(s % 60)}s`;
  return `${Math.floor(m / 60)}h${pad(m % 60)}m`;
}

/** A moment in local time, as `2026-12-08 14:03`; text that is no date is shown as it is. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** How far a moment is from now: `5m ago`, `in 2h10m`, `just now`. */
export function relativeTime(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  if (Number.isNaN(ms)) return iso;
  if (Math.abs(ms) < 1000) return 'just now';
  return ms < 0 ? `${formatDuration(-ms)} ago` : `in ${formatDuration(ms)}`;
}
