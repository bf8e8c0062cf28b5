import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConflictHistory } from '../../src/adapters/store/conflict-history.js';
import { InputError } from '../../src/core/errors.js';
import {
  admit,
  clashes,
  guardFile,
  parseConflictHistory,
  predictedFiles,
  recomputeTable,
  release,
  reservationBrief,
  reserve,
  waitingOn,
  type ReservationTable,
} from '../../src/core/run/reservations.js';
import { parseSpec } from '../../src/core/intake/spec.js';

const AT = '2026-01-01T00:00:00.000Z';
const holder = (taskId: string, agent: number, exclusive?: boolean) => ({ taskId, agent, since: AT, ...(exclusive === undefined ? {} : { exclusive }) });

describe('reserve and release', () => {
  it('adds, replaces and removes a task reservation', () => {
    let table: ReservationTable = [];
    table = reserve(table, holder('T1', 1), ['./src/shared.ts', 'src/shared.ts', 'src/api/']);
    expect(table).toEqual([{ taskId: 'T1', agent: 1, patterns: ['src/shared.ts', 'src/api/**'], exclusive: true, since: AT }]);
    table = reserve(table, holder('T1', 4), ['docs/**']);
    expect(table).toHaveLength(1);
    expect(table[0]).toMatchObject({ agent: 4, patterns: ['docs/**'] });
    table = reserve(table, holder('T2', 2, false), ['lib/*.ts']);
    expect(release(table, 'T1').map((r) => r.taskId)).toEqual(['T2']);
    expect(release(table, 'T9')).toBe(table);
  });

  it('holds nothing for a task with no predicted files', () => {
    expect(reserve([], holder('T1', 1), [])).toEqual([]);
  });

  it('refuses an unusable pattern with the task and the fix', () => {
    expect(() => reserve([], holder('T3', 1), ['src/[oops.ts'])).toThrow(InputError);
    expect(() => reserve([], holder('T3', 1), ['src/[oops.ts'])).toThrow(/Task T3: `src\/\[oops.ts` is not a usable file pattern/);
  });
});

describe('clashes', () => {
  const table: ReservationTable = [
    { taskId: 'T1', agent: 1, patterns: ['src/shared.ts', 'src/api/**'], exclusive: true, since: AT },
    { taskId: 'T2', agent: 2, patterns: ['docs/*.md'], exclusive: false, since: AT },
  ];
  const cases: Array<{ name: string; task: string; patterns: string[]; exclusive?: boolean; expected: Array<{ heldBy: string; file: string }> }> = [
    { name: 'the same file', task: 'T3', patterns: ['src/shared.ts'], expected: [{ heldBy: 'T1', file: 'src/shared.ts' }] },
    { name: 'a file under a held directory', task: 'T3', patterns: ['src/api/users.ts'], expected: [{ heldBy: 'T1', file: 'src/api/users.ts' }] },
    { name: 'a glob covering a held file names the file', task: 'T3', patterns: ['src/*.ts'], expected: [{ heldBy: 'T1', file: 'src/shared.ts' }] },
    { name: 'unrelated files', task: 'T3', patterns: ['lib/x.ts', 'README.md'], expected: [] },
    { name: 'its own reservation', task: 'T1', patterns: ['src/shared.ts'], expected: [] },
    { name: 'shared against shared', task: 'T3', patterns: ['docs/guide.md'], exclusive: false, expected: [] },
    { name: 'exclusive against shared', task: 'T3', patterns: ['docs/guide.md'], expected: [{ heldBy: 'T2', file: 'docs/guide.md' }] },
    { name: 'shared against exclusive', task: 'T3', patterns: ['src/shared.ts'], exclusive: false, expected: [{ heldBy: 'T1', file: 'src/shared.ts' }] },
  ];
  it.each(cases)('$name', ({ task, patterns, exclusive, expected }) => {
    expect(clashes(table, task, patterns, exclusive).map(({ heldBy, file }) => ({ heldBy, file }))).toEqual(expected);
  });

  it('waitingOn names the first holder and its file', () => {
    expect(waitingOn(table, 'T3', ['lib/a.ts', 'src/api/x.ts'])).toEqual({ taskId: 'T1', file: 'src/api/x.ts' });
    expect(waitingOn(table, 'T3', ['lib/a.ts'])).toBeUndefined();
  });
});

describe('admit', () => {
  it('lets a dispatch round in, in order, and makes a later clashing candidate wait for an earlier one', () => {
    const running: ReservationTable = [{ taskId: 'T1', agent: 1, patterns: ['src/db.ts'], exclusive: true, since: AT }];
    const round = admit(
      running,
      [
        { taskId: 'T2', agent: 2, patterns: ['src/shared.ts'] },
        { taskId: 'T3', agent: 3, patterns: ['src/*.ts'] },
        { taskId: 'T4', agent: 4, patterns: ['docs/a.md'] },
        { taskId: 'T5', agent: 5, patterns: [] },
      ],
      AT,
    );
    expect(round.admitted).toEqual(['T2', 'T4', 'T5']);
    expect(round.waiting).toEqual([{ taskId: 'T3', heldBy: 'T1', file: 'src/db.ts' }]);
    expect(round.table.map((r) => r.taskId)).toEqual(['T1', 'T2', 'T4']);
  });
});

describe('recomputeTable', () => {
  it('rebuilds from the running tasks only, the earlier dispatch keeping a contested file', () => {
    const table = recomputeTable(
      [
        { taskId: 'T1', agent: 1, patterns: ['src/shared.ts'] },
        { taskId: 'T2', agent: 2, patterns: ['src/shared.ts', 'src/b.ts'] },
        { taskId: 'T3', agent: 3, patterns: ['src/c.ts'] },
      ],
      AT,
    );
    expect(table.map((r) => r.taskId)).toEqual(['T1', 'T3']);
  });
});

describe('predictedFiles', () => {
  const spec = parseSpec(
    [
      '# Shop',
      '## Requirements',
      '- FR-1: Users can sign in.',
      '  Sessions live in `src/auth/session.ts`.',
      '- FR-2: Carts are saved.',
      '  The cart store is `src/cart/store.ts` and it uses `src/shared.ts`.',
      '',
    ].join('\n'),
    'spec.md',
  );

  it('takes the task files, the files the spec names in what the task covers, and the conflict history', () => {
    const history = parseConflictHistory(
      [JSON.stringify({ run: 'r1', tasks: ['T2', 'T5'], files: ['src/cart/total.ts'], at: AT }), JSON.stringify({ run: 'r1', tasks: ['T1', 'T5'], files: ['src/auth/other.ts'], at: AT })].join('\n'),
    ).records;
    const task = { id: 'T2', files: ['src/cart/'], sources: [{ file: 'spec.md', line: 5, ref: 'FR-2' }] };
    expect(predictedFiles(task, { specs: [spec], history })).toEqual(['src/cart/**', 'src/cart/store.ts', 'src/shared.ts', 'src/cart/total.ts']);
  });

  it('leaves out patterns it cannot use, and works without spec or history', () => {
    expect(predictedFiles({ id: 'T1', files: ['src/[bad', 'ok.ts', ''], sources: [{ file: 'other.md', line: 3, ref: 'x' }] })).toEqual(['ok.ts']);
  });
});

describe('parseConflictHistory', () => {
  it('skips lines that are not conflict records and says which', () => {
    const text = ['{"run":"a","tasks":["T1"],"files":["x.ts"],"at":"t"}', 'not json', '{"run":"b","tasks":"T1","files":[]}', '', '[]'].join('\n');
    const parsed = parseConflictHistory(text);
    expect(parsed.records).toEqual([{ run: 'a', tasks: ['T1'], files: ['x.ts'], at: 't' }]);
    expect(parsed.skippedLines).toEqual([2, 3, 5]);
  });
});

describe('guard file and prompt brief', () => {
  const table: ReservationTable = [
    { taskId: 'T1', agent: 1, patterns: ['src/shared.ts'], exclusive: true, since: AT },
    { taskId: 'T2', agent: 2, patterns: ['src/**/*.css'], exclusive: true, since: AT },
  ];

  it('carries compiled patterns that match what the globs match', () => {
    const file = guardFile('run-1', table, AT);
    const [, css] = file.reservations;
    expect(new RegExp(css!.regexes[0]!).test('src/ui/a.css')).toBe(true);
    expect(new RegExp(css!.regexes[0]!).test('src/ui/a.ts')).toBe(false);
    expect(file).toMatchObject({ version: 1, runId: 'run-1', updatedAt: AT });
  });

  it('tells a task its own files and the others', () => {
    expect(reservationBrief(table, 'T1')).toEqual({ own: ['src/shared.ts'], heldByOthers: [{ taskId: 'T2', patterns: ['src/**/*.css'] }] });
  });
});

describe('readConflictHistory', () => {
  it('reads the history file, and treats a missing one as empty', async () => {
    const xplanDir = mkdtempSync(join(tmpdir(), 'xplan-history-'));
    expect(await readConflictHistory(xplanDir)).toMatchObject({ records: [], skippedLines: [] });
    mkdirSync(join(xplanDir, 'history'));
    writeFileSync(join(xplanDir, 'history', 'conflicts.jsonl'), `${JSON.stringify({ run: 'r', tasks: ['T1', 'T2'], files: ['src/shared.ts'], at: AT })}\n{broken\n`);
    expect(await readConflictHistory(xplanDir)).toMatchObject({ records: [{ tasks: ['T1', 'T2'], files: ['src/shared.ts'] }], skippedLines: [2] });
  });
});
