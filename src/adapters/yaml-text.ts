/** YAML parsing with errors that name the file, line and column. yaml is loaded only when a file needs it. */
import { InputError } from '../core/errors.js';

export async function parseYamlText(text: string, shown: string, code: string, hint: string): Promise<unknown> {
  const { parse, YAMLParseError } = await import('yaml');
  try {
    return parse(text, { prettyErrors: true });
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const where = error.linePos?.[0];
    throw new InputError(code, `${shown}${where ? `:${where.line}:${where.col}` : ''} is not valid YAML: ${error.message.split('\n')[0]!.replace(/[:\s]+$/, '')}`, hint);
  }
}
