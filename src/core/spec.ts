/**
 * Spec intake: turns the text of one spec into the items the assessment and the planner work from.
 * Pure and single-pass over the lines, so it stays linear in the size of the spec.
 * Every item keeps its 1-based source line for traceability.
 */

export type SpecKind = 'prd' | 'technical-spec' | 'debug-investigation';
export type SpecFormat = 'markdown' | 'taskmaster' | 'spec-kit' | 'text';

export interface SourceRef {
  file: string;
  line: number;
  text: string;
}

export interface SpecItem extends SourceRef {
  /** Requirement id written in the spec (`FR-1`, `US-3`, `SC-004`), when there is one. */
  id?: string;
}

export type RequirementKind = 'functional' | 'non-functional' | 'story' | 'feature';

export interface Requirement extends SpecItem {
  kind: RequirementKind;
  /** Heading path the requirement sits under, outermost first. */
  section: string[];
  /** Words in the requirement and its detail lines: the size signal for effort. */
  words: number;
  /** Last line that belongs to the requirement (its details included). */
  endLine: number;
  priority?: string;
  /** Written under a roadmap/phase heading rather than a requirements heading. */
  fromRoadmap?: boolean;
  /** Indexes into ParsedSpec.acceptance of the criteria that cover this requirement. */
  acceptance: number[];
}

export interface AcceptanceCriterion extends SpecItem {
  /** Requirement ids the criterion names in its text. */
  refs: string[];
  /** Index of the requirement the criterion sits under, if any. */
  owner?: number;
}

export interface Heading {
  level: number;
  text: string;
  line: number;
}

export type ComponentCategory =
  | 'web-ui'
  | 'mobile'
  | 'api'
  | 'database'
  | 'cache'
  | 'queue'
  | 'cli'
  | 'worker'
  | 'service';

export interface Component {
  name: string;
  category: ComponentCategory;
  evidence: SourceRef;
}

export interface Integration {
  name: string;
  evidence: SourceRef;
}

export interface ParsedSpec {
  file: string;
  title: string;
  kind: SpecKind;
  format: SpecFormat;
  lineCount: number;
  wordCount: number;
  headings: Heading[];
  requirements: Requirement[];
  acceptance: AcceptanceCriterion[];
  risks: SpecItem[];
  assumptions: SpecItem[];
  outOfScope: SpecItem[];
  openQuestions: SpecItem[];
  components: Component[];
  integrations: Integration[];
  /** File paths the spec names, once per line naming them (for predicting the files a task touches). */
  files: SourceRef[];
}

type SectionType =
  | 'requirements'
  | 'nfr'
  | 'stories'
  | 'acceptance'
  | 'risks'
  | 'assumptions'
  | 'out-of-scope'
  | 'questions'
  | 'roadmap'
  | 'components'
  | 'context'
  | 'other';

// Order matters: the first match wins ("Acceptance criteria for requirements" is acceptance).
const SECTION_PATTERNS: Array<[SectionType, RegExp]> = [
  // Sections that explain rather than ask for work, wherever they sit.
  ['context', /^(\d+[.)]\s*)?(success metrics|metrics|kpis?|technology stack|tech stack|dependencies( to add)?|file structure|glossary|references|appendix|background|overview|summary|problem statement|goals|personas?|target users|timeline|team|stakeholders)\b/],
  ['questions', /\b(open questions?|unresolved|questions|unknowns|tbd|needs clarification)\b/],
  ['out-of-scope', /\b(out of scope|out-of-scope|non-goals?|not in scope|future (enhancements?|work|considerations)|won't do|later phases?)\b/],
  ['acceptance', /\b(acceptance|success criteria|definition of done|done when|exit criteria|verification criteria|edge cases)\b/],
  ['risks', /\brisks?\b/],
  ['assumptions', /\bassumptions?\b/],
  ['nfr', /\b(non-functional|nonfunctional|nfrs?|quality attributes|performance requirements|security requirements)\b/],
  ['stories', /\b(user stor(y|ies)|user scenarios|use cases)\b/],
  ['roadmap', /\b(roadmap|phase \d+|phases|milestones?|implementation plan|work breakdown|development plan|mvp)\b/],
  ['components', /\b(system components|components|modules?|services)\b/],
  ['requirements', /\b(requirements?|features?|capabilit(y|ies)|functional|deliverables|scope|proposed (fix|changes?|solution))\b/],
];

// Sections whose sub-headings are part of them whatever their titles say ("### Feature Prioritization" under Risks).
const ENCLOSING_SECTIONS = new Set<SectionType>(['risks', 'out-of-scope', 'questions', 'assumptions', 'acceptance', 'context']);
const WORK_SECTIONS = new Set<SectionType>(['requirements', 'nfr', 'stories', 'roadmap']);

function classifySection(text: string): SectionType {
  const t = text.toLowerCase();
  for (const [type, re] of SECTION_PATTERNS) if (re.test(t)) return type;
  return 'other';
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;
const LIST_ITEM = /^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(?:\[([ xX])\]\s+)?(.*)$/;
const TABLE_ROW = /^\s*\|(.*)\|\s*$/;
const TABLE_SEPARATOR = /^\s*\|?[\s:|-]+\|?\s*$/;
const REQ_ID_AT_START = /^(?:\*\*|__)?\[?((?:FR|NFR|US|UC|REQ|SC|AC)-\d{1,4}|[A-Z]{2,4}-\d{1,4})\]?(?:\*\*|__)?\s*[:.)—–-]?/;
// Standards and algorithms look like ids: SHA-256, ISO-8601, UTF-8, RFC-7231.
const NOT_REQUIREMENT_IDS = /^(SHA|ISO|UTF|RFC|MD|AES|RSA|TLS|SSL|HTTP|IPV|PEP|CVE|WCAG|ES|ECMA|UTC|GMT|P|PR|COVID|IEEE|ANSI|ASCII|X)-\d+$/;
const REQ_ID_ANYWHERE = /\b(?:FR|NFR|US|UC|REQ|SC|AC)-\d{1,4}\b/g;
const STORY = /\bas an? [^,.;]{2,80}?,?\s+I (?:want|need|can|would like|should be able)\b/i;
const SPECKIT_STORY = /^user story\s+(\d+)\b.*?(?:\(priority:\s*(p\d)\))?$/i;
const GIVEN_WHEN_THEN = /\bgiven\b.*\bwhen\b.*\bthen\b/i;
const INLINE_ACCEPTANCE_LABEL = /^(?:\*\*|__)?(acceptance (criteria|scenarios|tests?)|success criteria|done when)(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*:?\s*$/i;
const INLINE_RISK = /^(?:[-*+]\s+)?(?:\*\*|__)?risk(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.+)$/i;
const BOLD_LABEL = /^(\*\*|__)[^*_]+\1:?$/;
const MITIGATION_LABEL = /^(?:[-*+]\s+)?(?:\*\*|__)?mitigations?\b/i;
const UNKNOWN_MARKER = /\[NEEDS CLARIFICATION[^\]]*\]|\bTBD\b|\bTBC\b|\?\?\?/;
const TASKMASTER_TAG = /^\s*<\/?(context|PRD)>\s*$/i;
const GENERIC_TITLE = /^(overview|introduction|summary|context|background|prd|spec(ification)?|readme)$/i;
const HORIZONTAL_RULE = /^([-*_=])(\s*\1){2,}$/;
const MARKUP_TAG = /^\s*<\/?[\w-]+>\s*$/;
const WORD = /\S+/g;

// Components: one combined pattern per line, mapped to a category by the matched word.
const COMPONENT_WORDS: Record<string, ComponentCategory> = {
  frontend: 'web-ui', 'front-end': 'web-ui', 'web ui': 'web-ui', 'web app': 'web-ui', 'web interface': 'web-ui',
  react: 'web-ui', vue: 'web-ui', angular: 'web-ui', svelte: 'web-ui', spa: 'web-ui', storefront: 'web-ui',
  dashboard: 'web-ui', 'single page application': 'web-ui',
  ios: 'mobile', android: 'mobile', 'mobile app': 'mobile', 'mobile apps': 'mobile', 'react native': 'mobile',
  backend: 'api', 'back-end': 'api', 'rest api': 'api', graphql: 'api', 'api server': 'api', express: 'api',
  fastify: 'api', 'api gateway': 'api', 'http api': 'api',
  postgres: 'database', postgresql: 'database', mysql: 'database', sqlite: 'database', mongodb: 'database',
  dynamodb: 'database', database: 'database', elasticsearch: 'database',
  redis: 'cache', memcached: 'cache',
  kafka: 'queue', rabbitmq: 'queue', sqs: 'queue', 'message queue': 'queue', 'event bus': 'queue', nats: 'queue',
  cli: 'cli', 'command-line': 'cli', 'command line': 'cli',
  worker: 'worker', workers: 'worker', cron: 'worker', 'background job': 'worker', 'background jobs': 'worker',
  scheduler: 'worker',
};
const COMPONENT_NAMES: Partial<Record<ComponentCategory, string>> = {
  'web-ui': 'web UI', mobile: 'mobile app', api: 'API server', database: 'database', cache: 'cache',
  queue: 'message queue', cli: 'CLI', worker: 'background worker',
};
const COMPONENT_PATTERN = new RegExp(
  `\\b(${Object.keys(COMPONENT_WORDS).sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})\\b`,
  'gi',
);
const NAMED_SERVICE = /\b([A-Za-z][\w-]{2,30})[ -]service\b/gi;
const GENERIC_SERVICE_WORDS = new Set([
  'the', 'a', 'an', 'this', 'that', 'each', 'every', 'any', 'our', 'web', 'micro', 'new', 'existing', 'external',
  'backend', 'back-end', 'api', 'third-party', 'same', 'other', 'one', 'simple', 'hosted', 'managed', 'cloud',
  'self', 'customer', 'core', 'main', 'separate', 'its', 'their', 'your', 'single', 'per', 'for', 'of', 'and', 'or',
  'to', 'in', 'with', 'by', 'on', 'as', 'downstream', 'upstream', 'dependent', 'internal',
]);

const INTEGRATION_WORDS = [
  'Stripe', 'PayPal', 'Braintree', 'Twilio', 'SendGrid', 'Mailgun', 'Postmark', 'SMTP', 'Slack', 'Discord',
  'GitHub', 'GitLab', 'Bitbucket', 'Jira', 'Linear', 'S3', 'CloudFront', 'GCS', 'Auth0', 'Okta', 'SAML', 'OAuth',
  'OIDC', 'LDAP', 'Segment', 'Mixpanel', 'Amplitude', 'Google Analytics', 'Firebase', 'APNs', 'FCM', 'OpenAI',
  'Anthropic', 'Claude Code', 'webhook', 'webhooks', 'Salesforce', 'HubSpot', 'Zapier', 'Shopify', 'Sentry',
  'Datadog', 'PagerDuty', 'email', 'e-mail', 'SMS', 'push notifications', 'Elastic Transcoder', 'MediaConvert', 'Mux', 'Cloudflare', 'Vercel', 'Heroku',
];
const INTEGRATION_PATTERN = new RegExp(`\\b(${INTEGRATION_WORDS.map(escapeRegExp).join('|')})\\b`, 'gi');
const INTEGRATION_CANONICAL = new Map(INTEGRATION_WORDS.map((w) => [w.toLowerCase(), w.replace(/s$/, '')]));
const ENDPOINT = /\b(GET|POST|PUT|PATCH|DELETE)\s+(\/[\w\-/:{}.]*)/g;
const FILE_PATH = /`([\w.@-]+(?:\/[\w.@\-[\]]+)+\.[A-Za-z]{1,6}|[\w.-]+\.(?:ts|tsx|js|jsx|mjs|py|go|rs|java|rb|sql|css|scss|html|json|ya?ml|toml|sh))`/g;

const KIND_HEADINGS: Record<SpecKind, RegExp> = {
  'debug-investigation': /\b(steps to reproduce|reproduc|expected (behaviou?r|result)|actual (behaviou?r|result)|stack ?trace|root cause|suspected cause|regression|bug|crash|workaround|investigation|symptoms?)\b/i,
  'technical-spec': /\b(architecture|design|implementation|data (model|structures?)|schema|migration|rollout|interfaces?|algorithm|configuration|api changes|failure modes)\b/i,
  prd: /\b(overview|problem statement|goals?|user stor|personas?|success metrics|target users|user experience|product requirements|business)\b/i,
};
const DEBUG_WORDS = /\b(bug|fix(es|ed)?|repro(duce[sd]?)?|regression|crash(es|ed)?|broken|off-by-one|stack trace|exception|fails?|failing|incorrect(ly)?|wrong)\b/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function firstSentence(text: string): string {
  const sentence = /^(.{10,}?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  return sentence.length > 100 ? `${sentence.slice(0, 99)}…` : sentence;
}

function countWords(text: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text)) n++;
  return n;
}

/** Removes markdown emphasis and link syntax so items read as plain text. */
function plain(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.*?)\1/g, '$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function idsIn(text: string): string[] {
  const ids = text.match(REQ_ID_ANYWHERE);
  return ids ? [...new Set(ids)] : [];
}

function isMarkdownName(file: string): boolean {
  return /\.(md|markdown|mdx)$/i.test(file);
}

/** Parses one spec. `file` is only used to label sources. */
export function parseSpec(text: string, file: string): ParsedSpec {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const spec: ParsedSpec = {
    file,
    title: '',
    kind: 'prd',
    format: isMarkdownName(file) ? 'markdown' : 'text',
    lineCount: lines.length,
    wordCount: 0,
    headings: [],
    requirements: [],
    acceptance: [],
    risks: [],
    assumptions: [],
    outOfScope: [],
    openQuestions: [],
    components: [],
    integrations: [],
    files: [],
  };

  const ref = (line: number, text: string): SourceRef => ({ file, line, text: plain(text) });

  // Heading stack: the section type of a heading is its own, or inherited from the nearest classified ancestor.
  const stack: Array<{ level: number; text: string; type: SectionType; isRequirement: boolean }> = [];
  let sectionType: SectionType = 'other';
  let inFence = false;
  let listBaseIndent = -1;
  let groupRefs: string[] = []; // ids named by the heading or bold label a group of criteria sits under
  let inListItem = false; // a paragraph line right after a list item continues that item
  let acceptanceBlock = false; // after an inline "Acceptance criteria:" label, until the next heading
  let mitigationBlock = false; // after a "Mitigation:" label in a risk section
  let pendingRiskHeading: SpecItem | undefined; // a risk sub-heading, counted unless its body states the risk
  const listedComponents: Component[] = [];
  let current: Requirement | undefined; // requirement whose details we are reading
  let currentByHeading = false; // current requirement was opened by a heading (its list items are details)
  let currentHeadingLevel = 0;
  const definedIds = new Set<string>();
  const requirementIndex = new Map<Requirement, number>();
  const questionLines = new Set<number>();
  const componentsSeen = new Set<string>();
  const integrationsSeen = new Set<string>();
  const filesSeen = new Set<string>();
  const kindScore: Record<SpecKind, number> = { prd: 0, 'technical-spec': 0, 'debug-investigation': 0 };
  let sawSpecKitMarker = false;
  let sawTaskmasterTag = false;
  let firstTextLine = '';

  const sectionPath = (): string[] => stack.map((h) => plain(h.text));

  const closeCurrent = (): void => {
    current = undefined;
    currentByHeading = false;
  };

  const addRequirement = (
    kind: RequirementKind,
    line: number,
    text: string,
    opts: { id?: string; byHeading?: boolean; headingLevel?: number; priority?: string } = {},
  ): Requirement | undefined => {
    if (opts.id) {
      if (definedIds.has(opts.id)) return undefined;
      definedIds.add(opts.id);
    }
    const req: Requirement = {
      ...ref(line, text),
      kind,
      section: sectionPath(),
      words: countWords(text),
      endLine: line,
      acceptance: [],
    };
    if (opts.id) req.id = opts.id;
    if (opts.priority) req.priority = opts.priority.toUpperCase();
    if (sectionType === 'roadmap') req.fromRoadmap = true;
    requirementIndex.set(req, spec.requirements.length);
    spec.requirements.push(req);
    current = req;
    currentByHeading = opts.byHeading ?? false;
    currentHeadingLevel = opts.headingLevel ?? 0;
    return req;
  };

  const addAcceptance = (line: number, text: string, id?: string): void => {
    const criterion: AcceptanceCriterion = { ...ref(line, text), refs: [...new Set([...idsIn(text), ...groupRefs])] };
    if (id) criterion.id = id;
    const index = spec.acceptance.length;
    if (current) {
      criterion.owner = requirementIndex.get(current)!;
      current.acceptance.push(index);
      current.endLine = line;
    }
    spec.acceptance.push(criterion);
  };

  const addQuestion = (line: number, text: string): void => {
    if (questionLines.has(line)) return;
    questionLines.add(line);
    spec.openQuestions.push(ref(line, text));
  };

  const addListedComponent = (line: number, text: string): void => {
    const name = plain(text).split(/\s*[:(—–]\s*|\s+-\s+/)[0]!.replace(/[.*]+$/, '').trim();
    if (!name || name.length > 60 || listedComponents.some((c) => c.name.toLowerCase() === name.toLowerCase())) return;
    listedComponents.push({ name, category: 'service', evidence: ref(line, text) });
  };

  const scanVocabulary = (line: number, raw: string): void => {
    COMPONENT_PATTERN.lastIndex = 0;
    for (let m = COMPONENT_PATTERN.exec(raw); m; m = COMPONENT_PATTERN.exec(raw)) {
      const word = m[1]!.toLowerCase();
      // "CLI"/"SPA" are acronyms: a lowercase "spa" or "cli" in prose is not a component.
      if ((word === 'cli' || word === 'spa') && m[1] !== m[1]!.toUpperCase()) continue;
      const category = COMPONENT_WORDS[word]!;
      if (componentsSeen.has(category)) continue;
      componentsSeen.add(category);
      spec.components.push({ name: COMPONENT_NAMES[category] ?? category, category, evidence: ref(line, raw) });
    }
    NAMED_SERVICE.lastIndex = 0;
    for (let m = NAMED_SERVICE.exec(raw); m; m = NAMED_SERVICE.exec(raw)) {
      const word = m[1]!.toLowerCase();
      if (GENERIC_SERVICE_WORDS.has(word)) continue;
      const key = `service:${word}`;
      if (componentsSeen.has(key)) continue;
      componentsSeen.add(key);
      spec.components.push({ name: `${word} service`, category: 'service', evidence: ref(line, raw) });
    }
    INTEGRATION_PATTERN.lastIndex = 0;
    for (let m = INTEGRATION_PATTERN.exec(raw); m; m = INTEGRATION_PATTERN.exec(raw)) {
      const name = INTEGRATION_CANONICAL.get(m[1]!.toLowerCase()) ?? m[1]!;
      if (integrationsSeen.has(name)) continue;
      integrationsSeen.add(name);
      spec.integrations.push({ name, evidence: ref(line, raw) });
    }
    ENDPOINT.lastIndex = 0;
    for (let m = ENDPOINT.exec(raw); m; m = ENDPOINT.exec(raw)) {
      const name = `${m[1]} ${m[2]!.replace(/[.,;:]+$/, '')}`;
      if (integrationsSeen.has(name)) continue;
      integrationsSeen.add(name);
      spec.integrations.push({ name, evidence: ref(line, raw) });
    }
    FILE_PATH.lastIndex = 0;
    for (let m = FILE_PATH.exec(raw); m; m = FILE_PATH.exec(raw)) {
      const path = m[1]!;
      // Every line that names a file counts: two requirements naming the same file both predict it.
      const seen = `${line}\u0000${path}`;
      if (filesSeen.has(seen) || /^https?:/.test(path)) continue;
      filesSeen.add(seen);
      spec.files.push({ file, line, text: path });
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;

    if (FENCE.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;

    const trimmed = raw.trim();
    if (trimmed === '' || HORIZONTAL_RULE.test(trimmed)) {
      inListItem = false;
      continue;
    }
    spec.wordCount += countWords(trimmed);

    if (TASKMASTER_TAG.test(trimmed) || MARKUP_TAG.test(trimmed)) {
      sawTaskmasterTag ||= TASKMASTER_TAG.test(trimmed);
      continue;
    }

    const heading = HEADING.exec(raw);
    if (heading) {
      const level = heading[1]!.length;
      const text = plain(heading[2]!);
      spec.headings.push({ level, text, line: lineNo });
      // "# Overview" is a section name, not a title: the first sentence under it names the work better.
      if (spec.headings.length === 1 && level === 1 && !GENERIC_TITLE.test(text)) spec.title = text.replace(/^(feature specification|prd|spec)\s*:\s*/i, '') || text;
      if (/^feature specification\b/i.test(text)) sawSpecKitMarker = true;
      for (const kind of Object.keys(KIND_HEADINGS) as SpecKind[]) if (KIND_HEADINGS[kind].test(text)) kindScore[kind]++;

      while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
      const parentType = stack.length > 0 ? stack[stack.length - 1]!.type : 'other';
      // The document's title heading names the whole spec ("… Requirements Document"), not a section.
      const isTitle = spec.headings.length === 1 && level === 1;
      const ownType = isTitle ? 'other' : ENCLOSING_SECTIONS.has(parentType) ? parentType : classifySection(text);
      const headingIsRequirementLike = WORK_SECTIONS.has(parentType);
      acceptanceBlock = false;
      mitigationBlock = false;
      listBaseIndent = -1;
      groupRefs = idsIn(text);
      if (pendingRiskHeading) spec.risks.push(pendingRiskHeading);
      pendingRiskHeading = undefined;

      // A heading closes the requirement it does not sit inside.
      if (current && (!currentByHeading || level <= currentHeadingLevel)) closeCurrent();

      const idCandidate = REQ_ID_AT_START.exec(text);
      const idMatch = idCandidate && !NOT_REQUIREMENT_IDS.test(idCandidate[1]!) ? idCandidate : null;
      const storyMatch = SPECKIT_STORY.exec(text);
      let type: SectionType = ownType === 'other' ? parentType : ownType;
      let isRequirement = false;
      if (idMatch && !/^(SC|AC)-/.test(idMatch[1]!) && ownType !== 'questions' && ownType !== 'out-of-scope') {
        // "### US-1: Basic Loop", "### FR-3 Export" define requirements wherever they appear.
        const id = idMatch[1]!;
        addRequirement(id.startsWith('US') ? 'story' : id.startsWith('NFR') ? 'non-functional' : 'functional', lineNo, text, {
          id,
          byHeading: true,
          headingLevel: level,
        });
        isRequirement = true;
        type = parentType === 'other' ? 'requirements' : parentType;
      } else if (storyMatch) {
        sawSpecKitMarker ||= storyMatch[2] !== undefined;
        addRequirement('story', lineNo, text, { byHeading: true, headingLevel: level, priority: storyMatch[2] });
        isRequirement = true;
        type = 'stories';
      } else if (headingIsRequirementLike && ownType === 'other') {
        // A sub-heading under "Core Features" is a feature; its bullets are its details.
        const parentIsRequirement = stack.length > 0 && stack[stack.length - 1]!.isRequirement;
        if (!parentIsRequirement) {
          addRequirement(parentType === 'nfr' ? 'non-functional' : parentType === 'stories' ? 'story' : 'feature', lineNo, text, {
            byHeading: true,
            headingLevel: level,
          });
          isRequirement = true;
        }
        type = parentType;
      } else if (parentType === 'risks' && ownType === 'risks' && !/\brisks?\b/i.test(text)) {
        pendingRiskHeading = ref(lineNo, text);
      } else if (parentType === 'components') {
        // "### Module: Parser" under "## Module Definitions": the heading is the component, its bullets details.
        addListedComponent(lineNo, text.replace(/^(module|component|service)\s*:\s*/i, ''));
        type = 'other';
      }
      stack.push({ level, text, type, isRequirement });
      sectionType = type;
      // What is out of scope is not built; the title names the whole system, not one of its parts.
      if (type !== 'out-of-scope' && !isTitle) scanVocabulary(lineNo, raw);
      continue;
    }

    if (sectionType !== 'out-of-scope') scanVocabulary(lineNo, raw);
    if (!firstTextLine) firstTextLine = firstSentence(plain(trimmed));

    // Markers of unresolved questions count wherever they are.
    if (UNKNOWN_MARKER.test(raw) && sectionType !== 'out-of-scope' && sectionType !== 'questions') addQuestion(lineNo, trimmed);

    if (BOLD_LABEL.test(trimmed)) groupRefs = idsIn(trimmed);
    if (INLINE_ACCEPTANCE_LABEL.test(trimmed)) {
      acceptanceBlock = true;
      listBaseIndent = -1;
      continue;
    }
    const item0 = LIST_ITEM.exec(raw);
    const inlineRisk = INLINE_RISK.exec(trimmed);
    if (inlineRisk) {
      spec.risks.push(ref(lineNo, inlineRisk[1]!));
      pendingRiskHeading = undefined;
      mitigationBlock = false;
      continue;
    }
    // A nested "- Mitigation: …" belongs to its risk; only a label of its own starts a block of mitigations.
    if (sectionType === 'risks' && MITIGATION_LABEL.test(trimmed) && !(item0 && item0[1]!.length > Math.max(listBaseIndent, 0))) {
      mitigationBlock = true;
      continue;
    }

    const item = LIST_ITEM.exec(raw);
    const continuesItem: boolean = !item && inListItem;
    inListItem = item !== null || continuesItem;
    const row = item ? undefined : TABLE_ROW.exec(raw);
    if (row && TABLE_SEPARATOR.test(raw)) continue;
    // Table rows act as items; the header row (followed by a separator) does not.
    const isTableHeader = row !== undefined && row !== null && TABLE_SEPARATOR.test(lines[i + 1] ?? '');
    const itemText = item ? item[3]! : row && !isTableHeader ? row[1]!.split('|')[0]!.trim() : undefined;
    const indent = item ? item[1]!.replace(/\t/g, '    ').length : 0;
    const checkbox = item ? item[2] !== undefined : false;
    if (item && listBaseIndent < 0) listBaseIndent = indent;
    const topLevel = itemText !== undefined && (!item || indent <= listBaseIndent);

    const startId = itemText !== undefined ? REQ_ID_AT_START.exec(itemText.trim()) : REQ_ID_AT_START.exec(trimmed);
    const id = startId && !NOT_REQUIREMENT_IDS.test(startId[1]!) ? startId[1] : undefined;
    const gwt = GIVEN_WHEN_THEN.test(trimmed);

    switch (sectionType) {
      case 'questions':
        if (itemText !== undefined ? topLevel : !continuesItem) addQuestion(lineNo, itemText ?? trimmed);
        continue;
      case 'out-of-scope':
        if (itemText !== undefined && topLevel) spec.outOfScope.push(ref(lineNo, itemText));
        continue;
      case 'assumptions':
        if (itemText !== undefined && topLevel) spec.assumptions.push(ref(lineNo, itemText));
        continue;
      case 'risks':
        if (itemText !== undefined && topLevel && !mitigationBlock && !pendingRiskHeading) spec.risks.push(ref(lineNo, itemText));
        continue;
      case 'components':
        if (itemText !== undefined && topLevel) addListedComponent(lineNo, itemText);
        continue;
      default:
        break;
    }

    // A line starting with an id already defined mentions it (a milestone, a repeat); it is not new work.
    if (id && definedIds.has(id) && !(sectionType === 'acceptance' || acceptanceBlock || checkbox || gwt)) continue;
    // Ids written at the start of a line define items wherever they are.
    if (id && !definedIds.has(id)) {
      if (/^(SC|AC)-/.test(id)) {
        definedIds.add(id);
        const owner = current;
        current = undefined; // success criteria are spec-wide unless they name requirements
        addAcceptance(lineNo, itemText ?? trimmed, id);
        current = owner;
      } else {
        addRequirement(
          id.startsWith('US') ? 'story' : id.startsWith('NFR') || sectionType === 'nfr' ? 'non-functional' : 'functional',
          lineNo,
          itemText ?? trimmed,
          { id },
        );
      }
      continue;
    }

    if (sectionType === 'acceptance' || acceptanceBlock || checkbox || gwt) {
      if (itemText !== undefined || gwt) {
        const owner = current;
        // In a spec-wide acceptance section, criteria belong to the requirements they name, not the last one read.
        if (sectionType === 'acceptance' && !acceptanceBlock && !(current && currentByHeading)) current = undefined;
        addAcceptance(lineNo, itemText ?? trimmed);
        current = owner;
        continue;
      }
    }

    if (STORY.test(trimmed) && !(current && currentByHeading && current.kind === 'story')) {
      if (current && currentByHeading) {
        current.words += countWords(trimmed);
        current.endLine = lineNo;
      } else {
        addRequirement('story', lineNo, itemText ?? trimmed);
      }
      continue;
    }

    if (WORK_SECTIONS.has(sectionType) && itemText !== undefined && topLevel && !(current && currentByHeading)) {
      addRequirement(sectionType === 'nfr' ? 'non-functional' : sectionType === 'stories' ? 'story' : 'functional', lineNo, itemText);
      continue;
    }

    if (current) {
      current.words += countWords(trimmed);
      current.endLine = lineNo;
    }
  }

  if (pendingRiskHeading) spec.risks.push(pendingRiskHeading);
  spec.requirements = preferMoreDetailedScope(spec.requirements, spec.acceptance);
  // A spec that lists its components says more than the words it happens to use.
  if (listedComponents.length > 0) {
    spec.components = [...listedComponents, ...spec.components.filter((c) => c.category === 'service' && !listedComponents.some((l) => l.name.toLowerCase().includes(c.name.split(' ')[0]!)))];
  }

  linkAcceptance(spec.requirements, spec.acceptance);

  spec.format = sawSpecKitMarker ? 'spec-kit' : sawTaskmasterTag ? 'taskmaster' : spec.headings.length === 0 && !isMarkdownName(file) ? 'text' : spec.format;
  spec.kind = detectKind(kindScore, spec, text);
  if (!spec.title) spec.title = firstTextLine || file;
  return spec;
}

/**
 * Criteria that name requirement ids cover those requirements; a requirement that names a story
 * ("FR-3 … (US-1)") passes its criteria on to that story.
 */
function linkAcceptance(requirements: Requirement[], acceptance: AcceptanceCriterion[]): void {
  const byId = new Map<string, Requirement>();
  for (const r of requirements) if (r.id) byId.set(r.id, r);
  acceptance.forEach((criterion, index) => {
    for (const id of criterion.refs) {
      const target = byId.get(id);
      if (target && !target.acceptance.includes(index)) target.acceptance.push(index);
    }
  });
  for (const r of requirements) {
    if (r.acceptance.length === 0) continue;
    for (const id of idsIn(r.text)) {
      const target = byId.get(id);
      if (target && target !== r && target.acceptance.length === 0) target.acceptance.push(...r.acceptance);
    }
  }
}

/**
 * Feature lists and roadmaps often describe the same scope at two levels of detail. Counting both would double
 * the work, so the more detailed of the two is kept; ids, stories and non-functional requirements always stay.
 */
function preferMoreDetailedScope(requirements: Requirement[], acceptance: AcceptanceCriterion[]): Requirement[] {
  const isPlainWork = (r: Requirement) => !r.id && (r.kind === 'functional' || r.kind === 'feature');
  const roadmap = requirements.filter((r) => r.fromRoadmap && isPlainWork(r)).length;
  const listed = requirements.filter((r) => !r.fromRoadmap && isPlainWork(r)).length;
  if (roadmap === 0) return requirements;
  const dropRoadmap = listed >= roadmap;
  const kept = requirements.filter((r) => !isPlainWork(r) || Boolean(r.fromRoadmap) !== dropRoadmap);
  if (kept.length === requirements.length) return kept;
  // Re-point acceptance owners at the surviving requirements.
  const newIndex = new Map<Requirement, number>(kept.map((r, i) => [r, i]));
  for (const criterion of acceptance) {
    if (criterion.owner === undefined) continue;
    const owner = requirements[criterion.owner]!;
    const index = newIndex.get(owner);
    if (index === undefined) delete criterion.owner;
    else criterion.owner = index;
  }
  return kept;
}

function detectKind(headingScore: Record<SpecKind, number>, spec: ParsedSpec, text: string): SpecKind {
  const sample = text.length > 20_000 ? text.slice(0, 20_000) : text;
  const debugWords = sample.match(DEBUG_WORDS)?.length ?? 0;
  const score: Record<SpecKind, number> = {
    prd: headingScore.prd * 2 + (spec.requirements.some((r) => r.kind === 'story') ? 2 : 0) + (spec.format === 'spec-kit' ? 4 : 0),
    'technical-spec': headingScore['technical-spec'] * 2,
    'debug-investigation': headingScore['debug-investigation'] * 3 + Math.min(debugWords, 6),
  };
  // A short note full of bug words is a bug report even without headings.
  if (spec.headings.length <= 1 && debugWords >= 2) return 'debug-investigation';
  const ranked = (Object.keys(score) as SpecKind[]).sort((a, b) => score[b] - score[a]);
  return score[ranked[0]!] > 0 ? ranked[0]! : 'prd';
}
