// A faithful fake of the beads CLI (`bd` 1.0.x) for tests; spec: /work/shared/research/beads-cli.md.
// Run through the `bd` wrapper next to this file. State lives in $BEADS_DIR (else <cwd>/.beads): fake-db.json,
// calls.log (one JSON line per invocation: {argv, actor, nonInteractive}) and fail-counts.json (BD_FAKE_FAIL).
// Beyond the notes, three behaviours follow the beads source (steveyegge/beads, v0.49.6 and v1.0.5):
// - the issue prefix lives in the database config, set by `bd init` (flag > config.yaml `issue-prefix` > directory
//   name, normalised), and `bd config get issue_prefix --json` prints {"key","value"}; commands other than
//   version and init fail in a directory that was never initialised (cmd/bd/init.go, cmd/bd/config.go);
// - `bd create --graph FILE` (0.63+, cmd/bd/graph_apply.go) creates nodes and edges in one transaction: nodes carry
//   key, title, type, description, assignee, priority (P2 when absent), labels, metadata (string values),
//   parent_key or parent_id; ids are flat (no `.N` children); unknown fields are warned about on stderr;
// - classic bd (< 0.50) refuses to import ids whose prefix is not the workspace's (internal/importer, 0.49.6);
//   1.x imports them as they are.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

class BdError extends Error {
  constructor(message, code = 'ERROR') {
    super(message);
    this.code = code;
  }
}
const fail = (message, code) => {
  throw new BdError(message, code);
};

const FIELDS = ['id', 'title', 'description', 'design', 'acceptance_criteria', 'notes', 'status', 'priority', 'issue_type', 'assignee', 'owner', 'estimated_minutes', 'created_at', 'created_by', 'updated_at', 'started_at', 'closed_at', 'close_reason', 'external_ref', 'labels', 'metadata'];
const TYPES = ['task', 'bug', 'feature', 'epic', 'chore', 'decision', 'spike', 'story', 'milestone'];
const STATUSES = ['open', 'in_progress', 'blocked', 'deferred', 'closed'];
const BLOCKING = ['blocks', 'parent-child', 'conditional-blocks', 'waits-for'];
const BLOCKERS = ['blocks', 'conditional-blocks', 'waits-for']; // what keeps an issue from being ready or closed
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---- arguments --------------------------------------------------------------------------------------------
const GLOBAL = { '--json': ['json', 'bool'], '--actor': ['actor', 'value'], '-q': ['quiet', 'bool'], '--quiet': ['quiet', 'bool'] };
const flags = (def) => Object.fromEntries(def.split(' ').filter(Boolean).map((f) => {
  const [names, name, kind = 'value'] = f.split(':');
  return names.split('|').map((n) => [n, [name, kind]]);
}).flat());
const ISSUE_FIELDS = '-d|--description:description --design:design --acceptance:acceptance --notes:notes -p|--priority:priority -e|--estimate:estimate -t|--type:type -a|--assignee:assignee --external-ref:external_ref --metadata:metadata';
const FILTERS = '--limit:limit -s|--status:status --parent:parent -l|--label:label:multi -t|--type:type --id:id';
const SPECS = {
  version: flags(''),
  init: flags('-p|--prefix:prefix --stealth:stealth:bool --skip-hooks:skip_hooks:bool --skip-agents:skip_agents:bool --non-interactive:non_interactive:bool --from-jsonl:from_jsonl:bool'),
  config: flags(''),
  create: flags(`${ISSUE_FIELDS} -l|--labels:labels:multi --parent:parent --deps:deps:multi --silent:silent:bool --graph:graph`),
  update: flags(`${ISSUE_FIELDS} -s|--status:status --title:title --append-notes:append_notes --add-label:add_label:multi --remove-label:remove_label:multi --claim:claim:bool`),
  close: flags('-r|--reason:reason -f|--force:force:bool'),
  dep: flags('-t|--type:type'),
  show: flags(''),
  list: flags(`${FILTERS} --all:all:bool`),
  ready: flags(FILTERS),
  import: flags('-i|--input:input'),
};

function parseArgs(argv, spec) {
  const opts = {};
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '--') { pos.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('-') || arg === '-') { pos.push(arg); continue; }
    let value;
    if (arg.startsWith('--') && arg.includes('=')) [arg, value] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    const def = spec[arg] ?? GLOBAL[arg];
    if (!def) fail(`unknown flag: ${arg}`, 'INVALID_ARGUMENT');
    const [name, kind] = def;
    // pflag: a bool flag takes no separate value, but an attached one (`--force=false`) must parse as a bool.
    if (kind === 'bool') {
      if (value === undefined) opts[name] = true;
      else if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) opts[name] = true;
      else if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) delete opts[name];
      else fail(`invalid argument "${value}" for "${arg}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`, 'INVALID_ARGUMENT');
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) fail(`flag needs an argument: ${arg}`, 'INVALID_ARGUMENT');
      value = argv[++i];
    }
    if (kind === 'multi') (opts[name] ??= []).push(value);
    else opts[name] = value;
  }
  return { opts, pos };
}
const csv = (values) => (values ?? []).flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
function int(value, what, min, max) {
  const n = Number(/^[pP]\d$/.test(value) && what === 'priority' ? value.slice(1) : value);
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) fail(`invalid ${what} "${value}"`, 'INVALID_ARGUMENT');
  return n;
}
function json(value) {
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {}
  return fail(`invalid --metadata: must be a JSON object`, 'INVALID_ARGUMENT');
}

// ---- storage ----------------------------------------------------------------------------------------------
function withLock(dir, fn) {
  const lock = join(dir, 'fake-db.lock');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try { mkdirSync(lock); break; } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try { if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock); } catch {}
      if (Date.now() > deadline) fail('database is locked', 'LOCKED');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try { return fn(); } finally { rmdirSync(lock); }
}
const readJson = (file, fallback) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback);
function writeJson(file, value) {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

class Db {
  constructor(data) { Object.assign(this, { seq: 0, config: {}, issues: [], deps: [] }, data); }
  get prefix() { return this.config.issue_prefix; }
  get(id) { return this.issues.find((i) => i.id === id); }
  must(id) { return this.get(id) ?? fail(`issue not found: ${id}`, 'NOT_FOUND'); }
  depsOf(id) { return this.deps.filter((d) => d.issue_id === id); }
  dependentsOf(id) { return this.deps.filter((d) => d.depends_on_id === id); }
  parentOf(id) { return this.depsOf(id).find((d) => d.type === 'parent-child')?.depends_on_id; }
  newId() {
    for (;;) {
      const id = `${this.prefix}-${((++this.seq * 1000003 + 12345) % 36 ** 4).toString(36).padStart(4, '0')}`;
      if (!this.get(id)) return id;
    }
  }
  childId(parent) {
    const suffix = (id) => (id.startsWith(`${parent}.`) ? id.slice(parent.length + 1) : '');
    const n = Math.max(0, ...this.issues.map((i) => (/^\d+$/.test(suffix(i.id)) ? Number(suffix(i.id)) : 0)));
    return `${parent}.${n + 1}`;
  }
  reaches(from, to, seen = new Set()) { // is there a path of blocking edges from -> ... -> to?
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return this.depsOf(from).some((d) => BLOCKING.includes(d.type) && this.reaches(d.depends_on_id, to, seen));
  }
  addDep(issueId, dependsOn, type, actor) {
    this.must(issueId);
    this.must(dependsOn);
    if (!/^[a-z][a-z-]*$/.test(type)) fail(`invalid dependency type "${type}"`, 'INVALID_ARGUMENT');
    if (issueId === dependsOn) fail(`issue cannot depend on itself: ${issueId}`, 'CYCLE');
    const existing = this.depsOf(issueId).find((d) => d.depends_on_id === dependsOn);
    if (existing) {
      if (existing.type !== type) fail(`dependency ${issueId} -> ${dependsOn} already exists with type ${existing.type}`, 'EXISTS');
      return existing;
    }
    if (BLOCKING.includes(type) && this.reaches(dependsOn, issueId)) fail(`adding dependency ${issueId} -> ${dependsOn} would create a cycle`, 'CYCLE');
    const dep = { issue_id: issueId, depends_on_id: dependsOn, type, created_at: now(), created_by: actor };
    this.deps.push(dep);
    return dep;
  }
  openBlockers(id) {
    return this.depsOf(id).filter((d) => BLOCKERS.includes(d.type) && this.get(d.depends_on_id)?.status !== 'closed').map((d) => d.depends_on_id);
  }
  isBlocked(id, seen = new Set()) { // open blockers, or a parent that is itself blocked
    if (seen.has(id)) return false;
    seen.add(id);
    const parent = this.parentOf(id);
    return this.openBlockers(id).length > 0 || (parent !== undefined && this.get(parent)?.status !== 'closed' && this.isBlocked(parent, seen));
  }
}

// ---- output shapes ----------------------------------------------------------------------------------------
function view(issue) {
  const out = {};
  for (const f of FIELDS) {
    const v = issue[f];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[f] = v;
  }
  return out;
}
function listItem(db, issue) {
  const item = { ...view(issue), dependencies: db.depsOf(issue.id).map((d) => ({ ...d })), dependency_count: db.depsOf(issue.id).length, dependent_count: db.dependentsOf(issue.id).length, comment_count: 0 };
  const parent = db.parentOf(issue.id);
  if (parent) item.parent = parent;
  return item;
}
function showItem(db, issue) {
  return {
    ...view(issue),
    dependencies: db.depsOf(issue.id).map((d) => ({ ...view(db.get(d.depends_on_id)), dependency_type: d.type })),
    dependents: db.dependentsOf(issue.id).map((d) => ({ ...view(db.get(d.issue_id)), dependency_type: d.type })),
  };
}
const line = (i) => `${i.id} [P${i.priority}] [${i.issue_type ?? 'task'}] ${i.status} - ${i.title}`;

// ---- commands ---------------------------------------------------------------------------------------------
function setFields(issue, o, actor) {
  for (const [flag, field] of [['description', 'description'], ['design', 'design'], ['acceptance', 'acceptance_criteria'], ['notes', 'notes'], ['assignee', 'assignee'], ['external_ref', 'external_ref'], ['title', 'title']]) {
    if (o[flag] !== undefined) issue[field] = o[flag];
  }
  if (o.priority !== undefined) issue.priority = int(o.priority, 'priority', 0, 4);
  if (o.estimate !== undefined) issue.estimated_minutes = int(o.estimate, 'estimate', 0);
  if (o.type !== undefined) issue.issue_type = TYPES.includes(o.type) ? o.type : fail(`invalid issue type "${o.type}" (want one of ${TYPES.join(', ')})`, 'INVALID_ARGUMENT');
  if (o.metadata !== undefined) issue.metadata = json(o.metadata);
  if (o.status !== undefined) {
    if (!STATUSES.includes(o.status)) fail(`invalid status "${o.status}" (want one of ${STATUSES.join(', ')})`, 'INVALID_ARGUMENT');
    if (o.status === 'in_progress' && !issue.started_at) issue.started_at = now();
    if (o.status === 'closed' && issue.status !== 'closed') issue.closed_at = now();
    if (o.status !== 'closed') {
      delete issue.closed_at;
      delete issue.close_reason;
    }
    issue.status = o.status;
  }
  issue.updated_at = now();
}

// bd's issue validation (internal/types): a title is required and at most 500 bytes.
function checkTitle(title, id) {
  const bytes = Buffer.byteLength(title ?? '', 'utf8');
  if (bytes === 0) fail(`validation failed for issue ${id}: title is required`, 'INVALID_ARGUMENT');
  if (bytes > 500) fail(`validation failed for issue ${id}: title must be 500 characters or less (got ${bytes})`, 'INVALID_ARGUMENT');
}

function create(db, { opts, pos }, ctx) {
  if (opts.graph !== undefined) return createGraph(db, opts, pos, ctx);
  if (pos.length !== 1 || !pos[0].trim()) fail('create needs exactly one title argument (quote it)', 'INVALID_ARGUMENT');
  if (opts.parent) {
    db.must(opts.parent);
    if (opts.parent.split('.').length > 3) fail(`maximum hierarchy depth (3) exceeded for parent ${opts.parent}`, 'INVALID_ARGUMENT');
  }
  const t = now();
  const issue = { id: opts.parent ? db.childId(opts.parent) : db.newId(), title: pos[0], status: 'open', priority: 2, issue_type: 'task', created_at: t, created_by: ctx.actor, updated_at: t };
  setFields(issue, opts, ctx.actor);
  checkTitle(issue.title, issue.id);
  const labels = csv(opts.labels);
  if (labels.length) issue.labels = [...new Set(labels)];
  db.issues.push(issue);
  if (opts.parent) db.addDep(issue.id, opts.parent, 'parent-child', ctx.actor);
  for (const spec of csv(opts.deps)) {
    const m = /^([a-z-]+):(.+)$/.exec(spec);
    const [kind, target] = m ? [m[1], m[2]] : ['blocks', spec];
    if (kind === 'blocks' && m) db.addDep(target, issue.id, 'blocks', ctx.actor); // "blocks:X": X depends on the new issue
    else db.addDep(issue.id, target, ['depends-on', 'blocked-by'].includes(kind) ? 'blocks' : kind, ctx.actor);
  }
  ctx.write = true;
  if (opts.silent) return ctx.print(issue.id);
  if (ctx.json) return ctx.print({ ...view(issue), schema_version: 1 });
  ctx.say(`✓ Created issue: ${issue.id}\n  Title: ${issue.title}\n  Priority: P${issue.priority}\n  Status: ${issue.status}`);
}

const GRAPH_FIELDS = {
  plan: ['commit_message', 'nodes', 'edges'],
  node: ['key', 'title', 'type', 'description', 'assignee', 'assign_after_create', 'priority', 'labels', 'metadata', 'metadata_refs', 'parent_key', 'parent_id'],
  edge: ['from_key', 'from_id', 'to_key', 'to_id', 'type'],
};
const GRAPH_MIN_VERSION = [0, 63];

/** `bd create --graph FILE`: every node and edge in one transaction, or nothing (the database is written only on success). */
function createGraph(db, opts, pos, ctx) {
  const [major, minor] = ctx.version.split('.').map(Number);
  if (major < GRAPH_MIN_VERSION[0] || (major === GRAPH_MIN_VERSION[0] && minor < GRAPH_MIN_VERSION[1])) fail('unknown flag: --graph', 'INVALID_ARGUMENT');
  if (pos.length) fail('cannot specify both title and --graph flag', 'INVALID_ARGUMENT');
  const file = opts.graph;
  if (!existsSync(file)) fail(`reading graph plan: open ${file}: no such file or directory`, 'NOT_FOUND');
  let plan;
  try { plan = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { fail(`parsing graph plan: ${e.message}`, 'INVALID_ARGUMENT'); }
  if (!plan || typeof plan !== 'object' || Array.isArray(plan)) fail('parsing graph plan: not a JSON object', 'INVALID_ARGUMENT');
  const nodes = Array.isArray(plan.nodes) ? plan.nodes : [];
  const edges = Array.isArray(plan.edges) ? plan.edges : [];
  const unknown = (value, known, where) => {
    const extra = Object.keys(value ?? {}).filter((k) => !known.includes(k)).sort();
    if (extra.length) ctx.warn(`warning: graph plan ${where} has unknown field(s): [${extra.join(' ')}] (silently dropped — see 'bd create --graph' schema)`);
  };
  unknown(plan, GRAPH_FIELDS.plan, 'plan');
  nodes.forEach((n, i) => unknown(n, GRAPH_FIELDS.node, n?.key ? `node["${n.key}"]` : `node[${i}]`));
  edges.forEach((e, i) => unknown(e, GRAPH_FIELDS.edge, `edge[${i}]`));

  const invalid = (message) => fail(`invalid graph plan: ${message}`, 'INVALID_ARGUMENT');
  if (nodes.length === 0) invalid('plan has no nodes');
  const keys = new Set();
  nodes.forEach((n, i) => {
    if (!n.key) invalid(`node ${i} has empty key`);
    if (keys.has(n.key)) invalid(`duplicate node key "${n.key}"`);
    keys.add(n.key);
    if (!n.title) invalid(`node "${n.key}" has empty title`);
    if (n.type && !TYPES.includes(n.type)) invalid(`node "${n.key}": invalid type "${n.type}"`);
    for (const [k, v] of Object.entries(n.metadata ?? {})) if (typeof v !== 'string') fail(`parsing graph plan: json: cannot unmarshal ${typeof v} into Go struct field GraphApplyNode.nodes.metadata of type string (key ${k})`, 'INVALID_ARGUMENT');
  });
  for (const n of nodes) if (n.parent_key && !keys.has(n.parent_key)) invalid(`node "${n.key}": parent key "${n.parent_key}" not found in plan`);
  edges.forEach((e, i) => {
    if (e.from_key && !keys.has(e.from_key)) invalid(`edge ${i}: from key "${e.from_key}" not found in plan`);
    if (e.to_key && !keys.has(e.to_key)) invalid(`edge ${i}: to key "${e.to_key}" not found in plan`);
    if (!e.from_key && !e.from_id) invalid(`edge ${i}: must specify from_key or from_id`);
    if (!e.to_key && !e.to_id) invalid(`edge ${i}: must specify to_key or to_id`);
    if (e.type && !/^[a-z][a-z-]*$/.test(e.type)) invalid(`edge ${i}: invalid dependency type "${e.type}"`);
  });

  const graphFail = (message) => fail(`graph create: ${message}`, 'INVALID_ARGUMENT');
  const t = now();
  const ids = {};
  for (const n of nodes) {
    const issue = { id: db.newId(), title: n.title, status: 'open', priority: n.priority ?? 2, issue_type: n.type || 'task', created_at: t, created_by: ctx.actor, updated_at: t };
    if (!Number.isInteger(issue.priority) || issue.priority < 0 || issue.priority > 4) graphFail(`batch create: validation failed for issue ${issue.id}: priority must be between 0 and 4 (got ${issue.priority})`);
    try { checkTitle(issue.title, issue.id); } catch (e) { graphFail(`batch create: ${e.message}`); }
    if (n.description) issue.description = n.description;
    if (n.assignee) issue.assignee = n.assignee;
    if (Array.isArray(n.labels) && n.labels.length) issue.labels = [...new Set(n.labels)];
    if (n.metadata && Object.keys(n.metadata).length) issue.metadata = n.metadata;
    db.issues.push(issue);
    ids[n.key] = issue.id;
  }
  const parentOf = new Map(nodes.map((n) => [ids[n.key], n.parent_key ? ids[n.parent_key] : n.parent_id]).filter(([, p]) => p));
  edges.forEach((e, i) => {
    const from = e.from_id || ids[e.from_key];
    const to = e.to_id || ids[e.to_key];
    const type = e.type || 'blocks';
    if (parentOf.get(from) === to) {
      if (type === 'parent-child') return;
      graphFail(`edge ${i} ${from}->${to} duplicates a parent-child relationship with dependency type "${type}"`);
    }
    try { db.addDep(from, to, type, ctx.actor); } catch (err) { graphFail(`adding edge ${from}->${to}: ${err.message}`); }
  });
  for (const n of nodes) {
    const parent = parentOf.get(ids[n.key]);
    if (parent) {
      try { db.addDep(ids[n.key], parent, 'parent-child', ctx.actor); } catch (err) { graphFail(`node "${n.key}": adding parent-child dep: ${err.message}`); }
    }
  }
  ctx.write = true;
  if (ctx.json) return ctx.print({ ids, schema_version: 1 });
  ctx.print(`Created ${nodes.length} issues`);
  for (const key of Object.keys(ids).sort()) ctx.print(`  ${key} -> ${ids[key]}`);
}

function update(db, { opts, pos }, ctx) {
  if (pos.length === 0) fail('update needs at least one issue id', 'INVALID_ARGUMENT');
  const issues = pos.map((id) => db.must(id));
  const changes = Object.keys(opts).filter((k) => !['json', 'actor', 'quiet'].includes(k));
  if (changes.length === 0) fail('no updates specified', 'INVALID_ARGUMENT');
  for (const issue of issues) {
    if (opts.claim) {
      if (issue.assignee && issue.assignee !== ctx.actor) fail(`cannot claim ${issue.id}: already claimed by ${issue.assignee}`, 'ALREADY_CLAIMED');
      if (issue.status !== 'open' && !(issue.status === 'in_progress' && issue.assignee === ctx.actor)) fail(`cannot claim ${issue.id}: status is ${issue.status}`, 'INVALID_STATE');
      setFields(issue, { status: 'in_progress', assignee: ctx.actor }, ctx.actor);
    }
    setFields(issue, opts, ctx.actor);
    checkTitle(issue.title, issue.id);
    if (opts.append_notes !== undefined) issue.notes = issue.notes ? `${issue.notes}\n${opts.append_notes}` : opts.append_notes;
    const labels = new Set([...(issue.labels ?? []), ...csv(opts.add_label)]);
    for (const l of csv(opts.remove_label)) labels.delete(l);
    issue.labels = [...labels];
  }
  ctx.write = true;
  if (ctx.json) return ctx.print(issues.map(view));
  for (const i of issues) ctx.say(`✓ Updated issue: ${i.id}`);
}

function close(db, { opts, pos }, ctx) {
  if (pos.length === 0) fail('close needs at least one issue id', 'INVALID_ARGUMENT');
  const issues = pos.map((id) => db.must(id)); // `bd close X "some text"` fails here: the text is not an id
  for (const issue of issues) {
    if (issue.status === 'closed') continue;
    const blockers = db.openBlockers(issue.id);
    if (blockers.length && !opts.force) fail(`cannot close ${issue.id}: blocked by open issues [${blockers.join(', ')}] (use --force to override)`, 'BLOCKED');
    const children = db.dependentsOf(issue.id).filter((d) => d.type === 'parent-child' && db.get(d.issue_id).status !== 'closed').map((d) => d.issue_id);
    if (issue.issue_type === 'epic' && children.length && !opts.force) fail(`cannot close epic ${issue.id}: ${children.length} open children [${children.join(', ')}] (use --force to override)`, 'OPEN_CHILDREN');
    setFields(issue, { status: 'closed' }, ctx.actor);
    issue.close_reason = opts.reason || 'Closed';
  }
  ctx.write = true;
  if (ctx.json) return ctx.print(issues.map(view));
  for (const i of issues) ctx.say(`✓ Closed ${i.id}: ${i.close_reason}`);
}

function dep(db, { opts, pos }, ctx) {
  const [sub, issueId, dependsOn, ...extra] = pos;
  if (!['add', 'remove', 'rm'].includes(sub)) fail(`unknown dep subcommand "${sub ?? ''}" (want add or remove)`, 'UNKNOWN_COMMAND');
  if (!issueId || !dependsOn || extra.length) fail(`dep ${sub} needs exactly two issue ids: ISSUE DEPENDS_ON`, 'INVALID_ARGUMENT');
  ctx.write = true;
  if (sub === 'add') {
    const d = db.addDep(issueId, dependsOn, opts.type ?? 'blocks', ctx.actor);
    if (ctx.json) return ctx.print({ status: 'added', issue_id: issueId, depends_on_id: dependsOn, type: d.type, schema_version: 1 });
    return ctx.say(`✓ Added dependency: ${issueId} depends on ${dependsOn} (${d.type})`);
  }
  db.must(issueId);
  db.must(dependsOn);
  const index = db.deps.findIndex((d) => d.issue_id === issueId && d.depends_on_id === dependsOn);
  if (index < 0) fail(`dependency ${issueId} -> ${dependsOn} not found`, 'NOT_FOUND');
  db.deps.splice(index, 1);
  if (ctx.json) return ctx.print({ status: 'removed', issue_id: issueId, depends_on_id: dependsOn, schema_version: 1 });
  ctx.say(`✓ Removed dependency: ${issueId} no longer depends on ${dependsOn}`);
}

function show(db, { pos }, ctx) {
  if (pos.length === 0) fail('show needs at least one issue id', 'INVALID_ARGUMENT');
  const items = pos.map((id) => showItem(db, db.must(id)));
  if (ctx.json) return ctx.print(items);
  for (const i of items) {
    ctx.print(`${line(i)}\n${i.description ? `\n${i.description}\n` : ''}`);
    for (const d of i.dependencies) ctx.print(`  depends on: ${d.id} (${d.dependency_type}) ${d.status}`);
    for (const d of i.dependents) ctx.print(`  dependent:  ${d.id} (${d.dependency_type}) ${d.status}`);
  }
}

function query(db, opts, { readyOnly }) {
  const statuses = csv(opts.status ? [opts.status] : []);
  const ids = csv(opts.id ? [opts.id] : []);
  const labels = csv(opts.label);
  let items = db.issues.map((issue, index) => ({ issue, index })).filter(({ issue: i }) =>
    (readyOnly ? i.status === 'open' && !db.isBlocked(i.id) : statuses.length ? statuses.includes(i.status) : opts.all || i.status !== 'closed')
    && (!opts.parent || db.parentOf(i.id) === opts.parent)
    && (!opts.type || i.issue_type === opts.type)
    && (!ids.length || ids.includes(i.id))
    && labels.every((l) => (i.labels ?? []).includes(l)));
  // list: priority, then newest first; ready: priority, then oldest first
  const age = (a, b) => (a.issue.created_at < b.issue.created_at ? -1 : a.issue.created_at > b.issue.created_at ? 1 : a.index - b.index) * (readyOnly ? 1 : -1);
  items.sort((a, b) => a.issue.priority - b.issue.priority || age(a, b));
  const limit = opts.limit === undefined ? (readyOnly ? 100 : 50) : int(opts.limit, 'limit', 0);
  if (limit > 0) items = items.slice(0, limit);
  return items.map(({ issue }) => listItem(db, issue));
}
function list(db, { opts, pos }, ctx, readyOnly = false) {
  if (pos.length) fail(`unexpected argument "${pos[0]}"`, 'INVALID_ARGUMENT');
  const items = query(db, opts, { readyOnly });
  if (ctx.json) return ctx.print(items);
  for (const i of items) ctx.print(line(i));
}

function importJsonl(db, { opts, pos }, ctx) {
  const file = opts.input ?? pos[0];
  if (!file || pos.length > (opts.input ? 0 : 1)) fail('import needs exactly one FILE', 'INVALID_ARGUMENT');
  if (!existsSync(file)) fail(`cannot read ${file}: no such file`, 'NOT_FOUND');
  const records = readFileSync(file, 'utf8').split('\n').map((l, n) => [l.trim(), n + 1]).filter(([l]) => l).map(([l, n]) => {
    try { return JSON.parse(l); } catch { return fail(`${file}:${n}: invalid JSON`, 'INVALID_ARGUMENT'); }
  }).filter((r) => r && typeof r === 'object' && (r._type === undefined || r._type === 'issue'));
  const [major, minor] = ctx.version.split('.').map(Number);
  if (major === 0 && minor < 50) {
    const foreign = records.filter((r) => typeof r.id === 'string' && !r.id.startsWith(`${db.prefix}-`));
    if (foreign.length) {
      const prefixes = [...new Set(foreign.map((r) => r.id.slice(0, r.id.indexOf('-') + 1) || r.id))];
      fail(`prefix mismatch detected: database uses '${db.prefix}-' but found issues with prefixes [${prefixes.join(', ')}] (use --rename-on-import)`, 'PREFIX_MISMATCH');
    }
  }
  const created = [];
  let skipped = 0;
  for (const r of records) {
    if (typeof r.title !== 'string' || !r.title || (r.id && db.get(r.id))) { skipped++; continue; }
    const issue = Object.fromEntries(FIELDS.filter((f) => r[f] !== undefined).map((f) => [f, r[f]]));
    issue.id ??= db.newId();
    issue.priority ??= 0; // bd's rule: a missing priority is P0
    issue.status ??= 'open';
    issue.issue_type ??= 'task';
    issue.created_at ??= now();
    issue.updated_at ??= issue.created_at;
    if (issue.status === 'closed') issue.closed_at ??= issue.updated_at;
    else delete issue.closed_at;
    db.issues.push(issue);
    created.push({ issue, deps: Array.isArray(r.dependencies) ? r.dependencies : [] });
  }
  for (const { issue, deps } of created) {
    for (const d of deps) {
      if (!d?.depends_on_id || !db.get(d.depends_on_id) || db.depsOf(issue.id).some((e) => e.depends_on_id === d.depends_on_id)) continue;
      db.deps.push({ issue_id: issue.id, depends_on_id: d.depends_on_id, type: d.type ?? 'blocks', created_at: d.created_at ?? now(), created_by: d.created_by ?? ctx.actor });
    }
  }
  ctx.write = true;
  const ids = created.map((c) => c.issue.id);
  if (ctx.json) return ctx.print({ source: file, created: ids.length, skipped, ids, schema_version: 1 });
  ctx.say(`Imported ${ids.length} issues (${skipped} skipped) from ${file}`);
}

function version(db, args, ctx) {
  if (ctx.json) return ctx.print({ version: ctx.version, build: 'fake', commit: '0000000', schema_version: 1 });
  ctx.print(`bd version ${ctx.version} (fake)`);
}

/** The prefix `bd init` picks: the flag, else `issue-prefix` in .beads/config.yaml, else the directory name; normalised. */
function init(db, { opts, pos }, ctx) {
  if (pos.length) fail(`unexpected argument "${pos[0]}"`, 'INVALID_ARGUMENT');
  if (db.prefix) fail(`beads is already initialized in ${ctx.dir} (issue prefix ${db.prefix})`, 'ALREADY_INITIALIZED');
  const yaml = join(ctx.dir, 'config.yaml');
  const fromConfig = existsSync(yaml) ? /^issue-prefix:\s*["']?([^"'\s#]+)/m.exec(readFileSync(yaml, 'utf8'))?.[1] : undefined;
  let prefix = (opts.prefix || fromConfig || basename(process.cwd())).replace(/^\.+/, '').replace(/-+$/, '').replaceAll('.', '_');
  if (prefix && !/^[A-Za-z_]/.test(prefix)) prefix = `bd_${prefix}`;
  db.config.issue_prefix = prefix;
  ctx.write = true;
  ctx.say(`✓ bd initialized successfully!\n  Issue prefix: ${prefix}\n  Issues will be named: ${prefix}-<hash> (e.g., ${prefix}-a3f2dd)`);
}

/** `bd config get KEY`: database config; only `get` is faked. */
function config(db, { pos }, ctx) {
  const [sub, key, ...extra] = pos;
  if (sub !== 'get') fail(`unknown config subcommand "${sub ?? ''}" (only get is supported by this fake)`, 'UNKNOWN_COMMAND');
  if (!key || extra.length) fail('config get needs exactly one KEY', 'INVALID_ARGUMENT');
  const value = db.config[key] ?? '';
  if (ctx.json) return ctx.print({ key, value, schema_version: 1 });
  ctx.print(value === '' ? `${key} (not set)` : value);
}

const NO_WORKSPACE_NEEDED = ['version', 'init'];
const COMMANDS = { version, init, config, create, update, close, dep, show, list, ready: (db, args, ctx) => list(db, args, ctx, true), import: importJsonl };

// ---- main -------------------------------------------------------------------------------------------------
function main(argv, env) {
  // A lenient first pass finds the global flags and the command word; the command then parses the rest strictly.
  const known = Object.assign({}, GLOBAL, ...Object.values(SPECS));
  const g = { json: false, quiet: false, actor: undefined, at: -1 };
  for (let i = 0; i < argv.length; i++) {
    const [arg, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i]];
    if (arg === '--') break;
    if (arg === '--json') g.json = true;
    else if (arg === '-q' || arg === '--quiet') g.quiet = true;
    else if (arg === '--actor') g.actor = inline ?? argv[++i];
    else if (known[arg]?.[1] !== undefined && known[arg][1] !== 'bool' && inline === undefined) i++;
    else if (!arg.startsWith('-') && g.at < 0) g.at = i;
  }
  const name = g.at < 0 ? undefined : argv[g.at];
  const dir = resolve(env.BEADS_DIR || join(process.cwd(), '.beads'));
  const ctx = { json: g.json, quiet: g.quiet, actor: g.actor || env.BEADS_ACTOR || 'fake', write: false, dir, version: env.BD_FAKE_VERSION || '1.0.5', warn: (line) => process.stderr.write(`${line}\n`) };
  try {
    mkdirSync(dir, { recursive: true });
    withLock(dir, () => {
      appendFileSync(join(dir, 'calls.log'), `${JSON.stringify({ argv, actor: ctx.actor, nonInteractive: env.BD_NON_INTERACTIVE ?? null })}\n`);
      const command = Object.hasOwn(COMMANDS, name ?? '') ? COMMANDS[name] : fail(name ? `unknown command "${name}" for "bd"` : 'no command given', 'UNKNOWN_COMMAND');
      const budget = Object.fromEntries(csv([env.BD_FAKE_FAIL ?? '']).map((s) => s.split(':')).map(([c, n]) => [c, Number(n ?? 1)]));
      if (budget[name]) {
        const countsFile = join(dir, 'fail-counts.json');
        const counts = readJson(countsFile, {});
        if ((counts[name] ?? 0) < budget[name]) {
          counts[name] = (counts[name] ?? 0) + 1;
          writeJson(countsFile, counts);
          fail('database is locked', 'LOCKED');
        }
      }
      const dbFile = join(dir, 'fake-db.json');
      const db = new Db(readJson(dbFile, {}));
      if (!NO_WORKSPACE_NEEDED.includes(name) && !db.prefix) fail('no active beads workspace found (run `bd init` first)', 'NO_WORKSPACE');
      const out = [];
      ctx.print = (v) => out.push(typeof v === 'string' ? v : JSON.stringify(v, null, 2));
      ctx.say = (s) => { if (!ctx.quiet) ctx.print(s); };
      command(db, parseArgs(argv.filter((_, i) => i !== g.at), SPECS[name]), ctx);
      if (ctx.write) writeJson(dbFile, { seq: db.seq, config: db.config, issues: db.issues, deps: db.deps });
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    });
  } catch (e) {
    const message = e instanceof BdError ? e.message : String(e?.stack ?? e);
    process.stderr.write(ctx.json ? `${JSON.stringify({ error: message, code: e.code ?? 'INTERNAL', schema_version: 1 })}\n` : `Error: ${message}\n`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2), process.env);
