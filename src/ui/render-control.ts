/** The answer of `xplan pause`, `retry`, `skip` and `done`. */
import type { ControlResult } from '../core/run/run-control.js';
import type { Theme } from './theme.js';
import { terminalSafe } from './terminal-text.js';

export function renderControl(unsafe: ControlResult, theme: Theme): string {
  const result = terminalSafe(unsafe);
  const lines = [`${theme.ok('✓')} ${result.message}`];
  if (result.driven) lines.push(theme.dim(`The xplan driving run ${result.run.id} picks this up by itself.`));
  if (result.next) lines.push(`  ${theme.dim('→')} ${result.next}`);
  return lines.join('\n');
}
