/**
 * `xplan check [plan-file]`: validates the saved plan, or a plan file (xplan JSON/YAML, or task-master's
 * tasks.json), and describes its DAG. Returns the result; exit status and printing are the CLI's business
 * (negative outcome when `ok` is false).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { analyzeDag, analyzeIndexedDag, type DagFigures, type DagIssueCode, type DagNode, type IndexedGraph } from '../core/plan/dag.js';
import { EFFORT_HOURS, type Effort } from '../core/plan/effort.js';
import { InputError, noPlanError } from '../core/errors.js';
import type { PlanWarning, Task } from '../core/plan/plan.js';
import type { PlanValidation } from '../core/plan/plan-schema.js';
import type { TaskmasterLayout } from '../core/plan/taskmaster.js';
import { displayPath, readInputFile } from '../adapters/store/input-file.js';
import type { PlanFileFormat, CheckIssue, CheckSource, CheckStats, CheckResult } from '../core/results.js';
export type { PlanFileFormat, CheckIssue, CheckSource, CheckStats, CheckResult };

export interface CheckOptions {
  cwd: string;
  /** A plan file; without it, the plan saved in .xplan/state.json. */
  file?: string;
  /** Format of the file; detected when absent. */
  from?: PlanFileFormat;
  /** task-master tag (tagged tasks.json); default master, else the only tag. */
  tag?: string;
  /** task-master subtasks as tasks of their own instead of folded into their parent. */
  subtasks?: boolean;
}

/** Larger files are refused before reading: a plan of 20,000 tasks is about 8 MB. */
export const MAX_PLAN_BYTES = 256 * 1024 * 1024;
const WAVES_SHOWN = 5;

interface Loaded {
  source: CheckSource;
  tasks: Task[];
  /**
   * The graph alone, when there are no whole tasks to read: a task-master file (only ids, dependencies and hours
   * are needed), or a plan with invalid fields (the graph as far as it can be read, to check it anyway).
   */
  nodes?: DagNode[];
  /** A task-master file read flat (the usual case): the graph by positions, with no node objects at all. */
  indexed?: IndexedGraph;
  errors: CheckIssue[];
  warnings: PlanWarning[];
  /** Raw task entries of an xplan document, to compare their stated waves with the computed ones. */
  rawTasks?: unknown[];
}

export async function check(options: CheckOptions): Promise<CheckResult> {
  const loaded = options.file !== undefined ? await loadFile(options) : await loadSaved(options);
  const taskCount = loaded.indexed?.count ?? (loaded.nodes ?? loaded.tasks).length;
  let analysis: DagFigures;
  let stale: PlanWarning | undefined;
  if (loaded.indexed) analysis = analyzeIndexedDag(loaded.indexed);
  else if (loaded.nodes) analysis = analyzeDag(loaded.nodes);
  else {
    const full = analyzeDag(loaded.tasks, hoursOfTask);
    analysis = full;
    if (loaded.rawTasks) stale = staleWaves(loaded.rawTasks, full.wave);
  }
  const warnings = loaded.warnings;
  if (taskCount === 0 && loaded.errors.length === 0) warnings.push({ code: 'EMPTY_PLAN', message: 'The plan has no tasks.', tasks: [] });
  if (analysis.excluded.length > 0) {
    const n = analysis.excluded.length;
    warnings.push({
      code: 'EXCLUDED',
      message: `${n} task${n === 1 ? ' is' : 's are'} on or behind a cycle, so ${n === 1 ? 'it has' : 'they have'} no wave and ${n === 1 ? 'is' : 'are'} left out of the figures above`,
      tasks: analysis.excluded,
    });
  }
  if (stale) warnings.push(stale);
  const errors = [...loaded.errors, ...analysis.errors];
  return {
    schemaVersion: 1,
    source: loaded.source,
    stats: {
      tasks: taskCount,
      edges: analysis.edgeCount,
      roots: analysis.rootCount,
      leaves: analysis.leafCount,
      waves: analysis.waveCount,
      maxWaveWidth: analysis.maxWaveWidth,
      criticalPath: analysis.criticalPath,
      criticalPathHours: analysis.criticalPathHours,
      totalHours: analysis.totalHours,
      excluded: analysis.excluded.length,
    },
    errors,
    warnings,
    ok: errors.length === 0,
  };
}

const hoursOfTask = (t: Task): number => EFFORT_HOURS[t.effort];

async function loadSaved(options: CheckOptions): Promise<Loaded> {
  const { findProject } = await import('../adapters/store/project.js');
  const project = findProject(options.cwd);
  if (!project.inGitRepo) throw noPlanError('not-a-repository', 'check');
  // Loaded only here: the state store brings the state schema with it.
  const [{ StateStore }, { validatePlanDocument }] = await Promise.all([import('../adapters/store/state-store.js'), import('../core/plan/plan-schema.js')]);
  const store = new StateStore(project.xplanDir);
  const state = await store.read();
  if (!state?.plan) throw noPlanError('none', 'check');
  const source: CheckSource = { kind: 'state', path: displayPath(store.path, options.cwd), format: 'xplan', detected: false };
  const warnings: PlanWarning[] = [];
  if (options.from === 'taskmaster' || options.tag !== undefined || options.subtasks) {
    warnings.push({ code: 'OPTION_IGNORED', message: '--from, --tag and --subtasks apply to a plan file; the saved plan is an xplan plan', tasks: [] });
  }
  return { ...fromXplanDocument(validatePlanDocument, state.plan, source), warnings };
}

async function loadFile(options: CheckOptions): Promise<Loaded> {
  const path = resolve(options.cwd, options.file!);
  // As the user named it when it is not below cwd (`.`, `../plan.json`), else relative to cwd.
  const relative = displayPath(path, options.cwd);
  const shown = relative === path && !isAbsolute(options.file!) ? options.file! : relative;
  const [text, { compactTaskmasterGraph, indexedGraphOf, readTaskmasterGraph, isTaskmasterDocument }] = await Promise.all([
    readPlanFile(path, shown, options.cwd),
    import('../core/plan/taskmaster.js'),
  ]);
  const yaml = /\.ya?ml$/i.test(path);
  let doc: unknown;
  if (yaml) {
    const { parseYamlText } = await import('../adapters/store/yaml-text.js');
    doc = await parseYamlText(text, shown, 'PLAN_INVALID_YAML', 'Fix the YAML at that line and column, then run xplan check again.');
  } else {
    doc = parseJson(text, shown);
  }

  const detected = options.from === undefined;
  const format: PlanFileFormat = options.from ?? (isTaskmasterDocument(doc) ? 'taskmaster' : 'xplan');
  if (format === 'xplan') {
    // The schema (and zod, ≈ 20 ms to load) only for xplan plans: a task-master file needs neither.
    const { validatePlanDocument } = await import('../core/plan/plan-schema.js');
    const loaded = fromXplanDocument(validatePlanDocument, doc, { kind: 'file', path: shown, format, detected });
    if (options.tag !== undefined || options.subtasks) {
      loaded.warnings.push({ code: 'OPTION_IGNORED', message: `--tag and --subtasks apply to task-master files; ${shown} is read as an xplan plan`, tasks: [] });
    }
    if (!detected && isTaskmasterDocument(doc)) {
      loaded.warnings.push({ code: 'LOOKS_LIKE_TASKMASTER', message: `${shown} looks like a task-master tasks.json; drop --from xplan to read it as one`, tasks: [] });
    }
    return loaded;
  }

  const readOptions = { ...(options.tag !== undefined ? { tag: options.tag } : {}), subtasks: options.subtasks === true };
  const compact = compactTaskmasterGraph(doc, readOptions);
  if (compact) {
    // The parsed file is not needed any more: dropped now, the collector need not copy it while the graph is analysed.
    doc = undefined;
    const { graph, warnings } = indexedGraphOf(compact);
    return {
      source: taskmasterSource(shown, compact, detected, options),
      tasks: [],
      indexed: graph,
      errors: [],
      warnings: warnings.map((message) => ({ code: 'TASKMASTER', message, tasks: [] })),
    };
  }
  const converted = readTaskmasterGraph(doc, readOptions);
  if (!converted.ok) {
    if (converted.problem === 'no-tasks') {
      throw new InputError(
        'NOT_A_PLAN',
        `${shown} is not a task-master tasks file: ${converted.reason}`,
        'xplan check reads xplan plans (JSON or YAML) and task-master tasks.json; pass --from xplan for an xplan plan.',
      );
    }
    const hint = converted.tags.length > 0 ? `Choose a tag: ${converted.tags.map((t) => `--tag ${t}`).join(', ')}` : 'Leave out --tag.';
    throw new InputError(options.tag === undefined ? 'TAG_REQUIRED' : 'UNKNOWN_TAG', `${shown}: ${converted.reason}`, hint);
  }
  return {
    source: taskmasterSource(shown, converted, detected, options),
    tasks: [],
    nodes: converted.nodes,
    errors: converted.errors.map((message) => ({ code: 'INVALID_FIELD', message, tasks: [] })),
    warnings: converted.warnings.map((message) => ({ code: 'TASKMASTER', message, tasks: [] })),
  };
}

function taskmasterSource(shown: string, read: { layout: TaskmasterLayout; tag?: string }, detected: boolean, options: CheckOptions): CheckSource {
  return {
    kind: 'file',
    path: shown,
    format: 'taskmaster',
    detected,
    layout: read.layout,
    ...(read.tag !== undefined ? { tag: read.tag } : {}),
    subtasks: options.subtasks ? 'expanded' : 'folded',
  };
}

function fromXplanDocument(validatePlanDocument: (doc: unknown) => PlanValidation, doc: unknown, source: CheckSource): Loaded {
  const validation = validatePlanDocument(doc);
  const rawTasks = typeof doc === 'object' && doc !== null && Array.isArray((doc as { tasks?: unknown }).tasks) ? (doc as { tasks: unknown[] }).tasks : undefined;
  if (validation.ok) return { source, tasks: validation.tasks, errors: [], warnings: [], ...(rawTasks ? { rawTasks } : {}) };
  return {
    source,
    tasks: [],
    // The fields are wrong, but the graph may still be readable: check it too, so every problem shows at once.
    nodes: rawTasks ? readableNodes(rawTasks) : [],
    errors: validation.errors.map((message) => ({ code: 'INVALID_FIELD', message, tasks: [] })),
    warnings: [],
  };
}

/** Ids and dependencies of the entries that have them, for a plan whose other fields are invalid. */
function readableNodes(rawTasks: unknown[]): DagNode[] {
  const nodes: DagNode[] = [];
  for (const raw of rawTasks) {
    if (typeof raw !== 'object' || raw === null) continue;
    const t = raw as { id?: unknown; dependsOn?: unknown; effort?: unknown };
    if (typeof t.id !== 'string') continue;
    const dependsOn = Array.isArray(t.dependsOn) ? t.dependsOn.filter((d): d is string => typeof d === 'string') : [];
    const hours = typeof t.effort === 'string' && t.effort in EFFORT_HOURS ? EFFORT_HOURS[t.effort as Effort] : EFFORT_HOURS.M;
    nodes.push({ id: t.id, dependsOn, hours });
  }
  return nodes;
}

/** One warning for the tasks whose stated wave is not the one their dependencies give (waves are recomputed). */
function staleWaves(rawTasks: unknown[], wave: Map<string, number>): PlanWarning | undefined {
  const stale: string[] = [];
  const examples: string[] = [];
  for (const raw of rawTasks) {
    const t = raw as { id: string; wave?: unknown };
    if (typeof t.wave !== 'number' || t.wave === 0) continue;
    const actual = wave.get(t.id);
    if (actual === undefined || actual === t.wave) continue;
    stale.push(t.id);
    if (examples.length < WAVES_SHOWN) examples.push(`${t.id} says ${t.wave}, is ${actual}`);
  }
  if (stale.length === 0) return undefined;
  return {
    code: 'STALE_WAVES',
    message: `${stale.length} task${stale.length === 1 ? ' states a wave' : 's state waves'} that ${stale.length === 1 ? 'does' : 'do'} not match ${stale.length === 1 ? 'its' : 'their'} dependencies (${examples.join('; ')}${stale.length > examples.length ? '; …' : ''}); xplan recomputes waves`,
    tasks: stale,
  };
}

/** Plan files are read with the same checks as specs (see input-file.ts), with their own limits and hints. */
async function readPlanFile(path: string, shown: string, cwd: string): Promise<string> {
  const file = await readInputFile(
    path,
    cwd,
    {
      label: 'Plan file',
      noun: 'plan file',
      plural: 'plan files',
      code: 'PLAN',
      maxBytes: MAX_PLAN_BYTES,
      expects: 'xplan plans (JSON or YAML) and task-master tasks.json',
      tooLargeHint: 'Split the plan, or check the part you changed.',
      emptyHint: `Write the plan first, or save one with: xplan plan --json > ${shown}`,
      binaryHint: 'Pass the JSON or YAML text of the plan.',
      directoryHint: () => {
        // task-master keeps its file in .taskmaster/tasks/ (older versions: tasks/).
        const inside = ['.taskmaster/tasks/tasks.json', 'tasks/tasks.json', 'tasks.json', 'plan.json'].find((name) => existsSync(join(path, name))) ?? 'plan.json';
        return `Name the file inside it: xplan check ${join(shown, inside)}`;
      },
    },
    shown,
  );
  return file.text;
}

function parseJson(text: string, shown: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const located = locateJsonError(text);
    const offset = located?.offset ?? Number(/position (\d+)/.exec((error as Error).message)?.[1] ?? NaN);
    const where = Number.isNaN(offset) ? '' : `:${lineColumn(text, offset)}`;
    const reason = located?.reason ?? (error as Error).message.replace(/, ".*" is not valid JSON$/s, '');
    const hint = /\.json$/i.test(shown) ? 'Fix the JSON at that line and column, then run xplan check again.' : 'Fix the JSON there; a YAML plan needs a .yaml or .yml name.';
    throw new InputError('PLAN_INVALID_JSON', `${shown}${where} is not valid JSON: ${reason}`, hint);
  }
}

function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}

/**
 * Where JSON.parse gave up, and why, in words. Node's own message has no position for some errors (and quotes
 * the text instead), so this small scanner finds it. It runs only after JSON.parse has failed.
 */
export function locateJsonError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const n = text.length;
  class Stop {
    constructor(readonly reason: string) {}
  }
  const char = () => (i < n ? text[i]! : '');
  const describeChar = () => (i >= n ? 'the end of the file' : `${JSON.stringify(text[i])}`);
  const space = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop('a \\u escape needs four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(`invalid escape \\${e ?? ''} in a string`);
        continue;
      }
      if (c < 32) throw new Stop(c === 10 ? 'a line break inside a string (write \\n, or close the quote)' : 'a control character inside a string');
      i++;
    }
    throw new Stop('a string is not closed (missing ")');
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (depth: number): void => {
    if (depth > 10_000) throw new Stop('nested too deeply');
    space();
    const c = char();
    if (c === '{') {
      i++;
      space();
      if (char() === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (char() !== '"') throw new Stop(char() === '}' ? 'a comma before } (trailing commas are not allowed in JSON)' : `expected a property name in double quotes, found ${describeChar()}`);
        string();
        space();
        if (char() !== ':') throw new Stop(`expected : after the property name, found ${describeChar()}`);
        i++;
        value(depth + 1);
        space();
        if (char() === ',') {
          i++;
          continue;
        }
        if (char() === '}') {
          i++;
          return;
        }
        throw new Stop(`expected , or } after a property value, found ${describeChar()}`);
      }
    }
    if (c === '[') {
      i++;
      space();
      if (char() === ']') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (char() === ']') throw new Stop('a comma before ] (trailing commas are not allowed in JSON)');
        value(depth + 1);
        space();
        if (char() === ',') {
          i++;
          continue;
        }
        if (char() === ']') {
          i++;
          return;
        }
        throw new Stop(`expected , or ] after a list item, found ${describeChar()}`);
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if ((c === '-' || (c >= '0' && c <= '9')) && NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    throw new Stop(i >= n ? 'the file ends before the JSON does' : `unexpected ${describeChar()}`);
  };
  try {
    value(0);
    space();
    if (i < n) throw new Stop(`unexpected ${describeChar()} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return { offset: i, reason: error.reason };
    return undefined; // a stack overflow on absurd nesting: fall back to JSON.parse's message
  }
}
