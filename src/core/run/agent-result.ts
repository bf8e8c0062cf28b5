/**
 * What an agent's end means. Claude Code reports API failures inside its final `result` event, not through its
 * exit code, so the event decides: success, a transient failure worth retrying, a usage limit to wait out, a fatal
 * setup problem that makes every further agent pointless, or a failure of this task alone.
 */
import type { Failure, Usage } from './run.js';

/** The final stream-json event of `claude -p --output-format stream-json`. */
export interface ResultEvent {
  type: 'result';
  subtype: string;
  is_error?: boolean;
  api_error_status?: number | null;
  result?: string;
  session_id?: string;
  num_turns?: number;
  total_cost_usd?: number;
  duration_ms?: number;
  usage?: { input_tokens?: number; output_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
  permission_denials?: Array<{ tool_name?: string; tool_input?: Record<string, unknown> }>;
}

/** What the supervisor (`xplan __agent`) writes to exit.json when the agent process ends. */
export interface AgentExit {
  exitCode: number | null;
  signal: string | null;
  spawnError?: { code: string; message: string };
  result?: ResultEvent;
  /** The `error` of the last assistant event (`authentication_failed`, `rate_limit`…). */
  apiError?: string;
  /** The last `rate_limit_event` info, where Claude Code reports a subscription limit and its reset. */
  rateLimit?: { status?: string; resetsAt?: number; rateLimitType?: string };
  /** The end of the agent's stderr, for the reason of a crash. */
  stderrTail?: string;
  /**
   * Set by the engine, not the supervisor: the supervisor died without writing exit.json (it ignores SIGTERM, so it
   * was killed by SIGKILL or crashed), and whether its Claude Code was still running and had to be stopped.
   */
  supervisorLost?: { pid: number; agentStopped: boolean };
  startedAt: string;
  endedAt: string;
  lines: number;
}

export type AgentOutcome =
  | { kind: 'success'; usage: Usage; permissionDenials: string[] }
  | { kind: 'transient'; reason: string; usage: Usage }
  | { kind: 'usage-limit'; reason: string; resetAt: Date | undefined; usage: Usage }
  | { kind: 'fatal'; reason: string; hint: string; usage: Usage }
  | { kind: 'task-failure'; failure: Failure; reason: string; usage: Usage };

const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504, 529]);
const TRANSIENT_TEXT = /unable to connect|connection ?(refused|reset|error)|econnre(fused|set)|etimedout|socket hang up|request timed out|overloaded|rate.?limit/i;
const AUTH_TEXT = /not logged in|please run \/login|invalid api key|authentication_error|failed to authenticate|oauth token (has )?expired/i;
const BAD_FLAG_TEXT = /unknown option|unknown command|invalid (value|choice|argument)|option '.*' argument|error: option/i;

export function usageOf(result: ResultEvent | undefined): Usage {
  const u = result?.usage ?? {};
  return {
    inputTokens: (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
    outputTokens: u.output_tokens ?? 0,
    costUsd: result?.total_cost_usd ?? 0,
    turns: result?.num_turns ?? 0,
  };
}

export function classifyAgentExit(exit: AgentExit, command: string, now: Date): AgentOutcome {
  const usage = usageOf(exit.result);
  if (exit.spawnError) {
    if (exit.spawnError.code === 'ENOENT') {
      return {
        kind: 'fatal',
        reason: `Claude Code was not found: \`${command}\` is not on PATH`,
        hint: 'Install it with `npm install -g @anthropic-ai/claude-code`, or set claude.command in .xplan/config.yaml.',
        usage,
      };
    }
    return { kind: 'fatal', reason: `Claude Code could not be started (${exit.spawnError.message})`, hint: `Check that \`${command}\` runs; \`xplan doctor\` tests it.`, usage };
  }
  const result = exit.result;
  if (!result && exit.supervisorLost) {
    const { pid, agentStopped } = exit.supervisorLost;
    const agent = agentStopped ? 'its Claude Code was still running and was stopped' : 'its Claude Code had ended too';
    return { kind: 'task-failure', failure: 'crash', reason: `the agent's supervisor (pid ${pid}) was killed (SIGKILL, or it crashed) before it could record how Claude Code ended; ${agent}`, usage };
  }
  if (!result) {
    const stderr = lastLine(exit.stderrTail);
    if (stderr && BAD_FLAG_TEXT.test(stderr)) {
      return { kind: 'fatal', reason: `Claude Code refused its arguments: ${stderr}`, hint: 'Check claude.extraArgs, claude.model and claude.permissionMode in .xplan/config.yaml.', usage };
    }
    if (stderr && AUTH_TEXT.test(stderr)) return notAuthenticated(usage);
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode ?? '?'}`;
    return { kind: 'task-failure', failure: 'crash', reason: `Claude Code ${how} before reporting a result${stderr ? `: ${stderr}` : ''}`, usage };
  }
  const text = (result.result ?? '').trim();
  if (result.subtype === 'success' && !result.is_error) {
    return { kind: 'success', usage, permissionDenials: (result.permission_denials ?? []).map(describeDenial) };
  }
  if (exit.apiError === 'authentication_failed' || result.api_error_status === 401 || AUTH_TEXT.test(text)) return notAuthenticated(usage);

  const limit = usageLimit(exit, text, now);
  if (limit) return { kind: 'usage-limit', reason: text || 'Claude usage limit reached', resetAt: limit.resetAt, usage };

  const status = result.api_error_status ?? undefined;
  if ((status !== undefined && TRANSIENT_STATUSES.has(status)) || exit.apiError === 'rate_limit' || exit.apiError === 'server_error' || TRANSIENT_TEXT.test(text)) {
    return { kind: 'transient', reason: text || `API error ${status ?? exit.apiError}`, usage };
  }
  if (result.subtype === 'error_max_turns') return { kind: 'task-failure', failure: 'max turns', reason: 'the agent reached its maximum number of turns', usage };
  if (result.subtype === 'error_max_budget_usd') return { kind: 'task-failure', failure: 'budget', reason: 'the agent reached its budget (claude.maxBudgetUsd)', usage };
  return { kind: 'task-failure', failure: 'agent error', reason: text || `Claude Code ended with ${result.subtype}`, usage };
}

function notAuthenticated(usage: Usage): AgentOutcome {
  return {
    kind: 'fatal',
    reason: 'Claude Code is not logged in',
    hint: 'Run `claude` and log in with /login (or set ANTHROPIC_API_KEY), then `xplan run` again.',
    usage,
  };
}

function describeDenial(denial: { tool_name?: string; tool_input?: Record<string, unknown> }): string {
  const command = denial.tool_input?.command ?? denial.tool_input?.file_path;
  return `${denial.tool_name ?? 'tool'}${typeof command === 'string' ? `(${command.slice(0, 80)})` : ''}`;
}

function lastLine(text: string | undefined): string | undefined {
  const lines = (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * A subscription usage limit, and when it resets: from a rejected `rate_limit_event`, or from the result text
 * (`Claude AI usage limit reached|1767225600`, `5-hour limit reached ∙ resets 3pm`).
 */
export function usageLimit(exit: Pick<AgentExit, 'rateLimit'>, text: string, now: Date): { resetAt: Date | undefined } | undefined {
  if (exit.rateLimit?.status === 'rejected') {
    return { resetAt: exit.rateLimit.resetsAt ? new Date(exit.rateLimit.resetsAt * 1000) : undefined };
  }
  const epoch = /usage limit reached\|(\d{9,})/i.exec(text);
  if (epoch) return { resetAt: new Date(Number(epoch[1]) * 1000) };
  if (!/(usage|session|weekly|hour) limit|limit reached|hit your .*limit|out of (usage credits|extra usage)/i.test(text)) return undefined;
  // "resets 3pm", "resets 9:30am", "resets 15:00", or for longer limits "resets Mar 5, 3pm".
  const clock = /resets (?:at )?(?:([A-Z][a-z]{2}) (\d{1,2}),? )?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?/i.exec(text);
  if (!clock) return { resetAt: undefined };
  const [, month, day, hour, minute, meridiem] = clock;
  let hours = Number(hour);
  if (meridiem) hours = (hours % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0);
  const reset = new Date(now);
  const monthIndex = month ? MONTHS.indexOf(month.toLowerCase()) : -1;
  if (monthIndex >= 0) reset.setMonth(monthIndex, Number(day));
  reset.setHours(hours, Number(minute ?? 0), 0, 0);
  if (reset.getTime() <= now.getTime()) {
    if (monthIndex >= 0) reset.setFullYear(reset.getFullYear() + 1);
    else reset.setDate(reset.getDate() + 1);
  }
  return { resetAt: reset };
}
