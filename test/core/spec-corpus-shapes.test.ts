/**
 * Real specs of each shape xplan reads, written by other people: every item found, whole, of the right kind, from the
 * right lines. The files are public documents kept byte for byte (test/fixtures/specs/corpus/SOURCE.md, test/fixtures/specs/shapes/SOURCE.md,
 * test/fixtures/recorded/README.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInventory, isWork, type InventoryItem } from '../../src/core/intake/inventory.js';
import { parseSpecs, type ParsedSpec } from '../../src/core/intake/spec.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const recorded = (name: string, file: string) => ({ path: `specs/${file}`, text: readFileSync(join(FIXTURES, 'recorded', name, 'specs', file), 'utf8') });
const corpus = (file: string, path = file) => ({ path, text: readFileSync(join(FIXTURES, 'specs/corpus', file), 'utf8') });
const shapes = (file: string, path = file) => ({ path, text: readFileSync(join(FIXTURES, 'specs/shapes', file), 'utf8') });

const plainText = (s: string) =>
  s
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
const lastWord = (s: string) => /([\p{L}\p{N}]+)[^\p{L}\p{N}]*$/u.exec(plainText(s))?.[1] ?? '';

/**
 * The paragraph or list item starting at `line`, as one text: the lines up to a blank line, a heading or the next
 * list item. An item read whole ends where its paragraph ends.
 */
function paragraphAt(text: string, line: number): string {
  const lines = text.split(/\r?\n/);
  const out = [lines[line - 1]!];
  if (/^\s*#/.test(out[0]!)) return out[0]!;
  for (let i = line; i < lines.length; i++) {
    const next = lines[i]!;
    if (!next.trim() || /^\s*(#|[-*+]\s|\d{1,3}[.)]\s|\||```)/.test(next)) break;
    out.push(next);
  }
  return out.join(' ');
}

function expectWholeItems(files: Array<{ path: string; text: string }>, items: InventoryItem[]): void {
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  for (const item of items.filter(isWork)) {
    expect(item.text, `${item.key} at ${item.file}:${item.line}`).not.toMatch(/…$/);
    // Items built from their heading and what follows (an OpenSpec scenario, a named story, a format) end elsewhere.
    if (item.origin || item.text.includes(' — ') || item.kind === 'story' || /^\s*(?:[-*+]|\d+[.)])?\s*\|/.test(paragraphAt(byPath.get(item.file)!, item.line))) continue;
    expect(lastWord(item.text), `${item.key} at ${item.file}:${item.line}: "${item.text}"`).toBe(lastWord(paragraphAt(byPath.get(item.file)!, item.line)));
  }
}

function read(files: Array<{ path: string; text: string }>): { specs: ParsedSpec[]; items: InventoryItem[]; keys: (kind: string) => InventoryItem[] } {
  const specs = parseSpecs(files);
  const { items } = buildInventory(specs);
  return { specs, items, keys: (kind) => items.filter((i) => i.kind === kind) };
}

describe('real specs, by shape', () => {
  it('spec-kit (excalidraw): stories by priority, FR and SC ids, edge-case questions as open questions', () => {
    const files = [recorded('speckit-excalidraw-double-headed-arrow-spec', 'speckit-excalidraw-double-headed-arrow-spec.md')];
    const { specs, items, keys } = read(files);
    expect(specs[0]!.format).toBe('spec-kit');
    expect(specs[0]!.kind).toBe('prd');
    expect(keys('story').map((i) => i.text.replace(/ - .*/, ''))).toEqual(['User Story 1', 'User Story 2', 'User Story 3']);
    expect(keys('requirement').filter((i) => /^FR-\d{3}$/.test(i.id ?? ''))).toHaveLength(12);
    expect(keys('acceptance').filter((i) => i.id?.startsWith('SC-'))).toHaveLength(6);
    expect(keys('question').map((q) => q.text)).toContain('What happens when a double-headed arrow has zero length (both endpoints at same position)?');
    expect(keys('acceptance').some((a) => a.text.startsWith('What happens'))).toBe(false);
    expectWholeItems(files, items);
  });

  it('spec-kit (floe): answered edge cases are criteria, whole', () => {
    const files = [shapes('speckit-floe-opentelemetry-spec.md')];
    const { items, keys } = read(files);
    expect(keys('acceptance').map((a) => a.text)).toContain('What happens when no OTLP endpoint is configured? System operates normally with telemetry disabled (no-op provider).');
    expect(keys('requirement').filter((i) => i.id?.startsWith('FR-')).length).toBeGreaterThanOrEqual(30);
    expectWholeItems(files, items);
  });

  it('BMAD (HarshJudge): FR/NFR ids, stories with numbered criteria, decisions as work after them', () => {
    const files = [recorded('bmad-harshjudge-prd', 'bmad-harshjudge-prd.md')];
    const { items, keys } = read(files);
    expect(keys('requirement').filter((i) => /^FR\d+:/.test(i.text)).length).toBeGreaterThan(20);
    const stories = keys('story');
    expect(stories.map((s) => s.text)).toContain('Story 1.8: Implement completeRun MCP Tool');
    expect(
      keys('acceptance')
        .filter((a) => a.of === stories.find((s) => s.text.startsWith('Story 1.8'))!.key)
        .map((a) => a.text),
    ).toContain('Tool validates run exists and is not already completed');
    const decisions = items.filter((i) => i.origin === 'decision');
    expect(decisions.map((d) => d.text)).toContain('Repository Structure: Monorepo — Single monorepo containing all project packages');
    // Numbered after every requirement found before them: the keys given before stay.
    expect(Math.min(...decisions.map((d) => Number(d.key.slice(1))))).toBe(keys('requirement').filter((i) => !i.origin).length + keys('story').length + 1);
    expectWholeItems(files, items);
  });

  it('Kiro (kythira): numbered requirements named by their user story, EARS criteria, the kind a technical spec', () => {
    const files = [
      recorded('kiro-kythira-membership-change', 'kiro-kythira-membership-change-requirements.md'),
      recorded('kiro-kythira-membership-change', 'kiro-kythira-membership-change-design.md'),
    ];
    const { specs, items, keys } = read(files);
    expect(specs[0]!.kind).toBe('technical-spec');
    expect(keys('requirement').filter((r) => r.file.endsWith('requirements.md')).length).toBeGreaterThanOrEqual(5);
    expect(keys('acceptance').every((a) => /\bSHALL\b/.test(a.text))).toBe(true);
    expectWholeItems(files, items);
  });

  it('OpenSpec: proposal, delta specs and tasks given together are one change, under the proposal title', () => {
    const change = 'openspec/changes/add-tracker-integration';
    const name = 'openspec-add-tracker-integration';
    const files = [
      { ...recorded(name, 'openspec-mcp-guide-add-tracker-integration-proposal.md'), path: `${change}/proposal.md` },
      { ...recorded(name, 'openspec-mcp-guide-add-tracker-integration-spec-workflow-flags.md'), path: `${change}/specs/workflow-flags/spec.md` },
      { ...recorded(name, 'openspec-mcp-guide-add-tracker-integration-spec-workflow.md'), path: `${change}/specs/workflow/spec.md` },
      shapes('openspec-mcp-guide-add-tracker-integration-tasks.md', `${change}/tasks.md`),
    ];
    const { specs, items, keys } = read(files);
    expect(specs.map((s) => s.change)).toEqual([
      { name: 'add-tracker-integration', part: 'proposal' },
      { name: 'add-tracker-integration', part: 'delta' },
      { name: 'add-tracker-integration', part: 'delta' },
      { name: 'add-tracker-integration', part: 'tasks' },
    ]);
    expect(new Set(specs.map((s) => s.title))).toEqual(new Set(['Add External Issue Tracker Integration']));
    expect(keys('requirement').map((r) => r.text)).toEqual([
      'Requirement: Tracker Feature Flag',
      'Requirement: Tracker Authentication',
      'Requirement: Issue Resolution from External Tracker',
      'Requirement: Tracker-Aware Queue Population',
      'Requirement: Tracker Context Variable',
    ]);
    // Every checklist line of tasks.md, the module section's included.
    expect(
      keys('acceptance')
        .filter((a) => a.file.endsWith('tasks.md'))
        .map((a) => a.text.split(' ')[0]),
    ).toEqual(['1.1', '1.2', '1.3', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '3.1', '3.2', '3.3', '3.4', '4.1', '4.2', '4.3', '5.1', '5.2', '6.1', '6.2', '6.3']);
    expectWholeItems(files, items);
  });

  it('a design doc / RFC (Go tool modules) and a bug write-up (unilang) are read whole', () => {
    for (const [name, file, kind] of [
      ['rfc-go-48429-tool-modules', 'rfc-go-48429-tool-modules.md', 'technical-spec'],
      ['bug-unilang-parser-026-empty-value-tokenization', 'bug-unilang-parser-026-empty-value-tokenization.md', 'debug-investigation'],
    ] as const) {
      const files = [recorded(name, file)];
      const { specs, items } = read(files);
      expect(specs[0]!.kind, file).toBe(kind);
      expectWholeItems(files, items);
    }
  });

  it('task-master (sample PRD): the roadmap is the work, each item with its step of the dependency chain', () => {
    const files = [corpus('taskmaster-sample-prd.md')];
    const { specs, items, keys } = read(files);
    expect(specs[0]!.format).toBe('taskmaster');
    const roadmap = keys('requirement').filter((r) => !r.origin);
    expect(roadmap.map((r) => r.line)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(roadmap.find((r) => r.text.startsWith('Implement backend POST'))).toMatchObject({ order: 5, dependsOn: ['R4', 'R5'] });
    expect(items.filter((i) => i.origin === 'mitigation').map((i) => i.line)).toEqual([66, 68]);
    expectWholeItems(files, items);
  });

  it('task-master (loop PRD): the options and presets tables are work, one item per row', () => {
    const files = [corpus('taskmaster-loop-prd.md')];
    const { items } = read(files);
    const rows = items.filter((i) => i.origin === 'command');
    expect(rows.map((r) => r.text.split(' — ')[0])).toEqual([
      '--iterations, -n',
      '--prompt, -p',
      '--progress-file',
      '--sleep',
      '--on-complete',
      '--tag',
      '--status',
      'default',
      'test-coverage',
      'linting',
      'duplication',
      'entropy',
    ]);
    expectWholeItems(files, items);
  });
});
