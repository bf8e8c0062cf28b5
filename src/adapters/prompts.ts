/** Interactive questions. Loaded only by commands that may ask; prompts write to stderr, never stdout. */
export async function confirmOnTerminal(message: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message, default: false }, { output: process.stderr });
}

/** A confirm function when a person can answer (stdin and stderr are terminals), else undefined. */
export function terminalConfirm(): ((message: string) => Promise<boolean>) | undefined {
  return process.stdin.isTTY && process.stderr.isTTY ? confirmOnTerminal : undefined;
}
