/** One style for durations and dates across the CLI, the report and the live lines. */
import { describe, expect, it } from 'vitest';
import { formatDate, formatDuration, relativeTime } from '../../src/ui/time-format.js';
import { scopeRatio } from '../../src/ui/render-report-html.js';

describe('time formats', () => {
  it('writes durations one way, never dropping the seconds or minutes of a round number', () => {
    expect([0, 45_000, 92_000, 120_000, 3_600_000, 7_500_000].map(formatDuration)).toEqual(['0s', '45s', '1m32s', '2m00s', '1h00m', '2h05m']);
  });

  it('writes dates local and ISO-like, to the minute', () => {
    const d = new Date(2026, 11, 8, 14, 3, 59);
    expect(formatDate(d.toISOString())).toBe('2026-12-08 14:03');
    expect(formatDate('not a date')).toBe('not a date');
  });

  it('says how long ago or how soon', () => {
    const now = new Date('2026-12-08T14:00:00Z');
    expect(relativeTime('2026-12-08T13:55:00Z', now)).toBe('5m00s ago');
    expect(relativeTime('2026-12-08T16:10:00Z', now)).toBe('in 2h10m');
    expect(relativeTime('2026-12-08T14:00:00Z', now)).toBe('just now');
  });

  it('shows scope accuracy only when enough work is finished to say something', () => {
    expect(scopeRatio({ ratio: null })).toBeUndefined();
    expect(scopeRatio({ ratio: 0 })).toBeUndefined();
    expect(scopeRatio({ ratio: 0.4 })).toBe('×0.4');
  });
});
