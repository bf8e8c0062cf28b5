/**
 * xplan's own log: structured JSON lines in `.xplan/logs/xplan.log`, rotated by size (xplan.log.1 … .N, the
 * oldest dropped), every line redacted. People get the human side on stderr: warnings and errors by default,
 * errors only with --quiet, everything with --verbose or --debug.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { redactDeep, redactSecrets } from '../../core/secrets.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  /** Rotate once the log would grow past this many bytes. */
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep: number;
  /** The lowest level written to the file. */
  fileLevel: LogLevel;
  /** The lowest level also shown on stderr; undefined shows nothing. */
  stderrLevel?: LogLevel;
  stderr?: (line: string) => void;
}

export class Logger {
  readonly path: string;

  constructor(
    readonly dir: string,
    private readonly options: LoggerOptions,
  ) {
    this.path = join(dir, 'xplan.log');
  }

  debug(message: string, fields: Record<string, unknown> = {}): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields: Record<string, unknown> = {}): void {
    this.write('error', message, fields);
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    const { stderrLevel, stderr } = this.options;
    if (stderrLevel && stderr && RANK[level] >= RANK[stderrLevel]) stderr(redactSecrets(`xplan ${level}: ${message}`));
    if (RANK[level] < RANK[this.options.fileLevel]) return;
    const line = `${JSON.stringify(redactDeep({ at: new Date().toISOString(), level, pid: process.pid, msg: message, ...fields }))}\n`;
    try {
      mkdirSync(this.dir, { recursive: true });
      this.rotateFor(Buffer.byteLength(line));
      appendFileSync(this.path, line);
    } catch {
      // Logging never breaks the command it describes.
    }
  }

  private rotateFor(bytes: number): void {
    const size = existsSync(this.path) ? statSync(this.path).size : 0;
    if (size === 0 || size + bytes <= this.options.maxBytes) return;
    const { keep } = this.options;
    rmSync(`${this.path}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n--) if (existsSync(`${this.path}.${n}`)) renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
    if (keep > 0) renameSync(this.path, `${this.path}.1`);
    else rmSync(this.path, { force: true });
  }
}

/** The log level flags: --debug (or XPLAN_DEBUG) and --verbose log everything; --quiet shows only errors. */
export function levelsFrom(flags: { debug?: boolean; verbose?: boolean; quiet?: boolean }, env: NodeJS.ProcessEnv): Pick<LoggerOptions, 'fileLevel' | 'stderrLevel'> {
  const debug = flags.debug === true || (env.XPLAN_DEBUG !== undefined && env.XPLAN_DEBUG !== '' && env.XPLAN_DEBUG !== '0');
  if (debug) return { fileLevel: 'debug', stderrLevel: 'debug' };
  if (flags.verbose) return { fileLevel: 'debug', stderrLevel: 'info' };
  if (flags.quiet) return { fileLevel: 'info', stderrLevel: 'error' };
  return { fileLevel: 'info', stderrLevel: 'warn' };
}
