/** `xplan check`: validate the saved plan or a plan file (xplan or task-master format) and describe its DAG. */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { analyzeDag, type DagIssue } from '../core/dag.js';
import { EFFORT_HOURS } from '../core/effort.js';
import { InputError } from '../core/errors.js';
import type { Task } from '../core/plan.js';
import { validatePlanDocument } from '../core/plan-schema.js';
import { isTaskmasterDocument, readTaskmaster } from '../core/taskmaster.js';
import { findProject } from '../adapters/project.js';
import { displayPath } from '../adapters/spec-file.js';
import { StateStore } from '../adapters/state-store.js';
import { parseYamlText } from '../adapters/yaml-text.js';

export type PlanFileFormat = 'xplan' | 'taskmaster';

export interface CheckOptions {
  cwd: string;
  file?: string;
  from?: PlanFileFormat;
  tag?: string;
}

export interface CheckIssue {
  code: DagIssue['code'] | 'INVALID_FIELD';
  message: string;
  tasks: string[];
}

export interface CheckResult {
  schemaVersion: 1;
  source: { kind: 'state' | 'file'; path?: string; format: PlanFileFormat; tag?: string };
  stats: {
    tasks: number;
    edges: number;
    roots: number;
    leaves: number;
    waves: number;
    maxWaveWidth: number;
    criticalPath: string[];
    criticalPathHours: number;
    totalHours: number;
  };
  errors: CheckIssue[];
  ok: boolean;
}

export async function check(options: CheckOptions): Promise<CheckResult> {
  const loaded = options.file ? await loadFile(options) : await loadSaved(options.cwd);
  if (!loaded.tasks) return result(loaded.source, [], loaded.errors);
  return result(loaded.source, loaded.tasks, []);
}

function result(source: CheckResult['source'], tasks: Task[], schemaErrors: CheckIssue[]): CheckResult {
  const analysis = analyzeDag(tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn, hours: EFFORT_HOURS[t.effort] })));
  const errors = [...schemaErrors, ...analysis.errors];
  return {
    schemaVersion: 1,
    source,
    stats: {
      tasks: tasks.length,
      edges: analysis.edgeCount,
      roots: analysis.roots.length,
      leaves: analysis.leaves.length,
      waves: analysis.waveCount,
      maxWaveWidth: analysis.maxWaveWidth,
      criticalPath: analysis.criticalPath,
      criticalPathHours: analysis.criticalPathHours,
      totalHours: analysis.totalHours,
    },
    errors,
    ok: errors.length === 0,
  };
}

interface Loaded {
  source: CheckResult['source'];
  tasks?: Task[];
  errors: CheckIssue[];
}

async function loadSaved(cwd: string): Promise<Loaded> {
  const project = findProject(cwd);
  const state = project.inGitRepo ? await new StateStore(project.xplanDir).read() : undefined;
  if (!state?.plan) throw new InputError('NO_PLAN', 'There is no saved plan to check in this repository', 'Run `xplan plan <spec.md>` first, or pass a plan file: xplan check plan.json');
  return { source: { kind: 'state', format: 'xplan' }, tasks: state.plan.tasks, errors: [] };
}

async function loadFile(options: CheckOptions): Promise<Loaded> {
  const path = resolve(options.cwd, options.file!);
  const shown = displayPath(path, options.cwd);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError('PLAN_NOT_FOUND', `Plan file not found: ${shown}`, 'Check the path; xplan check reads xplan plan files (JSON or YAML) and task-master tasks.json.');
  if (info.isDirectory()) throw new InputError('PLAN_IS_DIRECTORY', `${shown} is a directory, not a plan file`, `Pass the file inside it, e.g. xplan check ${shown.replace(/\/$/, '')}/tasks.json`);
  const text = await readFile(path, 'utf8');
  const doc = /\.ya?ml$/i.test(path) ? await parseYamlText(text, shown, 'PLAN_INVALID_YAML', 'Fix the YAML at that position.') : parseJson(text, shown);

  const format: PlanFileFormat = options.from ?? (isTaskmasterDocument(doc) ? 'taskmaster' : 'xplan');
  if (format === 'taskmaster') {
    const read = readTaskmaster(doc, options.tag);
    if (!read.ok) throw new InputError('PLAN_INVALID', `${shown} is not a task-master tasks file: ${read.error}`, 'Pass --from xplan for an xplan plan file.');
    return { source: { kind: 'file', path: shown, format, ...(read.tag ? { tag: read.tag } : {}) }, tasks: read.tasks, errors: [] };
  }
  const validation = validatePlanDocument(doc);
  const source = { kind: 'file' as const, path: shown, format };
  if (!validation.ok) return { source, errors: validation.errors.map((message) => ({ code: 'INVALID_FIELD', message, tasks: [] })) };
  return { source, tasks: validation.tasks, errors: [] };
}

function parseJson(text: string, shown: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? lineColumn(text, Number(position[1])) : '';
    throw new InputError('PLAN_INVALID_JSON', `${shown}${where} is not valid JSON: ${message}`, 'Fix the JSON at that position.');
  }
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `:${line}:${offset - before.lastIndexOf('\n')}`;
}
