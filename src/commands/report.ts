/**
 * `xplan report`: a run as one shareable file, HTML (self-contained) or Markdown, written next to the run's files
 * unless --out says where. The page is rendered by the renderer the CLI hands in.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { refuseOwnFile, writeOutputFile } from '../adapters/store/input-file.js';
import { InputError, notARepositoryError } from '../core/errors.js';
import { buildReportModel, type ReportModel } from '../core/run/run-report.js';
import { loadReportInput } from '../adapters/store/run-history.js';
import { RunFiles } from '../adapters/store/run-files.js';
import type { Workspace } from '../workspace.js';

export type ReportFormat = 'html' | 'md';

export interface ReportOptions {
  run?: string;
  /** A file path, or `-` for the result to carry the text instead. */
  out?: string;
  format: ReportFormat;
  render: (model: ReportModel, format: ReportFormat) => string;
  now?: () => Date;
}

export interface ReportResult {
  schemaVersion: 1;
  format: ReportFormat;
  /** Where the report was written, relative to cwd; null with `--out -`. */
  path: string | null;
  bytes: number;
  /** The report's text, with `--out -`. */
  text: string | null;
  report: ReportModel;
}

export async function report(options: ReportOptions, ws: Workspace): Promise<ReportResult> {
  const { project } = ws;
  if (!project.inGitRepo) throw notARepositoryError('xplan report', 'the repository of the run');
  const input = await loadReportInput(project.xplanDir, options.run, (options.now ?? (() => new Date()))());
  const model = buildReportModel(input);
  const text = options.render(model, options.format);
  if (options.out === '-') return { schemaVersion: 1, format: options.format, path: null, bytes: Buffer.byteLength(text), text, report: model };

  const file = options.out !== undefined ? resolve(ws.cwd, options.out) : join(new RunFiles(project.xplanDir).runDir(model.run.id), `report.${options.format}`);
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new InputError('OUT_IS_A_DIRECTORY', `${options.out} is a directory`, `Name a file, e.g. --out ${join(options.out ?? '.', `run-${model.run.id}.${options.format}`)}.`);
  }
  const shown = relative(ws.cwd, file) || file;
  if (options.out !== undefined) refuseOwnFile(file, project.xplanDir, shown, '--out');
  await writeOutputFile(file, shown, '--out', text);
  return { schemaVersion: 1, format: options.format, path: relative(ws.cwd, file) || file, bytes: Buffer.byteLength(text), text: null, report: model };
}
