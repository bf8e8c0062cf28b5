/** The agent mail client against the loopback server that follows the protocol notes. */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentMailClient, describeFailure, type AgentIdentity } from '../../src/adapters/tools/agent-mail.js';
import { startAgentMailServer } from '../support/agent-mail-server.mjs';

interface Double {
  url: string;
  port: number;
  calls: Array<{ tool: string; args: Record<string, unknown>; authorization?: string; injected?: unknown; error?: string }>;
  messages: Array<{ id: number; thread_id: string; subject: string; from: string; to: string[]; importance: string; ack_required: boolean }>;
  reservations: () => Array<{ agent: string; path_pattern: string; reason: string }>;
  failNext: (tool: string, failure: { text?: string; http?: number; drop?: boolean }, times?: number) => void;
  close: () => Promise<void>;
}

const servers: Double[] = [];
async function start(options: Record<string, unknown> = {}): Promise<Double> {
  const server = (await startAgentMailServer(options)) as Double;
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const noWait = { sleep: async () => {}, backoffMs: 1 };
const ROOT = '/work/repo';

async function registered(client: AgentMailClient, name: string): Promise<AgentIdentity> {
  const result = await client.registerAgent({ projectKey: ROOT, name, program: 'xplan', model: 'claude', taskDescription: 'T1 Do it' });
  if (!result.ok) throw new Error(result.failure.message);
  return result.value;
}

describe('AgentMailClient', () => {
  it('registers, reserves, renews, releases and posts in a thread, sending format=json and the bearer token', async () => {
    const server = await start({ token: 's3cret' });
    const client = new AgentMailClient({ url: server.url, token: 's3cret', ...noWait });
    const project = await client.ensureProject(ROOT);
    expect(project).toMatchObject({ ok: true, value: { slug: 'work-repo', human_key: ROOT } });

    const lead = await registered(client, 'xp-20260101-000000-0');
    const agent = await registered(client, 'xp-20260101-000000-1');
    expect(agent.name).toBe('xp-20260101-000000-1');
    expect((await client.setContactPolicy(ROOT, agent, 'open')).ok).toBe(true);

    const reserved = await client.reservePaths(ROOT, agent, ['src/shared.ts', 'src/api/**'], { reason: 'bd-12' });
    expect(reserved).toMatchObject({ ok: true, value: { conflicts: [], granted: [{ path_pattern: 'src/shared.ts', exclusive: true, reason: 'bd-12' }, { path_pattern: 'src/api/**' }] } });
    expect(await client.renewReservations(ROOT, agent, 1800)).toMatchObject({ ok: true, value: { renewed: 2 } });

    const sent = await client.sendMessage(ROOT, lead, { to: [agent.name], subject: '[bd-12] T1 started', bodyMd: 'go', threadId: 'bd-12', ackRequired: true });
    expect(sent).toMatchObject({ ok: true, value: { count: 1 } });
    expect(server.messages).toMatchObject([{ thread_id: 'bd-12', subject: '[bd-12] T1 started', from: lead.name, to: [agent.name], ack_required: true }]);

    expect(await client.releaseReservations(ROOT, agent)).toMatchObject({ ok: true, value: { released: 2 } });
    expect(server.reservations()).toEqual([]);
    expect(server.calls.map((c) => c.tool)).toEqual([
      'ensure_project',
      'register_agent',
      'register_agent',
      'set_contact_policy',
      'file_reservation_paths',
      'renew_file_reservations',
      'send_message',
      'release_file_reservations',
    ]);
    expect(server.calls.every((c) => c.args.format === 'json' && c.authorization === 'Bearer s3cret')).toBe(true);
  });

  it('reads back the name the server gave when it did not take the one asked for', async () => {
    const server = await start({ substituteNames: true });
    const client = new AgentMailClient({ url: server.url, ...noWait });
    await client.ensureProject(ROOT);
    const agent = await registered(client, 'xp-20260101-000000-1');
    expect(agent.name).not.toBe('xp-20260101-000000-1');
    expect(agent.name).toMatch(/^[A-Z][a-z]+[A-Z][a-z]+$/);
    // Later calls work with the substituted name and its token.
    expect((await client.reservePaths(ROOT, agent, ['a.ts'], { reason: 'T1' })).ok).toBe(true);
  });

  it('reports conflicts that the server granted anyway', async () => {
    const server = await start();
    const client = new AgentMailClient({ url: server.url, ...noWait });
    await client.ensureProject(ROOT);
    const first = await registered(client, 'xp-r-1');
    const second = await registered(client, 'xp-r-2');
    await client.reservePaths(ROOT, first, ['src/shared.ts'], { reason: 'bd-1' });
    const clash = await client.reservePaths(ROOT, second, ['src/*.ts', 'docs/x.md'], { reason: 'bd-2' });
    expect(clash.ok && clash.value.granted.map((g) => g.path_pattern)).toEqual(['src/*.ts', 'docs/x.md']);
    expect(clash.ok && clash.value.conflicts).toEqual([{ path: 'src/*.ts', holders: [expect.objectContaining({ agent: 'xp-r-1', path_pattern: 'src/shared.ts', exclusive: true })] }]);
  });

  it('retries retryable failures with backoff and then succeeds', async () => {
    const server = await start();
    const waits: number[] = [];
    const client = new AgentMailClient({ url: server.url, attempts: 4, backoffMs: 10, sleep: async (ms) => void waits.push(ms) });
    server.failNext('ensure_project', { text: 'GIT_INDEX_LOCK: .git/index.lock is held' });
    server.failNext('ensure_project', { http: 429, text: 'Too Many Requests' });
    server.failNext('ensure_project', { drop: true });
    expect((await client.ensureProject(ROOT)).ok).toBe(true);
    expect(waits).toEqual([10, 20, 40]);
    expect(server.calls.filter((c) => c.tool === 'ensure_project')).toHaveLength(4);
  });

  it('gives up on a retryable failure after the allowed tries, with a typed failure', async () => {
    const server = await start();
    const client = new AgentMailClient({ url: server.url, attempts: 2, ...noWait });
    server.failNext('ensure_project', { text: 'DATABASE_POOL_EXHAUSTED: pool busy' }, 5);
    const result = await client.ensureProject(ROOT);
    expect(result).toEqual({ ok: false, failure: { kind: 'tool', tool: 'ensure_project', message: 'DATABASE_POOL_EXHAUSTED: pool busy', retryable: true, attempts: 2 } });
  });

  it('does not retry a tool error that is not retryable', async () => {
    const server = await start();
    const client = new AgentMailClient({ url: server.url, ...noWait });
    const result = await client.reservePaths(ROOT, { name: 'xp-r-1', token: 'x' }, ['a.ts'], { reason: 'T1' });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'tool', retryable: false, attempts: 1, message: expect.stringContaining('not found') } });
    expect(server.calls).toHaveLength(1);
  });

  it('turns a wrong token, a refused message and a missing guard setting into typed failures', async () => {
    const server = await start({ token: 'right' });
    const wrong = new AgentMailClient({ url: server.url, token: 'wrong', ...noWait });
    const unauthorized = await wrong.ensureProject(ROOT);
    expect(unauthorized).toMatchObject({ ok: false, failure: { kind: 'unauthorized', retryable: false } });
    expect(!unauthorized.ok && describeFailure(unauthorized.failure).hint).toContain('agentMail.token');

    const client = new AgentMailClient({ url: server.url, token: 'right', ...noWait });
    await client.ensureProject(ROOT);
    const lead = await registered(client, 'xp-r-0');
    const agent = await registered(client, 'xp-r-1');
    // The default policy refuses a stranger's first message; the client asks for an error, not a silent drop.
    const blocked = await client.sendMessage(ROOT, lead, { to: [agent.name], subject: 's', bodyMd: 'b', threadId: 't' });
    expect(blocked).toMatchObject({ ok: false, failure: { kind: 'tool', message: expect.stringContaining('CONTACT_REQUIRED') } });
    expect(await client.installPrecommitGuard(ROOT, '/work/repo')).toMatchObject({ ok: false, failure: { kind: 'tool', message: expect.stringContaining('WORKTREES_ENABLED') } });
  });

  it('says the server is down, after retrying, when nothing listens', async () => {
    const server = await start();
    const url = server.url;
    await server.close();
    const client = new AgentMailClient({ url, attempts: 2, ...noWait });
    const result = await client.ensureProject(ROOT);
    expect(result).toMatchObject({ ok: false, failure: { kind: 'unreachable', tool: 'ensure_project', retryable: true, attempts: 2, message: expect.stringContaining('ECONNREFUSED') } });
    expect(await client.liveness()).toMatchObject({ ok: false, failure: { kind: 'unreachable' } });
  });

  it('checks liveness', async () => {
    const server = await start({ token: 't' });
    expect(await new AgentMailClient({ url: server.url, token: 't' }).liveness()).toEqual({ ok: true, value: { status: 'alive' } });
    const elsewhere = new AgentMailClient({ url: `http://127.0.0.1:${server.port}/nothing-here/` });
    expect((await elsewhere.ensureProject(ROOT)).ok).toBe(false);
  });
});
