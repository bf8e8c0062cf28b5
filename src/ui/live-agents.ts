/**
 * `xplan run` on a terminal: under the event lines, one live line per running agent (task, agent, elapsed time,
 * last tool call, tokens), redrawn in place. Off a terminal nothing of this is drawn.
 */
import { formatDuration } from './time-format.js';
import type { ToolCall } from '../core/run/agent-activity.js';
import { escapeControl } from './terminal-text.js';
import type { Theme } from './theme.js';

export interface LiveAgentLine {
  taskId: string;
  agent: number;
  startedAt: number;
  tool: ToolCall | undefined;
  tokens: number;
}

export function renderLiveAgents(agents: readonly LiveAgentLine[], now: number, theme: Theme, width: number): string[] {
  return agents.map((a) => {
    const seconds = Math.max(0, Math.round((now - a.startedAt) / 1000));
    const elapsed = formatDuration(seconds * 1000);
    const head = `${theme.accent('⠿')} ${a.taskId} agent-${a.agent} ${elapsed.padStart(7)}`;
    const tokens = a.tokens > 0 ? ` · ${a.tokens.toLocaleString('en-US')} tokens` : '';
    const tool = a.tool ? ` · ${escapeControl(`${a.tool.name} ${a.tool.detail}`)}` : ' · starting';
    const line = `${head}${tokens}${tool}`;
    const max = Math.max(20, width - 1);
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  });
}
