/** The command table is whole: every command names an action that exists and a reporter that shows its result. */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { actions } from '../../src/cli/actions.js';
import { buildProgram } from '../../src/cli/program.js';
import { reporters } from '../../src/cli/reporters.js';
import { plainTheme } from '../../src/ui/theme.js';
import { accepted } from '../support/argv.js';

function leaves(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

/** The least a command line of this command needs: its required arguments and options. */
function minimalArgv(program: Command, path: string[]): string[] {
  const command = path.reduce((c, name) => c.commands.find((s) => s.name() === name)!, program);
  const args = command.registeredArguments.filter((a) => a.required).map((a) => a.argChoices?.[0] ?? 'T1');
  const options = command.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, 'x']);
  return [...path, ...args, ...options];
}

describe('the command table', () => {
  const program = buildProgram({ cwd: '/', env: {}, stdoutTheme: async () => plainTheme }, '0.0.0');
  const commands = leaves(program);

  it('uses every action, one command each', async () => {
    const used = await Promise.all(commands.map(async (path) => (await accepted(minimalArgv(program, path))).action));
    expect([...used].sort()).toEqual(Object.keys(actions).sort());
  });

  for (const path of commands) {
    it(`${path.join(' ')}: its action and reporter exist, and the reporter loads`, async () => {
      const parsed = await accepted(minimalArgv(program, path));
      expect(Object.keys(actions)).toContain(parsed.action);
      expect(Object.keys(reporters)).toContain(parsed.reporter);
      const reporter = await reporters[parsed.reporter as keyof typeof reporters]();
      expect(typeof reporter.text).toBe('function');
    });
  }
});
