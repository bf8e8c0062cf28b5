/**
 * A scripted Anthropic Messages API on loopback, playing the model for the real `claude` binary.
 *
 * The script decides each reply from what the request shows: the xplan task id (from the prompt), the worktree
 * (from "Primary working directory:" in the system prompt), the turn within the conversation, and the attempt
 * (how many conversations for that task have started so far). A reply is one of:
 *   { tool: 'Bash' | 'Write' | …, input: {…} }   a tool call the real Claude Code executes
 *   { text: '…' }                                 a final answer (end_turn)
 *   { status: 429 | 529 | 401 | …, message? }     an API error
 *   { hang: true }                                never answers
 * Any reply can carry `delayMs` to come that much later, and `until: () => boolean` to come only once that holds
 * (checked every 50 ms): a script can hold one agent back until another's work has landed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';

export async function startModelServer(script) {
  const requests = [];
  const attempts = new Map();
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(200).end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = JSON.parse(body || '{}');
      // Housekeeping calls (session titles and the like) carry no tools: a short text answers them.
      if (!Array.isArray(request.tools) || request.tools.length === 0) {
        reply(res, request, { text: 'xplan task' });
        return;
      }
      const context = describe(request);
      if (context.turn === 0) attempts.set(context.taskId, (attempts.get(context.taskId) ?? 0) + 1);
      context.attempt = attempts.get(context.taskId) ?? 1;
      requests.push(context);
      const action = script(context) ?? { text: 'Done.' };
      const answer = () => (action.delayMs ? setTimeout(() => reply(res, request, action), action.delayMs) : reply(res, request, action));
      if (!action.until) return answer();
      const check = setInterval(() => {
        if (!action.until()) return;
        clearInterval(check);
        answer();
      }, 50);
      res.on('close', () => clearInterval(check));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function describe(request) {
  const system = textOf(request.system);
  const messages = request.messages ?? [];
  const prompt = textOf(messages[0]?.content);
  return {
    taskId: /\bTask (T\d+)\b/.exec(prompt)?.[1] ?? 'unknown',
    cwd: /Primary working directory: (.+)/.exec(system)?.[1]?.trim(),
    turn: messages.filter((m) => m.role === 'assistant').length,
    // The tools Claude Code offered the model, by name: what the call was allowed to use.
    tools: (request.tools ?? []).map((tool) => tool.name),
    model: request.model,
    prompt,
    system,
    lastToolResult: lastToolResult(messages),
  };
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

function lastToolResult(messages) {
  // The last user message: Claude Code may add a system message after it (the budget left, with --max-budget-usd).
  const last = messages.filter((m) => m.role === 'user').pop();
  if (!last || !Array.isArray(last.content)) return undefined;
  const result = last.content.find((block) => block.type === 'tool_result');
  if (!result) return undefined;
  return { isError: result.is_error === true, text: typeof result.content === 'string' ? result.content : textOf(result.content) };
}

let counter = 0;

function reply(res, request, action) {
  if (action.hang) return;
  if (action.status) {
    const type = action.status === 429 ? 'rate_limit_error' : action.status === 401 ? 'authentication_error' : action.status === 529 ? 'overloaded_error' : 'api_error';
    res.writeHead(action.status, { 'content-type': 'application/json', ...(action.status === 429 ? { 'retry-after': '0' } : {}), ...(action.headers ?? {}) });
    res.end(JSON.stringify({ type: 'error', error: { type, message: action.message ?? type } }));
    return;
  }
  const id = `msg_${++counter}`;
  const model = request.model ?? 'claude-sonnet-4-5';
  const usage = { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const block = action.tool
    ? { type: 'tool_use', id: `toolu_${counter}`, name: action.tool, input: {} }
    : { type: 'text', text: '' };
  const delta = action.tool
    ? { type: 'input_json_delta', partial_json: JSON.stringify(action.input ?? {}) }
    : { type: 'text_delta', text: action.text };
  const stopReason = action.tool ? 'tool_use' : 'end_turn';
  if (!request.stream) {
    const content = action.tool ? [{ ...block, input: action.input ?? {} }] : [{ type: 'text', text: action.text }];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } });
  send('content_block_start', { index: 0, content_block: block });
  send('content_block_delta', { index: 0, delta });
  send('content_block_stop', { index: 0 });
  send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  send('message_stop', {});
  res.end();
}

/**
 * The usual work of an agent, one step per turn: write a file, stage it, commit it with the task prefix, answer.
 * Each step is a separate command, as the default permissions allow `git add` and `git commit`, not compounds.
 * The next step is read from the worktree itself, so a session continued after an interruption picks up where
 * its work stands.
 */
export function commitSteps(context, { file = `${context.taskId.toLowerCase()}.txt`, content = `work of ${context.taskId}\n` } = {}) {
  const path = `${context.cwd}/${file}`;
  if (!existsSync(path)) return { tool: 'Write', input: { file_path: path, content } };
  const status = spawnSync('git', ['status', '--porcelain', '--', file], { cwd: context.cwd, encoding: 'utf8' }).stdout;
  if (status.startsWith('??') || status.startsWith(' M')) return { tool: 'Bash', input: { command: `git add ${file}`, description: 'Stage the work' } };
  if (status.startsWith('A') || status.startsWith('M')) return { tool: 'Bash', input: { command: `git commit -m "[${context.taskId}] Add ${file}"`, description: 'Commit the work' } };
  return { text: `${context.taskId} is done.` };
}
