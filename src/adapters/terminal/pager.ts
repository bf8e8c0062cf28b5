/**
 * Long output on a terminal goes through a pager, as git's does: $XPLAN_PAGER, else $PAGER, else `less` with
 * LESS=FRX (quit if it fits, keep colours, leave the text on screen) when LESS is unset.
 */

export interface PagerQuestion {
  /** Whether stdout is a terminal. */
  isTTY: boolean;
  /** The terminal's height; undefined when it is unknown. */
  rows: number | undefined;
  /** How many lines the text fills. */
  lines: number;
  /** --json, a live stream (status --watch, run) and --no-pager are never paged. */
  json: boolean;
  live: boolean;
  noPager: boolean;
  env: NodeJS.ProcessEnv;
}

export interface Pager {
  command: string;
  env: NodeJS.ProcessEnv;
}

/** The pager to use for this text, or undefined when it is printed directly. */
export function pagerFor(question: PagerQuestion): Pager | undefined {
  const { isTTY, rows, lines, json, live, noPager, env } = question;
  if (!isTTY || json || live || noPager || rows === undefined || rows <= 0 || lines <= rows) return undefined;
  const chosen = env.XPLAN_PAGER ?? env.PAGER ?? 'less';
  const command = chosen.trim();
  if (command === '' || command === 'cat') return undefined;
  return { command, env: env.LESS === undefined ? { ...env, LESS: 'FRX' } : env };
}

/** 126 and 127: the shell found no pager to run (not executable, not found). */
const COULD_NOT_START = new Set([126, 127]);

/**
 * Sends the text through the pager and waits for it to end. Returns false when the pager could not start, so the
 * caller prints the text itself; a reader who quits the pager early is not an error.
 */
export async function pageText(pager: Pager, text: string): Promise<boolean> {
  const { spawn } = await import('node:child_process');
  // The pager reads the keys: Ctrl-C is for it, xplan only waits for it to end.
  const ignoreInterrupt = () => {};
  process.on('SIGINT', ignoreInterrupt);
  try {
    return await new Promise<boolean>((resolve) => {
      const child = spawn(pager.command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: pager.env });
      child.on('error', () => resolve(false));
      child.on('close', (code) => resolve(code === null || !COULD_NOT_START.has(code)));
      child.stdin.on('error', () => {});
      child.stdin.end(text);
    });
  } finally {
    process.off('SIGINT', ignoreInterrupt);
  }
}
