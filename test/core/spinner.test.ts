import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countingProgress, silentSpinner, spinnerWanted, startSpinner } from '../../src/ui/spinner.js';

/** A stream that says it is a terminal, and keeps what was written to it. */
function terminal(): NodeJS.WriteStream & { written: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { written: () => string };
  let text = '';
  (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (text += chunk.toString()));
  Object.assign(stream, { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, written: () => text });
  return stream;
}

describe('spinner', () => {
  it('draws only on a terminal, outside CI, when not silenced', () => {
    expect(spinnerWanted({ stream: terminal(), env: {} })).toBe(true);
    expect(spinnerWanted({ stream: Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream, env: {} })).toBe(false);
    expect(spinnerWanted({ stream: terminal(), env: { CI: 'true' } })).toBe(false);
    expect(spinnerWanted({ stream: terminal(), env: { TERM: 'dumb' } })).toBe(false);
    expect(spinnerWanted({ stream: terminal(), env: {}, silent: true })).toBe(false);
  });

  it('is silent off a terminal: nothing is written', async () => {
    const pipe = new PassThrough();
    let written = '';
    pipe.on('data', (c: Buffer) => (written += c.toString()));
    const spinner = await startSpinner('exporting', { stream: pipe as unknown as NodeJS.WriteStream, env: {} });
    expect(spinner).toBe(silentSpinner);
    countingProgress(spinner, 'beads:')(3, 46, 'issue T3');
    spinner.succeed('done');
    expect(written).toBe('');
  });

  it('shows counts on a terminal', async () => {
    const stream = terminal();
    const spinner = await startSpinner('exporting', { stream, env: {} });
    countingProgress(spinner, 'beads:')(12, 46, 'issue T12');
    await new Promise((resolve) => setTimeout(resolve, 150)); // the next frame
    spinner.succeed('exported 46 issues');
    expect(stream.written()).toContain('beads: 12/46 · issue T12');
    expect(stream.written()).toContain('exported 46 issues');
  });
});
