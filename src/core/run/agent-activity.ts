/**
 * What an agent is doing, read from the end of its stream-json transcript: the last tool it called. Pure: the
 * caller reads the tail of `transcript.jsonl` and hands it over.
 */
import { truncate } from '../text.js';

export interface ToolCall {
  name: string;
  /** The command, file or pattern it ran on, shortened. */
  detail: string;
}

interface ToolUseBlock {
  type?: string;
  name?: string;
  input?: Record<string, unknown>;
}

/**
 * The last `tool_use` in a transcript tail. `complete` says whether the text starts at a line boundary; a tail cut
 * from the middle of the file usually does not, so its first line is dropped.
 */
export function lastToolCall(tail: string, options: { complete?: boolean } = {}): ToolCall | undefined {
  const lines = tail.split('\n');
  if (!options.complete) lines.shift();
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes('"tool_use"')) continue;
    let event: { type?: string; message?: { content?: unknown } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      continue; // a line still being written
    }
    if (event.type !== 'assistant' || !Array.isArray(event.message?.content)) continue;
    const blocks = event.message.content as ToolUseBlock[];
    for (let j = blocks.length - 1; j >= 0; j--) {
      const block = blocks[j]!;
      if (block.type === 'tool_use') return { name: block.name ?? 'tool', detail: toolDetail(block.input ?? {}) };
    }
  }
  return undefined;
}

/** The argument that says most about a tool call: a command, a path, a pattern; else its JSON. */
export function toolDetail(input: Record<string, unknown>): string {
  const detail = input.command ?? input.file_path ?? input.pattern ?? input.path ?? input.url ?? input.description ?? JSON.stringify(input);
  return truncate(String(detail).replace(/\s+/g, ' '), 160);
}
