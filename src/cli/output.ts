/**
 * The one place that prints a command's outcome: its stream as it comes, then its result, as JSON with --json or as
 * text through the command's reporter. On a terminal a stream's frame is redrawn in place; elsewhere each frame
 * that changed is printed plainly, with no escape codes. A result taller than the terminal goes through the pager.
 */
import { redactDeep, redactSecrets } from '../core/secrets.js';
import { LiveFrame } from '../ui/live-frame.js';
import type { Theme } from '../ui/theme.js';
import type { Ending, LiveItem, Outcome } from './outcome.js';
import { reporters, type Reporter, type ReporterName } from './reporters.js';

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream;
}

export interface PrintOptions {
  json: boolean;
  showSecrets: boolean;
  theme: () => Promise<Theme>;
  streams?: OutputStreams;
  /** --no-pager: long text on a terminal is printed directly, not through the pager. */
  noPager?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function printOutcome(outcome: Outcome & { reporter: ReporterName }, options: PrintOptions): Promise<Ending> {
  const { stdout } = options.streams ?? { stdout: process.stdout };
  const reporter: Reporter = await reporters[outcome.reporter]();
  let ending: Ending = outcome;
  let lastFrame: unknown;
  let inPlace = false;
  if (outcome.live) {
    inPlace = stdout.isTTY === true && !options.json;
    lastFrame = await printStream(outcome.live, reporter, options, inPlace);
    ending = { ...outcome, ...(await outcome.settle?.()) };
  }
  const { result } = ending;
  // Off a terminal every frame stayed printed: the last one is not printed twice.
  if (result === undefined || (!inPlace && outcome.live && result === lastFrame)) return ending;
  if (options.json) {
    if (reporter.json === null) return ending;
    const json = reporter.json ? reporter.json(result) : result;
    stdout.write(`${JSON.stringify(withSchemaVersion(options.showSecrets ? json : redactDeep(json)), null, 2)}\n`);
  } else {
    const text = await reporter.text(result, await options.theme());
    await printText(`${options.showSecrets ? text : redactSecrets(text)}\n`, stdout, { ...options, live: outcome.live !== undefined });
  }
  return ending;
}

/** Prints a result's text, through the pager when it is taller than the terminal; returns once the pager ended. */
async function printText(text: string, stdout: OutputStreams['stdout'], options: PrintOptions & { live: boolean }): Promise<void> {
  const { pagerFor, pageText } = await import('../adapters/terminal/pager.js');
  const pager = pagerFor({
    isTTY: stdout.isTTY === true,
    rows: stdout.rows,
    lines: text.split('\n').length - 1,
    json: options.json,
    live: options.live,
    noPager: options.noPager === true,
    env: options.env ?? process.env,
  });
  if (pager && (await pageText(pager, text))) return;
  stdout.write(text);
}

/** Prints a command's stream; returns its last frame. */
async function printStream(live: AsyncIterable<LiveItem>, reporter: Reporter, options: PrintOptions, inPlace: boolean): Promise<unknown> {
  const { stdout, stderr } = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
  const theme = await options.theme();
  const frame = inPlace ? new LiveFrame(stdout) : undefined;
  let lastFrame: unknown;
  let lastKey: string | undefined;
  try {
    for await (const item of live) {
      if ('note' in item) stderr.write(`${item.note}\n`);
      else if ('line' in item) {
        const text = reporter.line && (options.json ? reporter.line.json(item.line) : reporter.line.text(item.line, theme));
        if (text === undefined) continue;
        if (frame) frame.line(text);
        else stdout.write(`${text}\n`);
      } else if (reporter.frame) {
        lastFrame = item.frame;
        if (frame) {
          frame.draw(reporter.frame.text(item.frame, theme, stdout.columns || 100));
          continue;
        }
        const key = reporter.frame.key?.(item.frame);
        if (key !== undefined && key === lastKey) continue;
        lastKey = key;
        const text = options.json ? reporter.frame.json?.(item.frame) : reporter.frame.text(item.frame, theme, stdout.columns || 100);
        if (text !== undefined) stdout.write(`${text}\n`);
      }
    }
  } finally {
    // On a terminal the frame was a live view: what stays is the result printed after it.
    frame?.clear();
  }
  return lastFrame;
}

const JSON_SCHEMA_VERSION = 1;

/** Every JSON document xplan prints says which version of the contract it follows. */
function withSchemaVersion(json: unknown): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json) || 'schemaVersion' in json) return json;
  return { schemaVersion: JSON_SCHEMA_VERSION, ...json };
}
