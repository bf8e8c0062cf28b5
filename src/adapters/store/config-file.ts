/** Reads `.xplan/config.yaml`: YAML syntax and schema errors become one clear message listing `path: message`. */
import { join, relative } from 'node:path';
import { defaultConfig, validateConfig, type Config } from '../../core/config.js';
import { InputError } from '../../core/errors.js';
import { readXplanFile } from './xplan-dir.js';
import { parseYamlText } from './yaml-text.js';

export const CONFIG_FILE = 'config.yaml';

export async function readConfig(xplanDir: string, cwd: string): Promise<Config> {
  const path = join(xplanDir, CONFIG_FILE);
  const shown = relative(cwd, path) || path;
  const text = await readXplanFile(path);
  if (text === undefined) return defaultConfig();
  const data = await parseYamlText(text, shown, 'CONFIG_INVALID', 'Fix the YAML syntax at that position.');
  const result = validateConfig(data);
  if (!result.ok) {
    // What is wrong goes on the error line itself; further problems follow, one a line.
    const [first, ...rest] = result.errors;
    const message = rest.length === 0 ? `${shown} is invalid: ${first}` : `${shown} is invalid: ${first} (and ${rest.length} more)\n  ${rest.join('\n  ')}`;
    throw new InputError('CONFIG_INVALID', message, `Fix ${rest.length === 0 ? 'that key' : 'the keys listed'}; \`xplan init --print\` shows every key with its default.`);
  }
  return result.config;
}
