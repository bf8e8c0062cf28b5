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

/** The widths every page is checked at: a phone and a laptop. */
export const PAGE_WIDTHS = [390, 1280] as const;

export interface PageLayout {
  /** The page's own width against the window's: more means the whole page scrolls sideways. */
  scrollWidth: number;
  innerWidth: number;
  /** Tasks whose graph box has no area or is hidden. */
  hiddenNodes: string[];
  /** Tasks whose row in the task table has no area or is hidden. */
  hiddenRows: string[];
  /** Timeline bars (task#attempt) drawn with no width. */
  emptyBars: string[];
  /** Timeline bars that lie, even in part, outside the window: one would have to scroll to see them. */
  barsOutOfView: string[];
  /** Timeline rows (task ids) that have no bar at all. */
  rowsWithoutBar: string[];
  edges: number;
  edgesWithArrow: number;
  /** Each graph box's title as shown, lines joined. */
  titles: Record<string, string>;
  legendStates: string[];
  /** Wide parts that scroll inside their card, and whether the page tells so. */
  scrollers: Array<{ what: string; scrolls: boolean; hint: boolean }>;
}

/** What a person sees of the report or the dashboard at the page's current width. */
export async function measureLayout(page: Page, taskIds: string[]): Promise<PageLayout> {
  return page.evaluate((ids) => {
    const shown = (el: Element | null) => {
      if (!el) return false;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
    };
    const bars = [...document.querySelectorAll('svg.gantt g.bar')];
    const timelineRows = [...document.querySelectorAll('svg.gantt-labels text.row-label')].map((t) => t.textContent ?? '');
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      hiddenNodes: ids.filter((id) => !shown(document.querySelector(`svg.dag g.node[data-task="${id}"] rect.box`))),
      hiddenRows: ids.filter((id) => !shown(document.querySelector(`table.tasks tr[data-task="${id}"]`))),
      emptyBars: bars.filter((b) => !(b.querySelector('rect')!.getBoundingClientRect().width > 0)).map((b) => `${b.getAttribute('data-task')}#${b.getAttribute('data-attempt')}`),
      barsOutOfView: bars
        .filter((b) => {
          const box = b.querySelector('rect')!.getBoundingClientRect();
          return box.left < 0 || box.right > window.innerWidth;
        })
        .map((b) => `${b.getAttribute('data-task')}#${b.getAttribute('data-attempt')}`),
      rowsWithoutBar: timelineRows.filter((id) => !bars.some((b) => b.getAttribute('data-task') === id)),
      edges: document.querySelectorAll('svg.dag path.edge').length,
      edgesWithArrow: [...document.querySelectorAll('svg.dag path.edge')].filter((p) => /^url\(#arrow/.test(p.getAttribute('marker-end') ?? '')).length,
      titles: Object.fromEntries(ids.map((id) => [id, [...document.querySelectorAll(`svg.dag g.node[data-task="${id}"] text.node-title tspan`)].map((t) => t.textContent).join(' ')])),
      legendStates: [...document.querySelectorAll('#dag [data-legend-state]')].map((c) => c.getAttribute('data-legend-state') ?? ''),
      scrollers: [...document.querySelectorAll('[data-scroll]')].map((el) => ({
        what: el.getAttribute('data-scroll') ?? '',
        scrolls: el.scrollWidth > el.clientWidth + 1,
        hint: shown(el.nextElementSibling?.classList.contains('scroll-hint') ? el.nextElementSibling : null),
      })),
    };
  }, taskIds);
}
