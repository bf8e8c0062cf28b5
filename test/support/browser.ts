/**
 * A real headless Chromium for page tests: Debian's package (scripts/test-browser.sh installs it), driven by
 * playwright-core, with a fresh profile and no network of its own. Where it is missing the tests skip and say why.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

export const CHROMIUM = process.env.XPLAN_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const TEST_OUTPUT = join(REPO_ROOT, 'test-output');

export function announceSkip(what: string): void {
  if (!HAVE_CHROMIUM) console.warn(`⚠ ${what}: SKIPPED, ${CHROMIUM} is missing. Install Debian's chromium (as root: sh scripts/test-browser.sh) or set XPLAN_TEST_CHROMIUM.`);
}

export interface BrowserPage {
  page: Page;
  /** Console errors and uncaught page errors so far. */
  errors: string[];
  /** Requests that left for anywhere but the page's own origin or a file. */
  outside: string[];
  close: () => Promise<void>;
}

export async function openPage(): Promise<BrowserPage> {
  const profile = mkdtempSync(join(tmpdir(), 'xplan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'file:' && url.protocol !== 'data:' && url.hostname !== '127.0.0.1') outside.push(request.url());
  });
  return {
    page,
    errors,
    outside,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function outputPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, name);
}
