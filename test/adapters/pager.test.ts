/** When long output goes through the pager, and which pager it is. */
import { describe, expect, it } from 'vitest';
import { pagerFor, type PagerQuestion } from '../../src/adapters/terminal/pager.js';

const tall: PagerQuestion = { isTTY: true, rows: 10, lines: 40, json: false, live: false, noPager: false, env: {} };

describe('pagerFor', () => {
  it('pages text taller than the terminal through less with LESS=FRX, as git does', () => {
    expect(pagerFor(tall)).toEqual({ command: 'less', env: { LESS: 'FRX' } });
  });

  it('keeps the LESS the user set', () => {
    expect(pagerFor({ ...tall, env: { LESS: '-S' } })).toEqual({ command: 'less', env: { LESS: '-S' } });
  });

  it('prefers $XPLAN_PAGER, then $PAGER', () => {
    expect(pagerFor({ ...tall, env: { XPLAN_PAGER: 'most', PAGER: 'more' } })?.command).toBe('most');
    expect(pagerFor({ ...tall, env: { PAGER: 'more -d' } })?.command).toBe('more -d');
  });

  it('prints directly when XPLAN_PAGER (or PAGER) is cat or empty', () => {
    expect(pagerFor({ ...tall, env: { XPLAN_PAGER: 'cat', PAGER: 'more' } })).toBeUndefined();
    expect(pagerFor({ ...tall, env: { XPLAN_PAGER: '', PAGER: 'more' } })).toBeUndefined();
    expect(pagerFor({ ...tall, env: { PAGER: 'cat' } })).toBeUndefined();
  });

  it('prints directly what fits the terminal', () => {
    expect(pagerFor({ ...tall, lines: 10 })).toBeUndefined();
    expect(pagerFor({ ...tall, lines: 11 })).toBeDefined();
  });

  it('never pages piped output, --json, live frames, --no-pager, or a terminal of unknown height', () => {
    expect(pagerFor({ ...tall, isTTY: false })).toBeUndefined();
    expect(pagerFor({ ...tall, json: true })).toBeUndefined();
    expect(pagerFor({ ...tall, live: true })).toBeUndefined();
    expect(pagerFor({ ...tall, noPager: true })).toBeUndefined();
    expect(pagerFor({ ...tall, rows: undefined })).toBeUndefined();
  });
});
