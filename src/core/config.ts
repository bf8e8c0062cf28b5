/**
 * The config schema: `.xplan/config.yaml`, validated strictly so a misspelled key is an error.
 * Pure: reading the file is the adapter's job (adapters/store/config-file.ts).
 */
// zod's v3 API loads in a quarter of the time of v4's, and xplan's start-up time is a feature.
import { z } from 'zod/v3';

const thresholdRange = (single: number, multi: number) =>
  z
    .object({
      single: z.number().finite().nonnegative().default(single),
      multi: z.number().finite().nonnegative().default(multi),
    })
    .strict()
    .refine((range) => range.multi >= range.single, { message: 'multi must be greater than or equal to single' })
    .default({});

export const ENGINES = ['auto', 'claude', 'heuristic'] as const;
/** What the user asks for: `auto` picks claude when Claude Code is logged in, else the heuristic. */
export type EngineName = (typeof ENGINES)[number];
/** The engine that actually plans. */
export type PlanningEngineName = Exclude<EngineName, 'auto'>;

export const DEFAULT_ALLOWED_TOOLS = [
  'Read',
  'Edit',
  'Write',
  'Glob',
  'Grep',
  'Bash(git add:*)',
  'Bash(git commit:*)',
  'Bash(git status:*)',
  'Bash(git diff:*)',
  'Bash(git log:*)',
  'Bash(ls:*)',
] as const;

export const ConfigSchema = z
  .object({
    // The older spelling of planning.engine; when set, it wins.
    engine: z.enum(ENGINES).optional(),
    assess: z
      .object({
        // A driver above `single` argues for several agents; above `multi`, for splitting the spec.
        thresholds: z
          .object({
            requirements: thresholdRange(8, 60),
            components: thresholdRange(2, 8),
            integrations: thresholdRange(4, 30),
            risks: thresholdRange(4, 20),
            unknowns: thresholdRange(2, 10),
            effortHours: thresholdRange(8, 120),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    plan: z
      .object({
        branching: z.enum(['single', 'feature', 'stacked']).default('feature'),
        // Plans above this many tasks are consolidated; --max-tasks overrides it.
        maxTasks: z.number().finite().int().positive().default(60),
        // The over-decomposition guard: fewer agent-hours per task than this means tasks are too small.
        minHoursPerTask: z.number().finite().positive().default(1.5),
        // Share of extra-small tasks above which the guard suggests merging them.
        tinyTaskRatio: z.number().finite().min(0).max(1).default(0.3),
      })
      .strict()
      .default({}),
    run: z
      .object({
        // Agents running at once; the plan's parallelism figures assume it too.
        concurrency: z.number().finite().int().min(1).max(64).default(3),
        // Shell command run in each task's worktree after its agent ends; a task is completed only if it passes.
        verify: z.string().trim().min(1).nullable().default(null),
        verifyTimeoutMinutes: z.number().finite().positive().default(20),
        // Run on the integration branch after each merge; a failure undoes that merge. Unset: the same as verify.
        integrationVerify: z.string().trim().min(1).nullable().optional(),
        // Merge conflicts in one run after which dispatching pauses, with advice to re-plan for better isolation.
        maxConflicts: z.number().finite().int().min(1).default(3),
        // Transient failures (429, 529/overloaded, connection errors) are retried this many times per task,
        // waiting backoffSeconds, then twice as long each time.
        retries: z.number().finite().int().min(0).default(3),
        backoffSeconds: z.number().finite().min(0).default(30),
        // How long a usage limit holds the run when Claude Code does not say when it resets.
        usageLimitWaitMinutes: z.number().finite().positive().default(60),
        // Wall-clock limit per task by effort, and the longest silence (no transcript output) before an agent
        // counts as stalled. Either stops the agent; the task is tried once more, then fails.
        timeoutMinutes: z
          .object({
            XS: z.number().finite().positive().default(20),
            S: z.number().finite().positive().default(40),
            M: z.number().finite().positive().default(90),
            L: z.number().finite().positive().default(180),
            XL: z.number().finite().positive().default(360),
          })
          .strict()
          .default({}),
        stallMinutes: z.number().finite().positive().default(15),
        // A failed beads status update during a run is retried after this long, then twice as long each time.
        beadsRetrySeconds: z.number().finite().min(0).default(0.5),
        // After SIGTERM, how long an agent has to exit before SIGKILL.
        stopGraceSeconds: z.number().finite().min(0).default(10),
      })
      .strict()
      .default({}),
    // Planning: `engine: auto` plans with Claude Code when it is logged in, else with the offline heuristic. The
    // claude engine makes an outline call, then detail calls for groups of tasks side by side (at most
    // `concurrency` at once); a part that fails xplan's checks is sent back with the problems up to repairRounds times.
    planning: z
      .object({
        engine: z.enum(ENGINES).default('auto'),
        concurrency: z.number().finite().int().min(1).max(16).default(8),
        maxBudgetUsd: z.number().finite().positive().nullable().default(2),
        timeoutSeconds: z.number().finite().positive().default(600),
        repairRounds: z.number().finite().int().min(0).max(5).default(2),
        model: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({}),
    // The acceptance review between a task's verify and its merge: one headless Claude Code call with read-only
    // tools judges each acceptance criterion against the diff. Not met fails the task and is retried autoRetry
    // times with the review as context; onUncertain decides what a review that cannot tell does (hold: wait for
    // the lead). model null: claude.model. A review that could not run is retried; it never counts as met.
    review: z
      .object({
        enabled: z.boolean().default(true),
        autoRetry: z.number().finite().int().min(0).max(5).default(1),
        model: z.string().min(1).nullable().default(null),
        maxBudgetUsd: z.number().finite().positive().nullable().default(0.5),
        timeoutSeconds: z.number().finite().positive().default(300),
        onUncertain: z.enum(['merge', 'hold']).default('hold'),
      })
      .strict()
      .default({}),
    // xplan's own log, .xplan/logs/xplan.log: rotated past maxBytes, keeping `keep` older files.
    log: z
      .object({
        maxBytes: z.number().finite().int().min(1024).default(1_048_576),
        keep: z.number().finite().int().min(0).max(100).default(3),
      })
      .strict()
      .default({}),
    // What to do with credentials found in a spec before it goes to an agent: warn (send it, and say where they
    // are), redact (send it with each value replaced by <REDACTED:kind>), or block (refuse to run).
    secrets: z.enum(['warn', 'redact', 'block']).default('warn'),
    // auto: `xplan approve` exports the plan to beads when bd is on PATH.
    beads: z.enum(['auto', 'off']).default('off'),
    // How parallel agents keep off each other's files: native (reservations in the run state and a pre-commit
    // hook in each agent worktree) or agent-mail (the same, plus reservations and a thread per task on an
    // mcp_agent_mail server; when the server fails, the run goes on with native reservations).
    coordination: z.enum(['native', 'agent-mail']).default('native'),
    agentMail: z
      .object({
        url: z
          .string()
          .url()
          .refine((url) => /^https?:\/\//i.test(url), { message: 'must be an http:// or https:// URL' })
          .default('http://127.0.0.1:8765/api/'),
        // The server's HTTP_BEARER_TOKEN, when it sets one.
        token: z.string().min(1).nullable().default(null),
        // Also install the server's own pre-commit guard in each agent worktree (needs WORKTREES_ENABLED=1 there).
        installGuard: z.boolean().default(true),
        // Reservation lease, renewed while the agent runs.
        ttlSeconds: z.number().finite().int().min(60).default(3600),
      })
      .strict()
      .default({}),
    claude: z
      .object({
        command: z.string().min(1).default('claude'),
        model: z.string().min(1).nullable().default(null),
        // acceptEdits lets agents edit files; allowedTools lets them stage, commit and run the verify command
        // without prompts. --dangerously-skip-permissions is refused for root, so it is never the default.
        permissionMode: z.enum(['acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', 'plan']).default('acceptEdits'),
        allowedTools: z.array(z.string().min(1)).default([...DEFAULT_ALLOWED_TOOLS]),
        maxBudgetUsd: z.number().finite().positive().nullable().default(null),
        extraArgs: z.array(z.string()).default([]),
      })
      .strict()
      .default({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type Thresholds = Config['assess']['thresholds'];
export type ThresholdRange = Thresholds['requirements'];
export type ClaudeSettings = Config['claude'];
export type ReviewSettings = Config['review'];

export type ConfigValidation = { ok: true; config: Config } | { ok: false; errors: string[] };

/** Validates parsed YAML (or `undefined` for an empty file) into a Config with defaults filled in. */
export function validateConfig(input: unknown): ConfigValidation {
  const result = ConfigSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, errors: result.error.issues.map(formatIssue) };
}

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}

function formatIssue(issue: z.ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${path ? `${path}.` : ''}${key}: unknown key`).join('\n');
  }
  return `${path || '(root)'}: ${issue.message}`;
}

/** The engine the config asks for (`planning.engine`, or the older top-level `engine`). */
export function configuredEngine(config: Config): EngineName {
  return config.engine ?? config.planning.engine;
}
