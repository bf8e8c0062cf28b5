/** A spinner on stderr with the time spent so far, for waits of seconds to minutes. Only on a terminal. */
export interface Spinner {
  /** Shows `text` (and the elapsed time); starts the spinner on first use. */
  update(text: string): void;
  stop(): void;
}

export async function terminalSpinner(stream: NodeJS.WriteStream = process.stderr): Promise<Spinner | undefined> {
  if (!stream.isTTY) return undefined;
  const { default: ora } = await import('ora');
  const spinner = ora({ stream, discardStdin: false });
  const startedAt = Date.now();
  let label = '';
  const render = () => {
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    spinner.text = `${label} (${seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`})`;
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    update(text) {
      label = text;
      render();
      if (!timer) {
        spinner.start();
        timer = setInterval(render, 1000);
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      spinner.stop();
    },
  };
}
