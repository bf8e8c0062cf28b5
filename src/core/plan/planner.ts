/**
 * The heuristic planning engine: embedded, deterministic, offline. Turns parsed specs into a task DAG.
 *
 * 1. Work units: features stay whole; one-line requirements are grouped by section and layer and cut into
 *    tasks of a few agent-hours; stories are covered by the requirements that implement them.
 * 2. Dependencies: explicit id references, shared foundations (setup, data model), layer order
 *    (data → core → API/CLI → UI) within a section, and story priority where stories share a layer.
 * 3. Test strategy per task, building the structure it promises (test-first and test-parallel tasks).
 * 4. Guards: DAG check, over-decomposition range, tiny tasks, consolidation to --max-tasks.
 */
import type { Assessment } from '../intake/assess.js';
import { requirementHours } from '../intake/assess.js';
import { analyzeDag } from './dag.js';
import { derivePlan } from './plan-derive.js';
import { EFFORT_HOURS, hoursFloorFromLength, hoursFromText, type Effort } from './effort.js';
import { type Branching, type Plan, type PlanWarning, type Risk, type Stream, type Task, type TaskKind, type TaskSource, type TestStrategy } from './plan.js';
import type { AcceptanceCriterion, DependencyRef, ParsedSpec, Requirement, SourceRef } from '../intake/spec.js';
import { capitalise, formatHours, groupBy, truncate } from '../text.js';
import { MinHeap } from '../min-heap.js';
import { mergeStreamsSharingFiles, transitiveReduction } from './schedule.js';
import { globsOverlap } from '../glob.js';
import type { ConflictRecord } from '../run/reservations.js';

export interface PlanOptions {
  planId: string;
  branching: Branching;
  maxTasks: number;
  /** The limit came from --max-tasks rather than the config: an absurd value is worth a question. */
  maxTasksFromUser?: boolean;
  concurrency: number;
  minHoursPerTask: number;
  tinyTaskRatio: number;
  /** The lead's instruction to the planner (`xplan plan --note`); the claude engine passes it to the model. */
  note?: string;
  /** Files that conflicted in earlier runs: tasks sharing one are serialized (see DeriveSettings). */
  conflictHistory?: readonly ConflictRecord[];
}

/** Something the user must confirm before the plan is saved (or pass --yes). */
export interface PlanConfirmation {
  code: 'OVER_DECOMPOSED' | 'ABSURD_MAX_TASKS';
  message: string;
}

export interface PlanningResult {
  plan: Plan;
  confirmations: PlanConfirmation[];
  /** The engine's own assessment, made with the plan (the claude engine's verdict comes from its outline). */
  assessment?: Assessment;
}

type Layer = 'setup' | 'data' | 'core' | 'api' | 'cli' | 'ui' | 'infra' | 'docs' | 'quality';

const LAYER_RANK: Record<Layer, number> = { setup: 0, data: 1, core: 2, api: 3, cli: 3, ui: 4, infra: 5, docs: 6, quality: 6 };
const LAYER_NAME: Record<Layer, string> = {
  setup: 'setup',
  data: 'data model',
  core: 'core logic',
  api: 'API',
  cli: 'CLI',
  ui: 'UI',
  infra: 'infrastructure',
  docs: 'docs',
  quality: 'quality',
};
// Checked in order; the first layer with the most hits wins.
const LAYER_WORDS: Array<[Layer, RegExp]> = [
  ['setup', /\b(set ?up|scaffold(ing)?|bootstrap|initiali[sz]e (the )?(project|repo|app)|project (structure|skeleton))\b/gi],
  ['data', /\b(schema|migrations?|data ?model|database|tables?|entit(y|ies)|storage|persist(ence|ed|s)?|sqlite|postgres(ql)?|mysql|mongo(db)?|indexe?s?)\b/gi],
  ['api', /\b(api|endpoints?|routes?|rest|graphql|http|webhooks?|requests?|responses?|status code|(GET|POST|PUT|PATCH|DELETE) \/)/gi],
  ['ui', /\b(ui|pages?|screens?|forms?|buttons?|views?|front-?end|components?|display(s|ed)?|dashboard|modal|layout|css|react|vue|svelte|click(s)?|renders?)\b/gi],
  ['cli', /\b(cli|commands?|flags?|terminal|stdout|stderr|exit code)\b/gi],
  ['infra', /\b(deploy(ment)?|ci|docker|kubernetes|helm|monitoring|metrics|alert(s|ing)?|infrastructure|backups?)\b/gi],
  ['docs', /\b(docs?|documentation|readme|guide|tutorial)\b/gi],
];
const HIGH_RISK_WORDS =
  /\b(payments?|billing|charges?|refunds?|security|authentication|authori[sz]ation|permissions?|encrypt\w*|passwords?|secrets?|tokens?|migrations?|migrate|concurren\w*|race|locks?|data loss|gdpr|pii|compliance|money|transactions?|quorums?|consensus|leader election|split[- ]brain|atomic\w*|deadlocks?|replicat\w+|rollbacks?|irreversibl\w*|thread[- ]safe\w*)\b/gi;
const EXTERNAL_WORDS = /\b(stripe|paypal|twilio|sendgrid|slack|github|gitlab|s3|auth0|okta|saml|oauth|segment|firebase|openai|anthropic|claude|webhooks?|third-party|external)\b/gi;
// "MUST NOT require authentication", "without a database": the word is named to rule it out.
const NEGATION_BEFORE = /\b(?:not|no|without|never|nor|neither|n't|non)\b(?:\s+[\w-]+){0,3}\s*$/i;

/** The first match of `pattern` that the text does not rule out. */
function affirmedWord(text: string, pattern: RegExp): string | undefined {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    if (!NEGATION_BEFORE.test(before)) return m[0];
  }
  return undefined;
}
const STOP_WORDS = new Set(
  'that this with from have will must should shall when then than they their them there these those into onto over under about after before which while where what user users system able each every only also such more most less other same your ours just like make made does done been being were would could using used uses data feature features support supports'.split(
    ' ',
  ),
);

/** Tasks are cut to stay under this many agent-hours. */
const MAX_TASK_HOURS = 6;
const ID_REF = /\b(?:FR|NFR|US|UC|REQ|[A-Z]{2,4})-\d+\b/g;

interface Unit {
  spec: ParsedSpec;
  title: string;
  details: string[];
  requirements: Requirement[];
  /** Requirements covered through this unit without being implemented by it (stories, via their FRs). */
  alsoCovers: Requirement[];
  acceptance: Set<AcceptanceCriterion>;
  hours: number;
  layer: Layer;
  area: string;
  order: number;
  kind: TaskKind;
  priority?: string;
  /** Cut by the spec's own stories: the plan keeps the spec's order, not the layers'. */
  specOrder?: boolean;
}

interface Draft {
  key: number;
  title: string;
  description: string;
  units: Unit[];
  layer: Layer;
  area: string;
  order: number;
  kind: TaskKind;
  hours: number;
  deps: Set<Draft>;
  strategy: TestStrategy;
  strategyReason: string;
  risk: Risk;
  riskReason: string;
  /** For a test task: the implementation task it belongs to. */
  testFor?: Draft;
  priority?: string;
  /** Test-first inside the task itself (the spec's TDD rule), rather than in a test task of its own. */
  testsInside?: boolean;
}

export function keywords(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().match(/[a-z][a-z-]{3,}/g) ?? []) {
    if (STOP_WORDS.has(word)) continue;
    out.add(word.replace(/(ies|es|s)$/, (m) => (m === 'ies' ? 'y' : '')));
  }
  return out;
}

/**
 * Which item a text is about, by the words they share, rarer words counting more (1 / how many items use them).
 * Words used by a large share of many items are skipped: they cannot tell items apart, and skipping them keeps
 * lookups cheap, so matching stays linear in the size of the spec.
 */
class WordIndex<T> {
  private readonly postings = new Map<string, number[]>();
  private readonly tooCommon: number;

  constructor(
    private readonly items: T[],
    textOf: (item: T) => string,
  ) {
    items.forEach((item, i) => {
      for (const word of keywords(textOf(item))) {
        const list = this.postings.get(word);
        if (list) list.push(i);
        else this.postings.set(word, [i]);
      }
    });
    this.tooCommon = Math.max(50, Math.ceil(items.length / 10));
  }

  /** The item with the most weight of shared words, sharing at least `min` words; the earliest on a tie. */
  best(words: Set<string>, min: number): T | undefined {
    const shared = new Map<number, { count: number; weight: number }>();
    for (const word of words) {
      const list = this.postings.get(word);
      if (!list || list.length > this.tooCommon) continue;
      for (const i of list) {
        const entry = shared.get(i) ?? { count: 0, weight: 0 };
        entry.count++;
        entry.weight += 1 / list.length;
        shared.set(i, entry);
      }
    }
    let best = -1;
    let bestWeight = 0;
    for (const [i, { count, weight }] of shared) {
      if (count >= min && (weight > bestWeight || (weight === bestWeight && i < best))) {
        best = i;
        bestWeight = weight;
      }
    }
    return best >= 0 ? this.items[best] : undefined;
  }
}

function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const w of a) if (b.has(w)) n++;
  return n;
}

function classifyLayer(text: string): Layer {
  let best: Layer = 'core';
  let bestHits = 0;
  for (const [layer, re] of LAYER_WORDS) {
    re.lastIndex = 0;
    const hits = text.match(re)?.length ?? 0;
    if (hits > bestHits) {
      best = layer;
      bestHits = hits;
    }
  }
  return best;
}

function effortFor(hours: number): Effort {
  if (hours <= 0.5) return 'XS';
  if (hours <= 1) return 'S';
  if (hours <= 2.5) return 'M';
  if (hours <= 5) return 'L';
  return 'XL';
}

/** Where a long title reads best cut: after a clause, before a qualifier. */
const TITLE_BREAKS = /,\s|\s[—–-]\s|\s\(|\s(?:so that|when|while|which|where|because|using|via|by|with|for|and|or)\s/gi;
const DANGLING_WORDS = /[\s,;:.\-–—(]+$|\s+(?:and|or|the|a|an|of|to|with|for|in|on|by|per|from|into|at|as|than|up|its|their|each|any)$/i;

/** A title of at most `max` characters cut at a natural break, never with an ellipsis: a title is read whole. */
export function shortTitle(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  let cut = -1;
  TITLE_BREAKS.lastIndex = 0;
  for (let m = TITLE_BREAKS.exec(flat); m && m.index <= max; m = TITLE_BREAKS.exec(flat)) if (m.index >= max * 0.4) cut = m.index;
  if (cut < 0) cut = flat.lastIndexOf(' ', max);
  let title = flat.slice(0, cut > 0 ? cut : max);
  // A parenthesis opened and not closed reads as cut off: end before it.
  const open = title.lastIndexOf('(');
  if (open > max * 0.4 && title.indexOf(')', open) < 0) title = title.slice(0, open);
  for (let previous = ''; previous !== title;) [previous, title] = [title, title.replace(DANGLING_WORDS, '')];
  return title || flat.slice(0, max);
}

/** A readable task title from a requirement's text: the id and label stripped, the first clause kept; never empty. */
export function titleFrom(text: string, fallback = 'Untitled requirement'): string {
  const stripped = text
    .replace(/^(?:\[?[A-Z]{2,4}-?\d+\]?)\s*[:.)—–-]?\s*/, '')
    .replace(/^(user story \d+\s*[-—–:]\s*)/i, '')
    .replace(/^(user story\s*:\s*)/i, '')
    .replace(/^\d{1,3}[.)]\s+/, '')
    .replace(/\s*\(priority:\s*p\d\)\s*$/i, '')
    // "As a developer, I want to export my bookmarks, so that …" → "Export my bookmarks"
    .replace(/,?\s+so that\b.*$/i, '');
  const wish = stripped.match(/^as (?:an?|the) [^,]{2,80}?,?\s+I (?:want|need|would like|should be able|can)(?: to| be able to)?\s+/i);
  // "I want to export …" already says the action; "I want the scheduler to check …" says it of someone else.
  const wanted = wish && !/\bto\s+$/.test(wish[0]) ? wantedAsAction(stripped.slice(wish[0].length)) : wish ? stripped.slice(wish[0].length) : stripped;
  const clause = wanted.split(/(?<=[a-z0-9)])[.;](\s|$)/i)[0] ?? wanted;
  const title = clause
    .replace(/^(the )?(system|api|service|server|app|application|user)s? (must|shall|should|will|can) /i, '')
    // "Import MUST skip duplicates" → "Import: skip duplicates"
    .replace(/^([^,.;:]{2,40}?)\s+(must|shall|should)(\s+not)?\s+/i, (_, subject: string, _modal: string, not?: string) => `${subject}: ${not ? 'do not ' : ''}`);
  const short = shortTitle(capitalise(title.trim()), 90);
  return /[\p{L}\p{N}]/u.test(short) ? short : fallback;
}

/** What a user story wants, as work: "the scheduler to check capacity" → "Make the scheduler check capacity". */
function wantedAsAction(wanted: string): string {
  return (
    wanted
      .replace(/^((?:(?:the|a|an|our|my|each|every) )?[\w-]+(?: [\w-]+){0,3}?) to (\w+)\b/i, (_, subject: string, verb: string) => `Make ${lowerFirst(subject)} ${verb}`)
      // "the old throttling removed" → "Remove the old throttling".
      .replace(/^((?:the |a |an )?[\w-]+(?: [\w-]+){0,4}?) (\w{3,}ed)\b\s*/i, (whole: string, object: string, participle: string) =>
        /^(?:is|are|was|were|be|been|has|have|had|based|need|needed|used)$/i.test(participle) ? whole : `${capitalise(baseForm(participle))} ${lowerFirst(object)} `,
      )
  );
}

/** "calculated" → "calculate", "selected" → "select", "removed" → "remove". */
function baseForm(participle: string): string {
  const word = participle.toLowerCase();
  if (/(?:at|iz|is|ov|ur|as|uc|ag|in|ar|ir|or|il|iv|om|ot|ud|ut)ed$/.test(word)) return word.slice(0, -1);
  if (/([bdgmnprt])\1ed$/.test(word)) return word.slice(0, -3);
  if (/ied$/.test(word)) return `${word.slice(0, -3)}y`;
  return word.slice(0, -2);
}

function areaOf(requirement: Requirement): string {
  // The outermost section below the title: "Epic A — Identity" groups its requirements.
  const path = requirement.section;
  return (path.length > 1 ? path[1] : path[0]) ?? '';
}

export function planSpecs(specs: ParsedSpec[], assessment: Assessment, options: PlanOptions): PlanningResult {
  // A bug write-up (cause and fix) is one change in one place: parallel tasks would all edit the same code.
  const oneFix = specs.every((s) => s.kind === 'debug-investigation');
  // One agent's work is one task: a plan of several would contradict the verdict it is made from.
  const fastPath = oneFix || assessment.verdict === 'single-agent';
  // Planned beside specs that state requirements, a document that states none (a Kiro design.md) describes how to
  // build them: it is no work of its own, and the files it names go to the tasks they belong to.
  const companions = specs.length > 1 && specs.some(hasWork) ? specs.filter((s) => !hasWork(s)) : [];
  const working = specs.filter((s) => !companions.includes(s));
  // Beside specs whose requirements carry criteria, a spec whose items carry none (a design's components,
  // migration steps and decisions) says how to build those requirements: its items join the task of the
  // requirement they share most words with, and only what matches none is planned on its own.
  const led = working.filter((s) => s.acceptance.length > 0);
  const restating = led.length > 0 ? working.filter((s) => s.acceptance.length === 0 && s.requirements.length > 0) : [];
  const units = fastPath
    ? [wholeSpecUnit(specs)]
    : joinRestatements(
        working.filter((s) => !restating.includes(s)).flatMap((spec, i) => atLeastItsLength(spec, workUnits(spec, i * 1_000_000))),
        restating.flatMap((spec, i) => workUnits(spec, (working.length + i) * 1_000_000)),
      );
  const verification = fastPath ? undefined : specWideVerification(specs, units);
  if (verification) units.push(verification);

  let drafts = groupUnits(units, fastPath);
  linkDependencies(drafts);
  linkDeclaredDependencies(drafts, specs);
  linkSpecOrder(drafts, specs);
  drafts = dependencyOrder(drafts);
  oneTaskPerCriterion(drafts);
  const risks = new WordIndex(
    specs.flatMap((s) => s.risks),
    (r) => r.text,
  );
  const questions = new WordIndex(
    specs.flatMap((s) => s.openQuestions),
    (q) => q.text,
  );
  for (const d of drafts) assignRiskAndStrategy(d, risks, questions, fastPath);
  applyTestDemands(drafts, specs);

  drafts = addTestTasks(drafts);
  const warnings: PlanWarning[] = notUnderstood(working);
  if (drafts.length > options.maxTasks) drafts = consolidate(drafts, options.maxTasks, warnings);

  const plan = assemble(drafts, specs, options, warnings);
  const { recommendedTasks: recommended, totalHours } = plan.summary;
  const confirmations: PlanConfirmation[] = [];
  if (options.maxTasksFromUser && options.maxTasks > recommended.max * 3 && options.maxTasks > 20) {
    confirmations.push({
      code: 'ABSURD_MAX_TASKS',
      message: `--max-tasks ${options.maxTasks} is far above what this spec supports (about ${recommended.min}–${recommended.max} tasks for ${formatHours(totalHours)} of work)`,
    });
  }
  confirmations.push(...overDecomposition(plan));
  return { plan, confirmations };
}

/** More tasks than the plan's own size supports: worth a question before saving, whichever engine planned. */
export function overDecomposition(plan: Plan): PlanConfirmation[] {
  const { min, max } = plan.summary.recommendedTasks;
  return plan.tasks.length > max ? [{ code: 'OVER_DECOMPOSED', message: `${plan.tasks.length} tasks is more than this spec's size supports (${min}–${max})` }] : [];
}

/** Sections named, at most, in the warning about a spec the heuristic could not read. */
const SECTIONS_NAMED = 5;

/**
 * A spec in which the heuristic found no requirement, story or criterion is planned as one task for the whole of
 * it: the plan says so, naming the sections it could not read, rather than claim they are covered.
 */
function notUnderstood(specs: ParsedSpec[]): PlanWarning[] {
  return specs
    .filter((s) => s.requirements.length === 0 && s.acceptance.length === 0)
    .map((s) => {
      const sections = s.headings.filter((h) => h.level >= 2 && h.level <= 3).map((h) => h.text);
      const named = sections.slice(0, SECTIONS_NAMED).join(', ');
      const what =
        sections.length > 0
          ? `${sections.length} section${sections.length === 1 ? '' : 's'} not understood: ${named}${sections.length > SECTIONS_NAMED ? ', …' : ''}`
          : 'no requirements, stories or criteria found';
      return {
        code: 'NOT_UNDERSTOOD',
        message: `${s.file}: ${what}. It is planned as one task for the whole spec (its length suggests about ${formatHours(hoursFromText(s.wordCount))} of work, which the assessment reports); plan it with --engine claude, or write its work as a list of requirements`,
        tasks: [],
      };
    });
}

// Sections that explain or argue rather than describe something to build; the sections below them too.
const EXPLAINING =
  /^(?:abstract|background|motivation|rationale|overview|introduction|summary|context|goals?|non-goals|alternatives?(?: considered)?|references?|glossary|appendix|open (?:questions|issues)|faq|prior art|discussion|history|related work)\b/i;

/**
 * What a spec the heuristic could not read asks for, as far as its headings tell: each innermost section that is
 * not background, by name and line, so the task says which parts of the spec it stands for instead of "all".
 */
function sectionsToBuild(spec: ParsedSpec): string[] {
  const headings = spec.headings.filter((h) => h.level >= 2);
  const out: string[] = [];
  let skipBelow = Infinity;
  headings.forEach((h, i) => {
    if (h.level <= skipBelow) skipBelow = Infinity;
    if (skipBelow !== Infinity) return;
    if (EXPLAINING.test(h.text.replace(/^[\d.)\s]+/, ''))) {
      skipBelow = h.level;
      return;
    }
    const next = headings[i + 1];
    if (next && next.level > h.level) return; // a section with sub-sections is named through them
    out.push(`${h.text} (${spec.file}:${h.line}) is built as the spec describes it`);
  });
  return out.length > 0 ? out : [`Everything described in ${spec.file}.`];
}

/** Units of a restating spec joined to the unit they share most words with (two at least); the rest kept as they are. */
function joinRestatements(units: Unit[], restated: Unit[]): Unit[] {
  if (restated.length === 0) return units;
  const index = new WordIndex(units, (u) => [u.title, ...u.requirements.map((r) => `${r.text} ${r.details}`), ...[...u.acceptance].map((c) => c.text)].join(' '));
  const own: Unit[] = [];
  for (const r of restated) {
    const into = index.best(keywords([r.title, ...r.requirements.map((q) => `${q.text} ${q.details}`)].join(' ')), 2);
    if (!into) {
      own.push(r);
      continue;
    }
    into.alsoCovers.push(...r.requirements, ...r.alsoCovers);
    for (const c of r.acceptance) into.acceptance.add(c);
  }
  return [...units, ...own];
}

/**
 * A spec says more than its requirement lines (prompts to write, formats, flows under each story): its units are
 * sized up together to what its length implies, the same floor the assessment of its text applies.
 */
function atLeastItsLength(spec: ParsedSpec, units: Unit[]): Unit[] {
  const listed = units.reduce((sum, u) => sum + u.hours, 0);
  const floor = hoursFloorFromLength(spec.wordCount);
  if (listed <= 0 || floor <= listed) return units;
  for (const u of units) u.hours *= floor / listed;
  return units;
}

function wholeSpecUnit(specs: ParsedSpec[]): Unit {
  const spec = specs[0]!;
  const requirements = specs.flatMap((s) => s.requirements);
  const hours = requirements.length > 0 ? requirements.reduce((sum, r) => sum + requirementHours(r), 0) : specs.reduce((sum, s) => sum + hoursFromText(s.wordCount), 0);
  return {
    spec,
    title: spec.kind === 'debug-investigation' ? fixTitle(spec.title) : wholeSpecTitle(spec, requirements),
    details: requirements.length > 0 ? requirements.map((r) => r.text) : specs.flatMap(sectionsToBuild),
    requirements,
    alsoCovers: [],
    acceptance: new Set(specs.flatMap((s) => s.acceptance)),
    hours: Math.max(hours, 0.5),
    layer: 'core',
    area: '',
    order: 0,
    kind: spec.kind === 'debug-investigation' ? 'fix' : 'feature',
  };
}

/**
 * The title of one task for a whole spec: the spec's own title when it is one ("Add a tm start command"), else
 * (a spec whose first line is a sentence) what its requirements build, named in one line.
 */
function wholeSpecTitle(spec: ParsedSpec, requirements: Requirement[]): string {
  const words = spec.title.split(/\s+/).length;
  const titleLike = (words <= 12 && !/[.!?]$/.test(spec.title.trim())) || ACTION_VERBS.has((spec.title.match(/^[A-Za-z]+/)?.[0] ?? '').toLowerCase());
  if (titleLike || requirements.length === 0) return actionTitle(spec.title.replace(/\.$/, ''));
  const names = requirements.filter((r) => r.kind !== 'non-functional').map((r) => titleFrom(r.text).replace(/:.*$/, ''));
  return names.length > 0 ? fitList('Build', names.map(lowerFirst)) : actionTitle(spec.title);
}

/** "Task 026: Critical empty value failures in the parser" → "Fix critical empty value failures in the parser". */
export function fixTitle(title: string): string {
  const bare = title
    .replace(/^(?:(?:task|bug|issue|ticket|incident|investigation|fix)\s*#?[\w.-]*\d[\w.-]*\s*[:.—–-]\s*)+/i, '')
    .replace(/^(?:bug|issue|investigation)\s*[:—–-]\s*/i, '')
    .trim();
  if (/^fix\b/i.test(bare)) return shortTitle(capitalise(bare.replace(/^fix\s*[:—–-]?\s*/i, 'Fix ')), 90);
  return shortTitle(`Fix ${lowerFirst(bare || title)}`, 90);
}

/** Lower-cases the first letter of a sentence-case phrase, so that it reads after a verb. */
function lowerFirst(text: string): string {
  // "Joint Quorum Calculation" is a heading in Title Case: kept as written. "Empty value failures" reads as prose.
  const [first = '', second = ''] = text.split(/\s+/);
  return /^[A-Z][a-z]+$/.test(first) && !/^[A-Z]/.test(second) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

// Imperative openings of titles: a title that starts with one of these already says what to do.
const ACTION_VERBS = new Set(
  'adapt add allow apply archive assign authenticate authorize back block build bundle cache calculate cancel cap capture change check clean clear close collect compare compress compute configure connect convert copy create debounce decode deduplicate define delete deliver deploy design detect disable display document download drag draw edit email embed emit enable encode encrypt enforce ensure estimate expand expire export expose extend extract fetch filter fix format generate group handle harden hash hide implement import improve include index initialise initialize inject install integrate introduce invite keep let lint list load log login logout make manage map mark measure merge migrate mock model monitor move normalise normalize notify open optimise optimize order paginate parse pause persist ping poll post preserve prevent print process prompt propagate provide publish purge push query queue rank rate read record redirect refactor reject reload remove rename render reorder replace report rerun reset resize resolve restore retry return review revoke rotate route run save scaffold scan schedule search seed select send serve set setup share show sign skip sort split start stop store stream submit subscribe summarise summarize support sync tag throttle toggle track transform translate trigger truncate uninstall unlock update upgrade upload upsert use validate verify warn watch wire write'.split(
    ' ',
  ),
);

const NOUN_OR_VERB = new Set(
  'cache change check design document import log map merge model move process record report run set show sort split start stop store stream support sync track test update use'.split(' '),
);

/** A label with its numbering taken off: "Requirement 3: Joint quorum", "Story 1.2 —", "Phase 2:", "US-1:", "3.". */
const ITEM_LABEL =
  /^(?:(?:change|proposal|prd|rfc|spec|specification|requirement|capability|feature)\s*:\s*|(?:requirement|story|user story|feature|epic|phase|step|milestone|task|req|fr|nfr|us)\s*[-#]?\s*[\w.]*\d[\w.]*\s*[:.)—–-]*\s*|\[?[A-Z]{2,4}-\d+\]?\s*[:.)—–-]?\s*|\d+(?:\.\d+)*[.)]?\s+)/i;

/**
 * A title an agent can act on: the item's label ("Requirement 3:", "Story 1.2") taken off, and a heading that
 * names a thing ("Joint Quorum Calculation") turned into work on it ("Implement joint quorum calculation").
 * Titles in scripts without capitals (Chinese, Japanese) are kept as the spec words them.
 */
export function actionTitle(title: string): string {
  let bare = title.trim();
  for (let previous = ''; previous !== bare;) [previous, bare] = [bare, bare.replace(ITEM_LABEL, '').trim()];
  if (!bare) bare = title.trim();
  if (!/[A-Za-z]/.test(bare.charAt(0))) return shortTitle(bare, 90);
  const first = (bare.match(/^[A-Za-z]+/)?.[0] ?? '').toLowerCase();
  // "Adding tool dependencies" → "Add tool dependencies".
  const base = first.endsWith('ing') ? [first.slice(0, -3), `${first.slice(0, -3)}e`, first.slice(0, -4)].find((v) => ACTION_VERBS.has(v)) : undefined;
  if (base) return shortTitle(capitalise(`${base}${bare.slice(first.length)}`), 90);
  // In a Title Case heading ("Log Entry Type Discriminant", "Record Store") a word that may be noun or verb names a thing.
  const words = bare.split(/\s+/);
  const titleCase = words.length > 1 && words.filter((w) => /^[A-Z]/.test(w)).length > words.length / 2;
  if (/^(?:set|sign|log|clean|wire|spin|roll|look|break|hook|lock)\s+(?:up|in|out|down)\b/i.test(bare)) return shortTitle(capitalise(bare), 90);
  if (ACTION_VERBS.has(first) && !(titleCase && NOUN_OR_VERB.has(first))) return shortTitle(capitalise(bare), 90);
  // "Cursor Rules Implementation" → "Implement Cursor Rules", not "Implement Cursor Rules Implementation".
  bare = bare.replace(/\s+implementation$/i, '');
  return shortTitle(`Implement ${lowerFirst(bare)}`, 90);
}

/** "The API MUST accept an export" names its action after the modal: "Accept an export", with no verb added. */
const STATED_ACTION = /^(?:\[?[A-Z]{2,4}-?\d+\]?\s*[:.)—–-]?\s*)?(?:the )?(?:system|api|service|server|app|application|user)s? (?:must|shall|should|will|can)(?! not)\s/i;

function requirementTitle(r: Requirement): string {
  const title = titleFrom(r.text, r.section.length > 0 ? `${r.section[r.section.length - 1]} (line ${r.line})` : `Requirement at line ${r.line}`);
  return STATED_ACTION.test(r.text.replace(/^\*+|\*+/g, '')) ? title : actionTitle(title);
}

/**
 * A quality requirement is a target to meet, not a thing to implement: "Security" → "Meet the security
 * requirements"; "Server startup time: <3 seconds" → "Meet the target: server startup time <3 seconds".
 */
function qualityTitle(r: Requirement): string {
  const text = titleFrom(r.text, r.section[r.section.length - 1] ?? `Requirement at line ${r.line}`);
  if (/^[\p{L}\s&/-]{1,40}$/u.test(text) && text.split(/\s+/).length <= 3) return `Meet the ${lowerFirst(text.replace(/\s+requirements?$/i, '')).toLowerCase()} requirements`;
  if (/^(?:meet|keep|ensure|stay|respond|handle|support|scale|limit)\b/i.test(text)) return text;
  return shortTitle(`Meet the target: ${lowerFirst(text.replace(/:\s+/, ' '))}`, 90);
}

/** The units of work in one spec, before grouping. */
function workUnits(spec: ParsedSpec, orderBase: number): Unit[] {
  const acceptanceOf = (r: Requirement) => new Set(r.acceptance.map((i) => spec.acceptance[i]!));
  const unitOf = (r: Requirement, index: number): Unit => {
    const text = `${r.section.join(' ')} ${r.text}`;
    const setup = LAYER_WORDS[0]![1];
    setup.lastIndex = 0;
    return {
      spec,
      title: r.kind === 'non-functional' ? qualityTitle(r) : requirementTitle(r),
      details: [r.text],
      requirements: [r],
      alsoCovers: [],
      acceptance: acceptanceOf(r),
      hours: requirementHours(r),
      layer: setup.test(r.text) ? 'setup' : r.kind === 'non-functional' ? 'quality' : classifyLayer(text),
      area: areaOf(r),
      order: orderBase + index,
      kind: r.kind === 'non-functional' ? 'integration' : 'feature',
      ...(r.priority ? { priority: r.priority } : {}),
    };
  };

  if (spec.requirements.length === 0) {
    return [
      {
        spec,
        title: spec.title,
        details: sectionsToBuild(spec),
        requirements: [],
        alsoCovers: [],
        acceptance: new Set(spec.acceptance),
        hours: hoursFromText(spec.wordCount),
        layer: 'core',
        area: '',
        order: orderBase,
        kind: spec.kind === 'debug-investigation' ? 'fix' : 'feature',
      },
    ];
  }

  const indexed = spec.requirements.map((r, i) => ({ r, i }));
  // Numbered stories that carry their own acceptance criteria (BMAD's "### Story 1.3" blocks) are the spec's own
  // cut of the work: each is a unit, and a requirement goes with the story that shares most of its words.
  const storyLed = indexed.filter(({ r }) => r.kind === 'story' && STORY_NUMBER_PREFIX.test(r.text)).length >= STORY_LED_MIN;
  if (storyLed) return storyUnits(indexed, unitOf, acceptanceOf);
  const stories = indexed.filter(({ r }) => r.kind === 'story');
  const units = indexed.filter(({ r }) => r.kind !== 'story').map(({ r, i }) => unitOf(r, i));

  // A story is covered by the requirement that names it, else by the one sharing most of its words;
  // a story nothing implements is its own unit.
  const unitIndex = new WordIndex(units, (u) => [...u.details, ...u.requirements.map((r) => r.details)].join(' '));
  const naming = new Map<string, Unit[]>();
  for (const u of units) {
    for (const id of u.details.join(' ').match(ID_REF) ?? []) {
      if (!naming.has(id)) naming.set(id, []);
      naming.get(id)!.push(u);
    }
  }
  const implementing = new Map<string, Unit>();
  for (const u of units) for (const r of u.requirements) if (r.id) implementing.set(r.id, u);
  for (const { r: story, i } of stories) {
    const named = story.id ? naming.get(story.id) : undefined;
    let covering = named?.[0];
    // "US-2 … (FR-3, FR-4)": the story names the requirements that implement it.
    covering ??= (story.text.match(ID_REF) ?? []).map((id) => implementing.get(id)).find((u) => u !== undefined);
    covering ??= unitIndex.best(keywords(`${story.text} ${story.details}`), 2);
    if (covering) {
      covering.alsoCovers.push(story);
      for (const c of acceptanceOf(story)) covering.acceptance.add(c);
    } else {
      units.push({ ...unitOf(story, i), kind: 'feature' });
    }
  }
  return units.sort((a, b) => a.order - b.order);
}

const STORY_NUMBER_PREFIX = /^(?:user\s+)?story\s+\d+(?:\.\d+)*\s*[:.—–-]?\s*/i;

/** Stories with their own criteria from which the stories, not the requirements, cut the work. */
const STORY_LED_MIN = 3;

/** Story-led units: one per story; each other requirement joins the story that shares most of its words, else its own. */
function storyUnits(indexed: Array<{ r: Requirement; i: number }>, unitOf: (r: Requirement, i: number) => Unit, acceptanceOf: (r: Requirement) => Set<AcceptanceCriterion>): Unit[] {
  // The spec's order is the dependency chain it states: its first story lays the ground for all, and each epic's
  // (section's) first story for the rest of that epic. Words in a title ("Create Setup Skill") decide nothing.
  const units: Unit[] = indexed
    .filter(({ r }) => r.kind === 'story')
    .map(({ r, i }, n) => {
      const unit = unitOf(r, i);
      // Only the first story can be set-up work; a later one says "setup" of its own part ("Create Setup Skill").
      const layer: Layer = n === 0 || unit.layer !== 'setup' ? unit.layer : 'core';
      // A story's size shows in its criteria: about a quarter of an agent-hour each, an hour at least.
      const hours = Math.max(unit.hours, EFFORT_HOURS.S, r.acceptance.length * 0.25);
      return { ...unit, title: actionTitle(titleFrom(r.text.replace(STORY_NUMBER_PREFIX, ''))), layer, hours, kind: 'feature', specOrder: true };
    });
  const joined = new Map<Unit, number>();
  const storyIndex = new WordIndex(units, (u) => [...u.details, ...u.requirements.map((r) => r.details), ...[...u.acceptance].map((c) => c.text)].join(' '));
  for (const { r, i } of indexed) {
    if (r.kind === 'story') continue;
    const story = storyIndex.best(keywords(`${r.text} ${r.details}`), 2);
    if (story) {
      story.alsoCovers.push(r);
      // A requirement and the story it joins describe the same work: the fuller description sizes it.
      story.hours = Math.max(story.hours, (joined.get(story) ?? 0) + requirementHours(r));
      joined.set(story, (joined.get(story) ?? 0) + requirementHours(r));
      for (const c of acceptanceOf(r)) story.acceptance.add(c);
    } else {
      units.push(unitOf(r, i));
    }
  }
  return units.sort((a, b) => a.order - b.order);
}

/**
 * Criteria that belong to no requirement (a spec-wide "Acceptance Criteria" list) go to the task that implements
 * what they check, found by the words they share (at least two, rarer words weighing more); the rest get a task
 * that checks them at the end.
 */
function specWideVerification(specs: ParsedSpec[], units: Unit[]): Unit | undefined {
  const owned = new Set<AcceptanceCriterion>();
  for (const u of units) for (const c of u.acceptance) owned.add(c);
  const implementing = new WordIndex(
    units.filter((u) => u.requirements.some((r) => r.kind !== 'non-functional')),
    (u) => [u.title, ...u.requirements.flatMap((r) => [r.text, r.details]), ...u.alsoCovers.flatMap((r) => [r.text, r.details])].join(' '),
  );
  const loose: AcceptanceCriterion[] = [];
  for (const c of specs.flatMap((s) => s.acceptance)) {
    if (owned.has(c)) continue;
    const unit = implementing.best(keywords(c.text), 2);
    if (unit) unit.acceptance.add(c);
    else loose.push(c);
  }
  if (loose.length === 0) return undefined;
  return {
    spec: specs[0]!,
    title: 'Verify the spec-wide acceptance criteria',
    details: loose.map((c) => c.text),
    requirements: [],
    alsoCovers: [],
    acceptance: new Set(loose),
    hours: Math.min(4, Math.max(1, loose.length * 0.5)),
    layer: 'quality',
    area: '',
    order: Number.MAX_SAFE_INTEGER,
    kind: 'integration',
  };
}

/**
 * The title of a task made of several units: one verb, then what they build, named whole ("Implement task data
 * structure, basic task operations and task file generation"); when the names are too long to read in one line,
 * the first two and how many more, never a name cut in half.
 */
function groupTitle(all: Unit[]): string {
  // Stories and features name the work; table rows and one-liners beside them ("--iterations, -n") are its parts.
  const named = (u: Unit) => u.requirements.some((r) => r.kind === 'story' || r.kind === 'feature');
  const units = [...all.filter(named), ...all.filter((u) => !named(u))];
  const sections = new Set(units.map((u) => u.requirements[0]?.section.at(-1) ?? ''));
  if (units.every((u) => u.layer === 'quality') && sections.size === 1 && [...sections][0]) {
    // Quality targets of one section: "Meet the performance requirements: server startup time <3 seconds, …".
    const section = lowerFirst([...sections][0]!.replace(/\s+requirements?$/i, '')).toLowerCase();
    const targets = units.map((u) => u.title.replace(/^Meet the (?:target: )?/, '').replace(/ requirements$/, ''));
    // A list that does not fit is counted, not cut: the targets themselves are the task's criteria.
    const listed = fitList(`Meet the ${section} requirements:`, targets);
    return !listed.endsWith(' more') ? listed : `Meet the ${section} requirements (${targets.length} targets)`;
  }
  const verb = (t: string) => t.match(/^[A-Z][a-z]+(?=\s)/)?.[0];
  const verbs = new Set(units.map((u) => verb(u.title)));
  const shared = verbs.size === 1 ? [...verbs][0] : undefined;
  if (shared)
    return fitList(
      shared,
      units.map((u) => u.title.slice(shared.length + 1)),
    );
  // Different verbs: each name keeps its own, the first capitalised; names with commas of their own are set
  // apart by semicolons, so that a list inside a name does not read as the list of names.
  const names = units.map((u) => lowerFirst(u.title));
  return capitalise(fitList('', names, names.some((n) => n.includes(',')) ? '; ' : ', ').trim());
}

/** Titles as one: "Implement A, B and C" when they share their verb, else each with its own. */
function oneVerb(titles: string[]): string {
  const verbs = new Set(titles.map((t) => t.split(' ')[0]));
  if (verbs.size === 1) {
    const [verb] = [...verbs];
    return fitList(
      verb!,
      titles.map((t) => t.slice(verb!.length + 1)),
    );
  }
  return capitalise(fitList('', titles.map(lowerFirst)).trim());
}

/** `lead` and a list of names, whole when it reads in one line, else the first names and how many more. */
function fitList(lead: string, names: string[], separator = ', '): string {
  const list = (items: string[]) => (items.length === 1 ? items[0]! : `${items.slice(0, -1).join(separator)}${separator === ', ' ? ' and ' : '; and '}${items[items.length - 1]}`);
  const whole = `${lead} ${list(names)}`;
  if (whole.length <= 100) return whole;
  const two = `${lead} ${names.slice(0, 2).join(separator)}${separator === ', ' ? ' and' : '; and'} ${names.length - 2} more`;
  if (two.length <= 110) return two;
  return `${lead} ${shortTitle(names[0]!, 60)}${separator === ', ' ? '' : ';'} and ${names.length - 1} more`;
}

function newDraft(units: Unit[], key: number): Draft {
  const first = units[0]!;
  const hours = units.reduce((sum, u) => sum + u.hours, 0);
  // Rows of a table or one-liners that together serve user stories are titled by those stories.
  const served = units.some((u) => u.requirements.some((r) => r.kind === 'story' || r.kind === 'feature')) ? [] : units.flatMap((u) => u.alsoCovers.filter((r) => r.kind === 'story'));
  const title = served.length > 0 ? oneVerb(served.map((r) => actionTitle(titleFrom(r.text)))) : units.length === 1 ? first.title : groupTitle(units);
  return {
    key,
    title,
    description: '',
    units,
    layer: first.layer,
    area: first.area,
    order: first.order,
    // A story or a requirement with criteria of its own is a feature, even one that stores data.
    kind: units.some((u) => u.kind === 'fix')
      ? 'fix'
      : first.layer === 'setup'
        ? 'setup'
        : first.layer === 'docs'
          ? 'docs'
          : first.layer === 'data' && !units.some(isSpecCut)
            ? 'foundation'
            : first.kind,
    hours,
    deps: new Set(),
    strategy: 'test-after',
    strategyReason: '',
    risk: 'low',
    riskReason: '',
    ...(first.priority ? { priority: first.priority } : {}),
  };
}

/**
 * Work the spec cut into a sequence of items of its own: numbered stories, or requirements each with criteria of
 * their own (a Kiro "Requirement 3"). A list of product features is no sequence: its order says nothing.
 */
function isSpecCut(u: Unit): boolean {
  return Boolean(u.specOrder) || ownCriteria(u) >= 2;
}

/** Criteria written under the unit's requirements (not ones elsewhere that merely name them). */
function ownCriteria(u: Unit): number {
  return u.requirements.reduce(
    (n, r) =>
      n +
      r.acceptance.filter((i) => {
        const c = u.spec.acceptance[i];
        return c !== undefined && c.line > r.line && c.line <= r.endLine;
      }).length,
    0,
  );
}

/** An item that checks the others (property tests, an end-to-end suite): it comes after the work it checks. */
const CHECKS_TITLE = /\b(?:tests?|testing|verification|validation)$/i;

/** Features stay whole; one-line requirements of the same section and layer are grouped, then cut to size. */
function groupUnits(units: Unit[], fastPath: boolean): Draft[] {
  if (fastPath) {
    const whole = newDraft(units, 0);
    whole.description = describe(whole);
    return [whole];
  }
  // A requirement with criteria of its own (a Kiro "Requirement 3" with its WHEN/THEN lines) is a piece of work
  // the spec cut itself: it stays whole, like a feature or a story.
  const isWhole = (u: Unit) => u.requirements.some((r) => r.kind === 'feature' || r.kind === 'story') || ownCriteria(u) >= 2 || u.hours >= EFFORT_HOURS.L;
  const drafts: Draft[] = units.filter(isWhole).map((u, i) => newDraft([u], i));
  const groups = groupBy(
    units.filter((u) => !isWhole(u)),
    // A phase of a roadmap is a step of the spec's own order: its items stay together, whatever their layers.
    (u) => `${u.spec.file}\u0000${u.area}\u0000${u.requirements.every((r) => r.fromRoadmap) ? 'roadmap' : u.layer}`,
  );
  for (const group of groups.values()) {
    let chunk: Unit[] = [];
    let hours = 0;
    for (const u of group) {
      if (chunk.length > 0 && hours + u.hours > MAX_TASK_HOURS) {
        drafts.push(newDraft(chunk, drafts.length));
        chunk = [];
        hours = 0;
      }
      chunk.push(u);
      hours += u.hours;
    }
    if (chunk.length > 0) drafts.push(newDraft(chunk, drafts.length));
  }
  for (const d of drafts) d.description = describe(d);
  if (units.some((u) => u.specOrder)) {
    // The spec's order, with the ground-laying story first and work about everything (quality, docs) last.
    const band = (d: Draft) => (d.layer === 'setup' ? 0 : d.layer === 'quality' || d.layer === 'docs' ? 2 : 1);
    return drafts.sort((a, b) => band(a) - band(b) || a.order - b.order);
  }
  return drafts.sort((a, b) => LAYER_RANK[a.layer] - LAYER_RANK[b.layer] || a.order - b.order);
}

/** What to build, in the spec's words: each requirement with what the spec says under it, then the stories served. */
function describe(d: Draft): string {
  const said = (r: Requirement) => {
    const details = r.details.trim();
    return details && !details.startsWith(r.text.slice(0, 40)) && !r.text.includes(details.slice(0, 40)) ? `${r.text} — ${wholeSentences(details)}` : r.text;
  };
  const lines = d.units.flatMap((u) => (u.requirements.length > 0 ? u.requirements.map((r) => `- ${said(r)}`) : u.details.map((t) => `- ${t}`)));
  const stories = d.units.flatMap((u) => u.alsoCovers).map((s) => `- ${said(s)}`);
  const lead = d.kind === 'fix' ? 'Fix, as the write-up describes:' : d.units.length === 1 ? 'Build:' : `Build these ${d.units.length} parts together:`;
  return [lead, ...lines, ...(stories.length > 0 ? ['', 'For the user stories and requirements it serves:', ...stories] : [])].join('\n');
}

/**
 * Foundations first, then layer order within a section, explicit references and story priority.
 * Edges only go from lower to higher position in the sorted list, so no cycle can form.
 */
function linkDependencies(drafts: Draft[]): void {
  // Shared foundations: setup work is needed by everything after it; a data model by every later layer.
  const setup = drafts.filter((d) => d.layer === 'setup');
  // A feature of its own is no foundation, whatever its words ("weekly totals from the events table").
  const data = drafts.filter((d) => d.layer === 'data' && !d.units.some((u) => u.requirements.some((r) => r.kind === 'feature' || r.kind === 'story')));
  const areas = groupBy(drafts, (d) => d.area);
  // A section builds on its own data tasks and on data sections of their own ("## Data model").
  const localData = groupBy(data, (x) => x.area);
  const sharedData = data.filter((x) => areas.get(x.area)!.every((y) => y.layer === 'data' || y.layer === 'setup'));
  // Setup and a shared data model come first wherever the spec describes them (a "## Data model" after the
  // stories is still what the stories store into); otherwise the spec's order.
  const first = [...setup, ...sharedData.filter((x) => !setup.includes(x))];
  const position = new Map([...first, ...drafts.filter((d) => !first.includes(d))].map((d, i) => [d, i]));
  const cutBySpec = (d: Draft) => d.units.some(isSpecCut);
  const addEdge = (from: Draft, to: Draft) => {
    if (from !== to && position.get(to)! < position.get(from)!) from.deps.add(to);
  };
  for (const d of drafts) {
    if (d.layer !== 'setup') for (const s of setup) addEdge(d, s);
    // A story whose words sound like storage ("save a link") is still a feature that stores into the model.
    const consumesData = LAYER_RANK[d.layer] > LAYER_RANK.data || (d.layer === 'data' && !data.includes(d));
    if (consumesData && d.layer !== 'docs') for (const x of [...(localData.get(d.area) ?? []), ...sharedData]) addEdge(d, x);
  }

  // Layer order within a section. The UI consumes the section's API (or CLI/core when it has no API); API and
  // CLI work builds on core logic only when they share words, since both can be built on the same data model.
  const words = new Map(drafts.map((d) => [d, keywords(d.units.flatMap((u) => u.details).join(' '))]));
  for (const group of areas.values()) {
    const ofLayer = (...layers: Layer[]) => group.filter((x) => layers.includes(x.layer));
    const api = ofLayer('api');
    const backends = api.length > 0 ? api : ofLayer('cli', 'core');
    const core = ofLayer('core');
    // Items the spec cut itself follow the spec's order (linkSpecOrder), not the layers their words suggest.
    // Between two features of their own, the UI one builds on the other only when they share words: a login page
    // does not wait for the reporting engine listed beside it.
    const feature = (d: Draft) => d.units.some((u) => u.requirements.some((r) => r.kind === 'feature'));
    const layered = (a: Draft, b: Draft) => !(cutBySpec(a) && cutBySpec(b)) && !(feature(a) && feature(b) && overlap(words.get(a)!, words.get(b)!) < 2) && addEdge(a, b);
    for (const d of group) {
      if (d.layer === 'ui') for (const x of backends) layered(d, x);
      if (d.layer === 'api' || d.layer === 'cli') for (const x of core) if (overlap(words.get(d)!, words.get(x)!) >= 2) layered(d, x);
    }
  }

  // "Basic loop", "Core engine": the first working version of a section's feature, which its siblings extend.
  for (const group of areas.values()) {
    const base = group.find((d) => d.kind !== 'test' && d.units.some((u) => FOUNDATION_TITLE.test(u.title)));
    if (!base || group.length < 2) continue;
    for (const dep of [...base.deps]) if (dep.area === base.area && dep.layer !== 'setup') base.deps.delete(dep);
    // Stories and features extend it; setup, schema and infrastructure work never waits for a feature.
    const extendsBase = (d: Draft) => !['setup', 'data', 'infra'].includes(d.layer) || d.units.some((u) => u.requirements.some((r) => r.kind === 'story'));
    for (const d of group) if (d !== base && extendsBase(d) && !reaches(base, d)) d.deps.add(base);
  }

  // Explicit references: a requirement that names another builds on it.
  const owner = new Map<string, Draft>();
  for (const d of drafts) for (const u of d.units) for (const r of u.requirements) if (r.id) owner.set(r.id, d);
  for (const d of drafts) {
    for (const u of d.units) {
      for (const r of u.requirements) {
        for (const id of r.text.match(ID_REF) ?? []) {
          const target = owner.get(id);
          if (target && id !== r.id) addEdge(d, target);
        }
      }
    }
  }

  // Story priority: where stories share a section and layer, P2 builds on P1.
  const byLane = groupBy(
    drafts.filter((d) => d.priority),
    (d) => `${d.area}\u0000${d.layer}`,
  );
  for (const lane of byLane.values()) {
    const sorted = [...lane].sort((a, b) => a.priority!.localeCompare(b.priority!) || a.order - b.order);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.priority !== sorted[i - 1]!.priority) addEdge(sorted[i]!, sorted[i - 1]!);
  }

  // Cross-cutting quality and docs work comes after the features it is about.
  const required = new Set<Draft>();
  for (const d of drafts) for (const dep of d.deps) required.add(dep);
  const ends = drafts.filter((d) => d.layer !== 'docs' && d.layer !== 'quality' && !required.has(d));
  const about = new WordIndex(ends, (e) => e.units.flatMap((u) => [u.title, ...u.requirements.map((r) => `${r.text} ${r.details}`)]).join(' '));
  for (const d of drafts) {
    if (d.layer !== 'docs' && d.layer !== 'quality') continue;
    // Work about named features waits for those; work about everything (docs, a spec-wide check) for all of it.
    const named = new Set(
      d.units
        .flatMap((u) => [...u.acceptance].map((c) => c.text).concat(u.requirements.map((r) => `${r.text} ${r.details}`)))
        .map((text) => about.best(keywords(text), 2))
        .filter((e): e is Draft => e !== undefined),
    );
    const verifiesAll = d.units.every((u) => u.requirements.length === 0);
    for (const e of named.size > 0 && !verifiesAll && d.layer !== 'docs' ? named : ends) addEdge(d, e);
  }
}

/**
 * Work the spec itself cut into items of their own (stories, requirements with their own criteria), in a spec
 * that states no dependencies, follows the spec's order: an item builds on the nearest earlier item of its
 * section that it shares two distinctive words with (words most items of the section do not use), and otherwise
 * on the section's first item, which lays the ground for the rest. Items checking the others (tests, quality)
 * come after all of their section. Edges only point back in the spec's order, so none can close a cycle.
 */
function linkSpecOrder(drafts: Draft[], specs: ParsedSpec[]): void {
  const stated = new Set(specs.filter((s) => s.dependencies.length > 0).map((s) => s.file));
  const cut = (d: Draft) => !d.testFor && !stated.has(d.units[0]!.spec.file) && d.units.some(isSpecCut);
  const sections = groupBy(drafts.filter(cut), (d) => `${d.units[0]!.spec.file}\u0000${d.area}`);
  // Stories in epics: the spec's first story lays the ground for every epic, as each epic's first does for its own.
  const firstOfSpec = new Map<string, Draft>();
  for (const section of sections.values()) {
    const first = section.reduce((a, b) => (b.order < a.order ? b : a));
    const file = first.units[0]!.spec.file;
    const known = firstOfSpec.get(file);
    if (!known || first.order < known.order) firstOfSpec.set(file, first);
  }
  for (const section of sections.values()) {
    const first = section.reduce((a, b) => (b.order < a.order ? b : a));
    const ground = firstOfSpec.get(first.units[0]!.spec.file)!;
    if (first !== ground && first.units.some((u) => u.specOrder) && !reaches(ground, first)) first.deps.add(ground);
  }
  for (const section of sections.values()) {
    if (section.length < 2) continue;
    const ordered = [...section].sort((a, b) => a.order - b.order);
    const wordsOf = new Map(
      ordered.map((d) => [d, keywords(d.units.flatMap((u) => [u.title, ...u.requirements.map((r) => `${r.text} ${r.details}`), ...[...u.acceptance].map((c) => c.text)]).join(' '))]),
    );
    const uses = new Map<string, number>();
    for (const words of wordsOf.values()) for (const w of words) uses.set(w, (uses.get(w) ?? 0) + 1);
    const distinctive = (w: string) => uses.get(w)! <= Math.max(2, ordered.length / 3);
    const ground = ordered[0]!;
    const checks = (d: Draft) => d.layer === 'quality' || d.kind === 'integration' || d.units.every((u) => CHECKS_TITLE.test(u.title));
    const textOf = (d: Draft) => d.units.flatMap((u) => [u.title, ...u.requirements.map((r) => `${r.text} ${r.details}`), ...[...u.acceptance].map((c) => c.text)]).join(' ');
    ordered.forEach((d, i) => {
      if (i === 0) return;
      const add = (producer: Draft) => {
        if (producer !== d && !reaches(producer, d)) d.deps.add(producer);
      };
      // What checks, registers or wires the section's items together needs every one of them.
      if (checks(d) || INTEGRATES.test(textOf(d))) {
        for (const earlier of ordered.slice(0, i)) add(earlier);
        return;
      }
      // A shared piece the section builds first (its types, data layer, layout shell) is what the rest uses.
      const shared = ordered.slice(1, i).filter((x) => SHARED_TITLE.test(x.title) && !checks(x));
      for (const x of shared) add(x);
      // A sibling builds on an earlier one only when it uses what that one makes: the two share distinctive
      // words and one of them names the earlier item's own object ("Scenario List" after "Project List" that
      // selects the project). Siblings that merely sit side by side (six tools, five panels) are not chained.
      const mine = [...wordsOf.get(d)!].filter(distinctive);
      let producer: Draft | undefined;
      for (let j = i - 1; j >= 0 && !producer; j--) {
        if (checks(ordered[j]!)) continue;
        const theirs = wordsOf.get(ordered[j]!)!;
        const common = mine.filter((w) => theirs.has(w));
        const object = keywords(ordered[j]!.title);
        if (common.length >= 2 && common.some((w) => object.has(w))) producer = ordered[j];
      }
      if (producer) add(producer);
      else if (shared.length === 0) add(ground);
    });
  }
  // What the spec calls shared or common (a types package) is used across its sections: later work builds on it.
  for (const d of drafts.filter((x) => !x.testFor && COMMON_TITLE.test(x.title))) {
    for (const later of drafts) {
      if (later === d || later.testFor || later.layer === 'docs' || later.units[0]!.spec.file !== d.units[0]!.spec.file || later.order < d.order) continue;
      if (!reaches(d, later) && !reaches(later, d)) later.deps.add(d);
    }
  }
}

/** "Server registers all 6 tools", "wires every command into the CLI": an item that needs all its siblings. */
const INTEGRATES = /\b(?:regist(?:er|ers|ering)|wires?|wiring|integrat(?:e|es|ing)|mounts?|exposes?)\b[^.;\n]{0,30}\b(?:all|every|each)\b/i;
/** Titles of the pieces a section's other items use. */
const SHARED_TITLE = /\b(?:shared|common|types|data (?:layer|model|access)|schemas?|layout shell|shell|scaffold(?:ing)?|providers?)\b/i;
const COMMON_TITLE = /\b(?:shared|common)\b/i;

/** The drafts in their order, except that none comes before one it depends on (so T1, T2, … read top-down). */
function dependencyOrder(drafts: Draft[]): Draft[] {
  const out: Draft[] = [];
  const index = new Map(drafts.map((d, i) => [d, i]));
  const placed = new Set<Draft>();
  const visiting = new Set<Draft>();
  const place = (d: Draft) => {
    if (placed.has(d) || visiting.has(d)) return;
    visiting.add(d);
    for (const dep of [...d.deps].sort((x, y) => index.get(x)! - index.get(y)!)) place(dep);
    visiting.delete(d);
    placed.add(d);
    out.push(d);
  };
  for (const d of drafts) place(d);
  return out;
}

/**
 * A criterion linked to several requirements (it names them, or sits under a heading that does) belongs on one
 * task: the one whose requirements it shares the most words with; failing that, the last of them, which then waits
 * for the others, since it can only be checked once all are built. Edges go from later to earlier in dependency
 * order, so none can close a cycle.
 */
function oneTaskPerCriterion(drafts: Draft[]): void {
  const holders = new Map<AcceptanceCriterion, Draft[]>();
  for (const d of drafts) {
    for (const u of d.units) {
      for (const c of u.acceptance) {
        const list = holders.get(c) ?? [];
        if (!list.includes(d)) list.push(d);
        holders.set(c, list);
      }
    }
  }
  for (const [criterion, list] of holders) {
    if (list.length < 2) continue;
    // One that names the requirements in its own words checks them together: it goes last.
    const namesThem = (criterion.text.match(ID_REF) ?? []).length >= 2;
    const words = keywords(criterion.text);
    const shared = list.map((d) => overlap(words, keywords(d.units.flatMap((u) => u.requirements.map((r) => `${r.text} ${r.details}`)).join(' '))));
    const most = Math.max(...shared);
    const best = !namesThem && most > 0 && shared.filter((n) => n === most).length === 1 ? list[shared.indexOf(most)]! : undefined;
    const keeper = best ?? list[list.length - 1]!;
    for (const d of list) {
      if (d === keeper) continue;
      for (const u of d.units) u.acceptance.delete(criterion);
      if (!best) keeper.deps.add(d);
    }
  }
}

// A first working version the spec names as such. "Core …" names a part, not a first version: it decides nothing.
const FOUNDATION_TITLE = /^(?:implement |build )?(basic|minimal|skeleton|mvp)\b/i;

/** Whether `to` is reachable from `from` along dependencies. */
function reaches(from: Draft, to: Draft): boolean {
  const seen = new Set<Draft>();
  const stack = [from];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (d === to) return true;
    for (const dep of d.deps) if (!seen.has(dep)) (seen.add(dep), stack.push(dep));
  }
  return false;
}

/**
 * Dependencies the spec states ("depends on FR-2", "(depends on P1)", a dependency chain) become edges, unless
 * the edge would close a cycle with the ones already derived.
 */
function linkDeclaredDependencies(drafts: Draft[], specs: ParsedSpec[]): void {
  const statements = specs.flatMap((spec) => spec.dependencies.map((statement) => ({ spec, statement })));
  if (statements.length === 0) return;
  const byId = new Map<string, Draft[]>();
  const byPriority = new Map<string, Draft[]>();
  const add = (map: Map<string, Draft[]>, key: string, d: Draft) => {
    const list = map.get(key) ?? [];
    if (!list.includes(d)) list.push(d);
    map.set(key, list);
  };
  for (const d of drafts) {
    for (const u of d.units) {
      for (const r of [...u.requirements, ...u.alsoCovers]) {
        if (r.id) add(byId, r.id, d);
        if (r.priority) add(byPriority, r.priority, d);
      }
    }
  }
  const words = new WordIndex(drafts, (d) => d.units.flatMap((u) => [u.title, ...u.details]).join(' '));
  const resolve = (spec: ParsedSpec, ref: DependencyRef): Draft[] => {
    if (ref.id) return byId.get(ref.id) ?? [];
    if (ref.priority) return byPriority.get(ref.priority) ?? [];
    if (ref.line !== undefined) {
      const holding = drafts.filter((d) => d.units.some((u) => u.spec === spec && [...u.requirements, ...u.alsoCovers].some((r) => r.line <= ref.line! && ref.line! <= r.endLine)));
      if (holding.length > 0) return holding;
    }
    const match = ref.text ? words.best(keywords(ref.text), 2) : undefined;
    return match ? [match] : [];
  };
  for (const { spec, statement } of statements) {
    const consumers = resolve(spec, statement.from);
    for (const target of statement.on) {
      for (const producer of resolve(spec, target)) {
        for (const consumer of consumers) if (consumer !== producer && !reaches(producer, consumer)) consumer.deps.add(producer);
      }
    }
  }
}

/** The first sentence that affirms a high-risk word, quoted around it (at most about 90 characters). */
function riskySentence(texts: string[]): { word: string; quote: string } | undefined {
  for (const text of texts) {
    for (const sentence of text.split(/(?<=[.;!?])\s+|\n+/)) {
      const word = affirmedWord(sentence, HIGH_RISK_WORDS);
      if (!word) continue;
      const flat = sentence
        .replace(/\s+/g, ' ')
        .replace(/^\s*(?:\[?[A-Z]{2,4}-?\d+\]?\s*[:.)—–-]\s*|\d{1,3}[.)]\s+)/, '')
        .trim();
      if (flat.length <= 90) return { word, quote: flat };
      const at = Math.max(0, flat.toLowerCase().indexOf(word.toLowerCase()) - 40);
      const start = at === 0 ? 0 : flat.indexOf(' ', at) + 1;
      return { word, quote: `${start > 0 ? '… ' : ''}${truncate(flat.slice(start), 80)}` };
    }
  }
  return undefined;
}

function assignRiskAndStrategy(d: Draft, risks: WordIndex<SourceRef>, questions: WordIndex<SourceRef>, fastPath: boolean): void {
  const text = d.units.flatMap((u) => u.details).join(' ');
  const words = keywords(text);
  // What the task itself is asked to do (its requirements and criteria), not a word in the background text.
  // Criteria are left out: their examples ("a bookmark titled Payments") are test data, not what the task does.
  // A requirement's heading, then the first lines under it (its user story: "I want a commit to need a quorum").
  const own = d.units.flatMap((u) => u.requirements.flatMap((r) => [r.text, r.details.split(/\n/)[0] ?? ''])).filter(Boolean);
  const risky = riskySentence(own.length > 0 ? own : [text]);
  const namedRisk = risks.best(words, 2);
  const external = affirmedWord(text, EXTERNAL_WORDS);
  const question = questions.best(words, 2);
  const effort = effortFor(d.hours);
  if (risky) [d.risk, d.riskReason] = ['high', `${risky.word.toLowerCase()}: "${risky.quote}"`];
  else if (namedRisk) [d.risk, d.riskReason] = ['high', `named in the spec's risks (line ${namedRisk.line}: ${truncate(namedRisk.text, 60)})`];
  else if (question) [d.risk, d.riskReason] = ['medium', `an open question concerns it (line ${question.line})`];
  else if (external) [d.risk, d.riskReason] = ['medium', `integrates ${external}`];
  else if (effort === 'L' || effort === 'XL') [d.risk, d.riskReason] = ['medium', `large task (${effort})`];
  else [d.risk, d.riskReason] = ['low', 'small and well specified'];

  const criteria = d.units.reduce((n, u) => n + u.acceptance.size, 0);
  if (fastPath) {
    [d.strategy, d.strategyReason] = ['test-after', d.kind === 'fix' ? 'one task: reproduce the bug in a regression test, then fix it' : 'one task: tests are written inside it'];
  } else if (d.units.every((u) => u.requirements.length === 0 && u.kind === 'integration')) {
    [d.strategy, d.strategyReason] = ['test-after', 'verification: the task itself writes the end-to-end checks for these criteria'];
  } else if (d.kind === 'setup' || d.kind === 'docs' || d.layer === 'infra') {
    [d.strategy, d.strategyReason] = ['none', d.kind === 'docs' ? 'documentation: nothing to unit test' : 'setup and configuration: checked by the build and by later tasks’ tests'];
  } else if (d.risk === 'high' && criteria > 0 && effort !== 'XS' && effort !== 'S') {
    [d.strategy, d.strategyReason] = ['test-first', 'high risk with acceptance criteria: tests written first pin the behaviour before the change'];
  } else if (d.risk === 'high') {
    [d.strategy, d.strategyReason] = ['test-after', 'high risk but small: its tests are written inside the task, before the change'];
  } else if (effort === 'XL' && criteria >= 5) {
    [d.strategy, d.strategyReason] = ['test-parallel', `large task with ${criteria} acceptance criteria: a second agent writes the tests alongside`];
  } else {
    [d.strategy, d.strategyReason] = ['test-after', criteria > 0 ? 'tests for its acceptance criteria are written inside the task' : 'no separate criteria: tests are written inside the task'];
  }
}

/**
 * The spec's own test rules win over the planner's defaults: where it asks for tests first (TDD), every task that
 * builds code is test-first; a property test it describes makes the task it checks test-first. The tests are
 * written first inside the task, so a TDD spec does not double its task count.
 */
function applyTestDemands(drafts: Draft[], specs: ParsedSpec[]): void {
  const demands = specs.flatMap((s) => s.testDemands ?? []);
  if (demands.length === 0) return;
  const builds = (d: Draft) => !d.testFor && d.strategy !== 'none' && !d.units.every((u) => u.requirements.length === 0 && u.kind === 'integration');
  const tdd = new Map<string, SourceRef>();
  for (const x of demands) if (x.demand === 'tests-first' && !tdd.has(x.file)) tdd.set(x.file, x);
  const firstTdd = demands.find((x) => x.demand === 'tests-first');
  const mark = (d: Draft, reason: string) => {
    if (d.strategy === 'test-first') return;
    [d.strategy, d.strategyReason, d.testsInside] = ['test-first', reason, true];
  };
  for (const d of drafts) {
    // A companion design's TDD rule covers the requirements it designs: any TDD line of the plan's specs counts.
    const rule = tdd.get(d.units[0]!.spec.file) ?? firstTdd;
    if (rule && builds(d)) mark(d, `the spec asks for tests first (line ${rule.line}: "${truncate(rule.text, 70)}"): failing tests are committed before the code`);
  }
  const index = new WordIndex(drafts.filter(builds), (d) => [d.title, ...d.units.flatMap((u) => [...u.details, ...[...u.acceptance].map((c) => c.text)])].join(' '));
  for (const p of demands.filter((x) => x.demand === 'property')) {
    const d = index.best(keywords(p.text.replace(PROPERTY_WORDS, ' ')), 2);
    if (d) mark(d, `the spec asks for a property test of it (line ${p.line}: "${truncate(p.text, 70)}"): written first, from the property`);
  }
}
const PROPERTY_WORDS = /\bproperty[- ](?:based )?tests?\b|\b\d+\b/gi;

/** "Write failing tests for Joint Quorum Calculation" from "Implement Joint Quorum Calculation"; else "…: <title>". */
function testTitle(d: Draft): string {
  const lead = d.strategy === 'test-first' ? 'Write failing tests for' : 'Write tests for';
  const object = d.title.replace(/^(?:implement|build|add|create|support)\s+(?=\S)/i, '');
  return object !== d.title ? `${lead} ${shortTitle(object, 50)}` : `${lead}: ${shortTitle(d.title, 50)}`;
}

/** test-first: a test task that blocks the implementation. test-parallel: one beside it that dependents also wait for. */
function addTestTasks(drafts: Draft[]): Draft[] {
  const out: Draft[] = [];
  const testOf = new Map<Draft, Draft>();
  for (const d of drafts) {
    if ((d.strategy === 'test-first' && !d.testsInside) || d.strategy === 'test-parallel') {
      const criteria = d.units.reduce((n, u) => n + u.acceptance.size, 0);
      const test: Draft = {
        ...newDraft(d.units, d.key),
        key: d.key + 0.5,
        title: testTitle(d),
        description: `Write automated tests for the acceptance criteria of "${d.title}"${d.strategy === 'test-first' ? '; they must fail until the implementation lands' : ', in parallel with its implementation'}.`,
        kind: 'test',
        hours: Math.max(0.5, Math.min(4, criteria * 0.5)),
        deps: new Set(d.deps),
        strategy: d.strategy,
        strategyReason: d.strategyReason,
        risk: d.risk,
        riskReason: d.riskReason,
        testFor: d,
      };
      testOf.set(d, test);
      if (d.strategy === 'test-first') {
        d.deps.add(test);
        out.push(test, d);
      } else {
        out.push(d, test);
      }
    } else {
      out.push(d);
    }
  }
  // Dependents of a test-parallel task also wait for its tests.
  for (const d of out) {
    for (const dep of [...d.deps]) {
      const test = testOf.get(dep);
      if (test && dep.strategy === 'test-parallel' && test !== d) d.deps.add(test);
    }
  }
  return out;
}

/** Brings the plan to at most `max` tasks: drop separate test tasks first, then merge same-wave tasks. */
function consolidate(drafts: Draft[], max: number, warnings: PlanWarning[]): Draft[] {
  let current = drafts;
  if (current.some((d) => d.testFor)) {
    current = current.filter((d) => !d.testFor);
    for (const d of current) {
      for (const dep of [...d.deps]) if (dep.testFor) d.deps.delete(dep);
      if (d.strategy === 'test-first' || d.strategy === 'test-parallel') {
        d.strategy = 'test-after';
        d.strategyReason = `tests inside the task: the plan is limited to ${max} tasks`;
      }
    }
  }

  // Tasks of one wave have no path between them, so merging them cannot create a cycle, and the merged task
  // keeps that wave: waves are computed once. Merge the smallest pair of one layer first; across layers only
  // when no such pair is left. Each group is a heap of its clusters and the groups sit in a heap by their
  // smallest pair, so a plan of thousands of tasks consolidates in n log n.
  const waves = analyzeDag(current.map((d) => ({ id: String(d.key), dependsOn: [...d.deps].map((x) => String(x.key)) }))).wave;
  const waveOf = (d: Draft) => String(waves.get(String(d.key)));
  let count = current.length;
  let clusters: Draft[][] = [];
  for (const keyOf of [(d: Draft) => `${waveOf(d)}\u0000${d.layer}`, waveOf]) {
    if (count <= max) break;
    // The second pass regroups across layers: start it from the clusters formed so far.
    if (clusters.length > 0) current = rebuild(current, clusters);
    const pass = mergeSmallestPairs(
      [...groupBy(current, keyOf).values()].filter((g) => g.length > 1),
      count - max,
    );
    count -= pass.merges;
    clusters = pass.clusters;
  }
  current = rebuild(current, clusters);

  if (current.length > max) {
    warnings.push({ code: 'MAX_TASKS_NOT_REACHED', message: `Could not consolidate below ${current.length} tasks (limit ${max}) without merging dependent tasks`, tasks: [] });
  } else if (current.length < drafts.length) {
    warnings.push({ code: 'CONSOLIDATED', message: `Consolidated ${drafts.length} tasks into ${current.length} to respect the limit of ${max}`, tasks: [] });
  }
  return current;
}

/** Drafts merged so far: a tree, so that a merge costs no copy; flattened once at the end. */
interface Cluster {
  hours: number;
  /** Order of creation: ties on hours go to the older cluster, and a group's first draft comes first. */
  seq: number;
  draft?: Draft;
  parts?: [Cluster, Cluster];
}

/**
 * Up to `wanted` merges, each of the pair of clusters with the fewest hours in one group (on a tie, the group
 * listed first). Returns the clusters of more than one draft, members in merge order.
 */
function mergeSmallestPairs(groups: Draft[][], wanted: number): { merges: number; clusters: Draft[][] } {
  let seq = 0;
  const byHours = (x: Cluster, y: Cluster) => x.hours - y.hours || x.seq - y.seq;
  const heaps = groups.map((g) => {
    const heap = new MinHeap<Cluster>(byHours);
    for (const draft of g) heap.push({ hours: draft.hours, seq: seq++, draft });
    return heap;
  });
  // Entries go stale when their group merges again; `version` tells.
  const version = heaps.map(() => 0);
  const pairs = new MinHeap<{ hours: number; group: number; version: number }>((x, y) => x.hours - y.hours || x.group - y.group);
  const offer = (group: number) => {
    const heap = heaps[group]!;
    if (heap.size > 1) pairs.push({ hours: heap.peek()!.hours + heap.peekSecond()!.hours, group, version: version[group]! });
  };
  heaps.forEach((_, group) => offer(group));
  let merges = 0;
  while (merges < wanted && pairs.size > 0) {
    const best = pairs.pop()!;
    if (best.version !== version[best.group]) continue;
    const heap = heaps[best.group]!;
    const a = heap.pop()!;
    const b = heap.pop()!;
    heap.push({ hours: a.hours + b.hours, seq: seq++, parts: [a, b] });
    version[best.group]!++;
    offer(best.group);
    merges++;
  }
  const clusters: Draft[][] = [];
  for (const heap of heaps) for (const c of heap.values()) if (c.parts) clusters.push(membersOf(c));
  return { merges, clusters };
}

function membersOf(root: Cluster): Draft[] {
  const members: Draft[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (c.draft) members.push(c.draft);
    else stack.push(c.parts![1], c.parts![0]);
  }
  return members;
}

/**
 * Replaces each cluster of drafts by one merged draft and points every dependency at it. Clusters grow by
 * concatenation, so a later cluster contains the earlier ones it absorbed and its assignment wins.
 */
function rebuild(drafts: Draft[], clusters: Draft[][]): Draft[] {
  const replacement = new Map<Draft, Draft>();
  for (const members of clusters) {
    const merged = newDraft(
      members.flatMap((d) => d.units),
      Math.min(...members.map((d) => d.key)),
    );
    merged.description = describe(merged);
    const lead = members.find((d) => d.risk === 'high') ?? members[0]!;
    Object.assign(merged, { strategy: members[0]!.strategy, strategyReason: members[0]!.strategyReason, risk: lead.risk, riskReason: lead.riskReason });
    for (const d of members) replacement.set(d, merged);
  }
  const target = (d: Draft) => replacement.get(d) ?? d;
  const deps = new Map<Draft, Set<Draft>>();
  for (const d of drafts) {
    const t = target(d);
    if (!deps.has(t)) deps.set(t, new Set());
    for (const dep of d.deps) if (target(dep) !== t) deps.get(t)!.add(target(dep));
  }
  for (const [d, set] of deps) d.deps = set;
  return [...deps.keys()]; // in the order of the drafts they replace
}

/**
 * Without criteria of its own, a task is done when what the spec lists under its headings holds: those bullets,
 * whole. Only a requirement with nothing under it falls back to its own text.
 */
function criteriaFromBullets(d: Draft): string[] {
  const bullets = d.units.flatMap((u) => [...u.requirements, ...u.alsoCovers].flatMap((r) => r.bullets ?? []));
  if (bullets.length > 0) return [...new Set(bullets)];
  // The requirement is its own criterion: its words, whole, without the id it is filed under; a heading that
  // only names it ("US-1: Basic Loop") is followed by what it asks for, its first sentences under it.
  const bare = (t: string) => t.replace(/^\s*(?:\[?[A-Z]{2,4}-?\d+\]?(?:\s*[:.)—–-]\s*|\s+)|\d{1,3}[.)]\s+)/, '').trim();
  return d.units
    .flatMap((u) =>
      [...u.requirements, ...u.alsoCovers].map((r) => {
        const named = bare(r.text);
        const said = r.details.trim();
        if (named.split(/\s+/).length > 6 || !said || said.startsWith(named)) return named;
        return `${named}: ${wholeSentences(said)}`;
      }),
    )
    .concat(d.units.every((u) => u.requirements.length === 0) ? d.units.flatMap((u) => u.details) : []);
}

/** The sentences of a text that end within it: the tail of a text cut short is left off rather than shown cut. */
function wholeSentences(text: string): string {
  const ends = [...text.matchAll(/[.!?](?=\s|$)/g)].map((m) => m.index + 1);
  return ends.length > 0 ? text.slice(0, ends[ends.length - 1]).trim() : text;
}

function sourcesOf(d: Draft): TaskSource[] {
  const seen = new Set<string>();
  const out: TaskSource[] = [];
  const add = (ref: SourceRef & { id?: string }, label: string) => {
    const key = `${ref.file}:${ref.line}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ file: ref.file, line: ref.line, ref: ref.id ?? label });
  };
  for (const u of d.units) {
    for (const r of u.requirements) add(r, r.kind === 'story' ? 'story' : 'requirement');
    for (const s of u.alsoCovers) add(s, 'story');
    for (const c of u.acceptance) add(c, 'acceptance');
    if (u.requirements.length === 0 && u.acceptance.size === 0) add({ file: u.spec.file, line: 1, text: '' }, 'spec');
  }
  return out.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

function filesOf(d: Draft): string[] {
  const files = new Set<string>();
  for (const u of d.units) {
    for (const r of u.requirements) {
      for (const f of u.spec.files) if (f.line >= r.line && f.line <= r.endLine) files.add(f.text);
    }
  }
  return [...files];
}

function hasWork(spec: ParsedSpec): boolean {
  return spec.requirements.length > 0 || spec.acceptance.length > 0;
}

/**
 * Each file a spec names outside the requirements that own it (a companion design's sections, a bug report's
 * "Location" lines, a spec's file list) goes to the task that shares most words with where it is named (the
 * heading above it and the line itself); when the plan has one task of work, every named file is that task's. A file
 * no task shares two words with stays unassigned rather than guessed.
 */
function assignNamedFiles(tasks: Task[], specs: ParsedSpec[]): void {
  const work = tasks.filter((t) => t.kind !== 'test');
  if (work.length === 0) return;
  const placed = new Set(tasks.flatMap((t) => t.files));
  const index = new WordIndex(work, (t) => [t.title, t.description, ...t.acceptanceCriteria].join(' '));
  for (const spec of specs) {
    for (const file of spec.files) {
      if (placed.has(file.text)) continue;
      const heading = [...spec.headings].reverse().find((h) => h.line <= file.line);
      const task = work.length === 1 ? work[0] : index.best(keywords(`${heading?.text ?? ''} ${file.text}`.replace(/[/._:`-]+/g, ' ')), 2);
      if (task && !task.files.includes(file.text)) task.files.push(file.text);
    }
  }
  // `parser_engine.rs` beside `unilang_parser/src/parser_engine.rs` is the same file named twice.
  for (const task of tasks) task.files = task.files.filter((f) => !task.files.some((g) => g !== f && g.endsWith(`/${f}`)));
}

/** "Epic 2: Claude Code Skills" → "Claude Code Skills"; "🧪 Tests" → "Tests". */
function streamName(area: string): string {
  return shortTitle(
    area
      .replace(/[^\p{L}\p{N}\s:&/+().,'-]/gu, '')
      .replace(/^\s*(?:epic|phase|part|section|milestone)?\s*[\d.]+\s*[:.)—–-]?\s*/i, '')
      .trim(),
    40,
  );
}

function assemble(drafts: Draft[], specs: ParsedSpec[], options: PlanOptions, warnings: PlanWarning[]): Plan {
  const ids = new Map<Draft, string>(drafts.map((d, i) => [d, `T${i + 1}`]));
  // A stream is a line of work: the spec's own parts (epics, sections) when it has several of some size, since
  // each builds its own files; otherwise the layers. Streams whose tasks name the same files are merged below.
  const owner = (d: Draft) => d.testFor ?? d;
  const sizes = groupBy(
    drafts.filter((d) => !d.testFor),
    (d) => `${d.units[0]!.spec.file}\u0000${d.area}`,
  );
  const names = [...sizes.values()].map((g) => streamName(g[0]!.area));
  const byArea = [...sizes.values()].filter((g) => g.length >= 2).length >= 2 && new Set(names).size === names.length && names.every(Boolean);
  const keyOf = (d: Draft) => (byArea ? `${owner(d).units[0]!.spec.file}\u0000${owner(d).area}` : owner(d).layer);
  const nameOf = (d: Draft) => (byArea ? streamName(owner(d).area) || LAYER_NAME[owner(d).layer] : LAYER_NAME[owner(d).layer]);
  const streamOf = new Map<string, string>();
  const streams: Stream[] = [];
  const streamById = new Map<string, Stream>();
  for (const d of drafts) {
    const key = keyOf(d);
    if (!streamOf.has(key)) {
      const id = String.fromCharCode(65 + (streams.length % 26)) + (streams.length >= 26 ? String(Math.floor(streams.length / 26)) : '');
      streamOf.set(key, id);
      const stream = { id, name: nameOf(d), tasks: [] };
      streams.push(stream);
      streamById.set(id, stream);
    }
  }

  const tasks: Task[] = drafts.map((d) => {
    const stream = streamOf.get(keyOf(d))!;
    streamById.get(stream)!.tasks.push(ids.get(d)!);
    const criteria = d.units.flatMap((u) => [...u.acceptance].map((c) => c.text));
    return {
      id: ids.get(d)!,
      title: d.title,
      description: d.description,
      dependsOn: [...d.deps].map((x) => ids.get(x)!).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))),
      acceptanceCriteria: criteria.length > 0 ? criteria : criteriaFromBullets(d),
      effort: effortFor(d.hours),
      risk: d.risk,
      riskReason: d.riskReason,
      testStrategy: d.strategy,
      strategyReason: d.strategyReason,
      stream,
      wave: 0,
      kind: d.kind,
      sources: sourcesOf(d),
      files: filesOf(d),
    };
  });

  assignNamedFiles(tasks, specs);
  // Only direct edges: an edge another path already implies says nothing and clutters the plan. Layers whose
  // tasks name the same files are one stream: different streams touch different files.
  const { direct } = transitiveReduction(tasks);
  const merged = mergeStreamsSharingFiles(tasks, streams, globsOverlap);
  const reduced = tasks.map((t) => ({ ...t, dependsOn: direct.get(t.id) ?? t.dependsOn, stream: merged.streamOf.get(t.id)! }));
  return derivePlan(
    {
      planId: options.planId,
      branching: options.branching,
      spec: { paths: specs.map((s) => s.file), title: [...new Set(specs.map((s) => s.title))].join(' + ') },
      tasks: reduced,
      streams: merged.streams,
      warnings,
    },
    { specs, concurrency: options.concurrency, minHoursPerTask: options.minHoursPerTask, tinyTaskRatio: options.tinyTaskRatio, ...historyOf(options) },
  );
}

/** The conflict history to plan with, as derivePlan takes it. */
export function historyOf(options: Pick<PlanOptions, 'conflictHistory'>): { conflictHistory?: readonly ConflictRecord[] } {
  return options.conflictHistory ? { conflictHistory: options.conflictHistory } : {};
}
