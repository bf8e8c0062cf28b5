/** The fake `bd` (test/support/fake-bd) follows the beads spec in /work/shared/research/beads-cli.md. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../support/cli.js';

const BD = join(REPO_ROOT, 'test/support/fake-bd/bd');

interface Issue {
  id: string;
  title: string;
  status: string;
  priority: number;
  [key: string]: unknown;
}

let dir: string;
beforeEach(() => {
  dir = tempDir('xplan-fake-bd-');
  expect(bd(['init', '-p', 'xp', '-q']).code).toBe(0);
});

function bd(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(BD, args, { cwd: dir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    json: <T = any>() => JSON.parse(r.stdout) as T,
    error: () => JSON.parse(r.stderr) as { error: string; code: string; schema_version: number },
  };
}
/** Runs a --json command that must succeed and returns its parsed output. */
function ok<T = any>(args: string[], env: Record<string, string> = {}): T {
  const r = bd([...args, '--json'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.json<T>();
}
const create = (title: string, ...flags: string[]) => ok<Issue>(['create', title, ...flags]).id;
const show = (id: string) => ok<Issue[]>(['show', id])[0]!;
const listAll = () => ok<Issue[]>(['list', '--all', '--limit', '0']);
function writeJsonl(name: string, records: object[]): string {
  const file = join(dir, name);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('fake bd: basics', () => {
  it('is an executable file', () => {
    expect(statSync(BD).mode & 0o777).toBe(0o755);
  });

  it('reports its version, in JSON or as text, overridable with BD_FAKE_VERSION', () => {
    expect(ok(['version'])).toEqual({ version: '1.0.5', build: 'fake', commit: '0000000', schema_version: 1 });
    expect(bd(['version']).stdout).toBe('bd version 1.0.5 (fake)\n');
    expect(ok(['version'], { BD_FAKE_VERSION: '0.49.6' }).version).toBe('0.49.6');
  });

  it('stores in <cwd>/.beads, or in $BEADS_DIR, and logs every call with its actor and BD_NON_INTERACTIVE', () => {
    create('Local');
    expect(existsSync(join(dir, '.beads/fake-db.json'))).toBe(true);
    const beadsDir = join(dir, 'elsewhere/.beads');
    bd(['init', '-q'], { BEADS_DIR: beadsDir });
    bd(['create', 'Remote', '--json', '--actor', 'xplan'], { BEADS_DIR: beadsDir, BD_NON_INTERACTIVE: '1' });
    bd(['list'], { BEADS_DIR: beadsDir, BEADS_ACTOR: 'env-actor' });
    const remote = JSON.parse(readFileSync(join(beadsDir, 'fake-db.json'), 'utf8'));
    expect(remote.issues.map((i: Issue) => i.title)).toEqual(['Remote']);
    const calls = readFileSync(join(beadsDir, 'calls.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(calls).toEqual([
      { argv: ['init', '-q'], actor: 'fake', nonInteractive: null },
      { argv: ['create', 'Remote', '--json', '--actor', 'xplan'], actor: 'xplan', nonInteractive: '1' },
      { argv: ['list'], actor: 'env-actor', nonInteractive: null },
    ]);
    expect(JSON.parse(readFileSync(join(dir, '.beads/calls.log'), 'utf8').trim().split('\n')[1]!).actor).toBe('fake');
  });

  it('fails on an unknown command or flag: JSON on stderr with --json, `Error:` text without', () => {
    const r = bd(['frobnicate', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.error()).toEqual({ error: 'unknown command "frobnicate" for "bd"', code: 'UNKNOWN_COMMAND', schema_version: 1 });
    const plain = bd(['list', '--frob']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe('Error: unknown flag: --frob\n');
  });
});

describe('fake bd: create', () => {
  it('creates an open P2 task with an xp- id and prints one object without dependencies', () => {
    const issue = ok<Issue>(['create', 'First', '--actor', 'xplan']);
    expect(issue.id).toMatch(/^xp-[0-9a-z]{4}$/);
    expect(issue).toMatchObject({ title: 'First', status: 'open', priority: 2, issue_type: 'task', created_by: 'xplan', schema_version: 1 });
    expect(issue.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(issue).not.toHaveProperty('dependencies');
    expect(create('Second')).not.toBe(issue.id);
  });

  it('takes every field flag (the way xplan calls it) and --silent prints only the id', () => {
    const id = create(
      'Full',
      '-t',
      'feature',
      '-p',
      '1',
      '-d',
      'Desc',
      '--design',
      'Des',
      '--acceptance',
      'Acc',
      '--notes',
      'N',
      '-l',
      'xplan,ui',
      '--external-ref',
      'xplan:t1',
      '--metadata',
      '{"xplan_task":"t1"}',
      '-e',
      '30',
    );
    expect(show(id)).toMatchObject({
      issue_type: 'feature',
      priority: 1,
      description: 'Desc',
      design: 'Des',
      acceptance_criteria: 'Acc',
      notes: 'N',
      labels: ['xplan', 'ui'],
      external_ref: 'xplan:t1',
      metadata: { xplan_task: 't1' },
      estimated_minutes: 30,
    });
    const empty = show(create('No labels', '-l', '', '-d', ''));
    expect(empty).not.toHaveProperty('labels');
    expect(empty).not.toHaveProperty('description');
    const silent = bd(['create', 'Quiet', '--silent']);
    expect(silent.stdout).toMatch(/^xp-[0-9a-z]{4}\n$/);
  });

  it('rejects a bad priority, type or metadata', () => {
    expect(bd(['create', 'X', '-p', '7', '--json']).error().code).toBe('INVALID_ARGUMENT');
    expect(bd(['create', 'X', '-t', 'saga', '--json']).error().code).toBe('INVALID_ARGUMENT');
    expect(bd(['create', 'X', '--metadata', 'nope', '--json']).error().code).toBe('INVALID_ARGUMENT');
    expect(listAll()).toEqual([]);
  });

  it('gives children hierarchical ids and a parent-child dependency on the parent', () => {
    const epic = create('Epic', '-t', 'epic');
    const c1 = create('Child 1', '--parent', epic, '--actor', 'xplan');
    const c2 = create('Child 2', '--parent', epic);
    expect([c1, c2]).toEqual([`${epic}.1`, `${epic}.2`]);
    expect(create('Grandchild', '--parent', c1)).toBe(`${epic}.1.1`);
    const child = listAll().find((i) => i.id === c1)!;
    expect(child.parent).toBe(epic);
    expect(child.dependencies).toEqual([{ issue_id: c1, depends_on_id: epic, type: 'parent-child', created_at: expect.any(String), created_by: 'xplan' }]);
    expect(
      ok<Issue[]>(['list', '--parent', epic])
        .map((i) => i.id)
        .sort(),
    ).toEqual([c1, c2]);
    expect(bd(['create', 'Orphan', '--parent', 'xp-none', '--json']).error().code).toBe('NOT_FOUND');
  });

  it('--deps with bare ids makes the new issue depend on them', () => {
    const a = create('A');
    const b = create('B', '--deps', a);
    expect(show(b).dependencies).toEqual([expect.objectContaining({ id: a, dependency_type: 'blocks' })]);
  });
});

describe('fake bd: dependencies', () => {
  it('`dep add A B` means A depends on B, as show reports from both ends', () => {
    const a = create('A');
    const b = create('B');
    expect(ok(['dep', 'add', a, b])).toEqual({ status: 'added', issue_id: a, depends_on_id: b, type: 'blocks', schema_version: 1 });
    const [shownA] = ok<Issue[]>(['show', a]);
    expect(shownA!.dependencies).toEqual([expect.objectContaining({ id: b, title: 'B', status: 'open', dependency_type: 'blocks' })]);
    expect(shownA!.dependents).toEqual([]);
    expect(show(b).dependents).toEqual([expect.objectContaining({ id: a, dependency_type: 'blocks' })]);
    expect(show(b).dependencies).toEqual([]);
    expect(ok<Issue[]>(['show', a, b]).map((i) => i.id)).toEqual([a, b]);
    expect(ok<Issue[]>(['ready']).map((i) => i.id)).toEqual([b]);
  });

  it('adding an existing dependency again is idempotent; remove deletes it and fails when absent', () => {
    const a = create('A');
    const b = create('B');
    ok(['dep', 'add', a, b]);
    expect(ok(['dep', 'add', a, b, '-t', 'blocks']).status).toBe('added');
    expect(listAll().find((i) => i.id === a)!.dependency_count).toBe(1);
    expect(ok(['dep', 'remove', a, b])).toEqual({ status: 'removed', issue_id: a, depends_on_id: b, schema_version: 1 });
    expect(show(a).dependencies).toEqual([]);
    expect(bd(['dep', 'rm', a, b, '--json']).error().code).toBe('NOT_FOUND');
    expect(bd(['dep', 'add', a, 'xp-none', '--json']).error().code).toBe('NOT_FOUND');
  });

  it('refuses a cycle among blocking dependencies but not through a related link', () => {
    const [a, b, c] = [create('A'), create('B'), create('C')];
    ok(['dep', 'add', a, b]);
    ok(['dep', 'add', b, c, '-t', 'waits-for']);
    const r = bd(['dep', 'add', c, a, '--json']);
    expect(r.code).toBe(1);
    expect(r.error()).toMatchObject({ code: 'CYCLE', error: expect.stringContaining('cycle') });
    expect(bd(['dep', 'add', a, a, '--json']).error().code).toBe('CYCLE');
    expect(ok(['dep', 'add', c, a, '-t', 'related']).type).toBe('related');
    const epic = create('Epic', '-t', 'epic');
    const child = create('Child', '--parent', epic);
    expect(bd(['dep', 'add', epic, child, '--json']).error().code).toBe('CYCLE');
  });
});

describe('fake bd: list and ready', () => {
  it('returns 50 issues by default; --limit 0 returns all', () => {
    const file = writeJsonl(
      'many.jsonl',
      Array.from({ length: 60 }, (_, n) => ({ id: `xp-m${String(n).padStart(2, '0')}`, title: `Issue ${n}`, priority: 2 })),
    );
    expect(ok(['import', file]).created).toBe(60);
    expect(ok<Issue[]>(['list'])).toHaveLength(50);
    expect(ok<Issue[]>(['list', '--limit', '0'])).toHaveLength(60);
    expect(ok<Issue[]>(['list', '--limit', '7'])).toHaveLength(7);
  });

  it('hides closed issues unless --all or --status asks for them', () => {
    const open = create('Open');
    const done = create('Done');
    ok(['close', done, '-r', 'finished']);
    expect(ok<Issue[]>(['list']).map((i) => i.id)).toEqual([open]);
    expect(
      ok<Issue[]>(['list', '--all'])
        .map((i) => i.id)
        .sort(),
    ).toEqual([open, done].sort());
    expect(ok<Issue[]>(['list', '--status', 'closed']).map((i) => i.id)).toEqual([done]);
    expect(ok<Issue[]>(['list', '--status', 'open,closed'])).toHaveLength(2);
  });

  it('filters by id, label and type, and gives list items counts', () => {
    const a = create('A', '-l', 'x,y', '-t', 'bug');
    const b = create('B', '-l', 'x');
    ok(['dep', 'add', b, a]);
    expect(ok<Issue[]>(['list', '-l', 'y']).map((i) => i.id)).toEqual([a]);
    expect(ok<Issue[]>(['list', '-t', 'bug']).map((i) => i.id)).toEqual([a]);
    expect(ok<Issue[]>(['list', '--id', `${a},${b}`])).toHaveLength(2);
    const itemA = ok<Issue[]>(['list', '--id', a])[0]!;
    expect(itemA).toMatchObject({ dependencies: [], dependency_count: 0, dependent_count: 1 });
    expect(itemA).not.toHaveProperty('parent');
  });

  it('ready lists open issues with no open blockers: children of an open epic are ready, children of a blocked epic not', () => {
    const gate = create('Gate');
    const epic = create('Epic', '-t', 'epic');
    const child = create('Child', '--parent', epic);
    const busy = create('Busy');
    ok(['update', busy, '-s', 'in_progress']);
    expect(
      ok<Issue[]>(['ready'])
        .map((i) => i.id)
        .sort(),
    ).toEqual([gate, epic, child].sort());
    ok(['dep', 'add', epic, gate]);
    expect(ok<Issue[]>(['ready']).map((i) => i.id)).toEqual([gate]);
    ok(['close', gate, '-r', 'done']);
    expect(
      ok<Issue[]>(['ready'])
        .map((i) => i.id)
        .sort(),
    ).toEqual([epic, child].sort());
  });
});

describe('fake bd: update', () => {
  it('returns an array; in_progress sets started_at; --append-notes adds a line; labels add and remove', () => {
    const id = create('Task', '--notes', 'first', '-l', 'a');
    const updated = ok<Issue[]>(['update', id, '-s', 'in_progress', '-a', 'agent-1', '--append-notes', 'second', '--add-label', 'b', '--remove-label', 'a']);
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({ id, status: 'in_progress', assignee: 'agent-1', notes: 'first\nsecond', labels: ['b'] });
    expect(updated[0]!.started_at).toEqual(expect.any(String));
    ok(['update', id, '--title', 'Renamed', '-p', '0', '--acceptance', 'Acc', '--external-ref', 'r', '--metadata', '{"a":1}', '-e', '5', '-d', 'D', '--design', 'G']);
    expect(show(id)).toMatchObject({
      title: 'Renamed',
      priority: 0,
      acceptance_criteria: 'Acc',
      external_ref: 'r',
      metadata: { a: 1 },
      estimated_minutes: 5,
      description: 'D',
      design: 'G',
      started_at: updated[0]!.started_at,
    });
  });

  it('fails on an unknown id or status and changes nothing', () => {
    const id = create('Task');
    expect(bd(['update', id, 'xp-none', '-s', 'blocked', '--json']).error().code).toBe('NOT_FOUND');
    expect(bd(['update', id, '-s', 'doing', '--json']).error().code).toBe('INVALID_ARGUMENT');
    expect(show(id).status).toBe('open');
  });

  it('--claim takes an open unassigned issue for the actor, and refuses one claimed by someone else', () => {
    const id = create('Task');
    expect(ok<Issue[]>(['update', id, '--claim', '--actor', 'xplan'])[0]).toMatchObject({ status: 'in_progress', assignee: 'xplan' });
    expect(ok<Issue[]>(['update', id, '--claim', '--actor', 'xplan'])[0]!.assignee).toBe('xplan');
    expect(bd(['update', id, '--claim', '--actor', 'other', '--json']).error().code).toBe('ALREADY_CLAIMED');
  });
});

describe('fake bd: close', () => {
  it('closes with -r, returning an array with closed_at and close_reason', () => {
    const a = create('A');
    const b = create('B');
    const closed = ok<Issue[]>(['close', a, b, '-r', 'Merged in abc123']);
    expect(closed.map((i) => [i.id, i.status, i.close_reason])).toEqual([
      [a, 'closed', 'Merged in abc123'],
      [b, 'closed', 'Merged in abc123'],
    ]);
    expect(closed[0]!.closed_at).toEqual(expect.any(String));
    expect(ok<Issue[]>(['update', a, '-s', 'open'])[0]).not.toHaveProperty('closed_at');
  });

  it('treats a second positional word as an id: `bd close X "text"` fails and closes nothing', () => {
    const id = create('A');
    const r = bd(['close', id, 'All done', '--json']);
    expect(r.code).toBe(1);
    expect(r.error()).toEqual({ error: 'issue not found: All done', code: 'NOT_FOUND', schema_version: 1 });
    expect(show(id).status).toBe('open');
  });

  it('refuses to close an issue with an open blocker unless --force', () => {
    const a = create('A');
    const b = create('B');
    ok(['dep', 'add', a, b]);
    const r = bd(['close', a, '-r', 'done', '--json']);
    expect(r.code).toBe(1);
    expect(r.error().code).toBe('BLOCKED');
    expect(r.error().error).toContain(b);
    expect(show(a).status).toBe('open');
    expect(ok<Issue[]>(['close', a, '-r', 'done', '--force'])[0]!.status).toBe('closed');
    const c = create('C');
    ok(['dep', 'add', c, b]);
    ok(['close', b, '-r', 'done']);
    expect(ok<Issue[]>(['close', c, '-r', 'done'])[0]!.status).toBe('closed');
  });

  it('refuses to close an epic with open children unless --force', () => {
    const epic = create('Epic', '-t', 'epic');
    const child = create('Child', '--parent', epic);
    expect(bd(['close', epic, '-r', 'done', '--json']).error().code).toBe('OPEN_CHILDREN');
    ok(['close', child, '-r', 'done']);
    expect(ok<Issue[]>(['close', epic, '-r', 'done'])[0]!.status).toBe('closed');
  });
});

describe('fake bd: failure injection', () => {
  it('BD_FAKE_FAIL fails the first N calls of a command with "database is locked"', () => {
    const id = create('Task');
    const env = { BD_FAKE_FAIL: 'update:2,close:1' };
    for (let n = 0; n < 2; n++) {
      const r = bd(['update', id, '-s', 'in_progress', '--json'], env);
      expect(r.code).toBe(1);
      expect(r.error()).toEqual({ error: 'database is locked', code: 'LOCKED', schema_version: 1 });
    }
    expect(show(id).status).toBe('open');
    expect(ok<Issue[]>(['update', id, '-s', 'in_progress'], env)[0]!.status).toBe('in_progress');
    expect(bd(['close', id, '-r', 'x'], env).stderr).toBe('Error: database is locked\n');
    expect(ok<Issue[]>(['close', id, '-r', 'x'], env)[0]!.status).toBe('closed');
    expect(JSON.parse(readFileSync(join(dir, '.beads/fail-counts.json'), 'utf8'))).toEqual({ update: 2, close: 1 });
  });
});

describe('fake bd: import', () => {
  it('imports JSONL with or without _type, keeps ids, defaults a missing priority to 0 and skips unknown dependencies', () => {
    const existing = create('Existing');
    const file = writeJsonl('issues.jsonl', [
      { _type: 'issue', id: 'xp-k9z', title: 'Epic', issue_type: 'epic', priority: 1, status: 'open', labels: ['xplan'] },
      {
        id: 'xp-k9z.1',
        title: 'Schema',
        created_at: '2026-05-01T12:00:00Z',
        updated_at: '2026-05-01T12:00:00Z',
        dependencies: [
          { issue_id: 'xp-k9z.1', depends_on_id: 'xp-k9z', type: 'parent-child', created_at: '2026-05-01T12:00:00Z', created_by: 'xplan' },
          { issue_id: 'xp-k9z.1', depends_on_id: 'xp-gone', type: 'blocks' },
        ],
      },
      { _type: 'issue', id: 'xp-done', title: 'Done', status: 'closed', priority: 3 },
      { _type: 'counts', issues: 3 },
      { id: existing, title: 'Duplicate' },
    ]);
    expect(ok(['import', file])).toEqual({ source: file, created: 3, skipped: 1, ids: ['xp-k9z', 'xp-k9z.1', 'xp-done'], schema_version: 1 });
    const child = show('xp-k9z.1');
    expect(child).toMatchObject({ priority: 0, status: 'open', created_at: '2026-05-01T12:00:00Z' });
    expect(child.dependencies).toEqual([expect.objectContaining({ id: 'xp-k9z', dependency_type: 'parent-child' })]);
    expect(show('xp-done').closed_at).toEqual(expect.any(String));
    expect(show(existing).title).toBe('Existing');
    expect(create('Next child', '--parent', 'xp-k9z')).toBe('xp-k9z.2');
  });
});

describe('fake bd: workspace and prefix (beads source: cmd/bd/init.go, cmd/bd/config.go)', () => {
  it('needs `bd init` first; init takes -p, else issue-prefix in config.yaml, else the directory name, normalised', () => {
    const fresh = tempDir('xplan-fake-bd-');
    const run = (cwd: string, args: string[]) => spawnSync(BD, args, { cwd, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    const r = run(fresh, ['list', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'NO_WORKSPACE', error: expect.stringContaining('no active beads workspace found') });
    expect(run(fresh, ['version']).status).toBe(0);

    const named = join(fresh, '.My.Project-');
    mkdirSync(named);
    expect(run(named, ['init', '-q']).status).toBe(0);
    expect(JSON.parse(run(named, ['config', 'get', 'issue_prefix', '--json']).stdout)).toEqual({ key: 'issue_prefix', value: 'My_Project', schema_version: 1 });
    expect(JSON.parse(run(named, ['create', 'A', '--json']).stdout).id).toMatch(/^My_Project-[0-9a-z]{4}$/);
    expect(run(named, ['init', '-p', 'again', '--json']).status).toBe(1);

    const numeric = join(fresh, '001');
    mkdirSync(join(numeric, '.beads'), { recursive: true });
    expect(run(numeric, ['init', '-q']).status).toBe(0);
    expect(run(numeric, ['config', 'get', 'issue_prefix']).stdout).toBe('bd_001\n');

    const configured = join(fresh, 'configured');
    mkdirSync(join(configured, '.beads'), { recursive: true });
    writeFileSync(join(configured, '.beads/config.yaml'), '# settings\nissue-prefix: "acme"\n');
    expect(run(configured, ['init', '-q']).status).toBe(0);
    expect(run(configured, ['config', 'get', 'issue_prefix']).stdout).toBe('acme\n');
    expect(run(configured, ['config', 'get', 'jira.url']).stdout).toBe('jira.url (not set)\n');
  });

  it('refuses a title that is empty or longer than 500 bytes', () => {
    expect(bd(['create', 'é'.repeat(251), '--json']).error()).toMatchObject({ code: 'INVALID_ARGUMENT', error: expect.stringContaining('title must be 500 characters or less (got 502)') });
    const id = create('A');
    expect(bd(['update', id, '--title', '', '--json']).error().error).toContain('title is required');
    expect(show(id).title).toBe('A');
  });

  it('classic bd (< 0.50) refuses to import ids of another prefix; 1.x imports them as they are', () => {
    const file = writeJsonl('other.jsonl', [{ id: 'zz-1', title: 'Foreign', priority: 2 }]);
    const classic = bd(['import', file, '--json'], { BD_FAKE_VERSION: '0.49.6' });
    expect(classic.code).toBe(1);
    expect(classic.error()).toMatchObject({ code: 'PREFIX_MISMATCH', error: expect.stringContaining("database uses 'xp-'") });
    expect(listAll()).toEqual([]);
    const ours = writeJsonl('ours.jsonl', [{ id: 'xp-1', title: 'Ours', priority: 2 }]);
    expect(ok(['import', ours], { BD_FAKE_VERSION: '0.49.6' }).created).toBe(1);
    expect(ok(['import', file]).created).toBe(1);
  });
});

describe('fake bd: create --graph (beads source: cmd/bd/graph_apply.go)', () => {
  function writeGraph(plan: object): string {
    const file = join(dir, `graph-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(plan));
    return file;
  }

  it('creates nodes, parent-child links and edges in one call; from depends on to; ids are flat', () => {
    const outside = create('Outside');
    const file = writeGraph({
      commit_message: 'plan',
      nodes: [
        { key: 'epic', title: 'Epic', type: 'epic', priority: 1, labels: ['xplan'] },
        { key: 't1', title: 'T1 Schema', parent_key: 'epic', description: 'D', metadata: { xplanTask: 'T1' } },
        { key: 't2', title: 'T2 API', parent_key: 'epic', priority: 3 },
        { key: 't3', title: 'T3 Extra', parent_id: outside },
      ],
      edges: [
        { from_key: 't2', to_key: 't1', type: 'blocks' },
        { from_id: outside, to_key: 't1', type: 'related' },
        { from_key: 't2', to_key: 'epic', type: 'parent-child' },
      ],
    });
    const result = ok<{ ids: Record<string, string>; schema_version: number }>(['create', '--graph', file, '--actor', 'xplan']);
    expect(Object.keys(result.ids).sort()).toEqual(['epic', 't1', 't2', 't3']);
    for (const id of Object.values(result.ids)) expect(id).toMatch(/^xp-[0-9a-z]{4}$/);
    const t1 = show(result.ids.t1!);
    expect(t1).toMatchObject({ title: 'T1 Schema', priority: 2, issue_type: 'task', description: 'D', metadata: { xplanTask: 'T1' }, created_by: 'xplan' });
    expect(t1.dependencies).toEqual([expect.objectContaining({ id: result.ids.epic, dependency_type: 'parent-child' })]);
    const t2 = show(result.ids.t2!);
    expect((t2.dependencies as Array<{ id: string; dependency_type: string }>).map((d) => [d.id, d.dependency_type]).sort()).toEqual(
      [
        [result.ids.epic, 'parent-child'],
        [result.ids.t1, 'blocks'],
      ].sort(),
    );
    expect(show(result.ids.epic!)).toMatchObject({ issue_type: 'epic', priority: 1, labels: ['xplan'] });
    expect(listAll().find((i) => i.id === result.ids.t3)!.parent).toBe(outside);
    expect(show(outside).dependencies).toEqual([expect.objectContaining({ id: result.ids.t1, dependency_type: 'related' })]);
  });

  it('warns about unknown fields, and writes nothing when any node or edge is invalid', () => {
    const warned = bd(['create', '--graph', writeGraph({ nodes: [{ key: 'a', title: 'A', acceptance: 'x' }] }), '--json']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('graph plan node["a"] has unknown field(s): [acceptance]');
    const before = listAll().length;
    const bad = [
      { nodes: [] },
      { nodes: [{ key: 'a', title: '' }] },
      {
        nodes: [
          { key: 'a', title: 'A' },
          { key: 'a', title: 'B' },
        ],
      },
      { nodes: [{ key: 'a', title: 'A', parent_key: 'nope' }] },
      { nodes: [{ key: 'a', title: 'A' }], edges: [{ from_key: 'a', to_key: 'zz' }] },
      {
        nodes: [
          { key: 'a', title: 'A' },
          { key: 'b', title: 'B' },
        ],
        edges: [
          { from_key: 'a', to_key: 'b' },
          { from_key: 'b', to_key: 'a' },
        ],
      },
      { nodes: [{ key: 'a', title: 'A', metadata: { n: 1 } }] },
      { nodes: [{ key: 'a', title: 'x'.repeat(501) }] },
    ];
    for (const plan of bad) {
      const r = bd(['create', '--graph', writeGraph(plan), '--json']);
      expect(r.code, JSON.stringify(plan)).toBe(1);
      expect(r.error().error).toMatch(/graph/);
    }
    expect(listAll()).toHaveLength(before);
  });

  it('is an unknown flag before bd 0.63', () => {
    const r = bd(['create', '--graph', writeGraph({ nodes: [{ key: 'a', title: 'A' }] }), '--json'], { BD_FAKE_VERSION: '0.62.0' });
    expect(r.error()).toEqual({ error: 'unknown flag: --graph', code: 'INVALID_ARGUMENT', schema_version: 1 });
    expect(listAll()).toEqual([]);
  });
});

describe('fake bd: values attached with `=` and operands after `--` (pflag, as real bd parses them)', () => {
  /** Runs a command the way xplan does: `bd <args> --json --actor=xplan -- <operands>`. */
  function asXplan<T = any>(args: string[], operands: string[] = []): T {
    const r = bd([...args, '--json', '--actor=xplan', ...(operands.length > 0 ? ['--', ...operands] : [])]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.json<T>();
  }

  it('config get, create --graph, update, epic close without force, reopen and dep take these forms; a value that starts with `-` stays a value', () => {
    expect(asXplan(['config', 'get'], ['issue_prefix'])).toEqual({ key: 'issue_prefix', value: 'xp', schema_version: 1 });
    const file = join(dir, 'graph.json');
    writeFileSync(
      file,
      JSON.stringify({
        nodes: [
          { key: 'epic', title: 'Epic', type: 'epic' },
          { key: 'a', title: '--force', parent_key: 'epic' },
          { key: 'b', title: 'B', parent_key: 'epic' },
        ],
      }),
    );
    const { ids } = asXplan<{ ids: Record<string, string> }>(['create', `--graph=${file}`]);
    expect(show(ids.a!)).toMatchObject({ title: '--force', created_by: 'xplan' });
    asXplan(['update', '--title=-p 0', '--description=--status=closed', '--estimate=30'], [ids.b!]);
    expect(show(ids.b!)).toMatchObject({ title: '-p 0', description: '--status=closed', estimated_minutes: 30, status: 'open' });
    expect(asXplan<Issue>(['create', '--type=task', '--priority=1', '--description=-d'], ['-t epic'])).toMatchObject({ title: '-t epic', issue_type: 'task', priority: 1, description: '-d' });

    // An epic closed without --force: bd refuses while a child is open.
    const refused = bd(['close', '--reason=All 2 child issues are closed', '--json', '--actor=xplan', '--', ids.epic!]);
    expect(refused.error().code).toBe('OPEN_CHILDREN');
    asXplan(['close', '--reason=-r done', '--force'], [ids.a!]);
    asXplan(['close', '--reason=done', '--force=false'], [ids.b!]);
    expect(asXplan<Issue[]>(['close', '--reason=All 2 child issues are closed'], [ids.epic!])[0]).toMatchObject({ status: 'closed', close_reason: 'All 2 child issues are closed' });
    expect(show(ids.a!).close_reason).toBe('-r done');
    asXplan(['update', '--status=open', '--append-notes=Reopened: 1 of 2 child issues are not closed'], [ids.epic!]);
    expect(show(ids.epic!)).toMatchObject({ status: 'open', notes: 'Reopened: 1 of 2 child issues are not closed' });
    expect(asXplan(['dep', 'add', '--type=blocks'], [ids.b!, ids.a!])).toMatchObject({ status: 'added', issue_id: ids.b, depends_on_id: ids.a });
    expect(asXplan<Issue[]>(['list', '--all', '--limit=0'])).toHaveLength(4);
  });

  it('refuses a bool flag given a value that is not a bool, as pflag does', () => {
    const id = create('A');
    const r = bd(['close', '--force=maybe', '--json', '--', id]);
    expect(r.error().error).toContain('invalid argument "maybe" for "--force" flag');
    expect(show(id).status).toBe('open');
  });
});
