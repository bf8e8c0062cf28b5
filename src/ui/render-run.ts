/** `xplan run` output: one line per event as the run goes, and the preview of `--dry-run`. */
import { formatDate } from './time-format.js';
import { unhandledEvent, type RunEvent } from '../core/run/run-events.js';
import type { RunResult } from '../core/run/run-result.js';
import { formatNumber, count } from '../core/text.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

type DryRun = Extract<RunResult, { kind: 'dry-run' }>;

export function renderRunEvent(unsafe: RunEvent, theme: Theme): string | undefined {
  const e = terminalSafe(unsafe);
  const task = e.taskId ? theme.bold(e.taskId) : '';
  switch (e.type) {
    case 'run.started':
      return `${theme.bold(`Run ${e.runId}`)} · ${e.tasks.length} tasks · ${e.concurrency} at a time · ${e.branching} branching · base ${e.base.commit.slice(0, 7)}${e.verify ? ` · verify \`${e.verify}\`` : theme.warn(' · no verify command: tasks end unverified')}`;
    case 'task.dispatched':
      return `${theme.accent('▶')} ${task} agent-${e.agent}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''} on ${e.branch} ${theme.dim(`in ${e.worktree}`)}`;
    case 'task.verifying':
    case 'task.reviewing':
      return undefined;
    case 'task.reviewed':
      return `${e.outcome === 'accepted' ? theme.ok('☑') : theme.warn('☐')} ${task} review ${e.met}/${e.total}${e.outcome === 'accepted' ? '' : ` · ${e.summary}`}`;
    case 'task.review-retrying':
      return `${theme.warn('↻')} ${task} ${e.reason} · the review runs again at ${clock(e.retryAt)}`;
    case 'task.held':
      return `${theme.warn('■')} ${task} ${theme.warn('held')} · ${e.reason} ${theme.dim(`→ xplan done ${e.taskId} or xplan retry ${e.taskId}`)}`;
    case 'task.completed': {
      const uncommitted = e.uncommitted.length;
      return `${theme.ok('✓')} ${task} ${e.verified ? 'completed' : theme.warn('completed: unverified')} · ${count(e.commits, 'commit')} on ${e.branch}${uncommitted ? theme.warn(` · ${count(uncommitted, 'uncommitted file')} left`) : ''}`;
    }
    case 'task.merged':
      return `${theme.ok('⇢')} ${task} merged into the integration branch (${e.commit.slice(0, 8)})${e.diffStat ? theme.dim(` · ${e.diffStat}`) : ''}`;
    case 'task.conflict': {
      const clash = e.with.length ? ` with ${e.with.join(', ')}` : '';
      return `${theme.error('✗')} ${task} ${theme.error('conflict')} · merging into the integration branch conflicts in ${e.files.join(', ')}${clash} ${theme.dim(`→ xplan retry ${e.taskId}`)}`;
    }
    case 'task.merge-undone':
      return `${theme.warn('↻')} ${task} ${e.reason}`;
    case 'task.failed':
      return `${theme.error('✗')} ${task} ${theme.error(`failed: ${e.failure}`)} · ${e.reason}${e.log ? theme.dim(` (${e.log})`) : ''}`;
    case 'task.blocked':
      return `${theme.error('■')} ${task} ${theme.error('blocked')} · ${e.reason}`;
    case 'task.retrying':
      return `${theme.warn('↻')} ${task} ${e.reason} · retrying at ${clock(e.retryAt)} (attempt ${e.attempt})`;
    case 'run.waiting':
      return `${theme.warn('⏸')} usage limit reached (${e.reason}) · the run waits until ${clock(e.resumeAt)}`;
    case 'run.resumed':
      return `${theme.accent('▶')} run continues: ${e.reason}`;
    case 'run.stopping':
      return `${theme.error('■')} ${e.reason}: no more agents start${e.hint ? `\n  ${theme.dim('→')} ${e.hint}` : ''}`;
    case 'run.paused':
      return e.now
        ? `${theme.warn('⏸')} paused by ${e.by}: agents stopped${e.interrupted.length ? ` (${e.interrupted.join(', ')} interrupted)` : ''}`
        : `${theme.warn('⏸')} paused by ${e.by}: running agents finish their tasks, no new ones start${e.by === 'Ctrl-C' ? ' (Ctrl-C again stops them now)' : ''}`;
    case 'task.resumed':
      return `${theme.accent('▶')} ${task} agent-${e.agent} continues in its worktree (${e.session === 'resumed' ? 'claude --resume' : 'new session'})`;
    case 'agent.stopped':
      return `${theme.warn('■')} ${task} agent-${e.agent} (pid ${e.pid}) stopped: ${e.reason}`;
    case 'task.interrupted':
      return `${theme.warn('⏸')} ${task} interrupted: ${e.reason}`;
    case 'task.retry':
      return `${theme.accent('↻')} ${task} will run again${e.fresh ? ' from a fresh branch' : ''}`;
    case 'task.skipped':
      return `${theme.dim('↷')} ${task} skipped: ${e.reason}`;
    case 'task.done':
      return `${theme.ok('✓')} ${task} completed by hand (${e.by}): ${e.reason}`;
    case 'secrets.found':
      return `${theme.warn('!')} the spec holds ${count(e.findings.length, 'secret')} (${e.findings.join(', ')}); ${e.policy === 'redact' ? 'agents get them as <REDACTED:kind>' : 'agents see them (secrets: warn); set `secrets: redact` or `block` in .xplan/config.yaml to change that'}`;
    case 'run.ended':
      return undefined; // the status summary follows
    case 'run.cancelled':
      return `${theme.error('■')} cancelled by ${e.by}: ${e.interrupted.length ? `agents stopped (${e.interrupted.join(', ')} interrupted)` : 'no agent was running'}; branches and worktrees are kept`;
    case 'task.waiting':
    case 'task.merging':
    case 'run.conflicts':
    case 'beads.failed':
      // Said by what follows them (the merge, the pause) or by their command; the run's log keeps them.
      return undefined;
    default:
      return unhandledEvent(e);
  }
}

function clock(iso: string): string {
  return formatDate(iso);
}

/**
 * `run --dry-run`: the waves, branches and worktrees. Prompts are long (a whole spec each), so they are printed only
 * when asked for: all of them, or those of the tasks named.
 */
export function renderDryRun(unsafe: DryRun, theme: Theme, prompts: 'all' | readonly string[] = []): string {
  const result = terminalSafe(unsafe);
  const lines = [theme.bold(`Dry run: ${count(result.tasks.length, 'task')}, ${result.concurrency} at a time, ${result.branching} branching (run id like ${result.runId})`)];
  if (!result.approved) lines.push(theme.warn('The plan is not approved yet: `xplan approve` before `xplan run`.'));
  if (result.secrets.length > 0) {
    lines.push(
      theme.warn(
        `The spec holds ${count(result.secrets.length, 'secret')}: ${result.secrets.join(', ')}. ${result.secretsPolicy === 'redact' ? 'The prompts carry them redacted.' : result.secretsPolicy === 'block' ? '`xplan run` will refuse to start (secrets: block).' : 'Agents will see them (secrets: warn). Printed prompts show them only with --show-secrets.'}`,
      ),
    );
  }
  let wave = 0;
  for (const task of result.tasks) {
    if (task.wave !== wave) {
      wave = task.wave;
      lines.push('', theme.bold(`Wave ${wave}`));
    }
    lines.push(`  ${theme.bold(task.id)} ${task.title}${task.dependsOn.length ? theme.dim(` (after ${task.dependsOn.join(', ')})`) : ''}`);
    lines.push(`     agent-${task.agent} · branch ${task.branch}`, `     worktree ${task.worktree}`);
  }
  const shown = result.tasks.filter((task) => prompts === 'all' || prompts.includes(task.id));
  for (const task of shown) {
    lines.push('', theme.bold(`── Prompt of ${task.id} (${formatNumber(task.prompt.length)} characters) ──`), task.prompt.trimEnd());
  }
  if (shown.length === 0 && result.tasks.length > 0) lines.push('', theme.dim(`Prompts: --prompts prints them all, --prompt ${result.tasks[0]!.id} one.`));
  return lines.join('\n');
}
