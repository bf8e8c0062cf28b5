/**
 * Progress for long steps: an ora spinner on stderr when stderr is a terminal, nothing at all otherwise (pipes, CI,
 * --json, --quiet). ora is loaded only when it will draw.
 */
import { formatDuration } from './time-format.js';
export interface Spinner {
  /** Replaces the text, e.g. with a count: `creating issues 12/46`. */
  update: (text: string) => void;
  succeed: (text?: string) => void;
  fail: (text?: string) => void;
  /** Removes the spinner line, leaving nothing behind. */
  stop: () => void;
}

export interface SpinnerOptions {
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  /** Forced off by the caller: --json, --quiet. */
  silent?: boolean;
}

export const silentSpinner: Spinner = { update: () => {}, succeed: () => {}, fail: () => {}, stop: () => {} };

export function spinnerWanted(options: SpinnerOptions = {}): boolean {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  return !options.silent && stream.isTTY === true && env.CI === undefined && env.TERM !== 'dumb';
}

export async function startSpinner(text: string, options: SpinnerOptions = {}): Promise<Spinner> {
  if (!spinnerWanted(options)) return silentSpinner;
  const { default: ora } = await import('ora');
  // spinnerWanted has decided: ora is not to second-guess it from the process's own environment.
  const spinner = ora({ text, stream: options.stream ?? process.stderr, discardStdin: false, isEnabled: true }).start();
  return {
    update: (next) => {
      spinner.text = next;
      // Drawn now, not at the next frame: a count that moves faster than the frames would otherwise skip its end.
      spinner.render();
    },
    succeed: (done) => void spinner.succeed(done),
    fail: (failed) => void spinner.fail(failed),
    stop: () => void spinner.stop(),
  };
}

/** A progress callback `(done, total, what)` that draws as `label done/total · what`. */
export function countingProgress(spinner: Spinner, label: string): (done: number, total: number, what?: string) => void {
  return (done, total, what) => spinner.update(`${label} ${done}/${total}${what ? ` · ${what}` : ''}`);
}

/** A spinner that also shows the time spent so far, for waits of seconds to minutes; none off a terminal. */
export async function terminalSpinner(options: SpinnerOptions = {}): Promise<Pick<Spinner, 'update' | 'stop'> | undefined> {
  if (!spinnerWanted(options)) return undefined;
  const { default: ora } = await import('ora');
  const spinner = ora({ stream: options.stream ?? process.stderr, discardStdin: false, isEnabled: true });
  const startedAt = Date.now();
  let label = '';
  const render = () => {
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    spinner.text = `${label} (${formatDuration(seconds * 1000)})`;
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    update(text) {
      label = text;
      render();
      if (!timer) {
        spinner.start();
        timer = setInterval(render, 1000);
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      spinner.stop();
    },
  };
}
