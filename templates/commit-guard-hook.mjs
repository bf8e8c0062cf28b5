// xplan commit guard: refuses a commit that stages a file another running task has reserved.
// Installed by xplan into one agent worktree's hooks directory, beside its guard.json. Plain Node with no imports
// from xplan, so it keeps working whatever happens to xplan's install. The reservations file carries each pattern
// as a regular expression.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const config = JSON.parse(readFileSync(new URL('./guard.json', import.meta.url), 'utf8'));
let doc;
try {
  doc = JSON.parse(readFileSync(config.reservationsFile, 'utf8'));
} catch (error) {
  // No reservations file: the run is over or has not reserved anything yet.
  if (error && error.code === 'ENOENT') process.exit(0);
  process.stderr.write('xplan: could not read ' + config.reservationsFile + ' (' + (error && error.message) + '); the commit is not checked against file reservations.\n');
  process.exit(0);
}
if (!doc || doc.runId !== config.runId || !Array.isArray(doc.reservations)) process.exit(0);

const staged = execFileSync('git', ['diff', '--cached', '--name-only', '-z', '--no-renames', '--diff-filter=ACDMRTUXB'], { encoding: 'utf8' }).split('\0').filter(Boolean);
const others = doc.reservations.filter((r) => r.taskId !== config.taskId && r.exclusive).map((r) => ({ ...r, compiled: r.regexes.map((source) => new RegExp(source)) }));
const refused = [];
for (const file of staged) {
  for (const r of others) {
    const index = r.compiled.findIndex((re) => re.test(file));
    if (index >= 0) {
      refused.push({ file, taskId: r.taskId, agent: r.agent, pattern: r.patterns[index] });
      break;
    }
  }
}
if (refused.length === 0) process.exit(0);

const own = doc.reservations.find((r) => r.taskId === config.taskId);
const holders = [...new Set(refused.map((r) => r.taskId))].join(', ');
const quoted = refused.map((r) => "'" + r.file.replace(/'/g, "'\\''") + "'").join(' ');
const lines = [
  'xplan: commit refused. It stages ' + (refused.length === 1 ? 'a file' : refused.length + ' files') + ' that another running task has reserved:',
  ...refused.map((r) => '  ' + r.file + '  reserved by task ' + r.taskId + ' (agent-' + r.agent + (r.pattern !== r.file ? ', pattern ' + r.pattern : '') + ')'),
  '',
  'Task ' + config.taskId + ' must not change ' + (refused.length === 1 ? 'it' : 'them') + ' while ' + holders + ' ' + (holders.includes(',') ? 'run' : 'runs') + '. To go on:',
  '  1. Unstage ' + (refused.length === 1 ? 'it' : 'them') + ' (your edits stay in the working tree): git restore --staged -- ' + quoted,
  '  2. Commit the rest of your work as usual.',
  '  3. In your final message, say what change ' +
    (refused.length === 1 ? 'that file' : 'those files') +
    ' still need' +
    (refused.length === 1 ? 's' : '') +
    ', so it is made once ' +
    holders +
    ' is merged.',
];
if (own && own.patterns.length > 0) lines.push('', 'Files reserved for ' + config.taskId + ': ' + own.patterns.join(', '));
process.stderr.write(lines.join('\n') + '\n');
process.exit(1);
