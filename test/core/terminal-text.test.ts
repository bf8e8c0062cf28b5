import { describe, expect, it } from 'vitest';
import { escapeControl, terminalSafe } from '../../src/ui/terminal-text.js';

describe('escapeControl', () => {
  it.each([
    ['OSC window title', '\u001b]0;owned\u0007', '\\x1b]0;owned\\x07'],
    ['OSC 8 hyperlink', '\u001b]8;;https://evil\u001b\\link\u001b]8;;\u001b\\', '\\x1b]8;;https://evil\\x1b\\link\\x1b]8;;\\x1b\\'],
    ['CSI clear screen', '\u001b[2J\u001b[H', '\\x1b[2J\\x1b[H'],
    ['C1 CSI', 'a\u009b31mb', 'a\\x9b31mb'],
    ['DEL and backspace', 'ab\u0008\u007f', 'ab\\x08\\x7f'],
    ['carriage return alone', 'safe\roverwritten', 'safe\\x0doverwritten'],
    ['bidi override', 'abc\u202edef', 'abc\\u202edef'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
  ])('%s is shown, not sent', (_name, input, shown) => {
    expect(escapeControl(input)).toBe(shown);
  });

  it('keeps newlines, tabs, CRLF line ends (as newlines) and ordinary Unicode', () => {
    expect(escapeControl('a\tb\nc')).toBe('a\tb\nc');
    expect(escapeControl('a\r\nb\u001b')).toBe('a\nb\\x1b');
    expect(escapeControl('Café → ✓ 日本')).toBe('Café → ✓ 日本');
  });

  it('is idempotent', () => {
    const once = escapeControl('\u001b]0;x\u0007');
    expect(escapeControl(once)).toBe(once);
  });
});

describe('terminalSafe', () => {
  it('escapes every string of a result, keeps numbers and shape, and treats __proto__ as a plain key', () => {
    const input = JSON.parse('{"title":"a\\u001b[2J","n":3,"tasks":[{"id":"T1","reason":"\\u0007"}],"__proto__":{"polluted":"\\u001b"}}') as Record<string, unknown>;
    const safe = terminalSafe(input);
    expect(safe).toEqual(JSON.parse('{"title":"a\\\\x1b[2J","n":3,"tasks":[{"id":"T1","reason":"\\\\x07"}],"__proto__":{"polluted":"\\\\x1b"}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
  });
});
