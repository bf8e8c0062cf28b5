import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { levelsFrom, Logger } from '../../src/adapters/store/logger.js';
import { tempDir } from '../support/cli.js';

describe('xplan.log', () => {
  it('rotates by size and keeps only the configured number of old files, each line whole JSON', () => {
    const dir = join(tempDir(), 'logs');
    const logger = new Logger(dir, { maxBytes: 2048, keep: 2, fileLevel: 'info' });
    for (let i = 0; i < 200; i++) logger.info(`event ${i}`, { n: i, padding: 'x'.repeat(40) });
    expect(readdirSync(dir).sort()).toEqual(['xplan.log', 'xplan.log.1', 'xplan.log.2']);
    for (const file of readdirSync(dir)) {
      expect(statSync(join(dir, file)).size).toBeLessThanOrEqual(2048);
      for (const line of readFileSync(join(dir, file), 'utf8').trim().split('\n')) expect(JSON.parse(line)).toHaveProperty('level', 'info');
    }
    // The newest entries are in the current file; the oldest were dropped.
    expect(readFileSync(join(dir, 'xplan.log'), 'utf8')).toContain('"msg":"event 199"');
    const all = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    expect(all).not.toContain('"msg":"event 0"');
  });

  it('writes levels at or above its threshold, echoes the human side to stderr, and redacts both', () => {
    const dir = join(tempDir(), 'logs');
    const seen: string[] = [];
    const logger = new Logger(dir, { maxBytes: 1 << 20, keep: 1, ...levelsFrom({}, {}), stderr: (l) => seen.push(l) });
    logger.debug('not written');
    logger.info('written', { token: 'ghp_4fJk9Lm2Nq8Rs6Tv1Wx3Yz5Ab7Cd9Ef0Gh2Ij' });
    logger.warn('bd failed with password: Correct-Horse-Battery-9');
    const text = readFileSync(join(dir, 'xplan.log'), 'utf8');
    expect(text).not.toContain('not written');
    expect(text).toContain('<REDACTED:github-token>');
    expect(text).not.toContain('Correct-Horse');
    expect(seen).toEqual(['xplan warn: bd failed with password: <REDACTED:password>']);
    expect(existsSync(join(dir, 'xplan.log.1'))).toBe(false);
  });

  it('takes its levels from --debug, --verbose and --quiet', () => {
    expect(levelsFrom({ quiet: true }, {})).toEqual({ fileLevel: 'info', stderrLevel: 'error' });
    expect(levelsFrom({ verbose: true }, {})).toEqual({ fileLevel: 'debug', stderrLevel: 'info' });
    expect(levelsFrom({}, { XPLAN_DEBUG: '1' })).toEqual({ fileLevel: 'debug', stderrLevel: 'debug' });
    expect(levelsFrom({}, {})).toEqual({ fileLevel: 'info', stderrLevel: 'warn' });
  });
});
