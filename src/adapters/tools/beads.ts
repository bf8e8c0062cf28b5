/**
 * The beads CLI (`bd`, or the `br` fork). Calls run one at a time (bd's embedded database has failed under
 * concurrent processes), non-interactive, as actor `xplan`. Output is parsed defensively: a raw array, `{data}` or
 * `{items}`; `show` returns an array even for one id. A failure names the bd command that failed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { XplanError } from '../../core/errors.js';
import type { BeadsChange, BeadsIssue, BeadsStatus } from '../../core/beads/beads-map.js';
import type { BdFlag, BeadsRecord, GraphPlan } from '../../core/beads/beads-export.js';
import { findExecutable } from './claude-code.js';

export type BdIssue = BeadsRecord;

/** `bd create --graph` arrived in beads 0.63.0 (the `br` fork does not have it). */
const GRAPH_SINCE = [0, 63, 0] as const;

export type { BdFlag };

function attached(flags: BdFlag[]): string[] {
  return flags.map(([flag, value]) => `${flag}=${value}`);
}

export class BeadsError extends XplanError {
  constructor(command: string, message: string) {
    super('BEADS_FAILED', `\`${command}\` failed: ${message}`, { exitCode: 1, hint: 'Check the beads workspace with `bd doctor`; then run `xplan export beads --sync`.' });
  }
}

export class BeadsCli {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly command: string,
    readonly version: string,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** bd (or br) on PATH, with its version; undefined when neither is installed. */
  static async detect(cwd: string, env: NodeJS.ProcessEnv): Promise<BeadsCli | undefined> {
    for (const command of ['bd', 'br']) {
      if (!findExecutable(command, env, cwd)) continue;
      const args = command === 'bd' ? ['version', '--json', '--actor=xplan'] : ['--version'];
      const result = await execa(command, args, { cwd, env: { ...env, BD_NON_INTERACTIVE: '1' }, reject: false, stdin: 'ignore' });
      if (result.exitCode !== 0) continue;
      const text = String(result.stdout);
      let version: string | undefined;
      try {
        const parsed = unwrap(JSON.parse(text)) as { version?: string };
        version = parsed.version;
      } catch {
        version = /\d+\.\d+(\.\d+)?/.exec(text)?.[0];
      }
      return new BeadsCli(command, version ?? 'unknown', cwd, env);
    }
    return undefined;
  }

  /** Whether this bd creates a whole graph of issues in one transaction (`bd create --graph`). */
  get supportsGraph(): boolean {
    if (this.command !== 'bd') return false;
    const parts = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(this.version);
    if (!parts) return false;
    const [major, minor, patch] = [Number(parts[1]), Number(parts[2]), Number(parts[3] ?? 0)];
    for (const [have, want] of [
      [major, GRAPH_SINCE[0]],
      [minor, GRAPH_SINCE[1]],
      [patch, GRAPH_SINCE[2]],
    ] as const) {
      if (have !== want) return have > want;
    }
    return true;
  }

  /**
   * The workspace's issue prefix, as `bd init` stored it in the database config (`bd config get issue_prefix`);
   * undefined when bd has none to give.
   */
  async prefix(): Promise<string | undefined> {
    const answer = (await this.call(['config', 'get'], ['issue_prefix'])) as { value?: unknown } | undefined;
    return typeof answer?.value === 'string' && answer.value.trim() !== '' ? answer.value.trim() : undefined;
  }

  /** Creates every node and edge of the plan in one bd transaction; returns the bd id of each node key. */
  async createGraph(plan: GraphPlan): Promise<Record<string, string>> {
    const dir = await mkdtemp(join(tmpdir(), 'xplan-bd-graph-'));
    try {
      const file = join(dir, 'plan.json');
      await writeFile(file, JSON.stringify(plan));
      const answer = (await this.call(['create', `--graph=${file}`])) as { ids?: Record<string, unknown> } | undefined;
      const ids: Record<string, string> = {};
      for (const node of plan.nodes) {
        const id = answer?.ids?.[node.key];
        if (typeof id !== 'string' || id === '') throw new BeadsError(`${this.command} create --graph`, `it returned no issue id for ${node.key}`);
        ids[node.key] = id;
      }
      return ids;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Runs `bd <args> --json --actor=xplan -- <operands>`, after every earlier call has finished. Titles and ids are
   * operands after `--`, and values are attached to their flags (`--title=…`), so one starting with `-` stays a value.
   */
  call(args: string[], operands: string[] = []): Promise<unknown> {
    const next = this.queue.then(() => this.run(args, operands));
    this.queue = next.catch(() => {});
    return next;
  }

  private async run(args: string[], operands: string[]): Promise<unknown> {
    const full = [...args, '--json', '--actor=xplan', ...(operands.length > 0 ? ['--', ...operands] : [])];
    const shown = `${this.command} ${[...args, ...operands].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`.slice(0, 160);
    const result = await execa(this.command, full, { cwd: this.cwd, env: { ...this.env, BD_NON_INTERACTIVE: '1' }, reject: false, stdin: 'ignore', timeout: 60_000 });
    if (result.exitCode !== 0) {
      const stderr = String(result.stderr).trim();
      let message = stderr.split('\n').pop() || `exit ${result.exitCode}`;
      try {
        message = (JSON.parse(stderr) as { error?: string }).error ?? message;
      } catch {
        // plain text error
      }
      throw new BeadsError(shown, message);
    }
    const stdout = String(result.stdout).trim();
    if (!stdout) return undefined;
    try {
      return unwrap(JSON.parse(stdout));
    } catch {
      throw new BeadsError(shown, `its output is not JSON: ${stdout.slice(0, 120)}`);
    }
  }

  /** Creates one issue; `parent` is the bd id of its epic. */
  async create(fields: Omit<BeadsIssue, 'key' | 'parent'> & { parent?: string }): Promise<string> {
    const flags: BdFlag[] = [
      ['--type', fields.type],
      ['--priority', String(fields.priority)],
      ['--description', fields.description],
      ['--design', fields.design],
      ['--acceptance', fields.acceptance],
      ['--labels', fields.labels.join(',')],
      ['--external-ref', fields.externalRef],
      ['--metadata', JSON.stringify(fields.metadata)],
    ];
    if (fields.estimateMinutes !== undefined) flags.push(['--estimate', String(fields.estimateMinutes)]);
    if (fields.parent) flags.push(['--parent', fields.parent]);
    const issue = first(await this.call(['create', ...attached(flags)], [fields.title]));
    if (!issue?.id) throw new BeadsError(`${this.command} create`, 'it returned no issue id');
    return issue.id;
  }

  async update(id: string, flags: BdFlag[]): Promise<void> {
    await this.call(['update', ...attached(flags)], [id]);
  }

  async setStatus(id: string, status: BeadsStatus, options: { assignee?: string; notes?: string } = {}): Promise<void> {
    await this.update(id, [['--status', status], ...(options.assignee ? [['--assignee', options.assignee] as BdFlag] : []), ...(options.notes ? [['--append-notes', options.notes] as BdFlag] : [])]);
  }

  /**
   * Closes with a reason. For a task xplan has already checked the dependencies, so bd's own blocker check is
   * overridden; an epic is closed without force, so bd confirms that its children are closed.
   */
  async close(id: string, reason: string, options: { force?: boolean } = {}): Promise<void> {
    await this.call(['close', `--reason=${reason}`, ...(options.force === false ? [] : ['--force'])], [id]);
  }

  async addDependency(issue: string, dependsOn: string): Promise<void> {
    await this.call(['dep', 'add', '--type=blocks'], [issue, dependsOn]);
  }

  async removeDependency(issue: string, dependsOn: string): Promise<void> {
    await this.call(['dep', 'remove'], [issue, dependsOn]);
  }

  async show(ids: string[]): Promise<BdIssue[]> {
    if (ids.length === 0) return [];
    return list(await this.call(['show'], ids));
  }

  /** Every issue, closed ones included: bd hides closed issues and stops at 50 unless told otherwise. */
  async listAll(): Promise<BdIssue[]> {
    return list(await this.call(['list', '--all', '--limit=0']));
  }
}

function unwrap(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { data?: unknown; items?: unknown };
    if (v.data !== undefined) return unwrap(v.data);
    if (Array.isArray(v.items)) return v.items;
  }
  return value;
}

function list(value: unknown): BdIssue[] {
  return Array.isArray(value) ? (value as BdIssue[]) : value && typeof value === 'object' ? [value as BdIssue] : [];
}

function first(value: unknown): BdIssue | undefined {
  return list(value)[0];
}

/** Brings one issue to the status a run event asks for. */
export async function applyStatus(bd: BeadsCli, id: string, want: BeadsChange): Promise<void> {
  if (want.status === 'closed') await bd.close(id, want.reason ?? 'completed');
  else await bd.setStatus(id, want.status, { ...(want.assignee ? { assignee: want.assignee } : {}), ...(want.reason ? { notes: want.reason } : {}) });
}

/** Closes an epic (bd checks that its children are closed) or opens it again, with the reason in its notes. */
export async function applyEpicStatus(bd: BeadsCli, id: string, want: BeadsChange): Promise<void> {
  if (want.status === 'closed') await bd.close(id, want.reason ?? 'All child issues are closed', { force: false });
  else await bd.setStatus(id, want.status, want.reason ? { notes: want.reason } : {});
}
