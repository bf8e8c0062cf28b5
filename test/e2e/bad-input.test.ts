/**
 * Bad input, as a careless user or an attacker gives it, on the built binary: each case ends with exit code 2, one
 * error line and one hint line on stderr (never "Unexpected error" or a stack trace), and `.xplan/` exactly as it
 * was (hashed before and after).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runXplan, runXplanAsync, tempDir, tempRepo, writeFiles } from '../support/cli.js';

type Setup = 'plain' | 'planned' | 'approved' | 'ran';

interface Case {
  name: string;
  setup: Setup;
  /** Changes to the repository before the command: files to write, links to make. */
  prepare?: (repo: string) => void;
  args: string[];
  message: RegExp;
  hint?: RegExp;
}

const templates = {} as Record<Setup, string>;

function git(cwd: string, args: string[]): void {
  const result = spawnSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
}

function xplanOk(cwd: string, args: string[]): void {
  const result = runXplan(args, { cwd });
  if (result.code !== 0) throw new Error(`xplan ${args.join(' ')}: ${result.stderr}`);
}

beforeAll(() => {
  const plain = tempRepo();
  copyFileSync(join(REPO_ROOT, 'examples/specs/bookmarks-api.md'), join(plain, 'spec.md'));
  git(plain, ['add', 'spec.md']);
  git(plain, ['commit', '-q', '-m', 'spec']);
  templates.plain = plain;
  templates.planned = copy(plain);
  xplanOk(templates.planned, ['plan', 'spec.md', '--yes']);
  templates.approved = copy(templates.planned);
  xplanOk(templates.approved, ['approve', '--yes']);
  // A run that ended with T1 failed, as `xplan run` records it.
  templates.ran = copy(templates.approved);
  editState(templates.ran, (state) => {
    state.run = {
      id: '20260101-000000',
      status: 'failed',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:10:00.000Z',
      base: { commit: 'abc123', branch: 'main' },
      branching: 'feature',
      concurrency: 2,
      verify: null,
      planHash: (state.plan as { approval: { hash: string } }).approval.hash,
      nextAgent: 2,
      tasks: {
        T1: {
          state: 'failed',
          failure: 'verify',
          reason: 'verify failed',
          attempts: [{ agent: 1, branch: 'xplan/20260101-000000/agent-1-x', worktree: '/nowhere', sessionId: 's', base: 'abc123', startedAt: '2026-01-01T00:00:00.000Z' }],
          transientFailures: 0,
        },
      },
    };
  });
}, 120_000);

function copy(from: string): string {
  const to = tempDir('xplan-bad-input-');
  cpSync(from, to, { recursive: true });
  return to;
}

function editState(repo: string, change: (state: Record<string, unknown>) => void): void {
  const path = join(repo, '.xplan/state.json');
  const state = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(state);
  writeFileSync(path, JSON.stringify(state, null, 2));
}

const planOf = (state: Record<string, unknown>) => state.plan as { tasks: Array<Record<string, unknown>>; summary?: unknown; status: string };

/** Everything under .xplan: names, kinds, contents and link targets, without following links. */
function hashXplan(repo: string): string {
  const hash = createHash('sha256');
  const walk = (path: string, name: string) => {
    let info;
    try {
      info = lstatSync(path);
    } catch {
      hash.update(`${name}:absent\n`);
      return;
    }
    if (info.isSymbolicLink()) hash.update(`${name}:link:${readlinkSync(path)}\n`);
    else if (info.isDirectory()) {
      hash.update(`${name}:dir\n`);
      for (const child of readdirSync(path).sort()) walk(join(path, child), `${name}/${child}`);
    } else if (info.isFile()) hash.update(`${name}:file:${createHash('sha256').update(readFileSync(path)).digest('hex')}\n`);
    else hash.update(`${name}:other\n`);
  };
  walk(join(repo, '.xplan'), '.xplan');
  return hash.digest('hex');
}

const file = (name: string, content: string | Buffer) => (repo: string) => writeFiles(repo, { [name]: content });
const loop = (name: string) => (repo: string) => {
  mkdirSync(join(repo, name, '..'), { recursive: true });
  rmSync(join(repo, name), { recursive: true, force: true });
  symlinkSync(`${name.split('/').pop()}.other`, join(repo, name));
  symlinkSync(name.split('/').pop()!, join(repo, `${name}.other`));
};
const directory = (name: string) => (repo: string) => {
  rmSync(join(repo, name), { recursive: true, force: true });
  mkdirSync(join(repo, name, 'inside'), { recursive: true });
};
const state = (change: (state: Record<string, unknown>) => void) => (repo: string) => editState(repo, change);
const LONG_NAME = `${'n'.repeat(300)}.md`;
const DEEP_PATH = `${'d/'.repeat(2100)}spec.md`;
const ALIAS_BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
const cycle = state((s) => {
  const tasks = planOf(s).tasks;
  tasks[0]!.dependsOn = [tasks[tasks.length - 1]!.id];
});

const CASES: Case[] = [
  // Spec files, read by assess and plan through one reader.
  { name: 'a missing spec', setup: 'plain', args: ['assess', 'missing.md'], message: /Spec not found: missing\.md/, hint: /Check the path/ },
  { name: 'a spec that is a directory', setup: 'plain', prepare: directory('specs'), args: ['assess', 'specs'], message: /specs is a directory, not a spec file/ },
  { name: 'an empty spec', setup: 'plain', prepare: file('empty.md', ''), args: ['assess', 'empty.md'], message: /empty\.md is empty/ },
  { name: 'a blank spec', setup: 'plain', prepare: file('blank.md', ' \n\t\n'), args: ['assess', 'blank.md'], message: /blank\.md is empty/ },
  { name: 'a binary spec', setup: 'plain', prepare: file('logo.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1])), args: ['assess', 'logo.md'], message: /logo\.md looks like a binary file/ },
  {
    name: 'a NUL byte deep in a spec',
    setup: 'plain',
    prepare: file('late.md', `# Spec\n\n${'word '.repeat(4000)}\n\0\n`),
    args: ['assess', 'late.md'],
    message: /late\.md looks like a binary file.*line 4/,
  },
  { name: 'a latin-1 spec', setup: 'plain', prepare: file('latin1.md', Buffer.from('# Caf\xe9\n', 'latin1')), args: ['assess', 'latin1.md'], message: /latin1\.md is not valid UTF-8/, hint: /iconv/ },
  { name: 'a spec that is a symlink loop', setup: 'plain', prepare: loop('loop.md'), args: ['assess', 'loop.md'], message: /loop\.md is a symbolic link that loops back on itself/ },
  { name: 'a dangling symlink as spec', setup: 'plain', prepare: (r) => symlinkSync('nowhere.md', join(r, 'dangling.md')), args: ['assess', 'dangling.md'], message: /Spec not found: dangling\.md/ },
  { name: 'a spec name too long', setup: 'plain', args: ['assess', LONG_NAME], message: /The path n+…n+\.md is too long/ },
  { name: 'a spec path too long', setup: 'plain', args: ['assess', DEEP_PATH], message: /The path (d\/)+d?…(\/?d)*\/?spec\.md is too long|The path .* is too long/ },
  { name: 'a spec below a file', setup: 'plain', args: ['assess', 'spec.md/child.md'], message: /Spec not found: spec\.md\/child\.md \(a part of the path is a file/ },
  { name: 'a spec that is a pipe', setup: 'plain', prepare: (r) => spawnSync('mkfifo', [join(r, 'pipe.md')]), args: ['assess', 'pipe.md'], message: /pipe\.md is not a regular file/ },
  { name: 'a spec that is a device', setup: 'plain', args: ['assess', '/dev/null'], message: /\/dev\/null is not a regular file/ },
  {
    name: 'a spec over 10 MB',
    setup: 'plain',
    prepare: file('huge.md', Buffer.alloc(10 * 1024 * 1024 + 1, 'a')),
    args: ['assess', 'huge.md'],
    message: /huge\.md is 10\.0 MB; specs are limited to 10 MB/,
    hint: /Split the spec/,
  },
  { name: 'the second of two specs missing', setup: 'plain', args: ['assess', 'spec.md', 'missing.md'], message: /Spec not found: missing\.md/ },
  { name: 'plan: a missing spec', setup: 'planned', args: ['plan', 'missing.md'], message: /Spec not found: missing\.md/ },
  { name: 'plan: a spec with a NUL byte', setup: 'planned', prepare: file('nul.md', '# A\n\0'), args: ['plan', 'nul.md'], message: /nul\.md looks like a binary file/ },
  { name: 'plan: a spec that is a symlink loop', setup: 'planned', prepare: loop('loop.md'), args: ['plan', 'loop.md'], message: /loops back on itself/ },
  { name: 'plan: a spec that is a directory', setup: 'planned', prepare: directory('specs'), args: ['plan', 'specs'], message: /specs is a directory/ },

  // Plan files, read by check through the same reader, then parsed.
  { name: 'check: a missing plan file', setup: 'plain', args: ['check', 'nope.json'], message: /Plan file not found: nope\.json/ },
  { name: 'check: a directory', setup: 'plain', prepare: directory('plans'), args: ['check', 'plans'], message: /plans is a directory, not a plan file/, hint: /Name the file inside it/ },
  { name: 'check: a symlink loop', setup: 'plain', prepare: loop('plan.json'), args: ['check', 'plan.json'], message: /plan\.json is a symbolic link that loops/ },
  { name: 'check: a NUL byte', setup: 'plain', prepare: file('plan.json', '{"tasks": []}\0'), args: ['check', 'plan.json'], message: /plan\.json looks like a binary file/ },
  { name: 'check: an empty file', setup: 'plain', prepare: file('plan.json', '\n'), args: ['check', 'plan.json'], message: /plan\.json is empty/ },
  { name: 'check: invalid JSON', setup: 'plain', prepare: file('plan.json', '{"tasks": [}'), args: ['check', 'plan.json'], message: /plan\.json:1:\d+ is not valid JSON/ },
  { name: 'check: invalid YAML', setup: 'plain', prepare: file('plan.yaml', 'tasks: [\n'), args: ['check', 'plan.yaml'], message: /plan\.yaml:\d+:\d+ is not valid YAML/ },
  { name: 'check: a YAML alias bomb', setup: 'plain', prepare: file('plan.yaml', ALIAS_BOMB), args: ['check', 'plan.yaml'], message: /plan\.yaml expands its aliases \(\*name\) more than 100 times/ },
  {
    name: 'check: a !!js/function tag',
    setup: 'plain',
    prepare: file('plan.yaml', 'tasks:\n  - id: T1\n    title: !!js/function "function () { return 1 }"\n'),
    args: ['check', 'plan.yaml'],
    message: /plan\.yaml:3:\d+ uses the tag tag:yaml\.org,2002:js\/function, which xplan does not read|plan\.yaml:3:\d+ uses the tag .*js\/function/,
  },
  { name: 'check: a !!js/regexp tag', setup: 'plain', prepare: file('plan.yaml', 'tasks: !!js/regexp /x/\n'), args: ['check', 'plan.yaml'], message: /uses the tag .*js\/regexp/ },
  { name: 'check: a custom tag', setup: 'plain', prepare: file('plan.yaml', 'tasks: !include other.yaml\n'), args: ['check', 'plan.yaml'], message: /uses the tag !include/ },
  { name: 'check: a name too long', setup: 'plain', args: ['check', `${'p'.repeat(300)}.json`], message: /is too long for the file system/ },

  // The config, read by most commands.
  { name: 'config: a YAML alias bomb', setup: 'planned', prepare: file('.xplan/config.yaml', ALIAS_BOMB), args: ['plan', 'spec.md', '--yes'], message: /config\.yaml expands its aliases/ },
  {
    name: 'config: a !!js tag',
    setup: 'planned',
    prepare: file('.xplan/config.yaml', 'run:\n  verify: !!js/function "function () {}"\n'),
    args: ['plan', 'spec.md', '--yes'],
    message: /config\.yaml:2:\d+ uses the tag .*js\/function/,
  },
  { name: 'config: invalid YAML', setup: 'planned', prepare: file('.xplan/config.yaml', 'run: [\n'), args: ['task', 'add', '--title', 'x'], message: /config\.yaml:\d+:\d+ is not valid YAML/ },
  {
    name: 'config: a directory',
    setup: 'planned',
    prepare: directory('.xplan/config.yaml'),
    args: ['task', 'add', '--title', 'x'],
    message: /config\.yaml is a directory, but xplan keeps a file there/,
    hint: /Move it aside/,
  },
  { name: 'config: a symlink loop', setup: 'planned', prepare: loop('.xplan/config.yaml'), args: ['plan', 'spec.md', '--yes'], message: /config\.yaml is a symbolic link that loops back on itself/ },

  // .xplan and its files being the wrong kind of file.
  {
    name: '.xplan is a file (assess saves)',
    setup: 'plain',
    prepare: file('.xplan', 'not a directory\n'),
    args: ['assess', 'spec.md'],
    message: /\.xplan is a file, but xplan keeps a directory there/,
    hint: /Move it aside/,
  },
  {
    name: '.xplan is a file (plan)',
    setup: 'plain',
    prepare: file('.xplan', 'not a directory\n'),
    args: ['plan', 'spec.md', '--yes'],
    message: /\.xplan is a file, but xplan keeps a directory there/,
  },
  { name: '.xplan is a file (show)', setup: 'plain', prepare: file('.xplan', 'not a directory\n'), args: ['show'], message: /\.xplan is a file, but xplan keeps a directory there/ },
  { name: '.xplan is a symlink loop', setup: 'plain', prepare: loop('.xplan'), args: ['plan', 'spec.md', '--yes'], message: /\.xplan.* loops back on itself|\.xplan is a file/ },
  { name: 'state.json is a directory (show)', setup: 'planned', prepare: directory('.xplan/state.json'), args: ['show'], message: /state\.json is a directory, but xplan keeps a file there/ },
  { name: 'state.json is a directory (task add)', setup: 'planned', prepare: directory('.xplan/state.json'), args: ['task', 'add', '--title', 'x'], message: /state\.json is a directory/ },
  { name: 'state.json is a symlink loop', setup: 'planned', prepare: loop('.xplan/state.json'), args: ['status'], message: /state\.json is a symbolic link that loops back on itself/ },
  {
    name: 'state.lock is a directory',
    setup: 'planned',
    prepare: directory('.xplan/state.lock'),
    args: ['task', 'add', '--title', 'x'],
    message: /state\.lock is a directory, but xplan keeps a file there/,
  },

  // Hand-edited state of the wrong shape: the path of the bad field.
  { name: 'state: not JSON', setup: 'planned', prepare: file('.xplan/state.json', '{"schemaVersion": 1,'), args: ['show'], message: /state\.json is corrupt \(not valid JSON/ },
  { name: 'state: an array', setup: 'planned', prepare: file('.xplan/state.json', '[]'), args: ['show'], message: /state\.json is corrupt \(\(root\): Expected object, received array\)/ },
  { name: 'state: revision a string', setup: 'planned', prepare: state((s) => (s.revision = 'two')), args: ['show'], message: /corrupt \(revision: Expected number, received string\)/ },
  { name: 'state: tasks not a list', setup: 'planned', prepare: state((s) => (planOf(s).tasks = 'T1' as never)), args: ['show'], message: /corrupt \(plan\.tasks: Expected array, received string\)/ },
  {
    name: 'state: dependsOn a string',
    setup: 'planned',
    prepare: state((s) => (planOf(s).tasks[1]!.dependsOn = 'T1')),
    args: ['task', 'add', '--title', 'x'],
    message: /corrupt \(plan\.tasks\[1\]\.dependsOn: expected a list/,
  },
  {
    name: 'state: an unknown effort',
    setup: 'planned',
    prepare: state((s) => (planOf(s).tasks[0]!.effort = 'XXL')),
    args: ['show'],
    message: /corrupt \(plan\.tasks\[0\]\.effort: expected one of XS, S, M, L, XL/,
  },
  { name: 'state: the summary missing', setup: 'planned', prepare: state((s) => delete planOf(s).summary), args: ['show'], message: /corrupt \(plan\.summary: Required\)/ },
  {
    name: 'state: a task state unknown',
    setup: 'ran',
    prepare: state((s) => ((s.run as { tasks: { T1: { state: string } } }).tasks.T1.state = 'bogus')),
    args: ['status'],
    message: /corrupt \(run\.tasks\.T1\.state: Invalid enum value/,
  },
  {
    name: 'state: a run task named __proto__',
    setup: 'ran',
    prepare: (r) => writeFileSync(join(r, '.xplan/state.json'), readFileSync(join(r, '.xplan/state.json'), 'utf8').replace('"T1": {', '"__proto__": {')),
    args: ['status'],
    message: /corrupt \(run\.tasks\.__proto__: task ids look like T1, T2/,
  },
  {
    name: 'state: an agent number below 1',
    setup: 'ran',
    prepare: state((s) => ((s.run as { tasks: { T1: { attempts: Array<{ agent: number }> } } }).tasks.T1.attempts[0]!.agent = -1)),
    args: ['logs', 'T1'],
    message: /corrupt \(run\.tasks\.T1\.attempts\[0\]\.agent: Number must be greater than 0\)/,
  },
  { name: 'state: an approved plan with a cycle (run)', setup: 'approved', prepare: cycle, args: ['run'], message: /corrupt \(plan\.tasks: the plan is approved, but .*cycle/ },
  { name: 'state: an approved plan with a cycle (dry run)', setup: 'approved', prepare: cycle, args: ['run', '--dry-run'], message: /the plan is approved, but .*cycle/ },
  {
    name: 'state: an approved plan with a dangling dependency',
    setup: 'approved',
    prepare: state((s) => (planOf(s).tasks[0]!.dependsOn = ['T99'])),
    args: ['run'],
    message: /the plan is approved, but .*T99/,
  },

  // Inputs that would be accepted and break xplan later.
  {
    name: 'export --jsonl into .xplan',
    setup: 'approved',
    args: ['export', 'beads', '--jsonl', '.xplan/state.json'],
    message: /\.xplan\/state\.json is inside \.xplan\/, where xplan keeps its own files/,
    hint: /--jsonl state\.json/,
  },
  { name: 'report --out into .xplan', setup: 'ran', args: ['report', '--out', '.xplan/state.json'], message: /is inside \.xplan\/, where xplan keeps its own files; --out will not write there/ },
  { name: "done --reason ''", setup: 'ran', args: ['done', 'T1', '--reason', ''], message: /--reason <text>' argument '' is invalid\. expected some text, not an empty string/ },
  {
    name: 'retry --context-file binary',
    setup: 'ran',
    prepare: file('context.bin', Buffer.from([0x89, 0x50, 0, 1, 0xff])),
    args: ['retry', 'T1', '--context-file', 'context.bin'],
    message: /The context file context\.bin is not text/,
  },
  {
    name: 'config: backoffSeconds 1e400',
    setup: 'planned',
    prepare: file('.xplan/config.yaml', 'run:\n  backoffSeconds: 1e400\n'),
    args: ['plan', 'spec.md', '--yes'],
    message: /run\.backoffSeconds/,
  },
  {
    name: 'config: a javascript: agent-mail URL',
    setup: 'planned',
    prepare: file('.xplan/config.yaml', 'agentMail:\n  url: "javascript:alert(1)"\n'),
    args: ['plan', 'spec.md', '--yes'],
    message: /agentMail\.url: must be an http:\/\/ or https:\/\/ URL/,
  },

  {
    name: 'task-master: an id of 1e21',
    setup: 'plain',
    prepare: file('tasks.json', '{"tasks":[{"id":1e21,"title":"Big","dependencies":[]}]}'),
    args: ['plan', '--from', 'taskmaster', 'tasks.json'],
    message: /tasks\.0\.id: expected a whole number such as 3 \(found 1e\+21\)/,
  },

  // Arguments: a few end to end, to show the binary reports them so; the rest are in test/cli/usage-errors.test.ts.
  {
    name: '--concurrency 1e9',
    setup: 'approved',
    args: ['run', '--concurrency', '1e9'],
    message: /option '-c, --concurrency <n>' argument '1e9' is invalid\. expected a whole number from 1 to 64/,
    hint: /xplan run --help/,
  },
  { name: "--only ''", setup: 'approved', args: ['run', '--only', ''], message: /--only <ids>' argument '' is invalid\. expected task ids/ },
  {
    name: 'move with --before and --after',
    setup: 'planned',
    args: ['task', 'move', 'T1', '--before', 'T2', '--after', 'T3'],
    message: /T1 cannot go both before T2 and after T3/,
    hint: /one of --before and --after/,
  },
  { name: 'add with a blank --stream', setup: 'planned', args: ['task', 'add', '--title', 'x', '--stream', ''], message: /A stream needs a name/ },
  { name: 'add with a whitespace --stream', setup: 'planned', args: ['task', 'add', '--title', 'x', '--stream', '   '], message: /A stream needs a name/ },
  { name: 'set with a blank --stream', setup: 'planned', args: ['task', 'set', 'T1', '--stream', ''], message: /A stream needs a name/ },
  { name: 'add with a blank title', setup: 'planned', args: ['task', 'add', '--title', '  '], message: /A task needs a title/ },
  { name: 'set __proto__', setup: 'planned', args: ['task', 'set', '__proto__', '--title', 'x'], message: /There is no task __proto__ in the plan/ },
  { name: 'set constructor', setup: 'planned', args: ['task', 'set', 'constructor', '--title', 'x'], message: /There is no task constructor in the plan/ },
  { name: 'dep add on __proto__', setup: 'planned', args: ['task', 'dep', 'add', 'T1', '__proto__'], message: /There is no task __proto__ in the plan/ },
  { name: 'rm constructor', setup: 'planned', args: ['task', 'rm', 'constructor'], message: /There is no task constructor in the plan/ },
  { name: 'skip constructor', setup: 'ran', args: ['skip', 'constructor'], message: /Task constructor is not part of run 20260101-000000/ },
  { name: 'retry __proto__', setup: 'ran', args: ['retry', '__proto__'], message: /Task __proto__ is not part of run/ },
  { name: 'done toString', setup: 'ran', args: ['done', 'toString', '--reason', 'x'], message: /Task toString is not part of run/ },
  { name: 'logs constructor', setup: 'ran', args: ['logs', 'constructor'], message: /Task constructor is not part of run/ },
  { name: 'export --jsonl to a directory', setup: 'approved', args: ['export', 'beads', '--jsonl', '.'], message: /\. is a directory; --jsonl takes a file name/, hint: /issues\.jsonl/ },
  {
    name: 'export --jsonl to a directory (dry run)',
    setup: 'approved',
    prepare: directory('out'),
    args: ['export', 'beads', '--jsonl', 'out', '--dry-run'],
    message: /out is a directory; --jsonl takes a file name/,
  },
  { name: 'export --jsonl below a file', setup: 'approved', args: ['export', 'beads', '--jsonl', 'spec.md/issues.jsonl'], message: /spec\.md\/issues\.jsonl/ },
];

describe.concurrent('bad input: exit 2, one error line and a hint, .xplan unchanged', () => {
  it('holds at least 60 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(60));

  for (const c of CASES) {
    it(
      c.name,
      async () => {
        const repo = copy(templates[c.setup]);
        c.prepare?.(repo);
        const before = hashXplan(repo);
        const result = await runXplanAsync(c.args, { cwd: repo, timeoutMs: 30_000 });
        const shown = `${c.args.join(' ').slice(0, 200)}\n${result.stderr.slice(0, 2000)}`;
        expect(result.code, shown).toBe(2);
        const lines = result.stderr.trimEnd().split('\n');
        expect(lines, shown).toHaveLength(2);
        expect(lines[0], shown).toMatch(/^✖ /);
        expect(lines[0], shown).toMatch(c.message);
        expect(lines[0]).not.toMatch(/Unexpected error/);
        expect(lines[1], shown).toMatch(/^ {2}→ \S/);
        if (c.hint) expect(lines[1], shown).toMatch(c.hint);
        expect(result.stdout).toBe('');
        expect(hashXplan(repo), `${c.name}: .xplan changed`).toBe(before);
      },
      60_000,
    );
  }
});

describe('doctor with a broken config', () => {
  it('reports a YAML alias bomb in config.yaml as an invalid config, with the fix, and does not crash', () => {
    const repo = copy(templates.plain);
    writeFiles(repo, { '.xplan/config.yaml': ALIAS_BOMB });
    const result = runXplan(['doctor'], { cwd: repo });
    expect(result.code).toBe(1);
    // Piped, the message wraps under its column: read across the lines.
    expect(result.stdout.replace(/\s+/g, ' ')).toMatch(/config.*invalid.*expands its aliases/);
    expect(result.stdout + result.stderr).not.toMatch(/Unexpected error/);
    expect(existsSync(join(repo, '.xplan/state.json'))).toBe(false);
  });
});
