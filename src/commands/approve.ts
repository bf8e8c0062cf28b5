/** `xplan approve`: a reviewed plan becomes the one agents may run. Records who, when and the plan's hash. */
import { createHash } from 'node:crypto';
import { analyzeDag } from '../core/dag.js';
import { CancelledError, XplanError } from '../core/errors.js';
import type { Plan, Task } from '../core/plan.js';
import { probe } from '../adapters/system.js';
import { loadPlanForEdit } from './edit-plan.js';

/** Runs after a plan is approved (exporting it to beads, for one); returns a line for the user, if any. */
export type ApprovalHook = (plan: Plan, cwd: string) => Promise<string | undefined>;

export interface ApproveOptions {
  cwd: string;
  yes: boolean;
  confirm?: (message: string) => Promise<boolean>;
  now?: () => Date;
  hooks?: ApprovalHook[];
}

export interface ApproveResult {
  plan: Plan;
  alreadyApproved: boolean;
  notes: string[];
}

/** The hash of what agents will be asked to do: the tasks, in order, with every field. */
export function planHash(tasks: Task[]): string {
  return createHash('sha256').update(JSON.stringify(tasks)).digest('hex');
}

export async function approve(options: ApproveOptions): Promise<ApproveResult> {
  const { project, store, state, plan } = await loadPlanForEdit(options.cwd);
  const errors = analyzeDag(plan.tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn }))).errors;
  if (errors.length > 0) {
    throw new XplanError('PLAN_HAS_ERRORS', `The plan has ${errors.length} error${errors.length === 1 ? '' : 's'} and cannot be approved: ${errors.map((e) => e.message).join('; ')}`, {
      exitCode: 1,
      hint: 'Fix them with `xplan task …` or `xplan plan --edit`; `xplan check` lists them.',
    });
  }
  const hash = planHash(plan.tasks);
  if (plan.status === 'approved' && plan.approval?.hash === hash) return { plan, alreadyApproved: true, notes: [] };

  if (plan.warnings.length > 0 && !options.yes) {
    const summary = plan.warnings.map((w) => w.message).join('; ');
    if (!options.confirm) {
      throw new XplanError('CONFIRMATION_REQUIRED', `Not approved: the plan has warnings (${summary})`, { exitCode: 1, hint: 'Review them with `xplan show`, then approve with --yes.' });
    }
    if (!(await options.confirm(`The plan has ${plan.warnings.length} warning(s): ${summary}. Approve it anyway?`))) throw new CancelledError('Not approved.');
  }

  const approved: Plan = {
    ...plan,
    status: 'approved',
    approval: { by: await gitUser(project.root), at: (options.now?.() ?? new Date()).toISOString(), hash },
  };
  await store.update((s) => ({ ...s, plan: approved }), { expectedRevision: state.revision });
  const notes: string[] = [];
  for (const hook of options.hooks ?? []) {
    const note = await hook(approved, options.cwd);
    if (note) notes.push(note);
  }
  return { plan: approved, alreadyApproved: false, notes };
}

export async function gitUser(cwd: string): Promise<string> {
  const [name, email] = await Promise.all([probe('git', ['config', 'user.name'], { cwd }), probe('git', ['config', 'user.email'], { cwd })]);
  const who = [name.exitCode === 0 ? name.stdout : '', email.exitCode === 0 && email.stdout ? `<${email.stdout}>` : ''].filter(Boolean).join(' ');
  return who || process.env.USER || 'unknown';
}
