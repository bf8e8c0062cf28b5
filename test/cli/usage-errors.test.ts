/**
 * Bad command lines, refused by the real command table before any command runs: exit code 2, xplan's message
 * naming the option and what it expects, and where to read the usage. (A few of these run end to end in
 * test/e2e/bad-input.test.ts, to show the binary prints them so.)
 */
import { describe, expect, it } from 'vitest';
import { accepted, refused } from '../support/argv.js';

const cases: Array<{ argv: string[]; code: string; message: RegExp; hint?: RegExp }> = [
  // Numbers: digits only, in range.
  {
    argv: ['run', '--concurrency', '1e9'],
    code: 'INVALID_ARGUMENT',
    message: /^option '-c, --concurrency <n>' argument '1e9' is invalid\. expected a whole number from 1 to 64$/,
    hint: /^Run `xplan run --help` for the usage\.$/,
  },
  { argv: ['run', '--concurrency', '0x10'], code: 'INVALID_ARGUMENT', message: /'0x10' is invalid\. expected a whole number from 1 to 64/ },
  { argv: ['run', '--concurrency', '0'], code: 'INVALID_ARGUMENT', message: /'0' is invalid/ },
  { argv: ['run', '--concurrency', '65'], code: 'INVALID_ARGUMENT', message: /'65' is invalid/ },
  { argv: ['run', '--concurrency', '2.5'], code: 'INVALID_ARGUMENT', message: /'2\.5' is invalid/ },
  { argv: ['run', '--concurrency', ''], code: 'INVALID_ARGUMENT', message: /'' is invalid/ },
  { argv: ['run', '-c'], code: 'MISSING_OPTION_VALUE', message: /option '-c, --concurrency <n>' argument missing/ },
  { argv: ['plan', 'spec.md', '--max-tasks', '0x10'], code: 'INVALID_ARGUMENT', message: /'0x10' is invalid\. expected a whole number of at least 1, in digits/, hint: /xplan plan --help/ },
  { argv: ['plan', '--max-tasks', 'lots', 'spec.md'], code: 'INVALID_ARGUMENT', message: /--max-tasks.*expected a whole number/ },
  { argv: ['logs', 'T1', '--attempt', '1e3'], code: 'INVALID_ARGUMENT', message: /'1e3' is invalid/, hint: /xplan logs --help/ },
  { argv: ['logs', 'T1', '--attempt', '0'], code: 'INVALID_ARGUMENT', message: /'0' is invalid/ },
  { argv: ['dashboard', '--port', '70000'], code: 'INVALID_ARGUMENT', message: /expected a port number from 0 to 65535/ },
  { argv: ['dashboard', '--port', '-1'], code: 'INVALID_ARGUMENT', message: /expected a port number/ },
  // Lists of task ids.
  { argv: ['run', '--only', ''], code: 'INVALID_ARGUMENT', message: /--only <ids>' argument '' is invalid\. expected task ids/ },
  { argv: ['run', '--only', ' , '], code: 'INVALID_ARGUMENT', message: /argument ' , ' is invalid/ },
  { argv: ['task', 'add', '--title', 'x', '--depends-on', ''], code: 'INVALID_ARGUMENT', message: /expected task ids/, hint: /xplan task --help/ },
  // Text that must say something.
  { argv: ['done', 'T1', '--reason', ''], code: 'INVALID_ARGUMENT', message: /--reason <text>' argument '' is invalid\. expected some text, not an empty string/ },
  { argv: ['skip', 'T1', '--reason', '  '], code: 'INVALID_ARGUMENT', message: /expected some text/ },
  { argv: ['retry', 'T1', '--context', ''], code: 'INVALID_ARGUMENT', message: /--context <text>' argument '' is invalid/ },
  { argv: ['plan', 'spec.md', '--note', ''], code: 'INVALID_ARGUMENT', message: /--note <text>' argument '' is invalid/ },
  // Choices.
  { argv: ['assess', 'spec.md', '--engine', 'magic'], code: 'INVALID_ARGUMENT', message: /'magic' is invalid\. Allowed choices are auto, claude, heuristic/, hint: /xplan assess --help/ },
  { argv: ['plan', '--branching', 'diagonal', 'spec.md'], code: 'INVALID_ARGUMENT', message: /Allowed choices are single, feature, stacked/ },
  { argv: ['task', 'set', 'T2', '--effort', 'huge'], code: 'INVALID_ARGUMENT', message: /Allowed choices are XS, S, M, L, XL/ },
  { argv: ['show', '--format', 'html'], code: 'INVALID_ARGUMENT', message: /Allowed choices are table, tree, mermaid, md, taskmaster/ },
  { argv: ['export', 'jira'], code: 'INVALID_ARGUMENT', message: /value 'jira' is invalid for argument 'target'\. Allowed choices are beads/ },
  { argv: ['completion', 'tcsh'], code: 'INVALID_ARGUMENT', message: /Allowed choices are bash, zsh, fish/ },
  { argv: ['task', 'dep', 'swap', 'T1', 'T2'], code: 'INVALID_ARGUMENT', message: /Allowed choices are add, rm/ },
  // Arguments and options that are missing, unknown or too many.
  { argv: ['assess'], code: 'MISSING_ARGUMENT', message: /missing required argument 'spec'/, hint: /xplan assess --help/ },
  { argv: ['retry'], code: 'MISSING_ARGUMENT', message: /missing required argument 'task'/ },
  { argv: ['review'], code: 'MISSING_ARGUMENT', message: /missing required argument 'task'/ },
  { argv: ['review', 'T1', 'T2'], code: 'TOO_MANY_ARGUMENTS', message: /too many arguments/ },
  { argv: ['done', 'T1'], code: 'MISSING_OPTION_VALUE', message: /required option '--reason <text>' not specified/ },
  { argv: ['task', 'add'], code: 'MISSING_OPTION_VALUE', message: /required option '--title <text>' not specified/ },
  { argv: ['assess', 'spec.md', '--jsno'], code: 'UNKNOWN_OPTION', message: /unknown option '--jsno'.*--json/, hint: /xplan assess --help/ },
  { argv: ['dashboard', '--json'], code: 'UNKNOWN_OPTION', message: /unknown option '--json'/ },
  { argv: ['stauts'], code: 'UNKNOWN_COMMAND', message: /unknown command 'stauts'.*status/, hint: /^Run `xplan --help` for the usage\.$/ },
  { argv: ['status', 'T1'], code: 'TOO_MANY_ARGUMENTS', message: /too many arguments for 'status'/ },
  // Options that do not go together.
  { argv: ['plan', '--from', 'taskmaster'], code: 'USAGE', message: /^--from taskmaster reads one file$/, hint: /xplan plan --from taskmaster \.taskmaster\/tasks\/tasks\.json/ },
  { argv: ['plan', '--from', 'speckit', 'a.md', 'b.md'], code: 'USAGE', message: /--from speckit reads one file/, hint: /specs\/001-feature\/tasks\.md/ },
  { argv: ['plan', 'spec.md', '--tag', 'v2'], code: 'USAGE', message: /--tag and --subtasks go with --from taskmaster/ },
  { argv: ['plan', 'spec.md', '--subtasks'], code: 'USAGE', message: /--tag and --subtasks go with --from taskmaster/ },
  { argv: ['plan', '--edit', 'spec.md'], code: 'USAGE', message: /--edit changes the saved plan; it takes no spec/, hint: /xplan plan --edit` alone/ },
  { argv: ['run', '--prompts'], code: 'USAGE', message: /^--prompts goes with --dry-run$/, hint: /xplan run --dry-run --prompts/ },
  { argv: ['run', '--prompt', 'T3', '--show-secrets'], code: 'USAGE', message: /^--prompt and --show-secrets go with --dry-run$/ },
  { argv: ['run', '--dry-run', '--prompt', ''], code: 'INVALID_ARGUMENT', message: /--prompt <ids>' argument '' is invalid\. expected task ids/ },
  { argv: ['retry', 'T1', '--context', 'x', '--context-file', 'y.md'], code: 'USAGE', message: /--context and --context-file cannot be used together/ },
];

describe('usage errors: refused before any command runs', () => {
  for (const c of cases) {
    it(c.argv.join(' ') || '(nothing)', async () => {
      const error = await refused(c.argv);
      expect(error.ran).toBe(false);
      expect(error.exitCode).toBe(2);
      expect(error.code).toBe(c.code);
      expect(error.message).toMatch(c.message);
      expect(error.message).not.toContain('\n');
      expect(error.hint).toMatch(c.hint ?? /\S/);
    });
  }

  it('takes a value that looks like an option as the value it is given for', async () => {
    expect((await accepted(['retry', 'T1', '--context', '--fresh'])).opts).toEqual({ context: '--fresh', resume: true });
    expect((await accepted(['task', 'add', '--title', '-y'])).opts).toMatchObject({ title: '-y' });
  });
});
