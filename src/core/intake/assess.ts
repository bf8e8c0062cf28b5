/**
 * Scope assessment: does a spec fit one agent, need several, or need splitting first? Pure.
 * Every driver carries its value, its thresholds and the spec lines it came from, so a verdict can be checked.
 */
import type { ThresholdRange, Thresholds } from '../config.js';
import type { EngineRun } from '../plan/plan.js';
import { EFFORT_HOURS, effortFromWords, hoursFloorFromLength, hoursFromText } from '../plan/effort.js';
import type { ParsedSpec, Requirement, SourceRef, SpecKind } from './spec.js';
import { formatNumber } from '../text.js';

export type Verdict = 'single-agent' | 'multi-agent' | 'decomposition-required';
export type Confidence = 'low' | 'medium' | 'high';
export type DriverId = 'requirements' | 'components' | 'integrations' | 'risks' | 'unknowns' | 'effortHours';

export interface Driver {
  id: DriverId;
  label: string;
  value: number;
  threshold: ThresholdRange;
  /** The verdict this driver alone argues for. */
  level: Verdict;
  /** Unknowns call for answers, not agents: they only lower confidence. */
  affects: 'verdict' | 'confidence';
  evidence: SourceRef[];
}

export interface Warning {
  code: string;
  message: string;
  evidence: SourceRef[];
}

export interface SplitSuggestion {
  file: string;
  title: string;
  line: number;
  requirements: number;
}

export interface Assessment {
  schemaVersion: 1;
  spec: { paths: string[]; kind: SpecKind | 'mixed'; title: string };
  verdict: Verdict;
  confidence: Confidence;
  reasons: string[];
  drivers: Driver[];
  warnings: Warning[];
  split: SplitSuggestion[];
  next: string;
  /** Set by the claude engine: the model and the tokens and cost of its calls. */
  engine?: EngineRun;
}

/** Lines with template blanks from which a spec counts as an unfilled template. */
const TEMPLATE_PLACEHOLDERS = 5;

/** Evidence kept per driver: enough to check the value, bounded so huge specs stay cheap to store. */
export const MAX_EVIDENCE = 50;

// Drivers that measure the amount of work. Unknowns only lower confidence: they call for answers, not agents.
const SIZE_DRIVERS: DriverId[] = ['requirements', 'components', 'integrations', 'risks', 'effortHours'];

export function requirementHours(requirement: Requirement): number {
  // Each acceptance criterion is a behaviour to build and test: about 0.3 agent-hours, however briefly worded.
  const fromCriteria = Math.round(requirement.acceptance.length * 0.6) / 2;
  // Chinese, Japanese and Korean are written without spaces between words: count their characters instead.
  const unspaced = `${requirement.text} ${requirement.details}`.match(/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/g)?.length ?? 0;
  const words = Math.max(requirement.words, Math.round(unspaced / 2.5));
  const hours = Math.max(EFFORT_HOURS[effortFromWords(words)], fromCriteria);
  return requirement.kind === 'non-functional' ? Math.max(hours, EFFORT_HOURS.S) : hours;
}

function levelOf(value: number, range: ThresholdRange): Verdict {
  if (value > range.multi) return 'decomposition-required';
  if (value > range.single) return 'multi-agent';
  return 'single-agent';
}

function bounded(evidence: SourceRef[]): SourceRef[] {
  return evidence.length > MAX_EVIDENCE ? evidence.slice(0, MAX_EVIDENCE) : evidence;
}

function shellQuote(path: string): string {
  return /^[\w./@:+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** Effort measured on a plan rather than on the text: its total and one line of evidence per task. */
export interface PlannedEffort {
  hours: number;
  evidence: SourceRef[];
}

export function assessSpecs(specs: ParsedSpec[], thresholds: Thresholds, planned?: PlannedEffort): Assessment {
  if (specs.length === 0) throw new Error('assessSpecs needs at least one spec');
  const requirements = specs.flatMap((s) => s.requirements);
  const components = specs.flatMap((s) => s.components);
  const integrations = specs.flatMap((s) => s.integrations);
  const risks = specs.flatMap((s) => s.risks);
  const unknowns = specs.flatMap((s) => s.openQuestions);

  // With a plan at hand its effort is the estimate: the assessment and the plan then say the same number.
  const { effortHours, effortEvidence } = planned ? { effortHours: planned.hours, effortEvidence: planned.evidence } : estimateEffort(specs);

  const driver = (id: DriverId, label: string, value: number, evidence: SourceRef[]): Driver => ({
    id,
    label,
    value,
    threshold: thresholds[id],
    level: levelOf(value, thresholds[id]),
    affects: SIZE_DRIVERS.includes(id) ? 'verdict' : 'confidence',
    evidence: bounded(evidence),
  });
  const drivers: Driver[] = [
    driver('requirements', 'Requirements and user stories', requirements.length, requirements),
    driver(
      'components',
      'Components',
      components.length,
      components.map((c) => ({ ...c.evidence, text: `${c.name}: ${c.evidence.text}` })),
    ),
    driver(
      'integrations',
      'Integration points',
      integrations.length,
      integrations.map((i) => ({ ...i.evidence, text: `${i.name}: ${i.evidence.text}` })),
    ),
    driver('risks', 'Risk factors', risks.length, risks),
    driver('unknowns', 'Open questions', unknowns.length, unknowns),
    driver('effortHours', 'Estimated effort (agent-hours)', effortHours, effortEvidence),
  ];

  const sized = decideVerdict(drivers);
  // A bug write-up names one cause and one fix: however long the write-up, agents in parallel would all edit the
  // same code. One agent fixes it, and the plan is one task.
  const oneFix = specs.every((s) => s.kind === 'debug-investigation') && sized.verdict === 'multi-agent';
  const { verdict, reasons } = oneFix
    ? {
        verdict: 'single-agent' as const,
        reasons: [`A bug write-up: one cause and one fix in the same code, so one agent (${sized.reasons[0]!.replace(/^More than one agent session: /, 'the size alone would say several: ')})`],
      }
    : sized;
  const confidence = decideConfidence(drivers, verdict, specs);
  const paths = specs.map((s) => s.file);
  const kinds = [...new Set(specs.map((s) => s.kind))];
  const split = verdict === 'decomposition-required' ? suggestSplit(specs) : [];

  return {
    schemaVersion: 1,
    spec: { paths, kind: kinds.length === 1 ? kinds[0]! : 'mixed', title: [...new Set(specs.map((s) => s.title))].join(' + ') },
    verdict,
    confidence,
    reasons,
    drivers,
    warnings: collectWarnings(specs, requirements, unknowns),
    split,
    next: nextCommand(verdict, paths, split),
  };
}

/**
 * Effort per spec: the sum of its requirements' sizes (or its text size when it has none), but never less than
 * its length implies. Evidence lists the largest items first.
 */
function estimateEffort(specs: ParsedSpec[]): { effortHours: number; effortEvidence: SourceRef[] } {
  let effortHours = 0;
  const items: Array<SourceRef & { hours: number }> = [];
  for (const spec of specs) {
    const fromText = spec.requirements.length === 0;
    const listed = fromText ? hoursFromText(spec.wordCount) : spec.requirements.reduce((sum, r) => sum + requirementHours(r), 0);
    const floor = hoursFloorFromLength(spec.wordCount);
    effortHours += Math.max(listed, floor);
    if (fromText) {
      items.push({ file: spec.file, line: 1, text: `${formatNumber(listed)}h from ${spec.wordCount} words of unstructured text`, hours: listed });
    } else if (floor > listed) {
      items.push({ file: spec.file, line: 1, text: `${formatNumber(floor)}h for ${spec.wordCount} words of spec (more than its requirements add up to: ${formatNumber(listed)}h)`, hours: floor });
    } else {
      for (const r of spec.requirements) items.push({ file: r.file, line: r.line, text: `${formatNumber(requirementHours(r))}h · ${r.text}`, hours: requirementHours(r) });
    }
  }
  items.sort((x, y) => y.hours - x.hours);
  return { effortHours, effortEvidence: items.map(({ hours: _hours, ...ref }) => ref) };
}

function decideVerdict(drivers: Driver[]): { verdict: Verdict; reasons: string[] } {
  const size = drivers.filter((d) => SIZE_DRIVERS.includes(d.id));
  const effort = drivers.find((d) => d.id === 'effortHours')!;
  const describe = (d: Driver, bound: number) => `${d.label.toLowerCase()} ${formatNumber(d.value)} > ${formatNumber(bound)}`;

  // One measure slightly over can be noise (a long glossary, a list of endpoints); effort, two measures, or one
  // measure at twice its bound are not.
  const overMulti = size.filter((d) => d.level === 'decomposition-required');
  // Components far over their line split a spec only when the work is large too: eighteen classes named in a
  // design of twenty agent-hours are one plan's work. Requirements far over theirs split it whatever their size.
  const farOver = overMulti.some((d) => d.value >= 2 * d.threshold.multi && (d.id !== 'components' || effort.value > effort.threshold.multi / 2));
  if (effort.level === 'decomposition-required' || overMulti.length >= 2 || farOver) {
    return {
      verdict: 'decomposition-required',
      reasons: [`Too large for one plan: ${overMulti.map((d) => describe(d, d.threshold.multi)).join(', ')}.`],
    };
  }
  const overSingle = size.filter((d) => d.level !== 'single-agent');
  // When the work fits one session, a count just over its line (9 items where 8 fit) does not outweigh it: only
  // counts clearly over it (by a quarter) argue for more agents.
  const clearlyOver = overSingle.filter((d) => d === effort || d.value > d.threshold.single * 1.25);
  if (effort.level !== 'single-agent' || clearlyOver.length >= 2) {
    return {
      verdict: 'multi-agent',
      reasons: [`More than one agent session: ${overSingle.map((d) => describe(d, d.threshold.single)).join(', ')}.`],
    };
  }
  const reasons =
    overSingle.length === 1
      ? [`Only one measure is above the single-agent threshold (${describe(overSingle[0]!, overSingle[0]!.threshold.single)}); the work still fits one agent.`]
      : ['Every measure is within the single-agent thresholds.'];
  return { verdict: 'single-agent', reasons };
}

function decideConfidence(drivers: Driver[], verdict: Verdict, specs: ParsedSpec[]): Confidence {
  let score = 2;
  // Borderline: the verdict rests on measures that barely crossed a bound, or one is close to the next bound.
  const size = drivers.filter((d) => SIZE_DRIVERS.includes(d.id));
  const clearlyOver = (bound: (d: Driver) => number) => size.some((d) => d.value > bound(d) * 1.25);
  const near = (bound: (d: Driver) => number) => size.some((d) => d.value > bound(d) * 0.75);
  const single = (d: Driver) => d.threshold.single;
  const multi = (d: Driver) => d.threshold.multi;
  const borderline = verdict === 'decomposition-required' ? !clearlyOver(multi) : verdict === 'multi-agent' ? !clearlyOver(single) || near(multi) : near(single);
  if (borderline) score--;
  const unknowns = drivers.find((d) => d.id === 'unknowns')!;
  if (unknowns.level !== 'single-agent') score--;
  // Long text with nothing recognisable as a requirement means the measures saw little of the spec.
  if (specs.some((s) => s.requirements.length === 0 && s.wordCount > 400)) score--;
  // A template measures its own length, not work anyone asked for.
  if (specs.some((s) => s.placeholders.length >= TEMPLATE_PLACEHOLDERS)) score = 0;
  return (['low', 'medium', 'high'] as const)[Math.max(0, score)]!;
}

function collectWarnings(specs: ParsedSpec[], requirements: Requirement[], unknowns: SourceRef[]): Warning[] {
  const warnings: Warning[] = [];
  if (unknowns.length > 0) {
    warnings.push({
      code: 'OPEN_QUESTIONS',
      message: `${unknowns.length} open question${unknowns.length === 1 ? '' : 's'} to answer before agents start`,
      evidence: bounded(unknowns),
    });
  }
  const acceptanceTotal = specs.reduce((n, s) => n + s.acceptance.length, 0);
  if (requirements.length > 0 && acceptanceTotal === 0) {
    warnings.push({
      code: 'NO_ACCEPTANCE_CRITERIA',
      message: 'No acceptance criteria found: agents will have nothing concrete to verify against',
      evidence: [],
    });
  } else {
    const uncovered = requirements.filter((r) => r.acceptance.length === 0 && r.kind !== 'non-functional');
    if (uncovered.length > 0) {
      warnings.push({
        code: 'REQUIREMENTS_WITHOUT_ACCEPTANCE',
        message: `${uncovered.length} of ${requirements.length} requirements have no acceptance criteria`,
        evidence: bounded(uncovered),
      });
    }
  }
  for (const spec of specs) {
    if (spec.placeholders.length >= TEMPLATE_PLACEHOLDERS) {
      warnings.push({
        code: 'TEMPLATE',
        message: `${spec.file} looks like a template: ${spec.placeholders.length} lines hold blanks such as "[Name]"; fill them in before planning`,
        evidence: bounded(spec.placeholders),
      });
    }
    if (spec.requirements.length === 0 && spec.wordCount > 150) {
      warnings.push({
        code: 'NO_REQUIREMENTS',
        message: `No requirements recognised in ${spec.file}: effort was estimated from the length of the text`,
        evidence: [],
      });
    }
  }
  return warnings;
}

/** Sections to split a too-large spec by: the outermost heading level that divides its requirements. */
function suggestSplit(specs: ParsedSpec[]): SplitSuggestion[] {
  const suggestions: SplitSuggestion[] = [];
  for (const spec of specs) {
    const levels = [...new Set(spec.headings.map((h) => h.level))].sort((a, b) => a - b);
    for (const level of levels) {
      const sections = spec.headings.filter((h) => h.level === level);
      if (sections.length < 2) continue;
      // Requirements and headings are both in line order: one merge pass counts each section's requirements.
      const counts = sections.map((h) => ({ file: spec.file, title: h.text, line: h.line, requirements: 0 }));
      let section = -1;
      for (const requirement of spec.requirements) {
        while (section + 1 < sections.length && sections[section + 1]!.line <= requirement.line) section++;
        if (section >= 0) counts[section]!.requirements++;
      }
      const withWork = counts.filter((c) => c.requirements > 0);
      if (withWork.length >= 2) {
        suggestions.push(...withWork);
        break;
      }
    }
  }
  return suggestions;
}

function nextCommand(verdict: Verdict, paths: string[], split: SplitSuggestion[]): string {
  const specArgs = paths.map(shellQuote).join(' ');
  if (verdict !== 'decomposition-required') return `xplan plan ${specArgs}`;
  if (split.length > 0) return `split the spec into one spec per section listed, then run xplan assess on each`;
  return `split the spec into smaller specs (one per epic), then run xplan assess on each`;
}
