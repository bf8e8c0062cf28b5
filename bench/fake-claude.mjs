#!/usr/bin/env node
/**
 * A fast stand-in for `claude -p --output-format stream-json --verbose …`, used only by the run benchmarks
 * (bench/run-bench.mjs); the tests drive the real Claude Code. It reads the prompt from stdin, takes the task id from
 * its first line (`# Task T3: …`), streams stream-json events, commits `<task>.txt` in its working directory and ends
 * with a result event shaped like Claude Code's.
 *
 * Controlled by the environment the orchestrator passes through:
 *   FAKE_AGENT_SLEEP_MS      how long the agent works, counted from its process start (default 0)
 *   FAKE_AGENT_SLEEP_JSON    per-task work times, {"T1": 300, …}; overrides FAKE_AGENT_SLEEP_MS for the tasks it names
 *   FAKE_AGENT_OUTPUT_BYTES  bytes of output to stream, as assistant text events of ~64 KB each (default 0)
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const EVENT_TEXT_BYTES = 64 * 1024;

const args = process.argv.slice(2);
const sessionAt = args.indexOf('--session-id');
const sessionId = sessionAt >= 0 && args[sessionAt + 1] ? args[sessionAt + 1] : randomUUID();

const prompt = await readStdin();
const taskId = /^#\s*Task\s+(\S+?):/m.exec(prompt.split('\n', 1)[0] ?? '')?.[1] ?? /#\s*Task\s+(\S+?):/.exec(prompt)?.[1] ?? 'T0';

const sleepMap = process.env.FAKE_AGENT_SLEEP_JSON ? JSON.parse(process.env.FAKE_AGENT_SLEEP_JSON) : {};
const workMs = Number(sleepMap[taskId] ?? process.env.FAKE_AGENT_SLEEP_MS ?? 0);
const outputBytes = Number(process.env.FAKE_AGENT_OUTPUT_BYTES ?? 0);

await emit({
  type: 'system',
  subtype: 'init',
  cwd: process.cwd(),
  session_id: sessionId,
  tools: ['Read', 'Edit', 'Write', 'Bash'],
  mcp_servers: [],
  model: 'fake-model',
  permissionMode: 'acceptEdits',
  apiKeySource: 'none',
});

// The output, as assistant text events; each line is ~64 KB of JSON.
const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(EVENT_TEXT_BYTES / 27)).slice(0, EVENT_TEXT_BYTES - 300);
let written = 0;
for (let i = 0; written < outputBytes; i++) {
  const line = JSON.stringify({
    type: 'assistant',
    message: { id: `msg_${i}`, type: 'message', role: 'assistant', model: 'fake-model', content: [{ type: 'text', text: filler }], stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } },
    parent_tool_use_id: null,
    session_id: sessionId,
  });
  await writeLine(line);
  written += line.length + 1;
}

// The work: one file, one commit, the way the prompt asks.
const file = `${taskId}.txt`;
writeFileSync(file, `${taskId} done by the fake agent\n`);
execFileSync('git', ['add', file], { stdio: 'ignore' });
execFileSync('git', ['commit', '-q', '-m', `[${taskId}] Add ${file}`], { stdio: 'ignore' });

const left = workMs - performance.now();
if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));

await emit({
  type: 'result',
  subtype: 'success',
  is_error: false,
  num_turns: 1,
  result: 'done',
  session_id: sessionId,
  total_cost_usd: 0,
  usage: { input_tokens: 1, output_tokens: 1 },
});

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function emit(event) {
  return writeLine(JSON.stringify(event));
}

function writeLine(line) {
  return new Promise((resolve) => {
    if (process.stdout.write(`${line}\n`)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
