/** Parsers of option values: a bad value is a usage error naming the option, raised while commander parses. */
import { InvalidArgumentError } from 'commander';

export function idList(value: string): string[] {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('expected task ids, e.g. T1,T3');
  return ids;
}

/** Digits only: `1e9`, `0x10` and `2.0` are refused rather than read as numbers. */
export function positiveInteger(value: string): number {
  const n = /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1, in digits');
  return n;
}

/** Text an option must carry: an empty or blank `--reason ""` records nothing, so it is refused. */
export function someText(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected some text, not an empty string');
  return value.trim();
}

export const MAX_CONCURRENCY = 64;

export function concurrency(value: string): number {
  const n = /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_CONCURRENCY}`);
  return n;
}

export function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535 (0: any free port)');
  return n;
}
