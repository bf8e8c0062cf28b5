/** The answer of `xplan pause`, `retry`, `skip` and `done`. */
import type { ControlResult } from '../core/run-control.js';
import type { Theme } from './theme.js';

export function renderControl(result: ControlResult, theme: Theme): string {
  const lines = [`${theme.ok('✓')} ${result.message}`];
  if (result.driven) lines.push(theme.dim(`The xplan driving run ${result.run.id} picks this up by itself.`));
  if (result.next) lines.push(`  ${theme.dim('→')} ${result.next}`);
  return lines.join('\n');
}
