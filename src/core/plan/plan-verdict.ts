/**
 * The verdict a plan states about itself: one agent or several, how sure, how much work, and the measures (with the
 * spec lines they came from) that decided it. Derived from the assessment the planner made; pure.
 */
import type { Assessment, Confidence, DriverId, Verdict } from '../intake/assess.js';
import type { ThresholdRange } from '../config.js';
import type { Plan } from './plan.js';
import { formatNumber } from '../text.js';

export interface VerdictSource {
  file: string;
  line: number;
}

export interface VerdictReason {
  /** `effort 24h > 8h`, `open questions 3 > 2, lowers confidence`. */
  text: string;
  driver: DriverId;
  /** The spec lines behind the measure, the weightiest first. */
  sources: VerdictSource[];
}

export interface PlanAssessment {
  verdict: Verdict;
  confidence: Confidence;
  effortHours: number;
  /** The assessment's own explanation of the verdict. */
  summary: string[];
  /** At most three: the measures that decided the verdict, the furthest over their bound first. */
  reasons: VerdictReason[];
  drivers: Array<{ id: DriverId; label: string; value: number; threshold: ThresholdRange; level: Verdict; affects: 'verdict' | 'confidence'; sources: VerdictSource[] }>;
}

const REASONS_SHOWN = 3;
const SHORT_NAME: Record<DriverId, string> = {
  requirements: 'requirements',
  components: 'components',
  integrations: 'integrations',
  risks: 'risk factors',
  unknowns: 'open questions',
  effortHours: 'effort',
};

/** The assessment as a plan states it; undefined when it is not about this plan's specs (or there is none). */
export function planAssessment(assessment: Assessment | undefined, plan: Plan): PlanAssessment | undefined {
  if (!assessment || assessment.spec.paths.join('\n') !== plan.spec.paths.join('\n')) return undefined;
  const drivers = assessment.drivers.map((d) => ({
    id: d.id,
    label: d.label,
    value: d.value,
    threshold: d.threshold,
    level: d.level,
    affects: d.affects,
    sources: distinctLines(d.evidence),
  }));
  const effort = drivers.find((d) => d.id === 'effortHours');
  const bound = (d: (typeof drivers)[number]) => (d.level === 'decomposition-required' ? d.threshold.multi : d.threshold.single);
  const ratio = (d: (typeof drivers)[number]) => d.value / Math.max(bound(d), 1);
  const sizing = drivers.filter((d) => d.affects === 'verdict');
  // Several agents: the measures over their bound say why. One agent: effort within its bound says it, with the
  // measures closest to theirs.
  const deciding =
    assessment.verdict === 'single-agent'
      ? [...(effort ? [effort] : []), ...sizing.filter((d) => d !== effort && d.value > 0).sort((a, b) => ratio(b) - ratio(a))]
      : sizing.filter((d) => d.level !== 'single-agent').sort((a, b) => ratio(b) - ratio(a));
  const doubts = drivers.filter((d) => d.affects === 'confidence' && d.level !== 'single-agent');
  const reasons = [...deciding.slice(0, REASONS_SHOWN - Math.min(doubts.length, 1)), ...doubts].slice(0, REASONS_SHOWN).map((d) => {
    const over = d.value > bound(d);
    const value = d.id === 'effortHours' ? (n: number) => `${formatNumber(n)}h` : formatNumber;
    const text = `${SHORT_NAME[d.id]} ${value(d.value)} ${over ? '>' : '≤'} ${value(bound(d))}${d.affects === 'confidence' ? ', lowers confidence' : ''}`;
    return { text, driver: d.id, sources: d.sources };
  });
  return {
    verdict: assessment.verdict,
    confidence: assessment.confidence,
    effortHours: effort?.value ?? plan.summary.totalHours,
    summary: assessment.reasons,
    reasons,
    drivers,
  };
}

/** Each spec line once, in the order the assessment weighed them (an effort estimate may count a line twice). */
function distinctLines(evidence: VerdictSource[]): VerdictSource[] {
  const seen = new Set<string>();
  return evidence.filter(({ file, line }) => !seen.has(`${file}:${line}`) && seen.add(`${file}:${line}`)).map(({ file, line }) => ({ file, line }));
}
