/**
 * YAML parsing with errors that name the file, line and column. yaml is loaded only when a file needs it.
 * Only plain data is accepted: a tag the YAML core schema does not know (`!!js/function`, `!custom`) is refused
 * rather than read as a string, and aliases are limited, so a small file cannot expand into gigabytes.
 */
import { InputError } from '../../core/errors.js';

/** Aliases a document may resolve; a config or plan needs a handful at most. */
export const MAX_YAML_ALIASES = 100;

export async function parseYamlText(text: string, shown: string, code: string, hint: string): Promise<unknown> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: true });
  const located = (error: { linePos?: Array<{ line: number; col: number }>; message: string }) => {
    const where = error.linePos?.[0];
    return `${shown}${where ? `:${where.line}:${where.col}` : ''}`;
  };
  const firstLine = (message: string) => message.split('\n')[0]!.replace(/[:\s]+$/, '');
  const error = doc.errors[0];
  if (error) throw new InputError(code, `${located(error)} is not valid YAML: ${firstLine(error.message)}`, hint);
  const tag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (tag) {
    const full = /tag:?\s*(\S+)/i.exec(tag.message.split('\n')[0]!)?.[1];
    const name = full ? full.replace(/^tag:yaml\.org,2002:/, '!!') : 'a custom tag';
    throw new InputError(code, `${located(tag)} uses the tag ${name}, which xplan does not read`, 'Write the value as plain YAML (a string, number, list or map) without the tag.');
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (failure) {
    if (failure instanceof ReferenceError && /alias/i.test(failure.message)) {
      throw new InputError(code, `${shown} expands its aliases (*name) more than ${MAX_YAML_ALIASES} times, which xplan refuses`, 'Write the repeated values out, or use fewer aliases.');
    }
    throw failure;
  }
}
