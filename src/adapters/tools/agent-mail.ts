/**
 * A client for an mcp_agent_mail server (see the protocol notes in the README's Coordination section): JSON-RPC
 * `tools/call` over stateless HTTP, an optional bearer token, results from `structuredContent`. Retryable
 * failures (rate limits, busy locks, timeouts, dropped connections) are retried with backoff; every other failure
 * comes back as a typed AgentMailFailure for the caller to log. Nothing here throws into a run.
 */

export type AgentMailFailureKind =
  /** No connection: the server is not running, or the URL is wrong. */
  | 'unreachable'
  /** 401: the bearer token is missing or wrong. */
  | 'unauthorized'
  /** 403: the token only allows reading. */
  | 'forbidden'
  | 'rate-limited'
  /** Another HTTP status. */
  | 'http'
  /** An answer that is not the JSON-RPC the notes describe. */
  | 'protocol'
  /** The tool ran and refused (`isError`). */
  | 'tool';

export interface AgentMailFailure {
  kind: AgentMailFailureKind;
  tool: string;
  message: string;
  /** Whether it was worth retrying (it was, as often as allowed). */
  retryable: boolean;
  attempts: number;
}

export type AgentMailResult<T> = { ok: true; value: T } | { ok: false; failure: AgentMailFailure };

/** An agent as registered: the name the server gave it (not always the one asked for) and its token. */
export interface AgentIdentity {
  name: string;
  token: string;
}

export interface ReservationGrant {
  id: number;
  path_pattern: string;
  exclusive: boolean;
  reason?: string;
  expires_ts: string;
}

export interface ReservationConflict {
  path: string;
  holders: Array<{ agent: string; path_pattern: string; exclusive: boolean; expires_ts: string }>;
}

export interface AgentMailOptions {
  url: string;
  token?: string;
  /** Tries per call for retryable failures, the first included. */
  attempts?: number;
  backoffMs?: number;
  /** Per request. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Tool error codes the notes call retryable. */
const RETRYABLE_CODES = ['GIT_INDEX_LOCK', 'DATABASE_POOL_EXHAUSTED', 'RESOURCE_BUSY', 'TIMEOUT'];

export class AgentMailClient {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private requestId = 0;

  constructor(private readonly options: AgentMailOptions) {
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoffMs = options.backoffMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** `GET /health/liveness` on the server of the configured URL. */
  async liveness(): Promise<AgentMailResult<{ status: string }>> {
    const url = new URL('/health/liveness', this.options.url);
    let response: Response;
    try {
      response = await fetch(url, { headers: this.headers(), signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      return fail('unreachable', 'liveness', `${url.href}: ${networkMessage(error)}`, true, 1);
    }
    if (!response.ok) return fail(statusKind(response.status), 'liveness', `${url.href} answered HTTP ${response.status}`, false, 1);
    const body = (await response.json().catch(() => undefined)) as { status?: unknown } | undefined;
    if (body?.status !== 'alive') return fail('protocol', 'liveness', `${url.href} did not say it is alive`, false, 1);
    return { ok: true, value: { status: 'alive' } };
  }

  /** One tool call, retried while the failure is retryable. */
  async call<T>(tool: string, args: Record<string, unknown>): Promise<AgentMailResult<T>> {
    let last: AgentMailFailure | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoffMs * 2 ** (attempt - 2));
      const result = await this.once<T>(tool, args, attempt);
      if (result.ok || !result.failure.retryable) return result;
      last = result.failure;
    }
    return { ok: false, failure: last! };
  }

  private headers(): Record<string, string> {
    return {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
    };
  }

  private async once<T>(tool: string, args: Record<string, unknown>, attempt: number): Promise<AgentMailResult<T>> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++this.requestId, method: 'tools/call', params: { name: tool, arguments: { ...args, format: 'json' } } });
    let response: Response;
    try {
      response = await fetch(this.options.url, { method: 'POST', headers: this.headers(), body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      return fail('unreachable', tool, `${this.options.url}: ${networkMessage(error)}`, true, attempt);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const kind = statusKind(response.status);
      const retryable = kind === 'rate-limited' || response.status >= 500;
      return fail(kind, tool, `HTTP ${response.status}${detail(text)}`, retryable, attempt);
    }
    let envelope: { result?: { isError?: boolean; structuredContent?: unknown; content?: Array<{ type?: string; text?: string }> }; error?: { message?: string } };
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      return fail('protocol', tool, `the answer is not JSON: ${text.slice(0, 200)}`, false, attempt);
    }
    if (envelope.error) return fail('protocol', tool, envelope.error.message ?? 'JSON-RPC error', false, attempt);
    const result = envelope.result;
    if (!result) return fail('protocol', tool, 'the answer has no result', false, attempt);
    const contentText = result.content?.find((c) => c.type === 'text')?.text ?? '';
    if (result.isError) {
      const message = contentText.replace(/^Error calling tool '[^']*':\s*/, '') || 'the tool failed';
      return fail(
        'tool',
        tool,
        message,
        RETRYABLE_CODES.some((code) => contentText.includes(code)),
        attempt,
      );
    }
    let value = result.structuredContent;
    if (value === undefined) {
      try {
        value = JSON.parse(contentText);
      } catch {
        return fail('protocol', tool, 'the result carries no structured content', false, attempt);
      }
    }
    // Lists come wrapped as {result: [...]}.
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && Array.isArray((value as { result?: unknown }).result)) {
      value = (value as { result: unknown[] }).result;
    }
    return { ok: true, value: value as T };
  }

  ensureProject(humanKey: string): Promise<AgentMailResult<{ id: number; slug: string; human_key: string }>> {
    return this.call('ensure_project', { human_key: humanKey });
  }

  /** Registers (or re-registers) an agent. The name the server answers with is the one to use from then on. */
  async registerAgent(input: { projectKey: string; name: string; program: string; model: string; taskDescription: string }): Promise<AgentMailResult<AgentIdentity>> {
    const result = await this.call<{ name?: unknown; registration_token?: unknown }>('register_agent', {
      project_key: input.projectKey,
      program: input.program,
      model: input.model,
      name: input.name,
      task_description: input.taskDescription,
    });
    if (!result.ok) return result;
    const { name, registration_token: token } = result.value;
    if (typeof name !== 'string' || typeof token !== 'string') return fail('protocol', 'register_agent', 'the answer lacks the agent name or registration token', false, 1);
    return { ok: true, value: { name, token } };
  }

  setContactPolicy(projectKey: string, agent: AgentIdentity, policy: 'open' | 'auto' | 'contacts_only' | 'block_all'): Promise<AgentMailResult<unknown>> {
    return this.call('set_contact_policy', { project_key: projectKey, agent_name: agent.name, policy, registration_token: agent.token });
  }

  async reservePaths(
    projectKey: string,
    agent: AgentIdentity,
    paths: string[],
    options: { reason: string; ttlSeconds?: number; exclusive?: boolean },
  ): Promise<AgentMailResult<{ granted: ReservationGrant[]; conflicts: ReservationConflict[] }>> {
    const result = await this.call<{ granted?: ReservationGrant[]; conflicts?: ReservationConflict[] }>('file_reservation_paths', {
      project_key: projectKey,
      agent_name: agent.name,
      registration_token: agent.token,
      paths,
      ttl_seconds: options.ttlSeconds ?? 3600,
      exclusive: options.exclusive ?? true,
      reason: options.reason,
    });
    if (!result.ok) return result;
    return { ok: true, value: { granted: result.value.granted ?? [], conflicts: result.value.conflicts ?? [] } };
  }

  renewReservations(projectKey: string, agent: AgentIdentity, extendSeconds: number): Promise<AgentMailResult<{ renewed: number }>> {
    return this.call('renew_file_reservations', { project_key: projectKey, agent_name: agent.name, registration_token: agent.token, extend_seconds: extendSeconds });
  }

  /** Releases the given patterns (exactly as reserved), or all the agent holds. */
  releaseReservations(projectKey: string, agent: AgentIdentity, paths?: string[]): Promise<AgentMailResult<{ released: number; released_at: string }>> {
    return this.call('release_file_reservations', { project_key: projectKey, agent_name: agent.name, registration_token: agent.token, ...(paths ? { paths } : {}) });
  }

  sendMessage(
    projectKey: string,
    sender: AgentIdentity,
    message: { to: string[]; subject: string; bodyMd: string; threadId: string; importance?: 'low' | 'normal' | 'high' | 'urgent'; ackRequired?: boolean },
  ): Promise<AgentMailResult<{ deliveries: Array<{ payload: { id: number; thread_id: string } }>; count: number }>> {
    return this.call('send_message', {
      project_key: projectKey,
      sender_name: sender.name,
      sender_token: sender.token,
      to: message.to,
      subject: message.subject.slice(0, 200),
      body_md: message.bodyMd,
      thread_id: message.threadId,
      importance: message.importance ?? 'normal',
      ack_required: message.ackRequired ?? false,
      // A blocked message is an error to see, not a silent drop.
      auto_contact_if_blocked: false,
    });
  }

  installPrecommitGuard(projectKey: string, codeRepoPath: string): Promise<AgentMailResult<{ hook: string }>> {
    return this.call('install_precommit_guard', { project_key: projectKey, code_repo_path: codeRepoPath });
  }
}

function fail(kind: AgentMailFailureKind, tool: string, message: string, retryable: boolean, attempts: number): { ok: false; failure: AgentMailFailure } {
  return { ok: false, failure: { kind, tool, message, retryable, attempts } };
}

function statusKind(status: number): AgentMailFailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'rate-limited';
  return 'http';
}

function detail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { detail?: unknown; error?: { message?: unknown } };
    const message = parsed.detail ?? parsed.error?.message;
    return typeof message === 'string' && message ? `: ${message}` : '';
  } catch {
    return text ? `: ${text.slice(0, 200)}` : '';
  }
}

function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  return error instanceof Error ? error.message : String(error);
}

/** One line for the log or `doctor`: what failed and how to fix it. */
export function describeFailure(failure: AgentMailFailure): { message: string; hint: string } {
  const message = `agent mail ${failure.tool} failed${failure.attempts > 1 ? ` after ${failure.attempts} tries` : ''}: ${failure.message}`;
  switch (failure.kind) {
    case 'unreachable':
      return { message, hint: 'Start the mcp_agent_mail server, or fix agentMail.url in .xplan/config.yaml.' };
    case 'unauthorized':
      return { message, hint: "Set agentMail.token in .xplan/config.yaml to the server's HTTP_BEARER_TOKEN." };
    case 'forbidden':
      return { message, hint: 'The token only allows reading; use a token with write access, or run the server on this machine.' };
    case 'rate-limited':
      return { message, hint: "Lower run.concurrency, or raise the server's rate limit." };
    default:
      return { message, hint: 'Check the mcp_agent_mail server log; the run goes on with native reservations.' };
  }
}
