/**
 * The beads CLI (`bd`, or the `br` fork). Calls run one at a time (bd's embedded database has failed under
 * concurrent processes), non-interactive, as actor `xplan`. Output is parsed defensively: a raw array, `{data}` or
 * `{items}`; `show` returns an array even for one id. A failure names the bd command that failed.
 */
import { execa } from 'execa';
import { XplanError } from '../core/errors.js';
import type { BeadsChange, BeadsStatus } from '../core/beads-map.js';
import { findExecutable } from './claude-code.js';

export interface BdIssue {
  id: string;
  title: string;
  status?: string;
  external_ref?: string;
  assignee?: string;
  dependencies?: Array<{ id?: string; issue_id?: string; depends_on_id?: string; type?: string; dependency_type?: string }>;
}

/** A bd flag and its value, passed as `--flag=value`. */
export type BdFlag = [flag: string, value: string];

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
      const args = command === 'bd' ? ['version', '--json', '--actor', 'xplan'] : ['--version'];
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

  /**
   * Runs `bd <args> --json --actor xplan -- <operands>`, after every earlier call has finished. Titles and ids are
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

  async create(fields: { title: string; type: string; priority: number; description: string; design: string; acceptance: string; labels: string[]; estimateMinutes?: number; externalRef: string; metadata: Record<string, string>; parent?: string }): Promise<string> {
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

  /** Closes with a reason. xplan has already checked the dependencies, so bd's own blocker check is overridden. */
  async close(id: string, reason: string): Promise<void> {
    await this.call(['close', `--reason=${reason}`, '--force'], [id]);
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
