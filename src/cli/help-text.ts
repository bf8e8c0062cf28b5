/** What the help of each command shows beyond commander's own: an example, and required options marked. */
import type { Command } from 'commander';

/** One example per command, shown at the end of its help. */
const EXAMPLES: Record<string, string> = {
  assess: 'xplan assess docs/spec.md',
  plan: 'xplan plan docs/spec.md --max-tasks 12',
  show: 'xplan show --format tree',
  check: 'xplan check plan.yaml',
  task: 'xplan task set T3 --risk high --risk-reason "touches billing"',
  'task add': 'xplan task add --title "Write the docs" --after T5 --depends-on T5',
  'task rm': 'xplan task rm T4',
  'task set': 'xplan task set T3 --effort M',
  'task dep': 'xplan task dep add T5 T3',
  'task move': 'xplan task move T5 --before T2',
  approve: 'xplan approve',
  run: 'xplan run --dry-run --prompt T3',
  resume: 'xplan resume',
  pause: 'xplan pause --now',
  cancel: 'xplan cancel',
  merge: 'xplan merge --dry-run',
  retry: 'xplan retry T3 --context "Use the v2 API"',
  skip: 'xplan skip T3 --cascade --reason "out of scope"',
  done: 'xplan done T3 --reason "built by hand on main"',
  review: 'xplan review T3',
  status: 'xplan status --watch',
  logs: 'xplan logs T3 --follow',
  export: 'xplan export beads --dry-run',
  clean: 'xplan clean --older-than 14d --dry-run',
  init: 'xplan init',
  doctor: 'xplan doctor',
  runs: 'xplan runs',
  report: 'xplan report --format md -o report.md',
  dashboard: 'xplan dashboard --port 8080',
  completion: 'eval "$(xplan completion bash)"',
  help: 'xplan help task add',
};

/**
 * What every command's help says besides its options: required options marked as such (commander lists them like
 * the others), and an example.
 */
export function describeCommands(parent: Command, path: string[] = []): void {
  for (const command of parent.commands) {
    const name = [...path, command.name()].join(' ');
    for (const option of command.options) if (option.mandatory && !option.description.endsWith('(required)')) option.description += ' (required)';
    const example = EXAMPLES[name];
    if (example) command.addHelpText('after', `\nExample:\n  $ ${example}`);
    describeCommands(command, [...path, command.name()]);
  }
}
