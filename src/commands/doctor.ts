/** `xplan doctor`: is this machine ready for each xplan step, and what fixes what is missing. */
import { AgentMailClient, describeFailure } from '../adapters/tools/agent-mail.js';
import type { Workspace } from '../workspace.js';
import { findOnPath, probe } from '../adapters/process/system.js';
import { realpathSync } from 'node:fs';
import { XplanError } from '../core/errors.js';
import { configuredEngine, type Config } from '../core/config.js';
import { chooseEngine } from '../engines/engine.js';
import { parseVersion, versionAtLeast } from '../core/version.js';
import type { CheckStatus, DoctorCheck, DoctorResult } from '../core/results.js';
export type { CheckStatus, DoctorCheck, DoctorResult };

export interface DoctorOptions {
  nodeVersion?: string;
  /** The script this xplan runs from (its bin), to compare with the `xplan` on PATH. */
  runningBin?: string;
}

const MIN_NODE = [20, 0, 0];
// `git merge-tree --write-tree` (merging several dependency branches without a checkout) arrived in 2.38.
const MIN_GIT = [2, 38, 0];

export async function doctor(options: DoctorOptions, ws: Workspace): Promise<DoctorResult> {
  const run = (command: string, args: string[]) => probe(command, args, { cwd: ws.cwd, env: ws.env });
  const [git, claude, bd] = await Promise.all([run('git', ['--version']), run('claude', ['--version']), probeBeads(run)]);

  const nodeVersion = options.nodeVersion ?? process.versions.node;
  const checks: DoctorCheck[] = [
    versionCheck('node', 'everything', true, nodeVersion, MIN_NODE, 'Install Node.js 20 or newer (https://nodejs.org, or `nvm install 20`).'),
    git.found
      ? versionCheck('git', 'run (worktrees, branches)', true, git.stdout, MIN_GIT, 'Upgrade git to 2.38 or newer (e.g. `brew install git` or your package manager).')
      : missing('git', 'run (worktrees, branches)', true, 'Install git 2.38 or newer (e.g. `apt install git`, `brew install git`).'),
    claude.found && claude.exitCode === 0
      ? { name: 'claude', neededFor: 'run (agents)', required: true, status: 'ok', version: parseVersion(claude.stdout)?.join('.') ?? claude.stdout }
      : missing('claude', 'run (agents)', true, 'npm install -g @anthropic-ai/claude-code, then run `claude` once to log in.'),
    bd.found
      ? { name: bd.name, neededFor: 'export beads (optional)', required: false, status: 'ok', version: bd.version }
      : missing('bd', 'export beads (optional)', false, 'brew install beads, or npm install -g @beads/bd; without it xplan writes JSONL for `bd import`.'),
    ...(options.runningBin ? [pathCheck(options.runningBin, ws.env)] : []),
    ...(await configChecks(ws)),
  ];
  return { checks, ok: checks.every((c) => !c.required || c.status === 'ok') };
}

/** Whether `xplan` on PATH is this xplan: the README writes `xplan …`, and another install would answer. */
function pathCheck(runningBin: string, env: NodeJS.ProcessEnv): DoctorCheck {
  const base = { name: 'xplan on PATH', neededFor: 'typing `xplan …` as the README does', required: false };
  const onPath = findOnPath('xplan', env);
  const fix = 'From the clone: `npm link`; or `npm pack && npm install -g ./xplan-*.tgz`; or keep using `npx xplan`.';
  if (!onPath) return { ...base, status: 'missing', detail: 'not found on PATH', fix };
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  if (real(onPath) === real(runningBin)) return { ...base, status: 'ok', detail: onPath };
  return { ...base, status: 'invalid', detail: `PATH runs ${real(onPath)}, not this one (${real(runningBin)})`, fix };
}

function versionCheck(name: string, neededFor: string, required: boolean, text: string, minimum: number[], fix: string): DoctorCheck {
  const version = parseVersion(text);
  const shown = version?.join('.') ?? text;
  if (version && versionAtLeast(version, minimum)) return { name, neededFor, required, status: 'ok', version: shown };
  return { name, neededFor, required, status: 'outdated', version: shown, detail: `needs ${minimum.join('.')} or newer`, fix };
}

function missing(name: string, neededFor: string, required: boolean, fix: string): DoctorCheck {
  return { name, neededFor, required, status: 'missing', detail: 'not found on PATH', fix };
}

async function probeBeads(run: (command: string, args: string[]) => ReturnType<typeof probe>): Promise<{ found: boolean; name: string; version?: string }> {
  const bd = await run('bd', ['version', '--json']);
  if (bd.found && bd.exitCode === 0) {
    let version: string | undefined;
    try {
      const parsed = JSON.parse(bd.stdout) as { version?: string; data?: { version?: string } };
      version = parsed.version ?? parsed.data?.version;
    } catch {
      version = parseVersion(bd.stdout)?.join('.');
    }
    return { found: true, name: 'bd', version: version ?? 'unknown' };
  }
  // beads_rust installs as `br`; some users alias bd to it.
  const br = await run('br', ['--version']);
  if (br.found && br.exitCode === 0) return { found: true, name: 'br', version: parseVersion(br.stdout)?.join('.') ?? br.stdout };
  return { found: false, name: 'bd' };
}

async function configChecks(ws: Workspace): Promise<DoctorCheck[]> {
  const { project } = ws;
  const base = { name: 'config', neededFor: 'every command in this repository', required: true };
  let config;
  try {
    config = await ws.config();
  } catch (error) {
    if (!(error instanceof XplanError)) throw error;
    return [{ ...base, status: 'invalid', detail: error.message.replace(/\s*\n\s*/g, ' '), fix: error.hint }];
  }
  const checks: DoctorCheck[] = [{ ...base, status: 'ok', detail: project.inGitRepo ? 'valid' : 'valid (not inside a git repository: assess results are not saved)' }];
  checks.push(await engineCheck(config, ws));
  if (config.coordination === 'agent-mail') checks.push(await agentMailCheck(config.agentMail.url, config.agentMail.token));
  return checks;
}

/** Which engine `assess` and `plan` would use here, and why: the same choice they make. */
async function engineCheck(config: Config, ws: Workspace): Promise<DoctorCheck> {
  const requested = configuredEngine(config);
  const choice = await chooseEngine(requested, { config, cwd: ws.cwd, env: ws.env });
  const picked = `${requested === 'auto' ? 'auto → ' : ''}${choice.name} (${choice.reason})`;
  const base = { name: 'planning engine', neededFor: 'assess and plan', required: false };
  // The heuristic plans offline, so a fallback is a warning with its fix, never a failure.
  return choice.hint ? { ...base, status: 'missing', detail: picked, fix: choice.hint } : { ...base, status: 'ok', detail: picked };
}

/** Configured agent mail is optional: without it a run coordinates natively. */
async function agentMailCheck(url: string, token: string | null): Promise<DoctorCheck> {
  const base = { name: 'agent-mail', neededFor: 'run (coordination: agent-mail)', required: false };
  const alive = await new AgentMailClient({ url, ...(token ? { token } : {}), attempts: 1, timeoutMs: 3000 }).liveness();
  if (alive.ok) return { ...base, status: 'ok', detail: `alive at ${url}` };
  const { message, hint } = describeFailure(alive.failure);
  return { ...base, status: alive.failure.kind === 'unreachable' ? 'missing' : 'invalid', detail: message, fix: hint };
}
