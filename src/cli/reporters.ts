/**
 * How each command's result is shown: its text for people and its JSON document, and for commands that print as
 * they go, how each line or frame of their stream looks. Renderers load only when their command has run.
 */
import type { Theme } from '../ui/theme.js';
import type { PlanFormat } from '../ui/render-plan-output.js';
import type { Plan } from '../core/plan/plan.js';
import type { PlanAssessment } from '../core/plan/plan-verdict.js';
import type { StatusResult } from '../core/run/run-status.js';
import type { ControlResult } from '../core/run/run-control.js';
import type { RunResult } from '../core/run/run-result.js';
import type { ExportResult } from '../core/beads/beads-export.js';
import type { RunEvent } from '../core/run/run.js';
import type { LiveAgentLine } from '../ui/live-agents.js';
import type { EditorResult } from '../commands/edit-in-editor.js';
import type { MenuResult } from '../commands/edit-menu.js';
import type { ReviewCommandResult } from '../commands/review.js';

export interface Reporter<Result = any, Line = any, Frame = any> {
  text: (result: Result, theme: Theme) => string | Promise<string>;
  /** The JSON document (default: the result); null when, with --json, the streamed lines were the whole output. */
  json?: ((result: Result) => unknown) | null;
  /** A line printed for good as it comes; undefined prints nothing. */
  line?: { text: (item: Line, theme: Theme) => string | undefined; json: (item: Line) => string | undefined };
  /** A view replaced by the next one: in place on a terminal, else printed whenever its key changes. */
  frame?: { text: (item: Frame, theme: Theme, columns: number) => string; json?: (item: Frame) => string; key?: (item: Frame) => string };
}

/** A plan with what is said under it: saved or not, notes of an import, progress of a run. */
export interface PlanView {
  plan: Plan;
  format: PlanFormat;
  footer?: string;
  progress?: Record<string, { done: boolean; label: string }>;
  /** The planner's verdict on the plan's specs: opens the text, and is `assessment` in the JSON (null when unknown). */
  assessment?: PlanAssessment;
}

export interface TranscriptSource {
  taskId: string;
  attempt: number;
  attempts: number;
  agent: number;
  transcript: string;
}

/** The step (retry, skip, done) that set a run going again, printed before its events. */
export interface ControlLine {
  control: ControlResult;
}

/** What `retry`, `skip` and `done` end with when they continued the run: the step, then where the run stands. */
export interface ControlRunResult {
  control: ControlResult;
  status: StatusResult;
}

/** `run --dry-run` and which prompts to print with it (the JSON always has them all). */
export interface PreviewView {
  preview: RunResult & { kind: 'dry-run' };
  prompts: 'all' | string[];
}

/** `export beads` and whether to list every call (a dry run, --verbose) or one line per issue. */
export interface ExportView {
  export: ExportResult;
  detail: boolean;
}

export type TranscriptItem = { header: TranscriptSource } | { source: TranscriptSource; line: string };

const planOf = (result: { plan: Plan }) => result.plan;

const transcriptJson = async () => (await import('../ui/render-logs-json.js')).transcriptJsonLine;

/** A run: its events as they happen, the live agent lines under them on a terminal, then where it stands. */
async function runReporter() {
  const [{ renderRunEvent }, { renderStatus }, { renderLiveAgents }] = await Promise.all([import('../ui/render-run.js'), import('../ui/render-status.js'), import('../ui/live-agents.js')]);
  return {
    text: (status: StatusResult, theme: Theme) => `\n${renderStatus(status, theme)}`,
    json: null,
    line: { text: (event: RunEvent, theme: Theme) => renderRunEvent(event, theme), json: (event: RunEvent) => JSON.stringify({ schemaVersion: 1, ...event }) },
    frame: { text: (agents: { lines: LiveAgentLine[]; now: number }, theme: Theme, columns: number) => renderLiveAgents(agents.lines, agents.now, theme, columns).join('\n') },
  } satisfies Reporter;
}

export const reporters = {
  assess: async () => {
    const { renderAssess } = await import('../ui/render-assess.js');
    return { text: renderAssess, json: (r: { assessment: unknown }) => r.assessment } satisfies Reporter;
  },
  plan: async () => {
    const { renderPlanAs } = await import('../ui/render-plan-output.js');
    return {
      text: (v: PlanView, theme: Theme) => renderPlanAs(v.plan, v.format, theme, v.footer, v.progress, v.assessment),
      json: (v: PlanView) => ({ ...v.plan, assessment: v.assessment ?? null }),
    } satisfies Reporter;
  },
  check: async () => ({ text: (await import('../ui/render-check.js')).renderCheck }) satisfies Reporter,
  edit: async () => ({ text: (await import('../ui/render-edit.js')).renderEdit, json: planOf }) satisfies Reporter,
  'edit-in-editor': async () => {
    const { renderEdit } = await import('../ui/render-edit.js');
    return { text: (r: EditorResult, theme: Theme) => (r.changed ? renderEdit(r, theme) : 'No changes.'), json: planOf } satisfies Reporter;
  },
  'edit-menu': async () =>
    ({
      text: (r: MenuResult) => (r.saved ? `Saved ${r.changes.length} change${r.changes.length === 1 ? '' : 's'}: ${r.changes.join('; ')}.` : 'Nothing saved.'),
      json: planOf,
    }) satisfies Reporter,
  approve: async () => ({ text: (await import('../ui/render-edit.js')).renderApprove, json: planOf }) satisfies Reporter,
  'run-preview': async () => {
    const { renderDryRun } = await import('../ui/render-run.js');
    return { text: (v: PreviewView, theme: Theme) => renderDryRun(v.preview, theme, v.prompts), json: (v: PreviewView) => v.preview } satisfies Reporter;
  },
  run: runReporter,
  control: async () => ({ text: (await import('../ui/render-control.js')).renderControl }) satisfies Reporter,
  /**
   * A step that continued the run: the step, the run's events and live agents, then where it stands. With --json,
   * one document: the step's result, with the status the run ended in under `resumed`.
   */
  'control-run': async () => {
    const [run, { renderControl }] = await Promise.all([runReporter(), import('../ui/render-control.js')]);
    return {
      ...run,
      text: (r: ControlRunResult, theme: Theme) => run.text(r.status, theme),
      json: (r: ControlRunResult) => ({ ...r.control, resumed: r.status }),
      line: {
        text: (item: RunEvent | ControlLine, theme: Theme) => ('control' in item ? renderControl(item.control, theme) : run.line.text(item, theme)),
        json: () => undefined,
      },
    } satisfies Reporter;
  },
  merge: async () => ({ text: (await import('../ui/render-merge.js')).renderMerge }) satisfies Reporter,
  status: async () => {
    const { renderStatus } = await import('../ui/render-status.js');
    return {
      text: renderStatus,
      frame: {
        text: (status: StatusResult, theme: Theme) => renderStatus(status, theme),
        json: (status: StatusResult) => JSON.stringify(status),
        // A frame that differs only in elapsed times is no change worth a line of its own off a terminal.
        key: (status: StatusResult) => JSON.stringify({ ...status, tasks: status.tasks.map((t) => ({ ...t, durationMs: null })) }),
      },
    } satisfies Reporter;
  },
  logs: async () => {
    const [{ renderTranscriptHeader, renderTranscriptLine }, json] = await Promise.all([import('../ui/render-transcript.js'), transcriptJson()]);
    return {
      text: () => '',
      json: null,
      line: {
        text: (item: TranscriptItem, theme: Theme) => ('header' in item ? renderTranscriptHeader(item.header, theme) : renderTranscriptLine(item.line, theme)),
        json: (item: TranscriptItem) => ('header' in item ? undefined : json(item.source, item.line)),
      },
    } satisfies Reporter;
  },
  'logs-review': async () => {
    const { renderReviewLog, reviewLogJson } = await import('../ui/render-review-log.js');
    return { text: renderReviewLog, json: reviewLogJson } satisfies Reporter;
  },
  /** `xplan review T3`: the review as `logs --review` prints it, then what it changed in the run. */
  review: async () => {
    const [{ renderReviewLog, reviewLogJson }, { renderControl }] = await Promise.all([import('../ui/render-review-log.js'), import('../ui/render-control.js')]);
    return {
      text: (r: ReviewCommandResult, theme: Theme) => `${renderReviewLog(r, theme)}\n\n${renderControl(r.control, theme)}`,
      json: (r: ReviewCommandResult) => ({ ...(reviewLogJson(r) as object), requeued: r.requeued, control: r.control }),
    } satisfies Reporter;
  },
  'logs-raw': async () => {
    const [{ renderRawTranscriptLine }, json] = await Promise.all([import('../ui/render-transcript.js'), transcriptJson()]);
    return {
      text: () => '',
      json: null,
      line: {
        text: (item: TranscriptItem) => ('header' in item ? undefined : renderRawTranscriptLine(item.line)),
        json: (item: TranscriptItem) => ('header' in item ? undefined : json(item.source, item.line)),
      },
    } satisfies Reporter;
  },
  export: async () => {
    const { renderExport } = await import('../ui/render-export.js');
    return { text: (v: ExportView, theme: Theme) => renderExport(v.export, theme, v.detail), json: (v: ExportView) => v.export } satisfies Reporter;
  },
  clean: async () => ({ text: (await import('../ui/render-clean.js')).renderClean }) satisfies Reporter,
  init: async () => ({ text: (await import('../ui/render-doctor.js')).renderInit }) satisfies Reporter,
  doctor: async () => ({ text: (await import('../ui/render-doctor.js')).renderDoctor, json: (r: object) => ({ schemaVersion: 1, ...r }) }) satisfies Reporter,
  runs: async () => ({ text: (await import('../ui/render-runs.js')).renderRuns }) satisfies Reporter,
  report: async () => ({ text: (await import('../ui/render-runs.js')).renderReportWritten }) satisfies Reporter,
  /** The dashboard's link while it serves, then that it stopped. */
  dashboard: async () => {
    const { renderDashboardListening } = await import('../ui/render-runs.js');
    return {
      text: () => 'Dashboard stopped.',
      json: (r: object) => ({ schemaVersion: 1, ...r }),
      line: { text: (url: string, theme: Theme) => renderDashboardListening(url, theme), json: () => undefined },
    } satisfies Reporter;
  },
  /** Text the command made itself (a completion script, a help page), and the document it comes from. */
  document: async () => ({ text: (r: { text: string }) => r.text.trimEnd(), json: (r: { json: unknown }) => r.json }) satisfies Reporter,
} satisfies Record<string, () => Promise<Reporter>>;

export type ReporterName = keyof typeof reporters;
