/** What a command hands the CLI to show: its result and how it ended, and what it prints as it goes. */
import type { Command } from 'commander';
import type { Theme } from '../ui/theme.js';
import type { ReporterName } from './reporters.js';

export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** What the command produced, for main.ts to print and to turn into an exit code. */
  outcome?: Outcome & { reporter: ReporterName };
  /** The theme for stdout. */
  stdoutTheme: () => Promise<Theme>;
}

/** The flags every command shares, as commander parsed them. */
export interface GlobalFlags {
  color: boolean;
  pager: boolean;
  debug?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** What a command's action receives from the command line. */
export interface ActionInput<Args extends unknown[] = any[], Opts = any> {
  /** The positional arguments, in order. */
  args: Args;
  /** The options as commander parsed them: flags not given are absent. */
  opts: Opts;
  global: GlobalFlags;
  /** The whole program, for the commands that describe it (help, completion). */
  program: Command;
}

/** One piece of a command's stream: a line for good, a frame that replaces the last, or a note on stderr. */
export type LiveItem = { line: unknown } | { frame: unknown } | { note: string };

export interface Ending {
  /** The result, shown by the command's reporter; none when the stream said it all. */
  result?: unknown;
  /** The command ran, but the outcome is negative (exit code 1). */
  negative?: boolean;
  /** The user interrupted it (Ctrl-C). */
  cancelled?: boolean;
  /** SIGTERM stopped it. */
  terminated?: boolean;
}

export interface Outcome extends Ending {
  /** Which reporter shows it; by default the one the command table names. */
  reporter?: ReporterName;
  /** Printed as it comes, before the result. */
  live?: AsyncIterable<LiveItem>;
  /** How the command ended, once its stream is over. */
  settle?: () => Promise<Ending>;
}

/** A stream that is fed from callbacks (run events, a server's link) and read with for await. */
export class PushStream<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) yield this.items.shift()!;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
