/**
 * The command table: each command's arguments, options and help, the action that runs it and the reporter that
 * shows its result. Actions and renderers are imported when their command runs, so a cheap invocation (`--help`)
 * loads nothing else.
 */
import { Argument, Command, Option } from 'commander';
import { concurrency, idList, MAX_CONCURRENCY, portNumber, positiveInteger, someText } from './arguments.js';
import type { ActionInput, CliContext, GlobalFlags, Outcome } from './outcome.js';
import type { ReporterName } from './reporters.js';
import { describeCommands } from './help-text.js';
import { fieldOptions, planUsage, retryUsage, runUsage, type UsageCheck } from './usage.js';

export type { CliContext } from './outcome.js';

/** Runs the action of a command; tests put one in that records what the command line asked for. */
export type Invoke = (action: string, input: ActionInput, ctx: CliContext) => Promise<Outcome>;

const invokeAction: Invoke = async (action, input, ctx) => (await import('./actions.js')).actions[action]!(input, ctx);

const ENGINES = ['auto', 'claude', 'heuristic'];

export function buildProgram(ctx: CliContext, version: string, invoke: Invoke = invokeAction): Command {
  const program = new Command('xplan')
    .description('Assess a finished spec, plan it as a task DAG, and run it with Claude Code agents in git worktrees.')
    .version(version, '-V, --version', 'print the version')
    .option('--no-color', 'no colours in the output (also NO_COLOR=1)')
    .option('--no-pager', 'print long output directly instead of through $XPLAN_PAGER / $PAGER / less on a terminal')
    .option('--wide', 'tables as wide as their content, not cut to the terminal (piped output is cut to 80 columns)')
    .option('--debug', 'print stack traces for errors and log everything (also XPLAN_DEBUG=1)')
    .option('--verbose', 'show more of what xplan does on stderr, and log it')
    .option('--quiet', 'show only errors on stderr')
    .showSuggestionAfterError()
    .showHelpAfterError(false)
    .exitOverride()
    // Errors are printed by main.ts in xplan's format; subcommands inherit this, so it is set before they exist.
    .configureOutput({ outputError: () => {} })
    // A subcommand's help lists --no-color, --no-pager, --debug, --verbose and --quiet too.
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', '\nExit codes: 0 ok · 1 ran, outcome negative · 2 usage, config or input error · 130 cancelled · 143 run stopped by SIGTERM\nStart with: xplan assess spec.md');

  /** The handler of a command: its arguments checked, its action run, its outcome kept for main.ts to print. */
  const use =
    (action: string, reporter: ReporterName, check?: UsageCheck) =>
    async (...params: unknown[]) => {
      const opts = params.at(-2) as Record<string, unknown>;
      const args = params.slice(0, -2);
      check?.(args, opts);
      const outcome = await invoke(action, { args, opts, global: program.opts<GlobalFlags>(), program }, ctx);
      ctx.outcome = { ...outcome, reporter: outcome.reporter ?? reporter };
    };
  const engine = (what: string) => new Option('--engine <engine>', `${what} engine (default: config planning.engine, auto: claude when logged in, else heuristic)`).choices(ENGINES);

  program
    .command('assess')
    .description('tell whether a spec fits one agent, needs several, or must be split — and why')
    .argument('<spec...>', 'spec files (Markdown or text); several specs are assessed together')
    .option('--json', 'print the assessment as JSON (schemaVersion 1)')
    .addOption(engine('assessment'))
    .option('--no-save', 'do not save the assessment into .xplan/state.json')
    .action(use('assess', 'assess'));

  program
    .command('plan')
    .description('generate the task plan: dependencies, acceptance criteria, effort, risk, tests, parallel streams')
    .argument('[spec...]', 'spec files; defaults to the specs saved by `xplan assess`')
    .option('--json', 'print the plan as JSON (schemaVersion 1)')
    .addOption(new Option('--format <format>', 'human output format').choices(['table', 'tree', 'mermaid', 'md']).default('table'))
    .option('--max-tasks <n>', 'consolidate the plan to at most n tasks', positiveInteger)
    .addOption(new Option('--branching <mode>', 'how a run branches').choices(['single', 'feature', 'stacked']))
    .option('-y, --yes', 'accept confirmations (large plans, unusual settings) without asking')
    .option('--force', 'replace an approved or hand-edited plan without asking')
    .option('--edit', 'edit the saved plan in an interactive menu instead of generating one')
    .option('--editor', 'with --edit: edit the plan as YAML in $VISUAL / $EDITOR')
    .addOption(engine('planning'))
    .option('--note <text>', 'an instruction for the planner, kept with the plan (e.g. "Phase 2 is in scope")', someText)
    .addOption(new Option('--from <format>', 'make the plan from a task-master tasks.json or a spec-kit tasks.md instead of a spec').choices(['taskmaster', 'speckit']))
    .option('--tag <name>', 'with --from taskmaster: the tag to read (default: master, else the only tag)')
    .option('--subtasks', 'with --from taskmaster: subtasks become tasks of their own instead of folding into their parent')
    .action(use('plan', 'plan', planUsage));

  program
    .command('show')
    .description('print the saved plan')
    .option('--json', 'print the plan as JSON (schemaVersion 1)')
    .addOption(new Option('--format <format>', 'output format; taskmaster writes a task-master tasks.json').choices(['table', 'tree', 'mermaid', 'md', 'taskmaster']).default('table'))
    .action(use('show', 'plan'));

  program
    .command('check')
    .description('validate the saved plan or a plan file (xplan or task-master tasks.json) and print DAG statistics')
    .argument('[plan-file]', 'plan file (JSON or YAML); defaults to the plan saved in .xplan/state.json')
    .addOption(new Option('--from <format>', 'format of the plan file (detected when omitted)').choices(['xplan', 'taskmaster']))
    .option('--tag <name>', 'task-master tag to read (default: master, else the only tag)')
    .option('--subtasks', 'task-master: check subtasks as tasks of their own instead of folding them into their parent')
    .option('--json', 'print the result as JSON')
    .action(use('check', 'check'));

  const task = program.command('task').description('edit the saved plan from scripts: add, rm, set, dep, move');
  fieldOptions(
    task
      .command('add')
      .description('add a task')
      .requiredOption('--title <text>', 'title of the new task')
      .option('--after <id>', 'place it after this task')
      .option('--depends-on <ids>', 'comma-separated tasks it depends on', idList)
      .option('--json', 'print the plan as JSON'),
  ).action(use('task add', 'edit'));
  task
    .command('rm')
    .description('remove a task; its dependents are named and need confirmation or --force')
    .argument('<id>', 'task id, e.g. T3')
    .option('--force', 'remove it even if other tasks depend on it')
    .option('--json', 'print the plan as JSON')
    .action(use('task rm', 'edit'));
  fieldOptions(task.command('set').description('change fields of a task').argument('<id>', 'task id, e.g. T3').option('--title <text>', 'new title').option('--json', 'print the plan as JSON')).action(
    use('task set', 'edit'),
  );
  task
    .command('dep')
    .description('add or remove a dependency: `dep add T5 T3` makes T5 depend on T3')
    .addArgument(new Argument('<action>', 'add or rm').choices(['add', 'rm']))
    .argument('<id>', 'the dependent task')
    .argument('<on>', 'the task it depends on')
    .option('--json', 'print the plan as JSON')
    .action(use('task dep', 'edit'));
  task
    .command('move')
    .description('move a task in the list (ids and dependencies stay)')
    .argument('<id>', 'task id, e.g. T5')
    .option('--before <id>', 'put it before this task')
    .option('--after <id>', 'put it after this task')
    .option('--json', 'print the plan as JSON')
    .action(use('task move', 'edit'));

  program
    .command('approve')
    .description('approve the saved plan for running: records who, when and the plan hash')
    .option('-y, --yes', 'approve despite warnings without asking')
    .option('--json', 'print the approved plan as JSON')
    .action(use('approve', 'approve'));

  program
    .command('run')
    .description('run the approved plan: one Claude Code agent per task, each in its own worktree and branch')
    .option('-c, --concurrency <n>', `agents at once, 1 to ${MAX_CONCURRENCY} (default: run.concurrency in config)`, concurrency)
    .option('--dry-run', 'print the waves, branches and worktrees without starting anything')
    .option('--prompts', "with --dry-run: print every agent's prompt too")
    .option('--prompt <ids>', 'with --dry-run: print the prompt of these tasks (comma-separated)', idList)
    .option('--show-secrets', 'with --dry-run: print the prompts with the secrets in the spec, as agents get them (masked otherwise); implies --prompts')
    .option('--only <ids>', 'run only these tasks (comma-separated; their dependencies must be included)', idList)
    .option('-y, --yes', 'run again over a completed run without asking')
    .option('--force', 'run even though a spec changed since the plan was made from it')
    // The hidden --review keeps review unset unless --no-review is given (a lone --no-review defaults it to true).
    .addOption(new Option('--review').hideHelp())
    .option('--no-review', 'merge checked work without the acceptance review (review: in config)')
    .option('--json', 'stream the run events as JSON lines')
    .action(use('run', 'run', runUsage));

  program
    .command('resume')
    .description('continue a paused or interrupted run; agents still working are adopted, not restarted')
    .option('--force', 'resume even though a spec changed since the plan was made from it')
    // The hidden --review keeps review unset unless --no-review is given (a lone --no-review defaults it to true).
    .addOption(new Option('--review').hideHelp())
    .option('--no-review', 'merge checked work without the acceptance review (review: in config)')
    .option('--json', 'stream the run events as JSON lines')
    .action(use('resume', 'run'));

  program
    .command('pause')
    .description('stop dispatching; running agents finish their tasks (--now stops them too)')
    .option('--now', 'stop running agents now (SIGTERM, then SIGKILL); their tasks become interrupted')
    .option('--json', 'print the result as JSON')
    .action(use('pause', 'control'));

  program
    .command('cancel')
    .description('end the run for good: stop its agents, keep every branch and worktree, and unlock the plan')
    .option('--now', 'stop the agents at once, without the grace period')
    .option('--json', 'print the result as JSON')
    .action(use('cancel', 'control'));

  program
    .command('merge')
    .description("land the run's integration branch on the branch the run started from (never pushes)")
    .option('--into <branch>', 'land it on this branch instead')
    .option('--partial', 'land the merged part of a run that has not completed')
    .option('--dry-run', 'say what would land, and any conflict, changing nothing')
    .option('--json', 'print the result as JSON')
    .action(use('merge', 'merge'));

  program
    .command('retry')
    .description('run a failed, blocked, interrupted or skipped task again, as a new attempt with a new agent and branch; a run nothing drives goes on at once')
    .argument('<task>', 'task id, e.g. T3')
    .option('--context <text>', 'add this to the prompt of the new attempt', someText)
    .option('--context-file <file>', 'add this file to the prompt of the new attempt')
    .option('--fresh', "start from the task's base, not from the last attempt's branch")
    .option('--force', 'retry even though a spec changed since the plan was made from it')
    .option('--no-resume', 'only queue it: a run nothing drives waits for `xplan resume`')
    .option('--json', 'print the result as JSON')
    .action(use('retry', 'control', retryUsage));

  program
    .command('skip')
    .description('skip a task; its dependents stay blocked unless --cascade skips them too; a run nothing drives goes on at once')
    .argument('<task>', 'task id, e.g. T3')
    .option('--cascade', 'skip every task that depends on it too')
    .option('--reason <text>', 'why, for the record', someText)
    .option('--no-resume', 'only queue it: a run nothing drives waits for `xplan resume`')
    .option('--json', 'print the result as JSON')
    .action(use('skip', 'control'));

  program
    .command('done')
    .description('mark a task completed by hand (recorded with who and why); its dependents are released and a run nothing drives goes on at once')
    .argument('<task>', 'task id, e.g. T3')
    .requiredOption('--reason <text>', 'why it counts as done', someText)
    .option('--no-resume', 'only queue it: a run nothing drives waits for `xplan resume`')
    .option('--json', 'print the result as JSON')
    .action(use('done', 'control'));

  program
    .command('review')
    .description("run a task's acceptance review again on its worktree (after a fix made there, say), print it and keep it on the task; a held task it accepts goes to the merge queue")
    .argument('<task>', 'task id, e.g. T3')
    .option('--json', 'print the review as JSON (schemaVersion 1), with what it changed in the run')
    .action(use('review', 'review'));

  program
    .command('status')
    .description("where the run stands: progress, each task's state, agent, branch and usage, and what blocks what")
    .option('--json', 'print the status as JSON (schemaVersion 1)')
    .option('-w, --watch', 'refresh every second until the run ends')
    .option('--run <id>', 'a run other than the current one (see xplan runs)')
    .action(use('status', 'status'));

  program
    .command('logs')
    .description("show an agent's transcript readably")
    .argument('<task>', 'task id, e.g. T3')
    .option('--attempt <n>', 'which attempt (default: the latest)', positiveInteger)
    .option('-f, --follow', 'keep printing new output until the agent ends')
    .option('--raw', 'print the stream-json lines as they are')
    .option('--review', "print the task's latest acceptance review instead: each criterion's verdict, evidence and reasoning, the outcome, model and cost")
    .option('--json', 'print one JSON document per transcript line (schemaVersion 1; with --review, the review as one document)')
    .option('--run <id>', 'a run other than the current one (see xplan runs)')
    .action(use('logs', 'logs'));

  program
    .command('export')
    .description('export the approved plan to beads (bd): an epic, child issues and dependencies; --verbose lists every bd call')
    .addArgument(new Argument('<target>', 'where to export').choices(['beads']))
    .option('--dry-run', 'say what would be created, updated and linked, changing nothing')
    .option('--jsonl <file>', 'write import-ready JSONL to this file instead of calling bd')
    .option('--sync', "also set each issue's status from the run (with --jsonl too), closing an epic once all its children are")
    .option('--prefix <prefix>', "the issue prefix of the JSONL ids (default: the bd workspace's, else the one `bd init` would pick here)")
    .option('--json', 'print the result as JSON')
    .action(use('export', 'export'));

  program
    .command('clean')
    .description('remove worktrees of finished runs; branches go only when merged, unmerged work always stays')
    .option('--run <id>', 'clean only this run')
    .option('--older-than <age>', 'only runs older than this, e.g. 14d, 12h')
    .option('--dry-run', 'say what would go without removing anything')
    .option('--json', 'print the result as JSON')
    .action(use('clean', 'clean'));

  program
    .command('init')
    .description('write .xplan/config.yaml with every setting and its default')
    .option('--force', 'replace an existing config.yaml')
    .option('--print', 'print the starter config instead of writing it')
    .option('--json', 'print the result as JSON')
    .action(use('init', 'init'));

  program.command('doctor').description('check node, git, claude, bd and the config; say how to fix what is missing').option('--json', 'print the checks as JSON').action(use('doctor', 'doctor'));

  program
    .command('runs')
    .description('list the runs of this repository, newest first, and what is kept of each')
    .option('--json', 'print the runs as JSON (schemaVersion 1)')
    .action(use('runs', 'runs'));

  program
    .command('report')
    .description('write a run report to share: one self-contained HTML page (or Markdown) with the DAG, a timeline, outcomes and usage')
    .option('--run <id>', 'which run (default: the current one; `xplan runs` lists them)')
    .option('-o, --out <file>', 'where to write it (default: .xplan/runs/<run>/report.<format>; - prints it)')
    .addOption(new Option('--format <format>', 'page format').choices(['html', 'md']).default('html'))
    .option('--json', 'print where it went and the report model as JSON (schemaVersion 1)')
    .action(use('report', 'report'));

  program
    .command('dashboard')
    .description('follow the current run live in a browser: a read-only page on 127.0.0.1 behind a private link')
    .option('-p, --port <n>', 'port to listen on (default: a free one)', portNumber)
    .action(use('dashboard', 'dashboard'));

  program
    .command('completion')
    .description('print a shell completion script, e.g. eval "$(xplan completion bash)" in ~/.bashrc')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action(use('completion', 'document'));

  // `xplan help task add` shows that subcommand's help on stdout and exits 0, like `xplan task add --help`.
  program.helpCommand(false);
  program.command('help').description('show the help of a command').argument('[command...]', 'the command, e.g. status or task add').action(use('help', 'document'));

  describeCommands(program);
  return program;
}
