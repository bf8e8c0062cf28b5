import { describe, expect, it } from 'vitest';
import { classifyAgentExit, usageLimit, usageOf, type AgentExit, type AgentOutcome, type ResultEvent } from '../../src/core/run/agent-result.js';

/**
 * Result shapes below are the `result` events Claude Code 2.1.197 writes with `-p --output-format stream-json`,
 * as observed; `apiError` is the `error` of the last assistant event.
 */

const COMMAND = 'claude';
const NOW = new Date('2026-03-01T10:00:00.000Z');

function exitWith(fields: Partial<AgentExit>): AgentExit {
  return { exitCode: 0, signal: null, startedAt: '2026-03-01T09:58:00.000Z', endedAt: '2026-03-01T10:00:00.000Z', lines: 12, ...fields };
}

function errorResult(fields: Partial<ResultEvent>): ResultEvent {
  return { type: 'result', subtype: 'success', is_error: true, api_error_status: null, num_turns: 1, total_cost_usd: 0, ...fields };
}

const SUCCESS: ResultEvent = {
  type: 'result',
  subtype: 'success',
  is_error: false,
  api_error_status: null,
  num_turns: 4,
  result: 'T1 is done.',
  total_cost_usd: 0.004,
  usage: { input_tokens: 400, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 80 },
  permission_denials: [],
};

const RATE_LIMITED = errorResult({ api_error_status: 429, result: 'API Error: Request rejected (429) · rate_limit_error' });
const OVERLOADED = errorResult({
  api_error_status: 529,
  result: 'API Error: 529 overloaded_error. This is a server-side issue, usually temporary — try again in a moment.',
});
const UNAUTHORIZED = errorResult({ api_error_status: 401, result: 'Failed to authenticate. API Error: 401 authentication_error' });
const NOT_LOGGED_IN = errorResult({ result: 'Not logged in · Please run /login' });
const TIMED_OUT = errorResult({ result: 'Request timed out' });
const NO_CONNECTION = errorResult({ result: 'API Error: Unable to connect to API (ConnectionRefused)' });

const ZERO = { inputTokens: 0, outputTokens: 0, costUsd: 0, turns: 0 };
const LOGIN_HINT = 'Run `claude` and log in with /login (or set ANTHROPIC_API_KEY), then `xplan run` again.';

describe('classifyAgentExit: success', () => {
  it('a clean result is a success, with its usage and no denials', () => {
    expect(classifyAgentExit(exitWith({ result: SUCCESS }), COMMAND, NOW)).toEqual({
      kind: 'success',
      usage: { inputTokens: 400, outputTokens: 80, costUsd: 0.004, turns: 4 },
      permissionDenials: [],
    });
  });

  it('a success without permission_denials has no denials', () => {
    const { permission_denials: _, ...result } = SUCCESS;
    expect(classifyAgentExit(exitWith({ result }), COMMAND, NOW)).toMatchObject({ kind: 'success', permissionDenials: [] });
  });

  it('describes the permission denials of a success as Tool(command)', () => {
    const result: ResultEvent = {
      ...SUCCESS,
      permission_denials: [
        { tool_name: 'Bash', tool_input: { command: 'git push' } },
        { tool_name: 'Write', tool_input: { file_path: '/etc/hosts', content: 'x' } },
        { tool_name: 'WebFetch', tool_input: { url: 'https://example.com' } },
        { tool_input: { command: 'rm -rf /' } },
        { tool_name: 'Bash', tool_input: { command: `echo ${'x'.repeat(200)}` } },
      ],
    };
    const outcome = classifyAgentExit(exitWith({ result }), COMMAND, NOW);
    expect(outcome.kind).toBe('success');
    const denials = (outcome as Extract<AgentOutcome, { kind: 'success' }>).permissionDenials;
    expect(denials.slice(0, 4)).toEqual(['Bash(git push)', 'Write(/etc/hosts)', 'WebFetch', 'tool(rm -rf /)']);
    // Long commands are cut to 80 characters.
    expect(denials[4]).toBe(`Bash(echo ${'x'.repeat(75)})`);
  });

  it('a success is a success whatever the exit code, stderr or rate-limit warning says', () => {
    const outcome = classifyAgentExit(exitWith({ result: SUCCESS, exitCode: 1, stderrTail: 'error: unknown option', rateLimit: { status: 'allowed_warning', resetsAt: 1767225600 } }), COMMAND, NOW);
    expect(outcome.kind).toBe('success');
  });
});

describe('classifyAgentExit: API failures reported in the result', () => {
  const cases: Array<{ name: string; exit: Partial<AgentExit>; expected: Partial<AgentOutcome> }> = [
    {
      name: '429 rate limit → transient, with the API’s message',
      exit: { result: RATE_LIMITED, apiError: 'rate_limit', exitCode: 1 },
      expected: { kind: 'transient', reason: 'API Error: Request rejected (429) · rate_limit_error' },
    },
    {
      name: '429 without the assistant error → transient',
      exit: { result: RATE_LIMITED, exitCode: 1 },
      expected: { kind: 'transient', reason: 'API Error: Request rejected (429) · rate_limit_error' },
    },
    {
      name: '529 overloaded → transient',
      exit: { result: OVERLOADED, exitCode: 1 },
      expected: {
        kind: 'transient',
        reason: 'API Error: 529 overloaded_error. This is a server-side issue, usually temporary — try again in a moment.',
      },
    },
    {
      name: 'request timed out (no status) → transient',
      exit: { result: TIMED_OUT, exitCode: 1 },
      expected: { kind: 'transient', reason: 'Request timed out' },
    },
    {
      name: 'connection refused (no status) → transient',
      exit: { result: NO_CONNECTION, exitCode: 1 },
      expected: { kind: 'transient', reason: 'API Error: Unable to connect to API (ConnectionRefused)' },
    },
    {
      name: '500 with an empty text → transient, naming the status',
      exit: { result: errorResult({ api_error_status: 500, result: '' }), exitCode: 1 },
      expected: { kind: 'transient', reason: 'API error 500' },
    },
    {
      name: '401 → fatal: not logged in, with how to log in',
      exit: { result: UNAUTHORIZED, exitCode: 1 },
      expected: { kind: 'fatal', reason: 'Claude Code is not logged in', hint: LOGIN_HINT },
    },
    {
      name: 'not logged in (no status, assistant error authentication_failed) → fatal',
      exit: { result: NOT_LOGGED_IN, apiError: 'authentication_failed', exitCode: 1 },
      expected: { kind: 'fatal', reason: 'Claude Code is not logged in', hint: LOGIN_HINT },
    },
    {
      name: 'not logged in, recognised from the text alone → fatal',
      exit: { result: NOT_LOGGED_IN, exitCode: 1 },
      expected: { kind: 'fatal', reason: 'Claude Code is not logged in', hint: LOGIN_HINT },
    },
    {
      name: 'an invalid API key → fatal',
      exit: { result: errorResult({ result: 'Invalid API key · Please run /login' }), exitCode: 1 },
      expected: { kind: 'fatal', reason: 'Claude Code is not logged in', hint: LOGIN_HINT },
    },
  ];
  it.each(cases)('$name', ({ exit, expected }) => {
    expect(classifyAgentExit(exitWith(exit), COMMAND, NOW)).toMatchObject(expected);
  });

  it('a 401 is fatal even when the text would look transient', () => {
    const result = errorResult({ api_error_status: 401, result: 'Request timed out' });
    expect(classifyAgentExit(exitWith({ result }), COMMAND, NOW).kind).toBe('fatal');
  });

  it('the login hint tells the user both ways to authenticate and how to carry on', () => {
    const outcome = classifyAgentExit(exitWith({ result: UNAUTHORIZED }), COMMAND, NOW) as Extract<AgentOutcome, { kind: 'fatal' }>;
    expect(outcome.hint).toContain('/login');
    expect(outcome.hint).toContain('ANTHROPIC_API_KEY');
    expect(outcome.hint).toContain('xplan run');
  });
});

describe('classifyAgentExit: task failures reported in the result', () => {
  const cases: Array<{ name: string; result: ResultEvent; expected: Partial<AgentOutcome> }> = [
    {
      name: 'error_max_turns → max turns',
      result: { type: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 31, total_cost_usd: 0.2 },
      expected: { kind: 'task-failure', failure: 'max turns', reason: 'the agent reached its maximum number of turns' },
    },
    {
      name: 'error_max_turns reported with is_error false → still max turns',
      result: { type: 'result', subtype: 'error_max_turns', is_error: false, num_turns: 31 },
      expected: { kind: 'task-failure', failure: 'max turns' },
    },
    {
      name: 'error_max_budget_usd → budget, naming the setting',
      result: { type: 'result', subtype: 'error_max_budget_usd', is_error: true, num_turns: 9, total_cost_usd: 1.02 },
      expected: { kind: 'task-failure', failure: 'budget', reason: 'the agent reached its budget (claude.maxBudgetUsd)' },
    },
    {
      name: 'error_during_execution without text → agent error, naming the subtype',
      result: { type: 'result', subtype: 'error_during_execution', is_error: true, num_turns: 3 },
      expected: { kind: 'task-failure', failure: 'agent error', reason: 'Claude Code ended with error_during_execution' },
    },
    {
      name: 'error_during_execution with text → agent error, with that text',
      result: { type: 'result', subtype: 'error_during_execution', is_error: true, result: '  Tool execution failed: EACCES  \n' },
      expected: { kind: 'task-failure', failure: 'agent error', reason: 'Tool execution failed: EACCES' },
    },
    {
      name: 'a success subtype with is_error and an unknown message → agent error',
      result: errorResult({ api_error_status: 400, result: 'API Error: 400 invalid_request_error: prompt is too long' }),
      expected: { kind: 'task-failure', failure: 'agent error', reason: 'API Error: 400 invalid_request_error: prompt is too long' },
    },
  ];
  it.each(cases)('$name', ({ result, expected }) => {
    expect(classifyAgentExit(exitWith({ result, exitCode: 1 }), COMMAND, NOW)).toMatchObject(expected);
  });

  it('keeps the usage of a failed agent, so its cost is still counted', () => {
    const result: ResultEvent = {
      type: 'result',
      subtype: 'error_max_budget_usd',
      is_error: true,
      num_turns: 9,
      total_cost_usd: 1.02,
      usage: { input_tokens: 100, cache_creation_input_tokens: 2000, cache_read_input_tokens: 30000, output_tokens: 900 },
    };
    expect(classifyAgentExit(exitWith({ result }), COMMAND, NOW).usage).toEqual({ inputTokens: 32100, outputTokens: 900, costUsd: 1.02, turns: 9 });
  });
});

describe('classifyAgentExit: no result event', () => {
  it('a missing executable is fatal, with how to install Claude Code', () => {
    const outcome = classifyAgentExit(exitWith({ exitCode: null, spawnError: { code: 'ENOENT', message: 'spawn claude ENOENT' } }), '/opt/bin/claude', NOW);
    expect(outcome).toEqual({
      kind: 'fatal',
      reason: 'Claude Code was not found: `/opt/bin/claude` is not on PATH',
      hint: 'Install it with `npm install -g @anthropic-ai/claude-code`, or set claude.command in .xplan/config.yaml.',
      usage: ZERO,
    });
  });

  it('any other spawn error is fatal, with the error and how to check the command', () => {
    const outcome = classifyAgentExit(exitWith({ exitCode: null, spawnError: { code: 'EACCES', message: 'spawn claude EACCES' } }), COMMAND, NOW);
    expect(outcome).toEqual({
      kind: 'fatal',
      reason: 'Claude Code could not be started (spawn claude EACCES)',
      hint: 'Check that `claude` runs; `xplan doctor` tests it.',
      usage: ZERO,
    });
  });

  it('a spawn error wins over anything else recorded', () => {
    expect(classifyAgentExit(exitWith({ spawnError: { code: 'ENOENT', message: 'x' }, result: SUCCESS }), COMMAND, NOW).kind).toBe('fatal');
  });

  const cases: Array<{ name: string; exit: Partial<AgentExit>; expected: Partial<AgentOutcome> }> = [
    {
      name: 'killed by a signal → crash, naming the signal',
      exit: { exitCode: null, signal: 'SIGKILL' },
      expected: { kind: 'task-failure', failure: 'crash', reason: 'Claude Code was killed by SIGKILL before reporting a result' },
    },
    {
      name: 'a non-zero exit → crash, naming the code and the last stderr line',
      exit: { exitCode: 3, stderrTail: 'Starting…\nTypeError: cannot read properties of undefined\n\n' },
      expected: {
        kind: 'task-failure',
        failure: 'crash',
        reason: 'Claude Code exited with code 3 before reporting a result: TypeError: cannot read properties of undefined',
      },
    },
    {
      name: 'exit code 0 without a result is still a crash',
      exit: { exitCode: 0 },
      expected: { kind: 'task-failure', failure: 'crash', reason: 'Claude Code exited with code 0 before reporting a result' },
    },
    {
      name: 'no exit code and no signal → crash with an unknown code',
      exit: { exitCode: null },
      expected: { kind: 'task-failure', failure: 'crash', reason: 'Claude Code exited with code ? before reporting a result' },
    },
    {
      name: 'an unknown option → fatal: the arguments are wrong, with which settings to check',
      exit: { exitCode: 1, stderrTail: "error: unknown option '--bogus'" },
      expected: {
        kind: 'fatal',
        reason: "Claude Code refused its arguments: error: unknown option '--bogus'",
        hint: 'Check claude.extraArgs, claude.model and claude.permissionMode in .xplan/config.yaml.',
      },
    },
    {
      name: 'an invalid option value → fatal',
      exit: { exitCode: 1, stderrTail: "error: option '--permission-mode <mode>' argument 'yolo' is invalid." },
      expected: { kind: 'fatal', reason: "Claude Code refused its arguments: error: option '--permission-mode <mode>' argument 'yolo' is invalid." },
    },
    {
      name: 'not logged in on stderr → fatal: not logged in',
      exit: { exitCode: 1, stderrTail: 'Invalid API key · Please run /login' },
      expected: { kind: 'fatal', reason: 'Claude Code is not logged in', hint: LOGIN_HINT },
    },
  ];
  it.each(cases)('$name', ({ exit, expected }) => {
    const outcome = classifyAgentExit(exitWith(exit), COMMAND, NOW);
    expect(outcome).toMatchObject(expected);
    expect(outcome.usage).toEqual(ZERO);
  });

  it('only the last stderr line decides: an old unknown-option line does not make a crash fatal', () => {
    const outcome = classifyAgentExit(exitWith({ exitCode: null, signal: 'SIGTERM', stderrTail: "error: unknown option '--x'\nSegmentation fault" }), COMMAND, NOW);
    expect(outcome).toMatchObject({ kind: 'task-failure', failure: 'crash', reason: 'Claude Code was killed by SIGTERM before reporting a result: Segmentation fault' });
  });
});

describe('classifyAgentExit: usage limits', () => {
  it('a rejected rate_limit_event is a usage limit until its resetsAt', () => {
    const outcome = classifyAgentExit(exitWith({ result: RATE_LIMITED, apiError: 'rate_limit', rateLimit: { status: 'rejected', resetsAt: 1772370000, rateLimitType: 'five_hour' } }), COMMAND, NOW);
    expect(outcome).toEqual({
      kind: 'usage-limit',
      reason: 'API Error: Request rejected (429) · rate_limit_error',
      resetAt: new Date(1772370000 * 1000),
      usage: { ...ZERO, turns: 1 },
    });
  });

  it('a usage limit without a text says so', () => {
    const outcome = classifyAgentExit(exitWith({ result: errorResult({ result: '' }), rateLimit: { status: 'rejected' } }), COMMAND, NOW);
    expect(outcome).toMatchObject({ kind: 'usage-limit', reason: 'Claude usage limit reached', resetAt: undefined });
  });

  it('a rate_limit_event that is only a warning does not make a 429 a usage limit', () => {
    const outcome = classifyAgentExit(exitWith({ result: RATE_LIMITED, rateLimit: { status: 'allowed_warning', resetsAt: 1772370000 } }), COMMAND, NOW);
    expect(outcome.kind).toBe('transient');
  });

  it('the legacy text with an epoch is a usage limit until that time', () => {
    const outcome = classifyAgentExit(exitWith({ result: errorResult({ result: 'Claude AI usage limit reached|1767225600' }) }), COMMAND, NOW);
    expect(outcome).toMatchObject({ kind: 'usage-limit', reason: 'Claude AI usage limit reached|1767225600', resetAt: new Date('2026-01-01T00:00:00Z') });
  });

  it('a "limit reached ∙ resets 3pm" text is a usage limit until the next 3pm', () => {
    const now = new Date(2026, 2, 1, 10, 0, 0);
    const outcome = classifyAgentExit(exitWith({ result: errorResult({ result: '5-hour limit reached ∙ resets 3pm' }) }), COMMAND, now);
    expect(outcome).toMatchObject({ kind: 'usage-limit', reason: '5-hour limit reached ∙ resets 3pm', resetAt: new Date(2026, 2, 1, 15, 0, 0) });
  });

  it('a usage limit wins over a transient status', () => {
    const result = errorResult({ api_error_status: 429, result: 'Claude AI usage limit reached|1767225600' });
    expect(classifyAgentExit(exitWith({ result, apiError: 'rate_limit' }), COMMAND, NOW).kind).toBe('usage-limit');
  });

  it('not being logged in wins over a usage limit', () => {
    const outcome = classifyAgentExit(exitWith({ result: NOT_LOGGED_IN, apiError: 'authentication_failed', rateLimit: { status: 'rejected', resetsAt: 1 } }), COMMAND, NOW);
    expect(outcome.kind).toBe('fatal');
  });
});

describe('usageLimit', () => {
  // Local times: Claude Code prints the reset clock in the machine's own time zone.
  const at = (day: number, hours: number, minutes = 0) => new Date(2026, 2, day, hours, minutes, 0, 0);

  const cases: Array<{ name: string; text: string; now: Date; resetAt: Date | undefined }> = [
    { name: 'resets 3pm, in the morning → 15:00 today', text: '5-hour limit reached ∙ resets 3pm', now: at(1, 10), resetAt: at(1, 15) },
    { name: 'resets 3pm, already past → 15:00 tomorrow', text: '5-hour limit reached ∙ resets 3pm', now: at(1, 16, 30), resetAt: at(2, 15) },
    { name: 'resets 3pm, exactly at 15:00 → tomorrow', text: '5-hour limit reached ∙ resets 3pm', now: at(1, 15), resetAt: at(2, 15) },
    { name: 'resets 3pm across a month end', text: '5-hour limit reached ∙ resets 3pm', now: at(31, 20), resetAt: new Date(2026, 3, 1, 15, 0, 0, 0) },
    { name: 'resets at 9:30am', text: 'Session limit reached ∙ resets at 9:30am', now: at(1, 10), resetAt: at(2, 9, 30) },
    { name: 'resets 12am → midnight', text: '5-hour limit reached ∙ resets 12am', now: at(1, 22), resetAt: at(2, 0) },
    { name: 'resets 12pm → noon', text: '5-hour limit reached ∙ resets 12pm', now: at(1, 10), resetAt: at(1, 12) },
    { name: 'a 24-hour clock', text: 'usage limit reached, resets 17:45', now: at(1, 10), resetAt: at(1, 17, 45) },
    {
      name: 'Claude Code 2.1 wording, with the time zone',
      text: "You've hit your session limit · resets 3:30pm (Europe/Paris)",
      now: at(1, 10),
      resetAt: at(1, 15, 30),
    },
    { name: 'limit reached without a time → unknown reset', text: 'Weekly limit reached', now: at(1, 10), resetAt: undefined },
    { name: 'usage limit without a time → unknown reset', text: "You've hit your weekly limit", now: at(1, 10), resetAt: undefined },
  ];
  it.each(cases)('$name', ({ text, now, resetAt }) => {
    expect(usageLimit({}, text, now)).toEqual({ resetAt });
  });

  it('the legacy epoch text resets at that epoch, in UTC', () => {
    expect(usageLimit({}, 'Claude AI usage limit reached|1767225600', NOW)?.resetAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('a rejected rate_limit_event decides, whatever the text', () => {
    expect(usageLimit({ rateLimit: { status: 'rejected', resetsAt: 1772370000 } }, '', NOW)).toEqual({ resetAt: new Date(1772370000 * 1000) });
    expect(usageLimit({ rateLimit: { status: 'rejected' } }, 'anything', NOW)).toEqual({ resetAt: undefined });
  });

  it.each([
    'API Error: Request rejected (429) · rate_limit_error',
    'API Error: 529 overloaded_error. This is a server-side issue, usually temporary — try again in a moment.',
    'Request timed out',
    'T1 is done.',
    '',
  ])('%j is not a usage limit', (text) => {
    expect(usageLimit({ rateLimit: { status: 'allowed' } }, text, NOW)).toBeUndefined();
  });
});

describe('usageOf', () => {
  it('counts input, cache-creation and cache-read tokens as input', () => {
    const result: ResultEvent = {
      ...SUCCESS,
      usage: { input_tokens: 12, cache_creation_input_tokens: 3000, cache_read_input_tokens: 45000, output_tokens: 678 },
      total_cost_usd: 0.0912,
      num_turns: 7,
    };
    expect(usageOf(result)).toEqual({ inputTokens: 48012, outputTokens: 678, costUsd: 0.0912, turns: 7 });
  });

  it('reads the observed success result', () => {
    expect(usageOf(SUCCESS)).toEqual({ inputTokens: 400, outputTokens: 80, costUsd: 0.004, turns: 4 });
  });

  it('treats missing fields as zero', () => {
    expect(usageOf(undefined)).toEqual(ZERO);
    expect(usageOf({ type: 'result', subtype: 'success' })).toEqual(ZERO);
    expect(usageOf({ type: 'result', subtype: 'success', usage: { output_tokens: 5 } })).toEqual({ ...ZERO, outputTokens: 5 });
    expect(usageOf(RATE_LIMITED)).toEqual({ ...ZERO, turns: 1 });
  });
});

describe('usage limits in the words Claude Code uses', () => {
  const now = new Date(2026, 10, 23, 10, 0, 0);
  it.each([
    ["You've hit your Opus limit · resets 3pm (Europe/Paris)", new Date(2026, 10, 23, 15, 0, 0)],
    ["You're out of usage credits · resets 11:30am", new Date(2026, 10, 23, 11, 30, 0)],
    ["You've hit your weekly limit · resets Mar 5, 3pm (Europe/Paris)", new Date(2027, 2, 5, 15, 0, 0)],
    ["You've hit your weekly limit · resets Dec 1, 9am", new Date(2026, 11, 1, 9, 0, 0)],
  ])('%s', (text, expected) => {
    expect(usageLimit({}, text, now)).toEqual({ resetAt: expected });
  });

  it('names the API error when the result has no text', () => {
    const outcome = classifyAgentExit(
      { exitCode: 1, signal: null, apiError: 'rate_limit', result: { type: 'result', subtype: 'success', is_error: true, api_error_status: null, result: '' }, startedAt: '', endedAt: '', lines: 1 },
      'claude',
      now,
    );
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'API error rate_limit' });
  });
});
