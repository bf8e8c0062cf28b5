/** What every command's help says: an example, its required options marked, and the options every command takes. */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { plainTheme } from '../../src/ui/theme.js';

const program = buildProgram({ cwd: '/nonexistent', env: {}, stdoutTheme: async () => plainTheme }, '0.0.0-test');

function commands(parent: Command, path: string[] = []): Array<[string, Command]> {
  return parent.commands.flatMap((c) => [[[...path, c.name()].join(' '), c] as [string, Command], ...commands(c, [...path, c.name()])]);
}

/** The help as `xplan <command> --help` prints it, text added after it included. */
function helpOf(command: Command): string {
  let text = '';
  const output = command.configureOutput();
  command.configureOutput({ ...output, writeOut: (chunk: string) => void (text += chunk) });
  command.outputHelp();
  command.configureOutput(output);
  return text;
}

describe('command help', () => {
  it.each(commands(program))('%s shows an example of itself and the global options', (name, command) => {
    const help = helpOf(command);
    const example = /\nExample:\n {2}\$ (.+)\n/.exec(help)?.[1];
    expect(example).toBeDefined();
    // The example runs the command it documents (the completion one is wrapped in eval).
    expect(example).toContain(name === 'task' ? 'xplan task' : `xplan ${name}`);
    expect(help).toContain('Global Options:');
    expect(help).toMatch(/--no-color +no colours/);
  });

  it('marks required options as required', () => {
    const done = commands(program).find(([name]) => name === 'done')![1];
    expect(helpOf(done)).toMatch(/--reason <text> +why it counts as done \(required\)/);
    const add = commands(program).find(([name]) => name === 'task add')![1];
    expect(helpOf(add)).toMatch(/--title <text> +title of the new task \(required\)/);
    expect(helpOf(done)).not.toMatch(/--json.*\(required\)/);
  });
});
