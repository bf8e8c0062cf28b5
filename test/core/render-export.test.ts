/** What `xplan export beads` prints: one line per issue by default, every call on a dry run or with --verbose. */
import { describe, expect, it } from 'vitest';
import { emptyCounts, type ExportResult } from '../../src/core/beads/beads-export.js';
import { renderExport } from '../../src/ui/render-export.js';
import { plainTheme } from '../../src/ui/theme.js';

const result: ExportResult = {
  mode: 'bd',
  dryRun: false,
  tool: 'bd',
  version: '1.0.5',
  prefix: 'acme',
  creation: 'graph',
  actions: [
    'create 2 issues and 1 dependencies in one transaction (bd create --graph):',
    '  create acme-1 "Greeting files"',
    '  create acme-2 "T1 Write the hello file" under acme-1 "Greeting files"',
    '  dep add acme-2 "T1 Write the hello file" depends on acme-1 "Greeting files"',
    'update acme-2 "T1 Write the hello file": --acceptance --estimate (not in the graph format)',
    'update acme-3 "T2 Write the world file": --title',
    'dep remove acme-3 "T2 Write the world file" depends on acme-2 "T1 Write the hello file"',
  ],
  notes: [],
  counts: { ...emptyCounts(), created: 2, updated: 1, dependenciesAdded: 1, dependenciesRemoved: 1 },
  mapping: {},
};

describe('renderExport', () => {
  it('says one line per issue created or updated, and counts the links', () => {
    expect(renderExport(result, plainTheme, false)).toBe(
      [
        '✓ Exported to bd 1.0.5 (prefix acme): 2 created (new issues in one transaction), 1 updated, 0 unchanged; dependencies +1 −1.',
        '  create acme-1 "Greeting files"',
        '  create acme-2 "T1 Write the hello file" under acme-1 "Greeting files"',
        '  update acme-3 "T2 Write the world file": --title',
      ].join('\n'),
    );
  });

  it('lists every call, links and follow-up details too, when asked for detail', () => {
    const text = renderExport(result, plainTheme, true);
    for (const action of result.actions) expect(text).toContain(action);
  });
});
