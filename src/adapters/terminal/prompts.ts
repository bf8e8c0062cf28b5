/** Interactive questions. Loaded only by commands that may ask; prompts write to stderr, never stdout. */
export async function confirmOnTerminal(message: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  const { escapeControl } = await import('../../ui/terminal-text.js');
  return confirm({ message: escapeControl(message), default: false }, { output: process.stderr });
}

/** A confirm function when a person can answer (stdin and stderr are terminals), else undefined. */
export function terminalConfirm(): ((message: string) => Promise<boolean>) | undefined {
  return process.stdin.isTTY && process.stderr.isTTY ? confirmOnTerminal : undefined;
}

export interface Choice<T> {
  name: string;
  value: T;
  checked?: boolean;
}

/** The questions an interactive flow asks; the terminal implementation below uses @inquirer/prompts. */
export interface Prompts {
  select<T>(message: string, choices: Array<Choice<T>>, defaultValue?: T): Promise<T>;
  input(message: string, defaultValue?: string): Promise<string>;
  checkbox<T>(message: string, choices: Array<Choice<T>>): Promise<T[]>;
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  /** Shows text between questions (the plan summary); on stderr, like the prompts. */
  show(text: string): void;
}

/** Questions and choices quote task titles: their control characters are shown, not sent to the terminal. */
export async function terminalPrompts(): Promise<Prompts> {
  const [inquirer, { escapeControl }] = await Promise.all([import('@inquirer/prompts'), import('../../ui/terminal-text.js')]);
  const context = { output: process.stderr };
  const safe = <T>(choices: Array<Choice<T>>) => choices.map((c) => ({ ...c, name: escapeControl(c.name) }));
  return {
    select: (message, choices, defaultValue) => inquirer.select({ message: escapeControl(message), choices: safe(choices), default: defaultValue, pageSize: 12, loop: false }, context),
    input: (message, defaultValue) => inquirer.input({ message: escapeControl(message), default: defaultValue }, context),
    checkbox: (message, choices) => inquirer.checkbox({ message: escapeControl(message), choices: safe(choices), pageSize: 12, loop: false }, context),
    confirm: (message, defaultValue = false) => inquirer.confirm({ message: escapeControl(message), default: defaultValue }, context),
    show: (text) => process.stderr.write(`${text}\n`),
  };
}
