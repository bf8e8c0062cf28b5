/** The one colour decision: flags and the environment over the terminal. */
import { describe, expect, it } from 'vitest';
import { colorEnabled } from '../../src/ui/theme.js';

describe('colour', () => {
  const on = { env: {}, isTTY: true, noColorFlag: false, json: false };
  it('follows the terminal unless NO_COLOR, --no-color, --json or FORCE_COLOR decide', () => {
    expect(colorEnabled(on)).toBe(true);
    expect(colorEnabled({ ...on, isTTY: false })).toBe(false);
    expect(colorEnabled({ ...on, env: { NO_COLOR: '1' } })).toBe(false);
    expect(colorEnabled({ ...on, noColorFlag: true })).toBe(false);
    expect(colorEnabled({ ...on, json: true, env: { FORCE_COLOR: '1' } })).toBe(false);
    expect(colorEnabled({ ...on, isTTY: false, env: { FORCE_COLOR: '1' } })).toBe(true);
  });

  it('is off with FORCE_COLOR=0 or false, even on a terminal', () => {
    expect(colorEnabled({ ...on, env: { FORCE_COLOR: '0' } })).toBe(false);
    expect(colorEnabled({ ...on, env: { FORCE_COLOR: 'false' } })).toBe(false);
  });
});
