/**
 * The one colour decision. chalk does not honour NO_COLOR itself, so the level is decided here from
 * NO_COLOR, FORCE_COLOR, --no-color, --json and whether the stream is a terminal, and handed to renderers.
 */

export interface ColorInputs {
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  noColorFlag: boolean;
  json: boolean;
}

export function colorEnabled({ env, isTTY, noColorFlag, json }: ColorInputs): boolean {
  if (json || noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') {
    // FORCE_COLOR=0 (or false) turns colour off even on a terminal, as Node and chalk read it.
    return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  }
  return isTTY && env.TERM !== 'dumb';
}

export interface Theme {
  enabled: boolean;
  /** The columns a table may take: the terminal's, 80 when the output is piped, unlimited with --wide or none given. */
  columns: number;
  bold: (s: string) => string;
  dim: (s: string) => string;
  ok: (s: string) => string;
  warn: (s: string) => string;
  error: (s: string) => string;
  accent: (s: string) => string;
  /** Colour for a verdict or a level, from good to bad. */
  level: (s: string, severity: 0 | 1 | 2) => string;
}

const same = (s: string) => s;

export const plainTheme: Theme = { enabled: false, columns: Infinity, bold: same, dim: same, ok: same, warn: same, error: same, accent: same, level: same };

/** Piped output is read in 80 columns, the width people and tools expect of text. */
export const PIPED_COLUMNS = 80;

/** The width tables get: `--wide` lifts the limit; a terminal gives its own; piped output gets 80. */
export function outputColumns({ wide, terminalColumns }: { wide: boolean; terminalColumns: number | undefined }): number {
  if (wide) return Infinity;
  return terminalColumns !== undefined && terminalColumns > 0 ? terminalColumns : PIPED_COLUMNS;
}

/** chalk is only loaded when colour is on. */
export async function loadTheme(enabled: boolean, columns: number = Infinity): Promise<Theme> {
  if (!enabled) return { ...plainTheme, columns };
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return {
    enabled,
    columns,
    bold: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    ok: (s) => c.green(s),
    warn: (s) => c.yellow(s),
    error: (s) => c.red(s),
    accent: (s) => c.cyan(s),
    level: (s, severity) => (severity === 0 ? c.green(s) : severity === 1 ? c.yellow(s) : c.red(s)),
  };
}
