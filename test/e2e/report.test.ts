/** `xplan report`, `runs`, `completion`, `help` and the JSON contract, through the built binary on a real repository. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunState, saveRunSummary } from '../../src/adapters/store/run-history.js';
import type { Plan } from '../../src/core/plan/plan.js';
import type { RunState } from '../../src/core/run/run.js';
import { BIN, REPO_ROOT, runXplan, tempRepo } from '../support/cli.js';
import { approvedRepo, runConfig } from '../support/run-repo.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/runs/bookmarks');
const RUN = '20261123-114502';

/** A repository whose .xplan holds the fixture run. */
function repoWithRun(): string {
  const repo = tempRepo();
  mkdirSync(join(repo, '.xplan'));
  for (const file of ['state.json', 'events.jsonl']) copyFileSync(join(FIXTURE, file), join(repo, '.xplan', file));
  return repo;
}

function fixtureState(): { run: RunState; plan: Plan } {
  return JSON.parse(readFileSync(join(FIXTURE, 'state.json'), 'utf8')) as { run: RunState; plan: Plan };
}

describe('xplan report', () => {
  it('writes a self-contained HTML page next to the run, with every task and no outside reference', () => {
    const repo = repoWithRun();
    const result = runXplan(['report'], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Wrote .xplan/runs/${RUN}/report.html`);
    const html = readFileSync(join(repo, '.xplan/runs', RUN, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    for (const id of ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8']) expect(html).toContain(`data-task="${id}"`);
    expect(html.match(/class="bar v-/g)).toHaveLength(7);
    expect(html).toContain('API-equivalent');
  });

  it('escapes what agents and specs wrote', () => {
    const repo = repoWithRun();
    const statePath = join(repo, '.xplan/state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    state.run.tasks.T5.reason = '<img src=x onerror=alert(1)> & "quotes"';
    state.plan.tasks[0].title = '</title><script>alert(1)</script>';
    writeJson(statePath, state);
    const result = runXplan(['report', '--out', '-'], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('<img src=x');
    expect(result.stdout).not.toContain('<script>alert');
    expect(result.stdout).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
  });

  it('writes Markdown with --format md, and the model with --json', () => {
    const repo = repoWithRun();
    const md = runXplan(['report', '--format', 'md', '--out', 'out/run.md'], { cwd: repo });
    expect(md.code, md.stderr).toBe(0);
    const text = readFileSync(join(repo, 'out/run.md'), 'utf8');
    expect(text).toContain(`# Run ${RUN} — failed`);
    expect(text).toContain('| T5 | failed: verify | `npm test` exited with 1');
    expect(text).toContain('```mermaid');
    expect(text).toContain('API-equivalent');

    const json = runXplan(['report', '--json', '--out', 'r.html'], { cwd: repo });
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ schemaVersion: 1, format: 'html', path: 'r.html', report: { schemaVersion: 1, run: { id: RUN, status: 'failed' }, progress: { done: 4, total: 8 } } });
  });

  it('refuses an unknown run or a directory as --out, writing nothing', () => {
    const repo = repoWithRun();
    const unknown = runXplan(['report', '--run', 'nope', '--json'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr)).toEqual({ schemaVersion: 1, error: { code: 'RUN_NOT_FOUND', message: 'There is no run nope', hint: `Known runs: ${RUN} (see \`xplan runs\`).` } });
    mkdirSync(join(repo, 'reports'));
    const dir = runXplan(['report', '--out', 'reports'], { cwd: repo });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('reports is a directory');
    expect(readdirSync(join(repo, 'reports'))).toEqual([]);
    expect(existsSync(join(repo, '.xplan/runs'))).toBe(false);
  });

  it('says so when no run has started', () => {
    const repo = tempRepo();
    const result = runXplan(['report'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No run has started in this repository');
  });
});

describe('xplan runs and --run', () => {
  it('lists the current run, saved runs and runs known only from events; report --run reads a saved one', async () => {
    const repo = repoWithRun();
    const { run, plan } = fixtureState();
    const older: RunState = { ...run, id: '20261120-090000', status: 'completed', startedAt: '2026-11-20T09:00:00.000Z', endedAt: '2026-11-20T09:30:00.000Z' };
    const path = await saveRunSummary(join(repo, '.xplan'), older, plan);
    expect(path).toBe(join(repo, '.xplan/runs/20261120-090000/run.json'));
    spawnSync(
      'sh',
      [
        '-c',
        `printf '%s\\n' '{"type":"run.started","at":"2026-11-01T08:00:00.000Z","runId":"20261101-080000","tasks":["T1"]}' '{"type":"run.ended","at":"2026-11-01T08:10:00.000Z","runId":"20261101-080000","status":"completed"}' >> .xplan/events.jsonl`,
      ],
      { cwd: repo },
    );

    const list = runXplan(['runs', '--json'], { cwd: repo });
    expect(list.code, list.stderr).toBe(0);
    const parsed = JSON.parse(list.stdout);
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.runs.map((r: { id: string; source: string; current: boolean }) => `${r.id} ${r.source}${r.current ? ' current' : ''}`)).toEqual([
      `${RUN} state current`,
      '20261120-090000 saved',
      '20261101-080000 events',
    ]);
    const human = runXplan(['runs'], { cwd: repo });
    expect(human.stdout).toMatch(new RegExp(`${RUN} \\(current\\)\\s+failed`));
    expect(human.stdout).toContain('events only');

    const saved = runXplan(['report', '--run', '20261120-090000', '--json', '--out', '-'], { cwd: repo });
    expect(saved.code, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout).report.run).toMatchObject({ id: '20261120-090000', status: 'completed' });

    // What status and logs read for --run: the state with that run and its plan in place of the current one.
    const selected = await readRunState(join(repo, '.xplan'), '20261120-090000');
    expect(selected?.run).toMatchObject({ id: '20261120-090000', status: 'completed' });
    expect(selected?.plan?.planId).toBe(plan.planId);
    expect((await readRunState(join(repo, '.xplan')))?.run?.id).toBe(RUN);

    const eventsOnly = runXplan(['report', '--run', '20261101-080000'], { cwd: repo });
    expect(eventsOnly.code).toBe(2);
    expect(eventsOnly.stderr).toContain('ended before xplan kept run summaries');
  });
});

describe('the JSON contract, completion and help', () => {
  it('puts schemaVersion on JSON that lacked it: init, and errors', () => {
    const repo = tempRepo();
    const init = runXplan(['init', '--json'], { cwd: repo });
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ schemaVersion: 1, configPath: '.xplan/config.yaml', overwritten: false });
    const again = runXplan(['init', '--json'], { cwd: repo });
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stderr)).toMatchObject({ schemaVersion: 1, error: { code: 'CONFIG_EXISTS' } });
  });

  it('logs --json prints one document per transcript line, with whose line it is', () => {
    const repo = repoWithRun();
    const dir = join(repo, '.xplan/runs', RUN, 'agent-6');
    mkdirSync(dir, { recursive: true });
    const toolUse = { type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'npm test' } }] } };
    writeFileSync(join(dir, 'transcript.jsonl'), `${JSON.stringify(toolUse)}\nnot json\n`);
    const result = runXplan(['logs', 'T5', '--json'], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { schemaVersion: 1, taskId: 'T5', attempt: 1, agent: 6, event: toolUse },
      { schemaVersion: 1, taskId: 'T5', attempt: 1, agent: 6, text: 'not json' },
    ]);
  });

  it("logs --review prints the task's latest review, as text and as one JSON document; a task not reviewed is a clear error", () => {
    const repo = repoWithRun();
    const path = join(repo, '.xplan/state.json');
    const state = JSON.parse(readFileSync(path, 'utf8')) as { run: RunState };
    const usage = { inputTokens: 12_000, outputTokens: 800, costUsd: 0.31, turns: 4 };
    const verdicts = [
      { index: 1, criterion: 'POST /bookmarks saves a bookmark', verdict: 'met' as const, evidence: ['src/api/bookmarks.ts:18'], reasoning: 'The handler inserts the row.' },
      { index: 2, criterion: 'A bad URL is refused with 400', verdict: 'not-met' as const, evidence: ['src/api/bookmarks.ts:22'], reasoning: 'Any string is accepted.' },
    ];
    state.run.tasks.T3!.reviews = [
      { attempt: 1, at: '2026-11-23T13:00:00.000Z', outcome: 'accepted', verdicts: verdicts.map((v) => ({ ...v, verdict: 'met' as const })), outsideTask: [], usage },
      { attempt: 2, at: '2026-11-23T13:55:30.000Z', outcome: 'rejected', verdicts, outsideTask: ['Renames the users table'], model: 'claude-sonnet-4-5', usage },
    ];
    writeFileSync(path, JSON.stringify(state));

    const text = runXplan(['logs', 'T3', '--review'], { cwd: repo });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Review of T3 (attempt 2): rejected, 1/2 criteria met');
    expect(text.stdout).toContain('✓ 1. POST /bookmarks saves a bookmark — met\n    The handler inserts the row.\n    evidence: src/api/bookmarks.ts:18');
    expect(text.stdout).toContain('✗ 2. A bad URL is refused with 400 — not-met\n    Any string is accepted.');
    expect(text.stdout).toContain('Renames the users table');
    expect(text.stdout).toMatch(/Model: claude-sonnet-4-5 · 12,?000 input \+ 800 output tokens · 4 turns · \$0\.31/);

    const json = runXplan(['logs', 'T3', '--review', '--json'], { cwd: repo });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 1, runId: RUN, taskId: 'T3', attempt: 2, outcome: 'rejected', model: 'claude-sonnet-4-5', verdicts, usage });
    expect(JSON.parse(runXplan(['logs', 'T3', '--review', '--attempt', '1', '--json'], { cwd: repo }).stdout)).toMatchObject({ attempt: 1, outcome: 'accepted' });

    const none = runXplan(['logs', 'T1', '--review', '--json'], { cwd: repo });
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stderr)).toMatchObject({ error: { code: 'NO_REVIEW', message: expect.stringContaining('T1 has not been reviewed') } });
    expect(runXplan(['logs', 'T3', '--review', '--follow'], { cwd: repo }).stderr).toContain('--review cannot go with --follow');
  });

  it('xplan help <command> prints that help on stdout and exits 0; an unknown one is a usage error', () => {
    const repo = tempRepo();
    const help = runXplan(['help', 'task', 'add'], { cwd: repo });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: xplan task add [options]');
    const root = runXplan(['help'], { cwd: repo });
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('Exit codes:');
    const unknown = runXplan(['help', 'nope'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no command `xplan nope`');
  });

  it('bash completion completes commands, subcommands, options and their values', () => {
    const repo = tempRepo();
    const script = runXplan(['completion', 'bash'], { cwd: repo });
    expect(script.code, script.stderr).toBe(0);
    const complete = (words: string[]) => {
      const line = words.map((w) => `'${w}'`).join(' ');
      const result = spawnSync('bash', ['--norc', '-c', `${script.stdout}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _xplan; printf '%s\\n' "\${COMPREPLY[@]}"`], {
        cwd: repo,
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.trim().split('\n').filter(Boolean).sort();
    };
    expect(complete(['xplan', 'st'])).toEqual(['status']);
    expect(complete(['xplan', 're'])).toEqual(['report', 'resume', 'retry', 'review']);
    expect(complete(['xplan', 'task', ''])).toEqual(['add', 'dep', 'move', 'rm', 'set']);
    expect(complete(['xplan', 'report', '--f'])).toEqual(['--format']);
    expect(complete(['xplan', 'report', '--format', ''])).toEqual(['html', 'md']);
    expect(complete(['xplan', 'plan', 'spec.md', '--format', 'm'])).toEqual(['md', 'mermaid']);
    expect(complete(['xplan', 'completion', ''])).toEqual(['bash', 'fish', 'zsh']);
    expect(complete(['xplan', 'task', 'add', '--ef'])).toEqual(['--effort']);
  });

  it('completes the task ids of the saved plan and the ids of the kept runs, asking xplan __complete', () => {
    const repo = approvedRepo([{ title: 'Write the hello file' }, { title: 'Write the world file' }], runConfig());
    for (const id of ['20261201-100000', '20261202-100000']) mkdirSync(join(repo, '.xplan/runs', id), { recursive: true });
    const shims = join(repo, '.shims');
    mkdirSync(shims);
    writeFileSync(join(shims, 'xplan'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    const script = runXplan(['completion', 'bash'], { cwd: repo }).stdout;
    const complete = (words: string[]) => {
      const line = words.map((w) => `'${w}'`).join(' ');
      const result = spawnSync('bash', ['--norc', '-c', `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _xplan; printf '%s\\n' "\${COMPREPLY[@]}"`], {
        cwd: repo,
        env: { ...process.env, PATH: `${shims}:${process.env.PATH}` },
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.trim().split('\n').filter(Boolean).sort();
    };
    expect(complete(['xplan', 'retry', ''])).toEqual(['T1', 'T2']);
    expect(complete(['xplan', 'done', 'T'])).toEqual(['T1', 'T2']);
    expect(complete(['xplan', 'run', '--dry-run', '--prompt', ''])).toEqual(['T1', 'T2']);
    expect(complete(['xplan', 'status', '--run', ''])).toEqual(['20261201-100000', '20261202-100000']);
    expect(complete(['xplan', 'task', 'dep', ''])).toEqual(['T1', 'T2', 'add', 'rm']);
    // Outside a project there is nothing to offer, and no error.
    const outside = spawnSync(process.execPath, [BIN, '__complete', 'task'], { cwd: tempRepo(), encoding: 'utf8' });
    expect([outside.status, outside.stdout, outside.stderr]).toEqual([0, '', '']);
  });

  it('zsh and fish scripts cover the same commands', () => {
    const repo = tempRepo();
    const zsh = runXplan(['completion', 'zsh'], { cwd: repo });
    expect(zsh.stdout).toMatch(/^#compdef xplan/);
    // A native zsh function with descriptions; it never runs compinit, it registers itself once compinit has.
    expect(zsh.stdout).not.toMatch(/^[^#]*compinit/m);
    expect(zsh.stdout).toContain('if (( $+functions[compdef] )); then compdef _xplan xplan; fi');
    expect(zsh.stdout).toContain("'status:where the run stands");
    expect(zsh.stdout).toContain("(' report|--format') compadd -- 'html' 'md'; return;;");
    expect(zsh.stdout).toContain(`(' status|--run') compadd -- \${(f)"$(xplan __complete run 2>/dev/null)"}; return;;`);
    const fish = runXplan(['completion', 'fish'], { cwd: repo });
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c xplan -n '__fish_use_subcommand' -a 'dashboard'");
    expect(fish.stdout).toContain("complete -c xplan -n '__fish_seen_subcommand_from report' -l format -x -a 'html md'");
    expect(fish.stdout).toContain("complete -c xplan -n '__fish_seen_subcommand_from task; and not __fish_seen_subcommand_from add rm set dep move' -a 'add'");
    const bad = runXplan(['completion', 'tcsh'], { cwd: repo });
    expect(bad.code).toBe(2);
  });
});

function writeJson(path: string, value: unknown): void {
  spawnSync('node', ['-e', `require('fs').writeFileSync(${JSON.stringify(path)}, process.argv[1])`, JSON.stringify(value, null, 2)]);
}
