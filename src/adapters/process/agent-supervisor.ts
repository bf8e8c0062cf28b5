/**
 * `xplan __agent <dir>`: the small detached process that owns one agent. It starts Claude Code with the prompt on
 * stdin (through a pipe; the prompt file is deleted once claude has it), copies its stream to transcript.jsonl line by line, and writes exit.json when it ends. The orchestrator
 * only watches these files, so an agent and its output outlive an orchestrator that crashes or is stopped.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, openSync, closeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AgentExit, ResultEvent } from '../../core/run/agent-result.js';
import type { AgentPids } from '../../run/ports.js';
import { redactJsonLine, redactSecrets } from '../../core/secrets.js';
import { readJsonIfPresent, writeJsonAtomic } from '../store/atomic-file.js';
import { AGENT_FILES, readTail } from '../store/run-files.js';

/** agent.json: what the supervisor runs. */
export interface AgentSpec {
  command: string;
  args: string[];
  cwd: string;
  /** The file given on stdin; prompt.md unless the agent continues an interrupted session. */
  stdin?: string;
}

export async function superviseAgent(dir: string): Promise<number> {
  const spec = await readJsonIfPresent<AgentSpec>(join(dir, AGENT_FILES.spec));
  if (!spec) throw new Error(`${join(dir, AGENT_FILES.spec)} is missing`);
  const startedAt = new Date().toISOString();
  // One supervisor per agent: if a restarted orchestrator starts a second one for the same agent, it leaves.
  try {
    await writeFile(join(dir, AGENT_FILES.pid), JSON.stringify({ supervisor: process.pid, agent: undefined, startedAt }), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 0;
    throw error;
  }
  // Stopping an agent signals its whole process group; the supervisor outlives the agent to record how it ended.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});

  // The prompt can quote the spec's secrets (`secrets: warn`): it reaches claude through a pipe, and its file is
  // deleted once claude has it, so it does not stay on disk for the length of the run.
  const promptFile = join(dir, spec.stdin ?? AGENT_FILES.prompt);
  const prompt = await readFile(promptFile);
  const stderr = openSync(join(dir, AGENT_FILES.stderr), 'a');
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  // claude may end without reading all of it (not logged in, a bad flag): that is its exit to report, not ours.
  child.stdin!.on('error', () => {});
  const handedOver = new Promise<void>((resolve) => {
    child.stdin!.end(prompt, () => resolve());
    child.once('close', () => resolve());
  }).then(() => rm(promptFile, { force: true }));
  // stderr is redacted too, line by line, before it reaches the disk.
  const stderrDone = child.stderr
    ? (async () => {
        for await (const line of createInterface({ input: child.stderr!, crlfDelay: Infinity })) appendFileSync(stderr, `${redactSecrets(line)}\n`);
      })()
    : Promise.resolve();

  const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (error) => resolve(error));
  });
  await writeJsonAtomic(join(dir, AGENT_FILES.pid), { supervisor: process.pid, agent: child.pid, startedAt } satisfies AgentPids);
  if (spawnError) {
    await rm(promptFile, { force: true });
    closeSync(stderr);
    await writeExit(dir, { exitCode: null, signal: null, spawnError: { code: spawnError.code ?? 'ERROR', message: spawnError.message }, startedAt, endedAt: new Date().toISOString(), lines: 0 });
    return 1;
  }

  const transcript = createWriteStream(join(dir, AGENT_FILES.transcript), { flags: 'a' });
  const seen: Pick<AgentExit, 'result' | 'apiError' | 'rateLimit'> = {};
  let lines = 0;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  for await (const line of createInterface({ input: child.stdout!, crlfDelay: Infinity })) {
    if (line.length === 0) continue;
    lines++;
    note(line, seen);
    if (!transcript.write(`${redactJsonLine(line)}\n`)) await new Promise<void>((resolve) => transcript.once('drain', () => resolve()));
  }
  const { code, signal } = await closed;
  await Promise.all([stderrDone, handedOver]);
  await new Promise<void>((resolve, reject) => transcript.end((error?: Error | null) => (error ? reject(error) : resolve())));
  closeSync(stderr);
  const stderrTail = (await readTail(join(dir, AGENT_FILES.stderr), 2048)) || undefined;
  await writeExit(dir, { exitCode: code, signal, ...seen, stderrTail, startedAt, endedAt: new Date().toISOString(), lines });
  return 0;
}

/** Keeps what classifies the outcome: the result event, the last API error, the last rate-limit notice. */
function note(line: string, seen: Pick<AgentExit, 'result' | 'apiError' | 'rateLimit'>): void {
  // Only the few event kinds that matter are parsed; tool output lines can be megabytes long.
  if (!line.startsWith('{"type":"result"') && !line.startsWith('{"type":"rate_limit_event"') && !(line.startsWith('{"type":"assistant"') && line.includes('"error":"'))) return;
  let event: { type?: string; error?: string; rate_limit_info?: AgentExit['rateLimit'] };
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return;
  }
  if (event.type === 'result') seen.result = event as ResultEvent;
  else if (event.type === 'rate_limit_event') seen.rateLimit = event.rate_limit_info;
  else if (event.type === 'assistant' && typeof event.error === 'string') seen.apiError = event.error;
}

async function writeExit(dir: string, exit: AgentExit): Promise<void> {
  await writeJsonAtomic(join(dir, AGENT_FILES.exit), exit);
}
