/**
 * Spec intake: turns the text of one spec into the items the assessment and the planner work from.
 * Pure and single-pass over the lines, so it stays linear in the size of the spec.
 * Every item keeps its 1-based source line for traceability.
 */

import { scanBlocks, type BlockRole, type CodeBlock, type TableBlock } from './markdown-blocks.js';
import { redactSecrets } from '../secrets.js';

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

/**
 * Where work was found other than in a list of requirements: a row of a command or option table, a file format or
 * schema (a table of fields, a schema code block), a decision that asks for work (these three are requirements), a
 * risk's mitigation or a test case still to write (criteria). The inventory numbers these after the others, so adding them leaves the earlier keys as they were.
 */
export type WorkOrigin = 'command' | 'format' | 'decision' | 'mitigation' | 'test';

export interface Requirement extends SpecItem {
  kind: RequirementKind;
  /** Heading path the requirement sits under, outermost first. */
  section: string[];
  /** Words in the requirement and its detail lines: the size signal for effort. */
  words: number;
  /** Last line that belongs to the requirement (its details included). */
  endLine: number;
  /** The start of its detail lines, plain text: what it is about, for matching criteria and stories to it. */
  details: string;
  priority?: string;
  /** Written under a roadmap/phase heading rather than a requirements heading. */
  fromRoadmap?: boolean;
  origin?: WorkOrigin;
  /** Indexes into ParsedSpec.acceptance of the criteria that cover this requirement. */
  acceptance: number[];
  /** The bullets under a requirement's heading, whole: what "done" means when the spec gives no criteria. */
  bullets?: string[];
}

export interface AcceptanceCriterion extends SpecItem {
  /** Requirement ids the criterion names in its text. */
  refs: string[];
  /** Index of the requirement the criterion sits under, if any. */
  owner?: number;
  origin?: WorkOrigin;
}

export interface Heading {
  level: number;
  text: string;
  line: number;
}

export type ComponentCategory = 'web-ui' | 'mobile' | 'api' | 'database' | 'cache' | 'queue' | 'cli' | 'worker' | 'service';

export interface Component {
  name: string;
  category: ComponentCategory;
  evidence: SourceRef;
}

export interface Integration {
  name: string;
  evidence: SourceRef;
}

/** One end of a dependency the spec states: a requirement id, a story priority, or a spec line (with its text). */
export interface DependencyRef {
  id?: string;
  priority?: string;
  line?: number;
  text?: string;
}

/** "FR-4 depends on FR-2", "(depends on P1)", or one step of a "Logical Dependency Chain". */
export interface DependencyStatement extends SourceRef {
  from: DependencyRef;
  on: DependencyRef[];
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
  /** File paths the spec names (for predicting the files a task touches). */
  files: SourceRef[];
  /** Dependencies the spec states in its own words. */
  dependencies: DependencyStatement[];
  /** Lines with template placeholders (`[Name]`, `[One sentence]`, `[X]%`): a template to fill in, not work. */
  placeholders: SourceRef[];
  /** Lines that ask for the tests to be written first (TDD) or for property tests: the test strategy the spec wants. */
  testDemands?: Array<SourceRef & { demand: 'tests-first' | 'property' }>;
  /** An OpenSpec change this file is a part of; the parts given together are one change (see parseSpecs). */
  change?: ChangePart;
}

export interface ChangePart {
  /** The change's name: its folder (`openspec/changes/<name>/`) or its proposal's title. */
  name: string;
  part: 'proposal' | 'design' | 'delta' | 'tasks';
}

type SectionType = 'decisions' | 'chain' | 'requirements' | 'nfr' | 'stories' | 'acceptance' | 'risks' | 'assumptions' | 'out-of-scope' | 'questions' | 'roadmap' | 'components' | 'context' | 'other';

// Order matters: the first match wins ("Acceptance criteria for requirements" is acceptance).
const SECTION_PATTERNS: Array<[SectionType, RegExp]> = [
  // The spec's own build order: each step depends on the one before, or on the steps it names.
  ['chain', /\b(dependency chain|build order|implementation order|order of (implementation|work)|logical order)\b/],
  // Sections that explain rather than ask for work, wherever they sit.
  [
    'context',
    /^(\d+[.)]\s*)?(success metrics|metrics|kpis?|technology stack|tech stack|dependencies( to add)?|file structure|glossary|references|appendix|background|overview|summary|problem statement|goals|personas?|target users|timeline|team|stakeholders|examples?( output| usage| session)?|sample (output|session|usage)|example (output|usage|session|response|request))\b/,
  ],
  ['questions', /\b(open questions?|unresolved|questions|unknowns|tbd|needs clarification)\b/],
  [
    'out-of-scope',
    /\b(out of scope|out-of-scope|non-goals?|not in scope|future (enhancements?|work|considerations|phases?|scope)|won't do|later phases?|post-mvp|nice to haves?|could haves?|won't haves?|stretch goals?|deferred)\b/,
  ],
  ['acceptance', /\b(acceptance|success criteria|definition of done|done when|exit criteria|verification criteria|edge cases)\b/],
  ['risks', /\brisks?\b/],
  ['assumptions', /\bassumptions?\b/],
  ['nfr', /\b(non-functional|nonfunctional|nfrs?|quality attributes|performance requirements|security requirements)\b/],
  ['stories', /\b(user stor(y|ies)|user scenarios|use cases)\b/],
  ['roadmap', /\b(roadmap|phase \d+|phases|milestones?|implementation plan|work breakdown|development plan|mvp)\b/],
  ['decisions', /\b(decisions?|decision records?|adrs)\b/],
  ['components', /\b(system components|components|modules?|services)\b/],
  ['requirements', /\b(requirements?|features?|capabilit(y|ies)|functional|deliverables|scope|proposed (fix|changes?|solution))\b/],
];

// Sections whose sub-headings are part of them whatever their titles say ("### Feature Prioritization" under Risks).
const ENCLOSING_SECTIONS = new Set<SectionType>(['decisions', 'chain', 'risks', 'out-of-scope', 'questions', 'assumptions', 'acceptance', 'context']);
const WORK_SECTIONS = new Set<SectionType>(['requirements', 'nfr', 'stories', 'roadmap']);
// Sections where a command table, a schema, a decision or a test to write is work (not where it is context).
const NO_EXTRA_WORK = new Set<SectionType>(['out-of-scope', 'questions', 'context', 'chain', 'components', 'acceptance']);

// A table whose rows are things to build, by its first column: commands, options, endpoints, presets, settings.
const WORK_TABLE_COLUMN =
  /^(commands?|sub-?commands?|cli( commands?)?|options?|flags?|arguments?|args?|endpoints?|routes?|operations?|tools?|presets?|hooks?|events?|settings?|config(uration)?( keys?| options?)?|env(ironment)?( variables?| vars?)?|variables?|keys?)$/;
// A table of fields with their types describes a format: one item for the format, not one per field.
const FIELD_COLUMN = /^(fields?|columns?|propert(y|ies)|attributes?|keys?|names?|parameters?|params?)$/;
const TYPE_COLUMN = /^(types?|data ?types?|formats?|kinds?)$/;
// A fenced block that defines a format: by the heading it sits under, or by what it declares.
const SCHEMA_LANGS = new Set(['json', 'jsonc', 'json5', 'yaml', 'yml', 'toml', 'sql', 'graphql', 'gql', 'proto', 'protobuf', 'prisma', 'typescript', 'ts', 'avro', 'xsd', 'xml', 'jsonschema', 'ddl']);
const SCHEMA_HEADING = /\b(schemas?|formats?|data models?|models?|structures?|layouts?|encodings?|payloads?|manifests?|contracts?|records?|messages?|file shapes?)\b/i;
const SCHEMA_DECLARATION = /^\s*(?:create\s+table|(?:export\s+)?(?:interface|type)\s+\w+\s*(?:=|\{|extends)|message\s+\w+\s*\{|model\s+\w+\s*\{|"\$schema"\s*:)/im;
const DECLARED_NAME = /(?:create\s+table(?:\s+if\s+not\s+exists)?|interface|type|message|model|enum)\s+[`"]?(\w+)/gi;
// "**Decision:** Use one monorepo", "**Decision 2: Throttle at image level**".
const DECISION_LABEL = /^(?:key |design |architectural |architecture |technical )*decision(?:\s+#?(\d+))?\s*[:.—–-]\s*(\S.*)$/i;
// A decision or mitigation that asks for nothing to be built.
// A mitigation asks for work when it says what to build or do, not what to keep in mind ("Focus on the core").
const MITIGATION_WORK =
  /^(?:(?:clearly|always|also|then|first)\s+)?(?:implement|add|use|build|create|support|cache|validate|verify|test|document|provide|design|handle|define|write|store|retry|sanitize|log|record|track|limit|enforce|encrypt|introduce|expose|run|measure|check|detect|fall ?back|guard|lock|queue|throttle|migrate|pin|optimi[sz]e|batch|paginate|index|cap|reject|warn|emit|allow|prevent|require|configure|wrap|isolate|back ?up|ensure|monitor|alert|timeout|time out|bound|split|deduplicate|version)\b|\b(?:validation|retries|retry|caching|fallbacks?|backoff|rate[- ]limit(?:ing|s)?|locking|logging|monitoring|timeouts?|pagination|tests?|checksums?|transactions?|discovery|rollback)\b/i;
const ASKS_NOTHING = /^(?:no|none|nothing|n\/?a|not|do not|don't|won't|will not|defer(?:red)?|postpone(?:d)?|rejected|accept(?:ed|able)?|tbd|no action)\b/i;
const MITIGATION_TEXT = /^mitigations?(?:\s*\([^)]*\))?\s*[:.—–-]\s*/i;
const MITIGATION_HEADING = /\bmitigat/i;
const RISKS_AND_MITIGATIONS = /\brisks?\s*(?:and|&|\/)\s*mitigations?\b/i;
// "- TODO: test that an empty file imports nothing", and test tables whose status says it is still to write.
const TODO_ITEM = /^(?:\[[ xX]\]\s*)?(?:TODO|FIXME)\b\s*[:.—–)-]?\s*(\S.*)$/;
const TESTISH = /\b(tests?|testing|test cases?|test plan)\b/i;
const TODO_STATUS = /^(?:todo|to do|to-do|pending|not started|not written|missing|❌)$/i;

function classifySection(text: string): SectionType {
  const t = text.toLowerCase();
  for (const [type, re] of SECTION_PATTERNS) if (re.test(t)) return type;
  return 'other';
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(?:\[([ xX])\]\s+)?(.*)$/;
const REQ_ID_AT_START = /^(?:\*\*|__)?\[?((?:FR|NFR|US|UC|REQ|SC|AC)-\d+|[A-Z]{2,4}-\d+)\]?(?:\*\*|__)?\s*[:.)—–-]?/;
// Standards and algorithms look like ids: SHA-256, ISO-8601, UTF-8, RFC-7231.
const NOT_REQUIREMENT_IDS = /^(SHA|ISO|UTF|RFC|MD|AES|RSA|TLS|SSL|HTTP|IPV|PEP|CVE|WCAG|ES|ECMA|UTC|GMT|P|PR|COVID|IEEE|ANSI|ASCII|X)-\d+$/;
const REQ_ID_ANYWHERE = /\b(?:FR|NFR|US|UC|REQ|SC|AC)-\d+\b/g;
const STORY = /\bas an? [^,.;]{2,80}?,?\s+I (?:want|need|can|would like|should be able)\b/i;
// "depends on FR-2", "requires US-1 and US-3", "(depends on P1)", "after User Story 2".
const DEPENDS_ON = /\b(?:depends on|dependent on|requires|builds on|built on|blocked by|after)\s+([^.;]{1,80})/gi;
const PRIORITY_REF = /\bP\d\b/g;
const STORY_NUMBER_REF = /\buser stor(?:y|ies)\s+(\d+)(?:\s*(?:,|and|&)\s*(\d+))*/gi;
// "(depends on 3 & 4)" in a numbered chain: step numbers.
const CHAIN_NEEDS = /\b(?:depends on|needs|built on top of|built on|requires|after)\s+([^.;]{2,120})/i;
const STEP_NUMBERS = /\bdepends on\s+((?:(?:steps?\s+)?\d+\s*(?:,|&|and)?\s*)+)/i;
const PERSONA_HEADING = /^as an? [\w\s-]{2,40}$/i;
const STORY_LINE = /^(?:\*\*|__)?(?:user )?story(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(I (?:want|need|can|would like|should be able)\b.*)$/i;
// "[Name]", "[One sentence]", "[X]%": a blank in a template. Not a link, a checkbox, an id or a clarification marker.
const PLACEHOLDER = /\[(?!NEEDS CLARIFICATION)(?:[A-Z][a-z][^\][]{0,60}|[A-Z]|[A-Z][a-z]+\/[^\][]{0,40})\](?!\()/;
const STORY_LABEL = /^(?:\*\*|__)?user story(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*/i;
// BMAD: "### Story 1.3: Implement Shared Types Package", its user story and its numbered acceptance criteria below.
const BMAD_STORY = /^story\s+(\d+(?:\.\d+)*)\s*[:.—–-]\s*(\S.*)$/i;
const SPECKIT_STORY = /^user story\s+(\d+)\b.*?(?:\(priority:\s*(p\d)\))?$/i;
// BMAD: "## Epic 5: Analytics (deferred to v2)", or an epic whose status line says so, is out of scope, with its reason.
const EPIC_HEADING = /^epic\s+\d+(?:\.\d+)*\b/i;
const DEFERRED_WORDS = /\b(deferred|defer|out of scope|out-of-scope|post[- ]mvp|descoped|de-scoped|not in (?:the )?mvp|won't do|future release|later release|v2)\b/i;
const DEFERRED_STATUS = /^(?:[-*+]\s+)?(?:\*\*|__)?status(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$/i;
const REASON_LINE = /^(?:[-*+]\s+)?(?:\*\*|__)?(?:reason|why|rationale)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(\S.*)$/i;
const EDGE_CASES_HEADING = /\bedge cases?\b/i;
const EDGE_CASE_QUESTION = /^[^?]{3,300}\?/;
const GIVEN_WHEN_THEN = /\bgiven\b.*\bwhen\b.*\bthen\b/i;
const INLINE_ACCEPTANCE_LABEL = /^(?:\*\*|__)?(acceptance (criteria|scenarios|tests?)|success criteria|done when)(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*:?\s*$/i;
// "- Acceptance: exporting an empty store writes []": one criterion on the line itself.
const INLINE_ACCEPTANCE = /^(?:\*\*|__)?(?:acceptance(?: criteri(?:on|a))?|done when|AC)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(\S.*)$/i;
// "### Requirement 3" (Kiro), "### Feature 2: Export": a requirement named by its number, wherever it appears.
// OpenSpec: "### Requirement: <name>" and, under it, "#### Scenario: <name>" with its WHEN/THEN bullets.
const OPENSPEC_REQUIREMENT = /^requirement:\s*(\S.*)$/i;
const OPENSPEC_SCENARIO = /^scenario:\s*(\S.*)$/i;
const NUMBERED_REQUIREMENT_HEADING = /^(requirement|feature|capability)\s+#?\d+(?:\.\d+)*\b\s*[:.—–-]?\s*(.*)$/i;
// "Example:", "**Example output:**", "For example:": what follows illustrates, it is not work.
const EXAMPLE_LABEL = /^(?:\*\*|__|\*|_)?(?:for )?(?:examples?|e\.g\.|sample)(?: (?:output|usage|session|run|response|request|input))?(?:\*\*|__|\*|_)?\s*:?\s*(?:\*\*|__|\*|_)?\s*$/i;
// "Author: …", "Status: Draft": document metadata, neither work nor vocabulary.
const METADATA_LINE = /^(?:[-*+]\s+)?(?:\*\*|__)?(authors?|owners?|date|version|status|last updated|created|updated|reviewers?|approvers?|contributors?)(?:\*\*|__)?\s*:/i;
// An item marked for later is not work now: "(out of scope)", "(post-MVP)", "[future]", "Phase 2:".
const LATER_MARKER =
  /\((?:out of scope|out-of-scope|later|future|post[- ]mvp|not in (?:the )?mvp|v2|phase [2-9]|deferred|nice to have|optional)\b[^)]*\)|\[(?:later|future|post[- ]mvp|v2|deferred)\]|^(?:\*\*|__)?(?:later|future(?: (?:enhancements?|work|features?|ideas?|phases?))?|post[- ]mvp|deferred|phase [2-9])(?:\*\*|__)?\s*:/i;
const INLINE_RISK = /^(?:[-*+]\s+)?(?:\*\*|__)?risk(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.+)$/i;
const BOLD_LABEL = /^(\*\*|__)[^*_]+\1:?$/;
const MITIGATION_LABEL = /^(?:[-*+]\s+)?(?:\*\*|__)?mitigations?\b/i;
const UNKNOWN_MARKER = /\[NEEDS CLARIFICATION[^\]]*\]|\bTBD\b|\bTBC\b|\?\?\?/;
const TASKMASTER_TAG = /^\s*<\/?(context|PRD)>\s*$/i;
const GENERIC_TITLE = /^(overview|introduction|summary|context|background|prd|spec(ification)?|readme)$/i;
const HORIZONTAL_RULE = /^([-*_=])(\s*\1){2,}$/;
const GUIDANCE_TAGS = new Set(['instruction', 'instructions', 'example', 'examples', 'rationale', 'guidance', 'template-notes']);
const MARKUP_TAG = /^\s*<\/?[\w-]+>\s*$/;
const WORD = /\S+/g;

// Components: one combined pattern per line, mapped to a category by the matched word.
const COMPONENT_WORDS: Record<string, ComponentCategory> = {
  frontend: 'web-ui',
  'front-end': 'web-ui',
  'web ui': 'web-ui',
  'web app': 'web-ui',
  'web interface': 'web-ui',
  react: 'web-ui',
  vue: 'web-ui',
  angular: 'web-ui',
  svelte: 'web-ui',
  spa: 'web-ui',
  storefront: 'web-ui',
  dashboard: 'web-ui',
  'single page application': 'web-ui',
  ios: 'mobile',
  android: 'mobile',
  'mobile app': 'mobile',
  'mobile apps': 'mobile',
  'react native': 'mobile',
  backend: 'api',
  'back-end': 'api',
  'rest api': 'api',
  graphql: 'api',
  'api server': 'api',
  express: 'api',
  fastify: 'api',
  'api gateway': 'api',
  'http api': 'api',
  postgres: 'database',
  postgresql: 'database',
  mysql: 'database',
  sqlite: 'database',
  mongodb: 'database',
  dynamodb: 'database',
  database: 'database',
  elasticsearch: 'database',
  redis: 'cache',
  memcached: 'cache',
  kafka: 'queue',
  rabbitmq: 'queue',
  sqs: 'queue',
  'message queue': 'queue',
  'event bus': 'queue',
  nats: 'queue',
  cli: 'cli',
  'command-line': 'cli',
  'command line': 'cli',
  worker: 'worker',
  workers: 'worker',
  cron: 'worker',
  'background job': 'worker',
  'background jobs': 'worker',
  scheduler: 'worker',
};
// Frameworks whose names are also verbs or adjectives: only capitalised ("React", "Express") are they components.
const PROPER_NAME_COMPONENTS = new Set(['react', 'express', 'vue', 'angular', 'svelte', 'fastify']);
const COMPONENT_NAMES: Partial<Record<ComponentCategory, string>> = {
  'web-ui': 'web UI',
  mobile: 'mobile app',
  api: 'API server',
  database: 'database',
  cache: 'cache',
  queue: 'message queue',
  cli: 'CLI',
  worker: 'background worker',
};
const COMPONENT_PATTERN = new RegExp(
  `\\b(${Object.keys(COMPONENT_WORDS)
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|')})\\b`,
  'gi',
);
const NAMED_SERVICE = /\b([A-Za-z][\w-]{2,30})[ -]service\b/gi;
const GENERIC_SERVICE_WORDS = new Set([
  'the',
  'a',
  'an',
  'this',
  'that',
  'each',
  'every',
  'any',
  'our',
  'web',
  'micro',
  'new',
  'existing',
  'external',
  'backend',
  'back-end',
  'api',
  'third-party',
  'same',
  'other',
  'one',
  'simple',
  'hosted',
  'managed',
  'cloud',
  'self',
  'customer',
  'core',
  'main',
  'separate',
  'its',
  'their',
  'your',
  'single',
  'per',
  'for',
  'of',
  'and',
  'or',
  'to',
  'in',
  'with',
  'by',
  'on',
  'as',
  'downstream',
  'upstream',
  'dependent',
  'internal',
]);

const INTEGRATION_WORDS = [
  'Stripe',
  'PayPal',
  'Braintree',
  'Twilio',
  'SendGrid',
  'Mailgun',
  'Postmark',
  'SMTP',
  'Slack',
  'Discord',
  'GitHub',
  'GitLab',
  'Bitbucket',
  'Jira',
  'Linear',
  'S3',
  'CloudFront',
  'GCS',
  'Auth0',
  'Okta',
  'SAML',
  'OAuth',
  'OIDC',
  'LDAP',
  'Segment',
  'Mixpanel',
  'Amplitude',
  'Google Analytics',
  'Firebase',
  'APNs',
  'FCM',
  'OpenAI',
  'Anthropic',
  'Claude Code',
  'webhook',
  'webhooks',
  'Salesforce',
  'HubSpot',
  'Zapier',
  'Shopify',
  'Sentry',
  'Datadog',
  'PagerDuty',
  'email',
  'e-mail',
  'SMS',
  'push notifications',
  'Elastic Transcoder',
  'MediaConvert',
  'Mux',
  'Cloudflare',
  'Vercel',
  'Heroku',
];
// Plain nouns match in any case; product names only as they are written ("a linear checklist" is not Linear), and
// never inside a longer token ("openai-codex", "github.com/x").
const GENERIC_INTEGRATION_WORDS = new Set(['webhook', 'webhooks', 'email', 'e-mail', 'SMS', 'push notifications']);
const integrationPattern = (words: string[], flags: string) => new RegExp(`(?<![\\w@/.-])(${words.map(escapeRegExp).join('|')})(?![\\w@/-]|\\.\\w)`, flags);
const BRAND_PATTERN = integrationPattern(
  INTEGRATION_WORDS.filter((w) => !GENERIC_INTEGRATION_WORDS.has(w)),
  'g',
);
const GENERIC_INTEGRATION_PATTERN = integrationPattern([...GENERIC_INTEGRATION_WORDS], 'gi');
// Product names that are also English words: at the start of a sentence they are more likely the word.
/** Nothing but list markers, emphasis or an earlier sentence before this point of a line. */
const SENTENCE_START = /(?:^|[.!?:]\s)[\s\-*+#>_\d.)]*$/;
const WORDLIKE_BRANDS = new Set(['Linear', 'Segment', 'Slack', 'Sentry', 'Mux', 'Discord', 'Amplitude']);
const INTEGRATION_CANONICAL = new Map(INTEGRATION_WORDS.map((w) => [w.toLowerCase(), w.replace(/s$/, '')]));
const ENDPOINT = /\b(GET|POST|PUT|PATCH|DELETE)\s+(\/[\w\-/:{}.]*)/g;
// "All fixes MUST follow strict test-driven development", "## TDD process": a demand, not a product's TDD feature.
const TESTS_FIRST = /\b(?:TDD|test[- ]driven|tests?[- ]first|(?:failing )?tests? (?:are |is )?written (?:first|before)|write (?:the )?(?:failing )?tests? (?:first|before))\b/i;
const DEMANDING = /\b(?:must|mandatory|strict(?:ly)?|follow|required|shall|always)\b/i;
const PROPERTY_TESTS = /\bproperty[- ](?:based )?tests?\b/i;
// A path may be followed by the function in it (`parser_engine.rs::parse_arguments()`, `raft.hpp#add_server`).
const FILE_PATH =
  /`([\w.@-]+(?:\/[\w.@\-[\]]+)+\.[A-Za-z]{1,6}|[\w.-]+\.(?:ts|tsx|js|jsx|mjs|py|go|rs|java|rb|sql|css|scss|html|json|ya?ml|toml|sh|c|cc|cpp|h|hpp|kt|swift|cs|php|vue|svelte))(?:(?:::|#)[\w:]+(?:\(\))?)?`/g;

const KIND_HEADINGS: Record<SpecKind, RegExp> = {
  'debug-investigation':
    /\b(steps to reproduce|reproduc|expected (behaviou?r|result)|actual (behaviou?r|result)|stack ?trace|root cause|suspected cause|regression|bug|crash|workaround|investigation|symptoms?)\b/i,
  'technical-spec': /\b(architecture|design|implementation|data (model|structures?)|schema|migration|rollout|interfaces?|algorithm|configuration|api changes|failure modes)\b/i,
  prd: /\b(overview|problem statement|goals?|user stor|personas?|success metrics|target users|user experience|product requirements|business)\b/i,
};
const DEBUG_WORDS = /\b(bug|fix(es|ed)?|repro(duce[sd]?)?|regression|crash(es|ed)?|broken|off-by-one|stack trace|exception|fails?|failing|incorrect(ly)?|wrong)\b/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function firstSentence(text: string): string {
  // Only the start is looked at: the result is at most 100 characters, and a lazy match over a megabyte-long line
  // exhausts the regex engine's stack.
  const head = text.slice(0, 200);
  const sentence = /^(.{10,}?[.!?])(\s|$)/.exec(head)?.[1] ?? head;
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

/** One line of the spec, classified once; the handlers below decide what it means in its section. */
type SpecLine =
  | { kind: 'code'; part: 'open' | 'body' | 'close'; block: CodeBlock }
  | { kind: 'blank' }
  | { kind: 'markup'; taskmaster: boolean; tag: string; closing: boolean }
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'text'; trimmed: string; item?: ListItem; row?: TableRow };

interface ListItem {
  indent: number;
  checkbox: boolean;
  text: string;
}

interface TableRow {
  table: TableBlock;
  cells: string[];
  /** The delimiter row (`|---|---|`) or the header row: not an item. */
  separator: boolean;
  header: boolean;
}

/** Classifies one line by its shape and the block it belongs to (a code block, a table), if any. */
function classifyLine(raw: string, role: BlockRole | undefined): SpecLine {
  if (role?.block.kind === 'code') return { kind: 'code', part: role.part as 'open' | 'body' | 'close', block: role.block };
  const trimmed = raw.trim();
  if (role?.block.kind === 'table') {
    const table = role.block;
    const cells = role.part === 'row' ? role.cells : table.columns;
    return { kind: 'text', trimmed, row: { table, cells: cells.map((cell) => plain(cell)), separator: role.part === 'delimiter', header: role.part === 'header' } };
  }
  if (trimmed === '' || HORIZONTAL_RULE.test(trimmed)) return { kind: 'blank' };
  if (MARKUP_TAG.test(trimmed)) {
    const tag = /^<\/?([\w-]+)>$/.exec(trimmed)![1]!.toLowerCase();
    return { kind: 'markup', taskmaster: TASKMASTER_TAG.test(trimmed), tag, closing: trimmed.startsWith('</') };
  }
  const heading = HEADING.exec(raw);
  if (heading) return { kind: 'heading', level: heading[1]!.length, text: plain(heading[2]!) };
  const line: SpecLine = { kind: 'text', trimmed };
  const item = LIST_ITEM.exec(raw);
  if (item) {
    line.item = { indent: item[1]!.replace(/\t/g, '    ').length, checkbox: item[2] !== undefined, text: item[3]! };
    return line;
  }
  return line;
}

interface HeadingFrame {
  level: number;
  text: string;
  type: SectionType;
  isRequirement: boolean;
}

/** Everything the single pass over the lines carries from one line to the next. */
interface ParseState {
  spec: ParsedSpec;
  /** Headings enclosing the current line; a heading's section type is its own or inherited from an ancestor. */
  stack: HeadingFrame[];
  sectionType: SectionType;
  listBaseIndent: number;
  /** Ids named by the heading or bold label a group of criteria sits under. */
  groupRefs: string[];
  /** A paragraph line right after a list item continues that item. */
  inListItem: boolean;
  /** After an inline "Acceptance criteria:" label, until the next heading. */
  acceptanceBlock: boolean;
  /** An OpenSpec scenario being read: its WHEN/THEN lines become part of its text, until the next heading. */
  scenario?: AcceptanceCriterion;
  /** After a "Mitigation:" label in a risk section. */
  mitigationBlock: boolean;
  /** Inside `<instruction>` / `<example>` blocks: guidance for the author, not work. */
  guidanceDepth: number;
  /** After an "Example:" label: the list that follows illustrates, it asks for nothing. */
  exampleBlock: boolean;
  /** Column names of the table being read (from its header row), and what its rows are. */
  tableColumns: string[];
  tableShape?: TableShape;
  /** An epic being read, until its first requirement: a status line below its heading may still defer it. */
  openEpic?: { level: number; line: number; text: string; requirements: number };
  /** A deferred epic: it is one out-of-scope item, whose reason is read below it; nothing under it is work. */
  deferredEpic?: { level: number; item: SpecItem; reasoned: boolean };
  /** After a decision that asks for nothing: its rationale below is no decision either, up to the next heading. */
  declinedDecision: boolean;
  /** Under a "Risk Mitigation" heading: its items are mitigations. */
  mitigationHeading: boolean;
  /** Headings that already gave the item for the format they describe. */
  formatHeadings: Set<HeadingFrame>;
  /** A requirement whose heading is only its number ("Requirement 3"): its user story names it. */
  unnamedRequirement?: Requirement;
  /** Requirements opened by a plain heading: without anything under them they are not work. */
  headingOnly: Set<Requirement>;
  /** spec-kit "User Story 2" headings: their number and line, for "depends on User Story 2". */
  storyLines: Map<string, number>;
  /** Steps of a dependency chain section by their number, and the last step read. */
  chainSteps: Map<string, DependencyRef>;
  lastChainStep?: DependencyRef;
  /** The statement of the step being read, and whether the spec named its dependencies (else: the step before). */
  chainStatement?: DependencyStatement;
  chainStatementExplicit: boolean;
  /** A risk sub-heading, counted unless its body states the risk. */
  pendingRiskHeading?: SpecItem;
  listedComponents: Component[];
  /** Their names, lower case: a component listed twice is one. */
  listedNames: Set<string>;
  /** The requirement whose details are being read. */
  current?: Requirement;
  /** The current requirement was opened by a heading (its list items are details). */
  currentByHeading: boolean;
  currentHeadingLevel: number;
  definedIds: Set<string>;
  requirementIndex: Map<Requirement, number>;
  questionLines: Set<number>;
  componentsSeen: Set<string>;
  integrationsSeen: Set<string>;
  filesSeen: Set<string>;
  kindScore: Record<SpecKind, number>;
  sawSpecKitMarker: boolean;
  sawTaskmasterTag: boolean;
  firstTextLine: string;
}

function newParseState(file: string, lineCount: number): ParseState {
  return {
    spec: {
      file,
      title: '',
      kind: 'prd',
      format: isMarkdownName(file) ? 'markdown' : 'text',
      lineCount,
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
      dependencies: [],
      placeholders: [],
    },
    stack: [],
    sectionType: 'other',
    listBaseIndent: -1,
    groupRefs: [],
    inListItem: false,
    acceptanceBlock: false,
    mitigationBlock: false,
    exampleBlock: false,
    guidanceDepth: 0,
    tableColumns: [],
    mitigationHeading: false,
    declinedDecision: false,
    formatHeadings: new Set(),
    headingOnly: new Set(),
    storyLines: new Map(),
    chainSteps: new Map(),
    chainStatementExplicit: false,
    listedComponents: [],
    listedNames: new Set(),
    currentByHeading: false,
    currentHeadingLevel: 0,
    definedIds: new Set(),
    requirementIndex: new Map(),
    questionLines: new Set(),
    componentsSeen: new Set(),
    integrationsSeen: new Set(),
    filesSeen: new Set(),
    kindScore: { prd: 0, 'technical-spec': 0, 'debug-investigation': 0 },
    sawSpecKitMarker: false,
    sawTaskmasterTag: false,
    firstTextLine: '',
  };
}

/** Parses one spec. `file` is only used to label sources. */
/**
 * Secrets in the spec are redacted first (line by line, so every item keeps its line): nothing derived from a spec
 * (titles, task descriptions, branch names, evidence) holds one, in the state, the output or an export.
 */
export function parseSpec(text: string, file: string): ParsedSpec {
  const lines = redactSecrets(text, { keepLines: true }).split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const state = newParseState(file, lines.length);
  const { spec } = state;
  // Code blocks and tables are found on the lines as written, before wrapped items are joined.
  const blocks = scanBlocks(lines);
  const continued = joinWrappedItems(lines, blocks.roles);

  for (let i = 0; i < lines.length; i++) {
    if (continued.has(i)) {
      // Already part of the list item above it, which carries its text.
      spec.wordCount += countWords(lines[i]!.trim());
      continue;
    }
    const line = classifyLine(lines[i]!, blocks.roles[i]);
    // What a code block shows is read as one block, never line by line.
    if (line.kind === 'code') {
      if (line.part === 'open' && state.guidanceDepth === 0) handleCodeBlock(state, line.block);
      continue;
    }
    const lineNo = i + 1;
    if (line.kind === 'blank') {
      state.inListItem = false;
      continue;
    }
    spec.wordCount += countWords(lines[i]!.trim());
    if (line.kind === 'markup') {
      state.sawTaskmasterTag ||= line.taskmaster;
      if (GUIDANCE_TAGS.has(line.tag)) state.guidanceDepth = Math.max(0, state.guidanceDepth + (line.closing ? -1 : 1));
      // Instructions and examples for the author of a template are read by nobody who builds.
    } else if (state.guidanceDepth > 0) continue;
    else if (line.kind === 'heading') handleHeading(state, lineNo, lines[i]!, line);
    else handleText(state, lineNo, lines[i]!, line);
  }

  if (state.pendingRiskHeading) spec.risks.push(state.pendingRiskHeading);
  // A heading with nothing under it names a topic, not work.
  const empty = (r: Requirement) => state.headingOnly.has(r) && r.endLine === r.line && r.acceptance.length === 0;
  if (spec.requirements.some(empty))
    spec.requirements = keepRequirements(
      spec.requirements,
      spec.acceptance,
      spec.requirements.filter((r) => !empty(r)),
    );
  // A task-master PRD plans from its roadmap: its features describe, its roadmap's phases say what to build.
  const roadmapLed = state.sawTaskmasterTag || spec.dependencies.some((d) => d.from.text !== undefined && d.from.line === d.line);
  spec.requirements = preferMoreDetailedScope(spec.requirements, spec.acceptance, roadmapLed);
  spec.requirements = dropRestatedRequirements(spec.requirements, spec.acceptance);
  // A spec that lists its components says more than the words it happens to use.
  const listed = state.listedComponents;
  if (listed.length > 0) {
    const named = namePrefixes(listed.map((l) => l.name));
    spec.components = [...listed, ...spec.components.filter((c) => c.category === 'service' && !named.has(c.name.split(' ')[0]!))];
  }

  linkAcceptance(spec.requirements, spec.acceptance);

  spec.format = state.sawSpecKitMarker ? 'spec-kit' : state.sawTaskmasterTag ? 'taskmaster' : spec.headings.length === 0 && !isMarkdownName(file) ? 'text' : spec.format;
  spec.kind = detectKind(state.kindScore, spec, text);
  const part = changePart(spec, lines[0] ?? '');
  if (part) spec.change = { name: /(?:^|\/)changes\/([^/]+)\//.exec(file)?.[1] ?? '', part };
  if (!spec.title) spec.title = state.firstTextLine || file;
  return spec;
}

const DELTA_HEADING = /^(added|modified|removed|renamed) requirements$/i;

/** Which part of an OpenSpec change a file is, by its headings (and name): proposal, design, delta spec or tasks. */
function changePart(spec: ParsedSpec, firstLine: string): ChangePart['part'] | undefined {
  const headings = spec.headings.map((h) => h.text.toLowerCase());
  const inChange = /(?:^|\/)openspec\/changes\//.test(spec.file);
  if (/^#\s+change\s*:/i.test(firstLine) || (headings.includes('why') && headings.includes('what changes'))) return 'proposal';
  if (spec.headings.some((h) => DELTA_HEADING.test(h.text))) return 'delta';
  const base = spec.file.split('/').pop()!.toLowerCase();
  if (inChange && base === 'tasks.md') return 'tasks';
  if (inChange && base === 'design.md') return 'design';
  if (inChange && spec.requirements.some((r) => OPENSPEC_REQUIREMENT.test(r.text))) return 'delta';
  return undefined;
}

/**
 * Parses the specs given together. The parts of an OpenSpec change (proposal, design, delta specs, tasks) are one
 * change: they take its name and its proposal's title, so the plan is of the change, not of each file.
 */
export function parseSpecs(files: Array<{ text: string; path: string }>): ParsedSpec[] {
  const specs = files.map((f) => parseSpec(f.text, f.path));
  const parts = specs.filter((s) => s.change);
  const proposals = parts.filter((s) => s.change!.part === 'proposal');
  if (parts.length < 2 || proposals.length > 1) {
    for (const s of parts) if (!s.change!.name) delete s.change;
    return specs;
  }
  const proposal = proposals[0];
  const names = new Set(parts.map((s) => s.change!.name).filter(Boolean));
  if (names.size > 1) return specs;
  const name = [...names][0] ?? proposal?.title ?? parts[0]!.title;
  for (const s of parts) {
    s.change!.name = name;
    if (proposal) s.title = proposal.title;
  }
  return specs;
}

/** A line that starts something of its own: it never continues the list item above it. */
const STARTS_OWN_LINE = /^(?:#{1,6}\s|[-*+]\s|\d{1,3}[.)]\s|\||<|```|~~~|(?:\*\*|__)?\[?(?:(?:FR|NFR|US|UC|REQ|SC|AC)-\d+))/;

/** Labels that open something of their own (criteria, an example, a risk), even right below an item. */
const OWN_LABELS = [INLINE_ACCEPTANCE_LABEL, INLINE_ACCEPTANCE, BOLD_LABEL, EXAMPLE_LABEL, METADATA_LINE, INLINE_RISK, MITIGATION_LABEL, STORY_LINE, NUMBERED_REQUIREMENT_HEADING];

/**
 * List items and user stories wrapped over several lines become one line: the text of each continuation line
 * (indented under the item, or a lazy continuation right below it, as CommonMark reads it) is appended to the first
 * line, so a story, a criterion or a Given/When/Then keeps every clause. Returns the continuation lines, which the parse
 * then skips; every item keeps the line it starts on.
 */
function joinWrappedItems(lines: string[], roles: Array<BlockRole | undefined>): Set<number> {
  const continued = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (roles[i]) continue;
    const item = LIST_ITEM.exec(raw);
    // A user story is one sentence however its paragraph wraps.
    const story = !item && (STORY_LABEL.test(raw.trim()) || /^as an? /i.test(raw.trim()));
    if (!item && !story) continue;
    const markerWidth = item ? raw.length - raw.trimStart().length + (raw.trimStart().length - item[3]!.length) : Infinity;
    let j = i + 1;
    const parts: string[] = [];
    for (; j < lines.length; j++) {
      const next = lines[j]!;
      const trimmed = next.trim();
      if (trimmed === '' || roles[j] || STARTS_OWN_LINE.test(trimmed) || HORIZONTAL_RULE.test(trimmed) || OWN_LABELS.some((label) => label.test(trimmed))) break;
      const indent = next.length - next.trimStart().length;
      // Indented under a nested item's marker is that item's business; deeper text is ours up to the marker width.
      if (indent > markerWidth + 3) break;
      parts.push(trimmed);
    }
    if (parts.length === 0) continue;
    lines[i] = `${raw.trimEnd()} ${parts.join(' ')}`;
    for (let k = i + 1; k < j; k++) continued.add(k);
    i = j - 1;
  }
  return continued;
}

function ref(state: ParseState, line: number, text: string): SourceRef {
  return { file: state.spec.file, line, text: plain(text) };
}

/**
 * Every start of every word of `names`, lower case: "Payments API" yields "p", "pa", … "payments", "a", "ap", "api".
 * A named service ("payment service") already listed under another name is found by one look-up, not by scanning
 * every listed name, which made a spec listing thousands of components take seconds.
 */
function namePrefixes(names: string[]): Set<string> {
  const prefixes = new Set<string>();
  for (const name of names) {
    for (const whole of name.toLowerCase().split(/[^\p{L}\p{N}_-]+/u)) {
      for (const word of new Set([whole, ...whole.split('-')])) for (let n = 1; n <= Math.min(word.length, 32); n++) prefixes.add(word.slice(0, n));
    }
  }
  return prefixes;
}

function closeCurrent(state: ParseState): void {
  state.current = undefined;
  state.currentByHeading = false;
}

function addRequirement(
  state: ParseState,
  kind: RequirementKind,
  line: number,
  text: string,
  opts: { id?: string; byHeading?: boolean; headingLevel?: number; priority?: string; origin?: WorkOrigin } = {},
): Requirement | undefined {
  if (opts.id) {
    if (state.definedIds.has(opts.id)) return undefined;
    state.definedIds.add(opts.id);
  }
  const req: Requirement = {
    ...ref(state, line, text),
    kind,
    section: state.stack.map((h) => plain(h.text)),
    words: countWords(text),
    endLine: line,
    details: '',
    acceptance: [],
  };
  if (opts.id) req.id = opts.id;
  if (opts.priority) req.priority = opts.priority.toUpperCase();
  if (state.sectionType === 'roadmap') req.fromRoadmap = true;
  if (opts.origin) req.origin = opts.origin;
  state.requirementIndex.set(req, state.spec.requirements.length);
  state.spec.requirements.push(req);
  state.current = req;
  state.currentByHeading = opts.byHeading ?? false;
  state.currentHeadingLevel = opts.headingLevel ?? 0;
  return req;
}

/** A criterion; it belongs to `owner` (by default the requirement being read), if any. */
function addAcceptance(state: ParseState, line: number, text: string, opts: { id?: string; owner?: Requirement | null; origin?: WorkOrigin } = {}): void {
  const criterion: AcceptanceCriterion = { ...ref(state, line, text), refs: [...new Set([...idsIn(text), ...state.groupRefs])] };
  if (opts.id) criterion.id = opts.id;
  if (opts.origin) criterion.origin = opts.origin;
  const index = state.spec.acceptance.length;
  const owner = opts.owner === undefined ? state.current : (opts.owner ?? undefined);
  if (owner) {
    criterion.owner = state.requirementIndex.get(owner)!;
    owner.acceptance.push(index);
    owner.endLine = line;
  }
  state.spec.acceptance.push(criterion);
}

function addQuestion(state: ParseState, line: number, text: string): void {
  if (state.questionLines.has(line)) return;
  state.questionLines.add(line);
  state.spec.openQuestions.push(ref(state, line, text));
}

function addListedComponent(state: ParseState, line: number, text: string): void {
  const name = plain(text)
    .split(/\s*[:(—–]\s*|\s+-\s+/)[0]!
    .replace(/[.*]+$/, '')
    .trim();
  if (!name || name.length > 60 || state.listedNames.has(name.toLowerCase())) return;
  state.listedNames.add(name.toLowerCase());
  state.listedComponents.push({ name, category: 'service', evidence: ref(state, line, text) });
}

/** Components, integrations, endpoints and file paths a line names. */
function scanVocabulary(state: ParseState, line: number, raw: string): void {
  const { spec } = state;
  COMPONENT_PATTERN.lastIndex = 0;
  for (let m = COMPONENT_PATTERN.exec(raw); m; m = COMPONENT_PATTERN.exec(raw)) {
    const word = m[1]!.toLowerCase();
    // "CLI"/"SPA" are acronyms: a lowercase "spa" or "cli" in prose is not a component; nor is "react" or "express".
    if ((word === 'cli' || word === 'spa') && m[1] !== m[1]!.toUpperCase()) continue;
    if (PROPER_NAME_COMPONENTS.has(word) && m[1]![0] !== m[1]![0]!.toUpperCase()) continue;
    const category = COMPONENT_WORDS[word]!;
    if (state.componentsSeen.has(category)) continue;
    state.componentsSeen.add(category);
    spec.components.push({ name: COMPONENT_NAMES[category] ?? category, category, evidence: ref(state, line, raw) });
  }
  NAMED_SERVICE.lastIndex = 0;
  for (let m = NAMED_SERVICE.exec(raw); m; m = NAMED_SERVICE.exec(raw)) {
    const word = m[1]!.toLowerCase();
    if (GENERIC_SERVICE_WORDS.has(word)) continue;
    const key = `service:${word}`;
    if (state.componentsSeen.has(key)) continue;
    state.componentsSeen.add(key);
    spec.components.push({ name: `${word} service`, category: 'service', evidence: ref(state, line, raw) });
  }
  for (const pattern of [BRAND_PATTERN, GENERIC_INTEGRATION_PATTERN]) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(raw); m; m = pattern.exec(raw)) {
      if (WORDLIKE_BRANDS.has(m[1]!) && SENTENCE_START.test(raw.slice(0, m.index))) continue;
      const name = INTEGRATION_CANONICAL.get(m[1]!.toLowerCase()) ?? m[1]!;
      if (state.integrationsSeen.has(name)) continue;
      state.integrationsSeen.add(name);
      spec.integrations.push({ name, evidence: ref(state, line, raw) });
    }
  }
  ENDPOINT.lastIndex = 0;
  for (let m = ENDPOINT.exec(raw); m; m = ENDPOINT.exec(raw)) {
    const name = `${m[1]} ${m[2]!.replace(/[.,;:]+$/, '')}`;
    if (state.integrationsSeen.has(name)) continue;
    state.integrationsSeen.add(name);
    spec.integrations.push({ name, evidence: ref(state, line, raw) });
  }
  const demand = TESTS_FIRST.test(raw) && (DEMANDING.test(raw) || /^#/.test(raw.trim())) ? 'tests-first' : PROPERTY_TESTS.test(raw) ? 'property' : undefined;
  if (demand) (spec.testDemands ??= []).push({ file: spec.file, line, text: plain(raw).trim(), demand });
  FILE_PATH.lastIndex = 0;
  for (let m = FILE_PATH.exec(raw); m; m = FILE_PATH.exec(raw)) {
    const path = m[1]!;
    // Every line that names a file counts: two requirements naming the same file both predict it.
    const seen = `${line}\u0000${path}`;
    if (state.filesSeen.has(seen) || /^https?:/.test(path)) continue;
    state.filesSeen.add(seen);
    spec.files.push({ file: spec.file, line, text: path });
  }
}

function handleHeading(state: ParseState, lineNo: number, raw: string, line: Extract<SpecLine, { kind: 'heading' }>): void {
  const { spec, stack } = state;
  const { level, text } = line;
  spec.headings.push({ level, text, line: lineNo });
  // "# Overview" is a section name, not a title: the first sentence under it names the work better.
  if (spec.headings.length === 1 && level === 1 && !GENERIC_TITLE.test(text)) spec.title = text.replace(/^(feature specification|prd|spec|change)\s*:\s*/i, '') || text;
  if (/^feature specification\b/i.test(text)) state.sawSpecKitMarker = true;
  for (const kind of Object.keys(KIND_HEADINGS) as SpecKind[]) if (KIND_HEADINGS[kind].test(text)) state.kindScore[kind]++;

  while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
  if (state.deferredEpic && level > state.deferredEpic.level) {
    // A story of a deferred epic is deferred with it.
    stack.push({ level, text, type: 'out-of-scope', isRequirement: false });
    state.sectionType = 'out-of-scope';
    return;
  }
  state.deferredEpic = undefined;
  state.openEpic = undefined;
  if (EPIC_HEADING.test(text) && !(spec.headings.length === 1 && level === 1)) {
    const inOutOfScope = stack.length > 0 && stack[stack.length - 1]!.type === 'out-of-scope';
    if (DEFERRED_WORDS.test(text) || inOutOfScope) {
      if (state.current && (!state.currentByHeading || level <= state.currentHeadingLevel)) closeCurrent(state);
      deferEpic(state, level, ref(state, lineNo, text), false);
      stack.push({ level, text, type: 'out-of-scope', isRequirement: false });
      state.sectionType = 'out-of-scope';
      return;
    }
    state.openEpic = { level, line: lineNo, text, requirements: spec.requirements.length };
  }
  const parentType = stack.length > 0 ? stack[stack.length - 1]!.type : 'other';
  // The document's title heading names the whole spec ("… Requirements Document"), not a section.
  const isTitle = spec.headings.length === 1 && level === 1;
  const classified = isTitle ? 'other' : classifySection(text);
  // A "Could have" or "Future work" part is out of scope wherever it sits; other parts of an enclosing section
  // ("### Feature Prioritization" under Risks) are part of it.
  const ownType = ENCLOSING_SECTIONS.has(parentType) && classified !== 'out-of-scope' ? parentType : classified;
  const headingIsRequirementLike = WORK_SECTIONS.has(parentType);
  state.acceptanceBlock = false;
  state.scenario = undefined;
  state.mitigationBlock = false;
  state.exampleBlock = false;
  state.tableColumns = [];
  state.tableShape = undefined;
  state.declinedDecision = false;
  state.unnamedRequirement = undefined;
  state.listBaseIndent = -1;
  state.groupRefs = idsIn(text);
  if (state.pendingRiskHeading) spec.risks.push(state.pendingRiskHeading);
  state.pendingRiskHeading = undefined;

  // A heading closes the requirement it does not sit inside.
  if (state.current && (!state.currentByHeading || level <= state.currentHeadingLevel)) closeCurrent(state);

  const placeholder = PLACEHOLDER.test(text);
  if (placeholder) spec.placeholders.push(ref(state, lineNo, text));
  const idCandidate = REQ_ID_AT_START.exec(text);
  const idMatch = idCandidate && !NOT_REQUIREMENT_IDS.test(idCandidate[1]!) ? idCandidate : null;
  const storyMatch = SPECKIT_STORY.exec(text);
  const numbered = NUMBERED_REQUIREMENT_HEADING.exec(text);
  let type: SectionType = ownType === 'other' ? parentType : ownType;
  let isRequirement = false;
  if (placeholder) {
    // A template's "#### Feature: [Name]" asks for nothing yet.
  } else if (idMatch && !/^(SC|AC)-/.test(idMatch[1]!) && ownType !== 'questions' && ownType !== 'out-of-scope') {
    // "### US-1: Basic Loop", "### FR-3 Export" define requirements wherever they appear.
    const id = idMatch[1]!;
    addRequirement(state, id.startsWith('US') ? 'story' : id.startsWith('NFR') ? 'non-functional' : 'functional', lineNo, text, {
      id,
      byHeading: true,
      headingLevel: level,
    });
    isRequirement = true;
    type = parentType === 'other' ? 'requirements' : parentType;
  } else if (OPENSPEC_REQUIREMENT.test(text) && ownType !== 'out-of-scope' && parentType !== 'out-of-scope') {
    // An OpenSpec requirement: its SHALL sentence and its scenarios belong to it.
    addRequirement(state, 'functional', lineNo, text, { byHeading: true, headingLevel: level });
    isRequirement = true;
    type = parentType === 'other' ? 'requirements' : parentType;
  } else if (OPENSPEC_SCENARIO.test(text) && state.current && stack.length > 0 && stack[stack.length - 1]!.isRequirement) {
    // A scenario is a criterion of the requirement above it, with its WHEN/THEN/AND lines as its text.
    addAcceptance(state, lineNo, text);
    state.scenario = state.spec.acceptance[state.spec.acceptance.length - 1];
    type = parentType;
  } else if (numbered && ownType !== 'questions' && ownType !== 'out-of-scope' && parentType !== 'out-of-scope') {
    // Kiro's "### Requirement 3": its user story and "#### Acceptance Criteria" below it belong to it.
    const req = addRequirement(state, 'functional', lineNo, text, { byHeading: true, headingLevel: level });
    if (req && !numbered[2]) state.unnamedRequirement = req;
    isRequirement = true;
    type = parentType === 'other' ? 'requirements' : parentType;
  } else if (BMAD_STORY.test(text) && ownType !== 'out-of-scope' && parentType !== 'out-of-scope') {
    addRequirement(state, 'story', lineNo, text, { byHeading: true, headingLevel: level });
    isRequirement = true;
    type = 'stories';
  } else if (storyMatch) {
    state.sawSpecKitMarker ||= storyMatch[2] !== undefined;
    state.storyLines.set(storyMatch[1]!, lineNo);
    addRequirement(state, 'story', lineNo, text, { byHeading: true, headingLevel: level, priority: storyMatch[2] });
    isRequirement = true;
    type = 'stories';
  } else if (
    !isTitle &&
    ownType !== 'out-of-scope' &&
    !NO_EXTRA_WORK.has(parentType) &&
    (parentType === 'decisions' || DECISION_LABEL.test(text)) &&
    !(stack.length > 0 && stack[stack.length - 1]!.isRequirement)
  ) {
    // "### Use SQLite" under "## Decisions", or "### Decision 3: …" anywhere: a decision to carry out.
    const decision = DECISION_LABEL.exec(text)?.[2] ?? text;
    if (!ASKS_NOTHING.test(decision)) {
      const req = addRequirement(state, 'functional', lineNo, decision, { byHeading: true, headingLevel: level, origin: 'decision' });
      if (req) state.headingOnly.add(req);
      isRequirement = true;
    }
    type = parentType === 'other' ? 'decisions' : parentType;
  } else if (headingIsRequirementLike && ownType === 'other') {
    // A sub-heading under "Core Features" is a feature; its bullets are its details.
    const parentIsRequirement = stack.length > 0 && stack[stack.length - 1]!.isRequirement;
    if (!parentIsRequirement) {
      const req = addRequirement(state, parentType === 'nfr' ? 'non-functional' : parentType === 'stories' ? 'story' : 'feature', lineNo, text, {
        byHeading: true,
        headingLevel: level,
      });
      if (req) state.headingOnly.add(req);
      if (req && PERSONA_HEADING.test(text)) state.unnamedRequirement = req;
      isRequirement = true;
    }
    type = parentType;
  } else if (parentType === 'risks' && ownType === 'risks' && !/\brisks?\b/i.test(text)) {
    state.pendingRiskHeading = ref(state, lineNo, text);
  } else if (parentType === 'components') {
    // "### Module: Parser" under "## Module Definitions": the heading is the component, its bullets details.
    addListedComponent(state, lineNo, text.replace(/^(module|component|service)\s*:\s*/i, ''));
    type = 'other';
  }
  if (isRequirement) noteDependency(state, lineNo, text);
  stack.push({ level, text, type, isRequirement });
  state.sectionType = type;
  state.mitigationHeading = type === 'risks' && MITIGATION_HEADING.test(text) && !RISKS_AND_MITIGATIONS.test(text);
  // What is out of scope is not built; the title names the whole system, not one of its parts.
  if (type !== 'out-of-scope' && !isTitle) scanVocabulary(state, lineNo, raw);
}

/** A text line as the handlers of one section see it. */
interface TextLine {
  lineNo: number;
  raw: string;
  trimmed: string;
  item?: ListItem;
  /** The item's text (list item, or table row), if the line is an item. */
  itemText?: string;
  /** A paragraph line continuing the list item above it. */
  continuesItem: boolean;
  /** Not nested below the first list item of the block. */
  topLevel: boolean;
  /** A priority column's value, for a table row. */
  priority?: string;
}

// Columns that describe a row rather than say what it asks for.
const BOOKKEEPING_COLUMN = /^(#|no\.?|status|owners?|assignee|effort|estimate|size|points|moscow|mitigations?|notes?|comments?)$/;
const PRIORITY_COLUMN = /^(priority|prio)$/;
const ID_ONLY = /^\[?(?:[A-Z]{2,4}-\d+)\]?$/;

/** A table row as one item: its id cell, then its other cells, without the bookkeeping columns. */
function rowText(cells: string[], columns: string[]): { text: string; priority?: string } {
  const kept: string[] = [];
  let priority: string | undefined;
  cells.forEach((cell, i) => {
    const column = columns[i] ?? '';
    if (!cell || /^[-–—]$/.test(cell)) return;
    if (PRIORITY_COLUMN.test(column)) priority = /^p\d$/i.test(cell) ? cell : undefined;
    else if (!BOOKKEEPING_COLUMN.test(column)) kept.push(cell);
  });
  const text = kept.length > 1 && ID_ONLY.test(kept[0]!) ? `${kept[0]}: ${kept.slice(1).join(' — ')}` : kept.join(' — ');
  return priority ? { text, priority } : { text };
}

type TableShape = 'work' | 'format' | 'tests';

/** What a table's rows are, by its columns: things to build, the fields of one format, test cases, or prose. */
function tableShape(columns: string[]): TableShape | undefined {
  if (WORK_TABLE_COLUMN.test(columns[0] ?? '')) return 'work';
  if (columns.some((c) => FIELD_COLUMN.test(c)) && columns.some((c) => TYPE_COLUMN.test(c))) return 'format';
  if (columns.some((c) => TESTISH.test(c)) && columns.some((c) => /^status$/.test(c))) return 'tests';
  return undefined;
}

/** Whether a command table, a schema, a decision or a test to write found here is work of its own. */
function takesExtraWork(state: ParseState): boolean {
  return !NO_EXTRA_WORK.has(state.sectionType) && state.sectionType !== 'out-of-scope' && !(state.current && state.currentByHeading);
}

/** One item for a file format or schema, named by the heading it sits under; one per heading. */
function addFormat(state: ParseState, line: number, what: string, names: string[]): void {
  if (!takesExtraWork(state)) return;
  const heading = state.stack.length > 0 ? state.stack[state.stack.length - 1]! : undefined;
  if (heading && state.formatHeadings.has(heading)) return;
  if (heading) state.formatHeadings.add(heading);
  const listed = names.filter(Boolean);
  const fields = listed.length > 0 ? ` (${listed.slice(0, 8).join(', ')}${listed.length > 8 ? ', …' : ''})` : '';
  addRequirement(state, 'functional', line, `${heading ? heading.text : 'Data'}: ${what}${fields}`, { origin: 'format' });
  closeCurrent(state);
}

/** A fenced block that defines a format (a schema, a data model) is one item; other code illustrates. */
function handleCodeBlock(state: ParseState, block: CodeBlock): void {
  if (state.exampleBlock || !SCHEMA_LANGS.has(block.lang)) return;
  const body = block.body.join('\n');
  const heading = state.stack.length > 0 ? state.stack[state.stack.length - 1]!.text : '';
  const declares = SCHEMA_DECLARATION.test(body);
  if (!declares && !SCHEMA_HEADING.test(heading)) return;
  const names: string[] = [];
  if (declares) {
    DECLARED_NAME.lastIndex = 0;
    for (let m = DECLARED_NAME.exec(body); m && names.length < 9; m = DECLARED_NAME.exec(body)) if (!names.includes(m[1]!)) names.push(m[1]!);
  } else names.push(...topLevelKeys(block.body));
  addFormat(state, block.line, `${block.lang.toUpperCase()} format`, names);
}

/** The keys of a JSON or YAML block at its outermost level. */
function topLevelKeys(body: string[]): string[] {
  const keyed = body.map((line) => /^(\s*)"?([A-Za-z_$][\w$-]*)"?\s*:/.exec(line)).filter((m): m is RegExpExecArray => m !== null);
  if (keyed.length === 0) return [];
  const indent = Math.min(...keyed.map((m) => m[1]!.length));
  return [...new Set(keyed.filter((m) => m[1]!.length === indent).map((m) => m[2]!))].slice(0, 9);
}

function addDecision(state: ParseState, line: number, text: string): void {
  // One decision after another under the same heading: the next closes the one before.
  if (state.current?.origin === 'decision' && state.currentHeadingLevel === 7) closeCurrent(state);
  if (!takesExtraWork(state)) {
    if (state.current) addDetail(state.current, line, text);
    return;
  }
  if (ASKS_NOTHING.test(text)) return;
  // Its rationale and trade-offs below are its details, up to the next heading.
  addRequirement(state, 'functional', line, text, { byHeading: true, headingLevel: 7, origin: 'decision' });
}

function addMitigation(state: ParseState, line: number, text: string): void {
  // "Regression Prevention: Run the full suite": the label names it, the rest says what to do.
  const action = text.replace(/^[^:]{1,40}:\s+/, '');
  if (ASKS_NOTHING.test(action) || PLACEHOLDER.test(text) || !MITIGATION_WORK.test(action)) return;
  // A condition on the work it protects ("Add a retry loop" on short-code generation): a criterion of the spec,
  // which planners give to the task it concerns.
  addAcceptance(state, line, text, { owner: null, origin: 'mitigation' });
}

/**
 * Work outside the requirement lists: a row of a command table, a mitigation under its label or heading, a test case
 * still to write. Returns whether the line was taken.
 */
function handleExtraWork(state: ParseState, lineNo: number, trimmed: string, itemText: string | undefined, topLevel: boolean, row: TableRow | undefined, priority: string | undefined): boolean {
  const section = state.sectionType;
  if (row && state.tableShape === 'format') return true;
  if (row && state.tableShape === 'work' && !WORK_SECTIONS.has(section)) {
    if (itemText && takesExtraWork(state)) {
      addRequirement(state, 'functional', lineNo, itemText, { origin: 'command', ...(priority ? { priority } : {}) });
      closeCurrent(state);
      return true;
    }
    return false;
  }
  if (row && state.tableShape === 'tests') {
    const status = state.tableColumns.indexOf('status');
    if (TODO_STATUS.test(row.cells[status] ?? '') && itemText && !NO_EXTRA_WORK.has(section) && section !== 'out-of-scope') {
      addAcceptance(state, lineNo, itemText, { origin: 'test', owner: state.current && state.currentByHeading ? undefined : null });
      return true;
    }
    return false;
  }
  if (section === 'risks' && (state.mitigationBlock || state.mitigationHeading) && itemText !== undefined && topLevel) {
    addMitigation(state, lineNo, plain(itemText));
    return true;
  }
  const todo = TODO_ITEM.exec(plain(itemText ?? trimmed));
  if (todo && !WORK_SECTIONS.has(section) && !NO_EXTRA_WORK.has(section) && section !== 'out-of-scope') {
    const where = state.stack.map((h) => h.text).join(' ');
    if (!TESTISH.test(todo[1]!) && !TESTISH.test(where)) return false;
    addAcceptance(state, lineNo, todo[1]!, { origin: 'test', owner: state.current && state.currentByHeading ? undefined : null });
    return true;
  }
  return false;
}

/** The epic becomes one out-of-scope item; the first line below it that says why (or any paragraph) is its reason. */
function deferEpic(state: ParseState, level: number, item: SpecItem, reasoned: boolean): void {
  state.spec.outOfScope.push(item);
  state.deferredEpic = { level, item, reasoned };
  state.openEpic = undefined;
}

/** A line under a deferred epic: only its reason is read. */
function handleDeferredEpicLine(state: ParseState, trimmed: string, item: ListItem | undefined): void {
  const epic = state.deferredEpic!;
  if (epic.reasoned) return;
  const reason = REASON_LINE.exec(trimmed)?.[1] ?? DEFERRED_STATUS.exec(trimmed)?.[1] ?? (item ? undefined : trimmed);
  if (!reason) return;
  epic.item.text = `${epic.item.text} — ${plain(reason)}`;
  epic.reasoned = true;
}

function handleText(state: ParseState, lineNo: number, raw: string, line: Extract<SpecLine, { kind: 'text' }>): void {
  const { trimmed, item, row } = line;
  if (state.deferredEpic) return handleDeferredEpicLine(state, trimmed, item);
  const epic = state.openEpic;
  const status = epic && state.spec.requirements.length === epic.requirements ? DEFERRED_STATUS.exec(trimmed) : null;
  if (epic && status && DEFERRED_WORDS.test(status[1]!)) {
    // "**Status:** Deferred — needs the billing rework first": the epic is out of scope, the status says why.
    deferEpic(state, epic.level, ref(state, epic.line, epic.text), false);
    if (state.stack.length > 0) state.stack[state.stack.length - 1]!.type = 'out-of-scope';
    state.sectionType = 'out-of-scope';
    handleDeferredEpicLine(state, trimmed, item);
    return;
  }
  if (state.scenario) {
    state.scenario.text = `${state.scenario.text}${state.scenario.text.includes(' — ') ? ' ' : ' — '}${plain(item ? item.text : trimmed)}`;
    return;
  }
  if (METADATA_LINE.test(trimmed) && !state.current) return;
  if (row?.header) {
    state.tableColumns = row.cells.map((c) => c.toLowerCase());
    state.tableShape = tableShape(state.tableColumns);
    if (state.tableShape === 'format')
      addFormat(
        state,
        lineNo,
        'format',
        row.table.rows.map((r) => plain(r.cells[0] ?? '')),
      );
    return;
  }
  if (EXAMPLE_LABEL.test(trimmed)) {
    state.exampleBlock = true;
    return;
  }
  if (state.exampleBlock) {
    // The example is the list (or table) right after its label; the next paragraph ends it.
    if (item || row || state.inListItem) {
      state.inListItem = item !== undefined || state.inListItem;
      return;
    }
    state.exampleBlock = false;
  }
  if (state.sectionType !== 'out-of-scope') scanVocabulary(state, lineNo, raw);
  if (!state.firstTextLine) state.firstTextLine = firstSentence(plain(trimmed));

  // Markers of unresolved questions count wherever they are.
  if (UNKNOWN_MARKER.test(raw) && state.sectionType !== 'out-of-scope' && state.sectionType !== 'questions') addQuestion(state, lineNo, trimmed);

  if (BOLD_LABEL.test(trimmed)) state.groupRefs = idsIn(trimmed);
  if (INLINE_ACCEPTANCE_LABEL.test(trimmed)) {
    state.acceptanceBlock = true;
    state.listBaseIndent = -1;
    return;
  }
  const inlineRisk = INLINE_RISK.exec(trimmed);
  if (inlineRisk) {
    state.spec.risks.push(ref(state, lineNo, inlineRisk[1]!));
    state.pendingRiskHeading = undefined;
    state.mitigationBlock = false;
    return;
  }
  if (state.sectionType === 'risks' && MITIGATION_LABEL.test(trimmed)) {
    // "**Mitigation**: add retries" is one mitigation; a bare label opens a list of them. A nested "- Mitigation: …"
    // belongs to its risk and opens nothing.
    const mitigation = plain(item ? item.text : trimmed).replace(MITIGATION_TEXT, '');
    if (mitigation && !MITIGATION_LABEL.test(mitigation)) addMitigation(state, lineNo, mitigation);
    if (!(item && item.indent > Math.max(state.listBaseIndent, 0))) state.mitigationBlock = true;
    return;
  }
  const decision = NO_EXTRA_WORK.has(state.sectionType) ? null : DECISION_LABEL.exec(plain(item ? item.text : trimmed));
  if (decision) {
    // "**Decision:** One monorepo" says what it decides under its heading; "**Decision 2: Throttle per image**" names it.
    const heading = state.stack.length > 0 ? state.stack[state.stack.length - 1]!.text : '';
    state.declinedDecision = false;
    addDecision(state, lineNo, decision[1] === undefined && heading ? `${heading} — ${decision[2]!}` : decision[2]!);
    state.declinedDecision = state.current?.origin !== 'decision';
    return;
  }

  const continuesItem = !item && state.inListItem;
  state.inListItem = item !== undefined || continuesItem;
  if (row?.separator) return;
  // Table rows act as items, with the text of their cells.
  const cells = row ? rowText(row.cells, state.tableColumns) : undefined;
  const itemText = item ? item.text : cells?.text;
  if (item && state.listBaseIndent < 0) state.listBaseIndent = item.indent;
  const topLevel = itemText !== undefined && (!item || item.indent <= state.listBaseIndent);
  if (PLACEHOLDER.test(itemText ?? trimmed)) {
    state.spec.placeholders.push(ref(state, lineNo, itemText ?? trimmed));
    return;
  }
  if (handleExtraWork(state, lineNo, trimmed, itemText, topLevel, row, cells?.priority)) return;
  SECTION_HANDLERS[state.sectionType](state, { lineNo, raw, trimmed, item, itemText, continuesItem, topLevel, priority: cells?.priority });
}

type SectionHandler = (state: ParseState, line: TextLine) => void;

/** Sections that list things other than work: each top-level item is one entry. */
const SECTION_HANDLERS: Record<SectionType, SectionHandler> = {
  questions: (state, l) => {
    if (l.itemText !== undefined ? l.topLevel : !l.continuesItem) addQuestion(state, l.lineNo, l.itemText ?? l.trimmed);
  },
  'out-of-scope': (state, l) => {
    if (l.itemText !== undefined && l.topLevel) state.spec.outOfScope.push(ref(state, l.lineNo, l.itemText));
  },
  assumptions: (state, l) => {
    if (l.itemText !== undefined && l.topLevel) state.spec.assumptions.push(ref(state, l.lineNo, l.itemText));
  },
  risks: (state, l) => {
    if (l.itemText !== undefined && l.topLevel && !state.mitigationBlock && !state.pendingRiskHeading) state.spec.risks.push(ref(state, l.lineNo, l.itemText));
  },
  components: (state, l) => {
    // "- [ ] 2.1 Define the client protocol" under "## 2. Implement the tracker module" is a task, not a component.
    if (l.item?.checkbox) handleWorkLine(state, l);
    else if (l.itemText !== undefined && l.topLevel) addListedComponent(state, l.lineNo, l.itemText);
  },
  chain: (state, l) => {
    if (l.itemText === undefined) return;
    if (!l.topLevel) {
      // "- Depends on both task data structure and CLI" under a step names what the step needs, in words.
      const needs = CHAIN_NEEDS.exec(l.itemText);
      const statement = state.chainStatement;
      if (!needs || !statement) return;
      const named = needs[1]!
        .split(/\s*(?:,|\band\b|&|\bor\b)\s*/)
        .map((t) => t.replace(/^(both|the|its|a|an)\s+/i, '').trim())
        .filter((t) => t.length > 2);
      if (named.length === 0) return;
      if (!state.chainStatementExplicit) statement.on = [];
      state.chainStatementExplicit = true;
      statement.on.push(...named.map((text) => ({ text })));
      return;
    }
    const step: DependencyRef = { line: l.lineNo, text: plain(l.itemText) };
    const number = /^\s*(\d{1,3})[.)]/.exec(l.raw)?.[1] ?? String(state.chainSteps.size + 1);
    const named = STEP_NUMBERS.exec(l.itemText)?.[1]?.match(/\d+/g) ?? [];
    const on = named.length > 0 ? named.map((n) => state.chainSteps.get(n)).filter((x): x is DependencyRef => x !== undefined) : state.lastChainStep ? [state.lastChainStep] : [];
    const statement: DependencyStatement = { ...ref(state, l.lineNo, l.itemText), from: step, on };
    state.spec.dependencies.push(statement);
    state.chainStatement = statement;
    state.chainStatementExplicit = named.length > 0;
    state.chainSteps.set(number, step);
    state.lastChainStep = step;
  },
  decisions: (state, l) => {
    // Requirement ids and criteria written among decisions are what they are.
    if (REQ_ID_AT_START.test((l.itemText ?? l.trimmed).trim()) || l.item?.checkbox || GIVEN_WHEN_THEN.test(l.trimmed)) handleWorkLine(state, l);
    else if (state.declinedDecision) return;
    else if (l.itemText !== undefined && l.topLevel && !(state.current && state.currentByHeading)) {
      addDecision(state, l.lineNo, l.itemText);
      // A decision written as one list item is whole; the next item is the next decision.
      closeCurrent(state);
    } else if (state.current) addDetail(state.current, l.lineNo, l.trimmed);
  },
  requirements: handleWorkLine,
  nfr: handleWorkLine,
  stories: handleWorkLine,
  acceptance: handleWorkLine,
  roadmap: handleWorkLine,
  context: handleWorkLine,
  other: handleWorkLine,
};

/** A dependency the line states for the requirement being read, if it names what it depends on. */
function noteDependency(state: ParseState, lineNo: number, text: string): void {
  const subject = state.current;
  if (!subject) return;
  DEPENDS_ON.lastIndex = 0;
  const on: DependencyRef[] = [];
  for (let m = DEPENDS_ON.exec(text); m; m = DEPENDS_ON.exec(text)) {
    const target = m[1]!;
    for (const id of idsIn(target)) if (id !== subject.id) on.push({ id });
    for (const priority of target.match(PRIORITY_REF) ?? []) if (priority !== subject.priority) on.push({ priority });
    STORY_NUMBER_REF.lastIndex = 0;
    for (let s = STORY_NUMBER_REF.exec(target); s; s = STORY_NUMBER_REF.exec(target)) {
      for (const n of s[0].match(/\d+/g) ?? []) {
        const line = state.storyLines.get(n);
        if (line !== undefined && line !== subject.line) on.push({ line });
      }
    }
  }
  if (on.length > 0) state.spec.dependencies.push({ ...ref(state, lineNo, text), from: subject.id ? { id: subject.id } : { line: subject.line }, on });
}

/** Lines that may define requirements, stories and criteria, or add detail to the requirement being read. */
function handleWorkLine(state: ParseState, l: TextLine): void {
  handleWorkItem(state, l);
  noteDependency(state, l.lineNo, l.itemText ?? l.trimmed);
}

function handleWorkItem(state: ParseState, l: TextLine): void {
  const { sectionType } = state;
  const { lineNo, trimmed, item, itemText } = l;
  // "- **Description**:" with nothing after it: an empty field of a template.
  if (itemText !== undefined && /^(?:\*\*|__)?[^*_:]{1,40}(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*$/.test(itemText)) {
    // "- **MVP Requirements:**" in a roadmap: the list nested under it is the roadmap's work.
    if (sectionType === 'roadmap' && l.topLevel) state.listBaseIndent = -1;
    return;
  }

  const startId = itemText !== undefined ? REQ_ID_AT_START.exec(itemText.trim()) : REQ_ID_AT_START.exec(trimmed);
  const id = startId && !NOT_REQUIREMENT_IDS.test(startId[1]!) ? startId[1] : undefined;
  const gwt = GIVEN_WHEN_THEN.test(trimmed);
  const checkbox = item?.checkbox ?? false;
  const isCriterion = sectionType === 'acceptance' || state.acceptanceBlock || checkbox || gwt;
  const text = itemText ?? trimmed;

  const inlineAcceptance = INLINE_ACCEPTANCE.exec(text);
  if (inlineAcceptance) {
    addAcceptance(state, lineNo, inlineAcceptance[1]!);
    return;
  }
  // "- Bulk export (post-MVP)": written down, but for later.
  if (LATER_MARKER.test(text) && (itemText !== undefined ? l.topLevel : !l.continuesItem) && !isCriterion) {
    state.spec.outOfScope.push(ref(state, lineNo, text));
    return;
  }

  // A line starting with an id already defined mentions it (a milestone, a repeat); it is not new work.
  if (id && state.definedIds.has(id) && !isCriterion) return;
  // Ids written at the start of a line define items wherever they are.
  if (id && !state.definedIds.has(id)) {
    if (/^(SC|AC)-/.test(id)) {
      state.definedIds.add(id);
      // Success criteria are spec-wide unless they name requirements.
      addAcceptance(state, lineNo, itemText ?? trimmed, { id, owner: null });
    } else {
      addRequirement(state, id.startsWith('US') ? 'story' : id.startsWith('NFR') || sectionType === 'nfr' ? 'non-functional' : 'functional', lineNo, itemText ?? trimmed, { id, priority: l.priority });
    }
    return;
  }

  // "What happens when the list is empty?" under Edge Cases asks; only its answer, when given, is a criterion.
  if (sectionType === 'acceptance' && itemText !== undefined && EDGE_CASE_QUESTION.test(itemText) && state.stack.some((h) => EDGE_CASES_HEADING.test(h.text))) {
    const answer = itemText.slice(itemText.indexOf('?') + 1).trim();
    if (answer) addAcceptance(state, lineNo, itemText, { owner: null });
    else addQuestion(state, lineNo, itemText);
    return;
  }
  if (isCriterion && (itemText !== undefined || gwt)) {
    // In a spec-wide acceptance section, criteria belong to the requirements they name, not the last one read.
    const specWide = sectionType === 'acceptance' && !state.acceptanceBlock && !(state.current && state.currentByHeading);
    addAcceptance(state, lineNo, itemText ?? trimmed, specWide ? { owner: null } : {});
    return;
  }

  const current = state.current;
  // "### As a Developer" then "- **Story**: I want …": the story line names the story.
  const storyLine = current && current === state.unnamedRequirement ? STORY_LINE.exec(text) : null;
  if (current && storyLine) {
    addDetail(current, lineNo, trimmed);
    current.text = `${current.text}, ${plain(storyLine[1]!)}`;
    state.unnamedRequirement = undefined;
    return;
  }
  if (STORY.test(trimmed) && !(current && state.currentByHeading && current.kind === 'story')) {
    if (current && state.currentByHeading) {
      addDetail(current, lineNo, trimmed);
      if (current === state.unnamedRequirement) {
        current.text = plain(trimmed.replace(STORY_LABEL, ''));
        state.unnamedRequirement = undefined;
      }
    } else {
      addRequirement(state, 'story', lineNo, itemText ?? trimmed);
    }
    return;
  }

  if (WORK_SECTIONS.has(sectionType) && itemText !== undefined && l.topLevel && !(current && state.currentByHeading)) {
    addRequirement(state, sectionType === 'nfr' ? 'non-functional' : sectionType === 'stories' ? 'story' : 'functional', lineNo, itemText, { priority: l.priority });
    return;
  }

  if (current) {
    addDetail(current, lineNo, trimmed);
    if (itemText !== undefined && l.topLevel && state.currentByHeading) (current.bullets ??= []).push(plain(itemText));
  }
}

const MAX_DETAIL_CHARS = 600;

function addDetail(requirement: Requirement, line: number, text: string): void {
  requirement.words += countWords(text);
  requirement.endLine = line;
  if (requirement.details.length < MAX_DETAIL_CHARS) requirement.details = `${requirement.details} ${plain(text)}`.trim().slice(0, MAX_DETAIL_CHARS);
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
function preferMoreDetailedScope(requirements: Requirement[], acceptance: AcceptanceCriterion[], roadmapLed: boolean): Requirement[] {
  const isPlainWork = (r: Requirement) => !r.id && !r.origin && (r.kind === 'functional' || r.kind === 'feature');
  const roadmap = requirements.filter((r) => r.fromRoadmap && isPlainWork(r)).length;
  const listed = requirements.filter((r) => !r.fromRoadmap && isPlainWork(r)).length;
  if (roadmap === 0) return requirements;
  const dropRoadmap = !roadmapLed && listed >= roadmap;
  const kept = requirements.filter((r) => !isPlainWork(r) || Boolean(r.fromRoadmap) !== dropRoadmap);
  if (kept.length === requirements.length) return kept;
  return keepRequirements(requirements, acceptance, kept);
}

/**
 * A summary list ("## Core Features: 1. CLI Integration …") followed by a section per feature names each
 * requirement twice. Requirements without ids whose text is the same are one requirement: the one with more
 * detail stays, and takes the other's criteria.
 */
function dropRestatedRequirements(requirements: Requirement[], acceptance: AcceptanceCriterion[]): Requirement[] {
  const normal = (r: Requirement) =>
    r.text
      .toLowerCase()
      .replace(/^\s*\d{1,3}[.)]\s*/, '')
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  const keeper = new Map<string, Requirement>();
  for (const r of requirements) {
    if (r.id) continue;
    const key = normal(r);
    const other = key ? keeper.get(key) : undefined;
    if (!other || r.words > other.words) keeper.set(key, r);
  }
  const dropped = new Set(requirements.filter((r) => !r.id && keeper.get(normal(r)) !== r));
  if (dropped.size === 0) return requirements;
  const index = new Map(requirements.map((r, i) => [r, i]));
  for (const r of dropped) {
    const kept = keeper.get(normal(r))!;
    for (const c of r.acceptance) {
      kept.acceptance.push(c);
      acceptance[c]!.owner = index.get(kept)!;
    }
  }
  return keepRequirements(
    requirements,
    acceptance,
    requirements.filter((r) => !dropped.has(r)),
  );
}

/** `kept`, a subset of `requirements` in order, with the acceptance owners re-pointed at it. */
function keepRequirements(requirements: Requirement[], acceptance: AcceptanceCriterion[], kept: Requirement[]): Requirement[] {
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
  // EARS criteria ("WHEN … THEN the system SHALL …") specify behaviour to build; words like "fail" in them do not
  // make a bug report. A bug investigation shows its structure (symptoms, reproduction, cause): its words count
  // only then.
  const ears = spec.acceptance.filter((c) => /\bSHALL\b/.test(c.text)).length;
  const debugHeadings = headingScore['debug-investigation'];
  const score: Record<SpecKind, number> = {
    prd: headingScore.prd * 2 + (spec.requirements.some((r) => r.kind === 'story') ? 2 : 0) + (spec.format === 'spec-kit' ? 4 : 0),
    'technical-spec': headingScore['technical-spec'] * 2 + Math.min(ears, 6),
    'debug-investigation': debugHeadings > 0 ? debugHeadings * 3 + Math.min(debugWords, 6) : 0,
  };
  // A short note full of bug words is a bug report even without headings.
  if (spec.headings.length <= 1 && debugWords >= 2) return 'debug-investigation';
  const ranked = (Object.keys(score) as SpecKind[]).sort((a, b) => score[b] - score[a]);
  return score[ranked[0]!] > 0 ? ranked[0]! : 'prd';
}
