/**
 * The AgentDirs port on `.xplan/runs/<run>/agent-<n>/`: the prompt, the launch spec its supervisor reads
 * (agent.json, with Claude Code's arguments), and the records the agent leaves (pid.json, transcript.jsonl,
 * exit.json, verify logs).
 */
import { existsSync, watch } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentExit } from '../../core/run/agent-result.js';
import type { Config } from '../../core/config.js';
import type { AgentDirs, AgentLaunch } from '../../run/ports.js';
import { readJsonIfPresent, writeJsonAtomic } from './atomic-file.js';
import { claudeArgs } from '../tools/claude-code.js';
import { AGENT_FILES, type RunFiles } from './run-files.js';

const RESUME_PROMPT = 'resume.md';
const INTEGRATION_LOG = 'integration-verify.log';

export function fileAgentDirs(files: RunFiles, runId: string, claude: Config['claude']): AgentDirs {
  const path = (agent: number) => files.agentDir(runId, agent);
  const file = (agent: number, name: string) => join(path(agent), name);
  return {
    path,
    worktree: (agent) => files.worktree(runId, agent),
    taken: (agent) => existsSync(path(agent)) || existsSync(files.worktree(runId, agent)),
    exists: (p) => existsSync(p),
    create: async (agent) => {
      await mkdir(path(agent), { recursive: true });
    },
    writePrompt: (agent, prompt) => writeFile(file(agent, AGENT_FILES.prompt), prompt, { mode: 0o600 }),
    writeResumePrompt: (agent, prompt) => writeFile(file(agent, RESUME_PROMPT), prompt),
    writeLaunch: (agent, launch: AgentLaunch) =>
      writeJsonAtomic(file(agent, AGENT_FILES.spec), {
        command: claude.command,
        args: claudeArgs(claude, { sessionId: launch.sessionId, verify: launch.verify, resume: launch.resume }),
        cwd: launch.cwd,
        stdin: launch.resume ? RESUME_PROMPT : AGENT_FILES.prompt,
      }),
    launched: (agent) => existsSync(file(agent, AGENT_FILES.spec)),
    archiveProcess: async (agent, n) => {
      for (const name of [AGENT_FILES.exit, AGENT_FILES.pid]) {
        if (existsSync(file(agent, name))) await rename(file(agent, name), file(agent, `${name}.${n}`));
      }
    },
    exit: (agent) => readJsonIfPresent<AgentExit>(file(agent, AGENT_FILES.exit)),
    hasExit: (agent) => existsSync(file(agent, AGENT_FILES.exit)),
    transcriptSize: (agent) =>
      stat(file(agent, AGENT_FILES.transcript)).then(
        (s) => s.size,
        () => 0,
      ),
    sessionStarted: async (agent) => (await readFile(file(agent, AGENT_FILES.transcript), 'utf8').catch(() => '')).includes('"subtype":"init"'),
    watch: (agent, onExit) => {
      try {
        const watcher = watch(path(agent), (_event, name) => {
          if (name === AGENT_FILES.exit) onExit();
        });
        watcher.on('error', () => {}); // polling still finds the end
        return watcher;
      } catch {
        return undefined;
      }
    },
    verifyLogPath: (agent) => file(agent, AGENT_FILES.verify),
    writeVerifyLog: (agent, output) => writeFile(file(agent, AGENT_FILES.verify), output),
    writeIntegrationLog: async (agent, output) => {
      await writeFile(file(agent, INTEGRATION_LOG), output);
      return file(agent, INTEGRATION_LOG);
    },
  };
}
