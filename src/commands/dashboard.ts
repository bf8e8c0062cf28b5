/**
 * `xplan dashboard`: a live, read-only page of the current run on 127.0.0.1, with a random token in its link. It
 * follows state.json, events.jsonl and the agents' transcripts, and pushes each change to the open pages. It runs
 * until `signal` aborts (Ctrl-C or SIGTERM).
 */
import { existsSync } from 'node:fs';
import { InputError, notARepositoryError } from '../core/errors.js';
import { buildReportModel, type ReportModel } from '../core/run/run-report.js';
import { startDashboardServer, type Frame } from '../adapters/tools/dashboard-server.js';
import { RunWatcher } from '../adapters/store/run-watch.js';
import type { Workspace } from '../workspace.js';

export interface DashboardRenderer {
  /** The page's changing part, for a run or while none has started. */
  body: (view: { model: ReportModel } | { message: string }) => { title: string; html: string };
  /** The whole page around a body, with the live script. */
  page: (frame: { title: string; html: string }, live: { eventsUrl: string; nonce: string }) => string;
}

export interface DashboardOptions {
  port?: number;
  signal: AbortSignal;
  render: DashboardRenderer;
  /** Called once the page is served, with its link (the CLI prints it). */
  onListening: (url: string) => void;
  onError?: (error: unknown) => void;
  pollMs?: number;
  now?: () => Date;
}

export interface DashboardResult {
  url: string;
  /** Updates pushed to the page while it ran. */
  updates: number;
}

export async function dashboard(options: DashboardOptions, ws: Workspace): Promise<DashboardResult> {
  const { project } = ws;
  if (!project.inGitRepo) throw notARepositoryError('xplan dashboard', 'the repository of the run');
  const now = options.now ?? (() => new Date());
  const watcher = new RunWatcher(project.xplanDir);

  const nextFrame = async (previousKey: string | undefined): Promise<Frame | undefined> => {
    const snapshot = await watcher.snapshot(now());
    if (snapshot.key === previousKey) return undefined;
    const view = snapshot.kind === 'run' ? { model: buildReportModel(snapshot.input) } : { message: snapshot.message };
    const { title, html } = options.render.body(view);
    return { key: snapshot.key, title, body: html };
  };

  if (options.signal.aborted) throw new InputError('CANCELLED', 'Cancelled before the dashboard started');
  const server = await startDashboardServer({
    port: options.port ?? 0,
    nextFrame,
    page: (frame, nonce, eventsPath) => options.render.page({ title: frame.title, html: frame.body }, { eventsUrl: eventsPath, nonce }),
    // .xplan itself may not exist yet: then the poll notices the first run.
    watchDirs: existsSync(project.xplanDir) ? [project.xplanDir] : [],
    pollMs: options.pollMs ?? 1000,
    onError: options.onError,
  });
  options.onListening(server.url);
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return { url: server.url, updates: server.updates() };
}
