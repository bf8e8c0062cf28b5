/** A Claude Code stream-json transcript, made readable: what the agent said, the tools it ran, how it ended. */
import { truncate } from '../core/text.js';
import type { Theme } from './theme.js';
import { escapeControl, terminalSafe } from './terminal-text.js';

interface Block {
  type: string;
  text?: string;
  name?: string;
  input?: Record<string, unknown>;
  content?: unknown;
  is_error?: boolean;
}

interface StreamEvent {
  type?: string;
  subtype?: string;
  message?: { content?: Block[] | string };
  [field: string]: unknown;
}

/**
 * One transcript line as zero or more lines of text; lines that are not JSON are shown as they are. What the agent
 * and its tools wrote is printed with control characters escaped.
 */
export function renderTranscriptLine(line: string, theme: Theme): string | undefined {
  let event: StreamEvent;
  try {
    event = terminalSafe(JSON.parse(line) as StreamEvent);
  } catch {
    return theme.dim(escapeControl(line));
  }
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init') return theme.dim(`── session ${String(event.session_id)} · ${String(event.model)} · ${String(event.permissionMode)} · ${String(event.cwd)}`);
      if (event.subtype === 'api_retry') return theme.warn(`   API retry ${String(event.attempt)}/${String(event.max_retries)}: ${String(event.error_status ?? event.error ?? '')}`);
      return undefined;
    case 'assistant':
      return (
        blocks(event)
          .map((b) => assistantBlock(b, theme))
          .filter(Boolean)
          .join('\n') || undefined
      );
    case 'user':
      return (
        blocks(event)
          .map((b) => toolResult(b, theme))
          .filter(Boolean)
          .join('\n') || undefined
      );
    case 'result': {
      const ok = event.subtype === 'success' && event.is_error !== true;
      const head = ok ? theme.ok('✓ result: success') : theme.error(`✗ result: ${String(event.subtype)}${event.api_error_status ? ` (${String(event.api_error_status)})` : ''}`);
      const cost = typeof event.total_cost_usd === 'number' ? ` · $${event.total_cost_usd.toFixed(2)}` : '';
      return `${head} · ${String(event.num_turns ?? '?')} turns${cost}\n${indent(String(event.result ?? ''))}`;
    }
    default:
      return undefined;
  }
}

function blocks(event: StreamEvent): Block[] {
  const content = event.message?.content;
  return Array.isArray(content) ? content : typeof content === 'string' ? [{ type: 'text', text: content }] : [];
}

function assistantBlock(block: Block, theme: Theme): string | undefined {
  if (block.type === 'text' && block.text?.trim()) return block.text.trim();
  if (block.type === 'tool_use') {
    const input = block.input ?? {};
    const detail = input.command ?? input.file_path ?? input.pattern ?? input.path ?? JSON.stringify(input);
    return theme.accent(`→ ${block.name ?? 'tool'}: ${truncate(String(detail).replace(/\s+/g, ' '), 160)}`);
  }
  return undefined;
}

function toolResult(block: Block, theme: Theme): string | undefined {
  if (block.type !== 'tool_result') return undefined;
  const text = typeof block.content === 'string' ? block.content : Array.isArray(block.content) ? (block.content as Block[]).map((b) => b.text ?? '').join('\n') : '';
  const lines = text.trim().split('\n');
  const shown = lines.slice(0, 6).join('\n') + (lines.length > 6 ? `\n… ${lines.length - 6} more lines` : '');
  return block.is_error ? theme.error(indent(shown)) : theme.dim(indent(shown));
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

/** `xplan logs --raw`: the stream-json line as it is, except for control characters outside JSON strings. */
export function renderRawTranscriptLine(line: string): string {
  return escapeControl(line);
}

/** The line above a transcript: which task, attempt and agent, and where the file is. */
export function renderTranscriptHeader(info: { taskId: string; attempt: number; attempts: number; agent: number; transcript: string }, theme: Theme): string {
  const safe = terminalSafe(info);
  return theme.dim(`${safe.taskId} · attempt ${safe.attempt} of ${safe.attempts} · agent-${safe.agent} · ${safe.transcript}`);
}
