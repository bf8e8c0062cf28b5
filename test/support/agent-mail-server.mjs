/**
 * A stand-in for an mcp_agent_mail server on loopback, built from the protocol notes (research/agent-mail.md), so
 * xplan's client is tested against the protocol rather than against itself. It keeps its own state and records
 * every call.
 *
 *   POST /api/ (also /api, /mcp, /mcp/)  JSON-RPC 2.0 `tools/call`; needs `Accept: application/json, text/event-stream`
 *   GET  /health/liveness                {"status":"alive"}
 *
 * Faithful to the notes: results in `result.structuredContent` (lists as {result:[…]}) and as JSON text in
 * `result.content[0].text` when `format: "json"`; tool errors as HTTP 200 with isError and
 * "Error calling tool 'X': <message>"; a bearer token (401 without it); per-agent registration and sender tokens;
 * names outside `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` or without `-`, `_` or `.` replaced by an AdjectiveNoun;
 * a default contact policy that blocks strangers (an error with auto_contact_if_blocked:false, a silent drop
 * otherwise); reservation conflicts granted AND listed; release by exact pattern, by id, or all.
 *
 * Options: { token, guardEnabled, substituteNames }. Test controls: failNext(tool, failure, times), calls,
 * messages, reservations(), close().
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const ADJECTIVES = ['Green', 'Blue', 'Quiet', 'Amber', 'Swift', 'Silver'];
const NOUNS = ['Castle', 'River', 'Falcon', 'Harbor', 'Meadow', 'Lantern'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function startAgentMailServer(options = {}) {
  const calls = [];
  const messages = [];
  const projects = new Map(); // human_key -> project
  const agents = new Map(); // `${projectId}:${name}` -> agent
  const reservations = [];
  const failures = new Map(); // tool -> [{ failure, times }]
  let nextId = 1;
  let clock = Date.parse('2026-04-01T00:00:00Z');
  const now = () => new Date((clock += 1000)).toISOString();

  class ToolError extends Error {}

  const project = (key) => {
    const p = projects.get(key) ?? [...projects.values()].find((x) => x.slug === key);
    if (!p) throw new ToolError(`Project '${key}' not found. Call ensure_project first.`);
    return p;
  };
  const agentOf = (p, name, token, tokenField = 'registration_token') => {
    const a = agents.get(`${p.id}:${name}`);
    if (!a) throw new ToolError(`Agent '${name}' not found in project '${p.human_key}'.`);
    if (token !== a.registration_token) throw new ToolError(`Invalid ${tokenField} for agent '${name}'.`);
    return a;
  };
  const active = (r) => !r.released_ts && Date.parse(r.expires_ts) > clock;
  const globRe = (glob) => new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*\/?/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*')}$`);
  const overlaps = (a, b) => a === b || globRe(a).test(b) || globRe(b).test(a);

  const tools = {
    ensure_project({ human_key }) {
      if (typeof human_key !== 'string' || !human_key.startsWith('/')) throw new ToolError('human_key must be an absolute path.');
      let p = projects.get(human_key);
      if (!p) {
        p = { id: nextId++, slug: human_key.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''), human_key, created_at: now() };
        projects.set(human_key, p);
      }
      return { ...p };
    },
    register_agent({ project_key, program, model, name, task_description = '' }) {
      const p = project(project_key);
      const usable = typeof name === 'string' && NAME.test(name) && /[-_.]/.test(name) && !options.substituteNames;
      const chosen = usable ? name : `${ADJECTIVES[nextId % ADJECTIVES.length]}${NOUNS[(nextId * 7) % NOUNS.length]}`;
      const key = `${p.id}:${chosen}`;
      const existing = agents.get(key);
      const agent = {
        id: existing?.id ?? nextId++,
        name: chosen,
        program,
        model,
        task_description,
        project_id: p.id,
        inception_ts: existing?.inception_ts ?? now(),
        last_active_ts: now(),
        contact_policy: existing?.contact_policy ?? 'auto',
        registration_token: existing?.registration_token ?? randomBytes(12).toString('hex'),
      };
      agents.set(key, agent);
      const { contact_policy: _policy, ...shown } = agent;
      return shown;
    },
    set_contact_policy({ project_key, agent_name, policy, registration_token }) {
      const p = project(project_key);
      const a = agentOf(p, agent_name, registration_token);
      if (!['open', 'auto', 'contacts_only', 'block_all'].includes(policy)) throw new ToolError(`Invalid policy '${policy}'.`);
      a.contact_policy = policy;
      return { agent: a.name, policy };
    },
    send_message({ project_key, sender_name, sender_token, to, subject, body_md, thread_id, importance = 'normal', ack_required = false, auto_contact_if_blocked = true }) {
      const p = project(project_key);
      const sender = agentOf(p, sender_name, sender_token, 'sender_token');
      if (!Array.isArray(to) || to.length === 0) throw new ToolError('to must name at least one recipient.');
      const recipients = to.map((name) => {
        const r = agents.get(`${p.id}:${name}`);
        if (!r) throw new ToolError(`Recipient '${name}' not found in project '${p.human_key}'.`);
        return r;
      });
      const blocked = recipients.filter((r) => r.contact_policy !== 'open' && r.name !== sender.name);
      if (blocked.length > 0) {
        if (!auto_contact_if_blocked) throw new ToolError(`CONTACT_REQUIRED: ${blocked.map((r) => r.name).join(', ')} do not accept messages from ${sender.name} without contact approval.`);
        return { deliveries: [], count: 0 }; // the silent drop the notes warn about
      }
      const id = nextId++;
      const payload = {
        id,
        thread_id: thread_id ?? String(id),
        subject: String(subject).slice(0, 200),
        body_md,
        from: sender.name,
        to: recipients.map((r) => r.name),
        importance,
        ack_required: Boolean(ack_required),
        created_ts: now(),
      };
      messages.push({ ...payload, acked_by: [] });
      return { deliveries: [{ project: p.slug, payload }], count: 1 };
    },
    fetch_inbox({ project_key, agent_name, registration_token, limit = 20 }) {
      const p = project(project_key);
      agentOf(p, agent_name, registration_token);
      return messages.filter((m) => m.to.includes(agent_name)).reverse().slice(0, limit);
    },
    acknowledge_message({ project_key, agent_name, registration_token, message_id }) {
      const p = project(project_key);
      agentOf(p, agent_name, registration_token);
      const m = messages.find((x) => x.id === message_id);
      if (!m) throw new ToolError(`Message ${message_id} not found.`);
      m.acked_by.push(agent_name);
      return { message_id, acknowledged: true, acknowledged_at: now() };
    },
    file_reservation_paths({ project_key, agent_name, registration_token, paths, ttl_seconds = 3600, exclusive = true, reason = '' }) {
      const p = project(project_key);
      const a = agentOf(p, agent_name, registration_token);
      if (!Array.isArray(paths) || paths.length === 0) throw new ToolError('paths must be a non-empty list.');
      const granted = [];
      const conflicts = [];
      for (const path of paths) {
        const holders = reservations.filter((r) => r.project_id === p.id && active(r) && r.agent !== a.name && (r.exclusive || exclusive) && overlaps(r.path_pattern, path));
        if (holders.length > 0) conflicts.push({ path, holders: holders.map((h) => ({ agent: h.agent, path_pattern: h.path_pattern, exclusive: h.exclusive, expires_ts: h.expires_ts })) });
        const r = { id: nextId++, project_id: p.id, agent: a.name, path_pattern: path, exclusive: Boolean(exclusive), reason, created_ts: now(), expires_ts: new Date(clock + ttl_seconds * 1000).toISOString() };
        reservations.push(r);
        granted.push({ id: r.id, path_pattern: r.path_pattern, exclusive: r.exclusive, reason: r.reason, expires_ts: r.expires_ts });
      }
      return { granted, conflicts };
    },
    renew_file_reservations({ project_key, agent_name, registration_token, extend_seconds = 1800, paths, file_reservation_ids }) {
      const p = project(project_key);
      const a = agentOf(p, agent_name, registration_token);
      const mine = reservations.filter((r) => r.project_id === p.id && r.agent === a.name && active(r) && (!paths || paths.includes(r.path_pattern)) && (!file_reservation_ids || file_reservation_ids.includes(r.id)));
      const renewed = mine.map((r) => {
        const old = r.expires_ts;
        r.expires_ts = new Date(Math.max(Date.parse(r.expires_ts), clock) + extend_seconds * 1000).toISOString();
        return { id: r.id, path_pattern: r.path_pattern, old_expires_ts: old, new_expires_ts: r.expires_ts };
      });
      return { renewed: renewed.length, file_reservations: renewed };
    },
    release_file_reservations({ project_key, agent_name, registration_token, paths, file_reservation_ids }) {
      const p = project(project_key);
      const a = agentOf(p, agent_name, registration_token);
      const at = now();
      let released = 0;
      for (const r of reservations) {
        if (r.project_id !== p.id || r.agent !== a.name || r.released_ts) continue;
        if (paths && !paths.includes(r.path_pattern)) continue; // exact patterns only
        if (file_reservation_ids && !file_reservation_ids.includes(r.id)) continue;
        r.released_ts = at;
        released++;
      }
      return { released, released_at: at };
    },
    install_precommit_guard({ project_key, code_repo_path }) {
      project(project_key);
      if (!options.guardEnabled) throw new ToolError('Pre-commit guard is disabled: the server runs without WORKTREES_ENABLED=1.');
      return { hook: `${code_repo_path}/.git/hooks/pre-commit` };
    },
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/health/liveness') return json(res, 200, { status: 'alive' });
    if (!['/api/', '/api', '/mcp', '/mcp/'].includes(url.pathname)) return json(res, 404, { detail: 'Not Found' });
    if (req.method !== 'POST') return json(res, 405, { detail: 'Method Not Allowed' });
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return json(res, 401, { detail: 'Unauthorized' });
    const accept = String(req.headers.accept ?? '');
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return json(res, 406, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Not Acceptable: Client must accept both application/json and text/event-stream' } });
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let request;
      try {
        request = JSON.parse(body);
      } catch {
        return json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      }
      if (request.method !== 'tools/call') return json(res, 200, { jsonrpc: '2.0', id: request.id, error: { code: -32601, message: `Method not found: ${request.method}` } });
      const name = request.params?.name;
      const args = request.params?.arguments ?? {};
      const call = { tool: name, args, authorization: req.headers.authorization };
      calls.push(call);
      const queued = failures.get(name);
      if (queued && queued.length > 0) {
        const next = queued[0];
        if (--next.times <= 0) queued.shift();
        call.injected = next.failure;
        if (next.failure.http) return json(res, next.failure.http, { detail: next.failure.text ?? 'injected' });
        if (next.failure.drop) return req.socket.destroy();
        return json(res, 200, toolError(request.id, name, next.failure.text));
      }
      const tool = tools[name];
      if (!tool) return json(res, 200, toolError(request.id, name, `Unknown tool: ${name}`));
      try {
        const value = tool(args);
        call.result = value;
        const structured = Array.isArray(value) ? { result: value } : value;
        const text = args.format === 'json' ? JSON.stringify(structured) : toon(structured);
        return json(res, 200, { jsonrpc: '2.0', id: request.id, result: { content: [{ type: 'text', text }], structuredContent: structured, isError: false } });
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        call.error = error.message;
        return json(res, 200, toolError(request.id, name, error.message));
      }
    });
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/api/`,
    port,
    calls,
    messages,
    reservations: () => reservations.filter(active).map((r) => ({ ...r })),
    /** The next `times` calls of `tool` fail: { text } as a tool error, { http, text? } as an HTTP status, { drop } closes the socket. */
    failNext(tool, failure, times = 1) {
      const list = failures.get(tool) ?? [];
      list.push({ failure, times });
      failures.set(tool, list);
    },
    /** Moves the server's clock on, so leases expire. */
    advance(seconds) {
      clock += seconds * 1000;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function toolError(id, tool, message) {
  return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `Error calling tool '${tool}': ${message}` }], isError: true } };
}

/** What comes back without format=json: not JSON, so a client that forgot it notices. */
function toon(value) {
  return Object.entries(value)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? '[…]' : v}`)
    .join('\n');
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

// `node test/support/agent-mail-server.mjs [port]` runs it by hand.
if (import.meta.url === `file://${process.argv[1]}`) {
  const started = await startAgentMailServer({ port: Number(process.argv[2] ?? 8765), token: process.env.HTTP_BEARER_TOKEN, guardEnabled: process.env.WORKTREES_ENABLED === '1' });
  process.stdout.write(`agent-mail test server on ${started.url}\n`);
}
