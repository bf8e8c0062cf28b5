/** Reads `.xplan/config.yaml`: YAML syntax and schema errors become one clear message listing `path: message`. */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { defaultConfig, validateConfig, type Config } from '../core/config.js';
import { InputError } from '../core/errors.js';

export const CONFIG_FILE = 'config.yaml';

export async function readConfig(xplanDir: string, cwd: string): Promise<Config> {
  const path = join(xplanDir, CONFIG_FILE);
  const shown = relative(cwd, path) || path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig();
    throw error;
  }
  // yaml is only loaded when there is a config file to read.
  const { parse, YAMLParseError } = await import('yaml');
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0];
      throw new InputError(
        'CONFIG_INVALID',
        `${shown}${where ? `:${where.line}:${where.col}` : ''} is not valid YAML: ${error.message.split('\n')[0]}`,
        'Fix the YAML syntax at that position.',
      );
    }
    throw error;
  }
  const result = validateConfig(data);
  if (!result.ok) {
    throw new InputError('CONFIG_INVALID', `${shown} is invalid:\n  ${result.errors.join('\n  ')}`, 'Fix the keys listed above; `xplan init --print` shows every key with its default.');
  }
  return result.config;
}
