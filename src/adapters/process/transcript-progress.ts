/**
 * What each running agent has done so far, read from its transcript as it grows: the last tool it called and the
 * tokens of its turns. Each poll reads only the bytes added since the last one.
 */
import { openXplanFile } from '../store/xplan-dir.js';
import { lastToolCall, type ToolCall } from '../../core/run/agent-activity.js';

export interface TranscriptProgress {
  tool: ToolCall | undefined;
  tokens: number;
}

export class TranscriptFollower {
  private offset = 0;
  private partial = '';
  private readonly progress: TranscriptProgress = { tool: undefined, tokens: 0 };

  constructor(private readonly path: string) {}

  async poll(): Promise<TranscriptProgress> {
    let handle;
    try {
      handle = await openXplanFile(this.path);
    } catch {
      return this.progress; // not a file xplan can read: nothing to show
    }
    if (!handle) return this.progress; // not written yet
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return this.progress;
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const text = this.partial + buffer.toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.partial = text.slice(cut + 1);
      const complete = text.slice(0, cut + 1);
      this.progress.tool = lastToolCall(complete, { complete: true }) ?? this.progress.tool;
      for (const match of complete.matchAll(/"(?:input|output)_tokens":(\d+)/g)) this.progress.tokens += Number(match[1]);
      return this.progress;
    } finally {
      await handle.close();
    }
  }
}
