// Opens report.html from disk in a real Chromium: no console errors, no network, no script
// from hostile content, working filters, and screenshots for people to look at.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { Report } from '../reports/types.js';
import { writeReports } from '../reports/write.js';
import { sampleReport } from './reports-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(PACKAGE_ROOT, 'test-artifacts');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let profile: string;
let context: BrowserContext;
const report = sampleReport();

interface Watched {
  page: Page;
  consoleErrors: string[];
  dialogs: string[];
  requests: string[];
}

/**
 * Run in the page before its own script: records what the page copies, through
 * navigator.clipboard.writeText (a secure context such as file://) or through the fallback
 * (document.execCommand('copy') of a selected textarea), in window.__copied.
 */
const RECORD_COPIES = `
  window.__copied = [];
  if (navigator.clipboard) {
    Object.defineProperty(navigator.clipboard, 'writeText', {
      configurable: true,
      value: function (text) { window.__copied.push(String(text)); return Promise.resolve(); },
    });
  }
  document.addEventListener('copy', function (event) {
    var el = document.activeElement;
    var text = el && typeof el.value === 'string' ? el.value.slice(el.selectionStart, el.selectionEnd) : String(document.getSelection());
    window.__copied.push(text);
    event.preventDefault();
  }, true);
`;

async function open(file: string, width = 1280, height = 900, initScript?: string): Promise<Watched> {
  const page = await context.newPage();
  if (initScript !== undefined) await page.addInitScript(initScript);
  await page.setViewportSize({ width, height });
  const watched: Watched = { page, consoleErrors: [], dialogs: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watched.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => watched.consoleErrors.push(e.message));
  page.on('dialog', (d) => {
    watched.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) watched.requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });
  return watched;
}

const visibleRuleIds = (page: Page) => page.$$eval('details.rule', (els) => els.filter((e) => !(e as HTMLElement).hidden).map((e) => e.id.slice('rule-'.length)));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; the report's browser test needs it. Install it with: apt-get update && apt-get install -y chromium (CI installs it).`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  await writeReports(report, join(ARTIFACTS, 'report'));
  await writeReports(sampleReport({ hostile: true }), join(ARTIFACTS, 'report-hostile'));
  profile = mkdtempSync(join(tmpdir(), 'mc-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('report.html in Chromium', () => {
  it('loads from disk without console errors or network requests, and filters by verdict', async () => {
    const { page, consoleErrors, requests } = await open(join(ARTIFACTS, 'report', 'report.html'));
    expect(await visibleRuleIds(page)).toHaveLength(report.rules.length);
    expect(await page.textContent('#shown')).toBe(`Showing ${report.rules.length} of ${report.rules.length} rules`);

    await page.click('button[data-filter="verdict"][data-value="fail"]');
    const failing = report.rules.filter((r) => r.verdict === 'fail').map((r) => r.id);
    expect(failing.length).toBeGreaterThan(0);
    expect(await visibleRuleIds(page)).toEqual(failing);
    expect(await page.getAttribute('button[data-filter="verdict"][data-value="fail"]', 'aria-pressed')).toBe('true');

    await page.click('button[data-filter="verdict"][data-value="all"]');
    await page.click('button[data-filter="op"][data-value="RegisterUsage"]');
    expect(await visibleRuleIds(page)).toEqual(report.rules.filter((r) => r.operations.includes('RegisterUsage')).map((r) => r.id));

    await page.fill('#q', 'register-usage.rule-2');
    expect(await visibleRuleIds(page)).toEqual(['register-usage.rule-2']);

    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('opens a rule from the matrix even when filters hide it', async () => {
    const { page } = await open(join(ARTIFACTS, 'report', 'report.html'));
    await page.click('button[data-filter="verdict"][data-value="fail"]');
    const target = report.rules.find((r) => r.verdict === 'pass')!;
    await page.click(`table.matrix a[href="#rule-${target.id}"] >> nth=0`);
    await page.waitForFunction((id) => (document.getElementById(`rule-${id}`) as HTMLDetailsElement).open, target.id, { timeout: 10_000 });
    expect(await visibleRuleIds(page)).toContain(target.id);
  });

  it('copies the replay command', async () => {
    const { page, consoleErrors } = await open(join(ARTIFACTS, 'report', 'report.html'), 1280, 900, RECORD_COPIES);
    const button = page.locator('details.rule[open] button.copy').first();
    // The first copy button of an open rule is its Replay command: what it copies must be that
    // rule's replay command from the report, character for character.
    const ruleId = await button.evaluate((b) => b.closest('details.rule')!.id.slice('rule-'.length));
    const replay = report.rules.find((r) => r.id === ruleId)?.failure?.replay;
    expect(replay, ruleId).toMatch(/^npx metering-conformance run --seed \d+ --rules \S+/);
    await button.click();
    await page.waitForFunction(() => [...document.querySelectorAll('button.copy')].some((b) => b.textContent === 'Copied'), undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { __copied: string[] }).__copied)).toEqual([replay]);
    expect(consoleErrors).toEqual([]);
  });

  it('runs nothing from hostile target output', async () => {
    const { page, consoleErrors, dialogs, requests } = await open(join(ARTIFACTS, 'report-hostile', 'report.html'));
    expect(await page.$$eval('img, iframe, object, embed', (els) => els.length)).toBe(0);
    expect(await page.$$eval('script', (els) => els.length)).toBe(1);
    expect(await page.textContent('title')).toContain('</script><img');
    expect(dialogs).toEqual([]);
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('parses junit.xml as XML', async () => {
    const { page } = await open(join(ARTIFACTS, 'report-hostile', 'report.html'));
    const xml = readFileSync(join(ARTIFACTS, 'report-hostile', 'junit.xml'), 'utf8');
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      return { errors: doc.getElementsByTagName('parsererror').length, cases: doc.getElementsByTagName('testcase').length };
    }, xml);
    expect(parsed).toEqual({ errors: 0, cases: report.rules.length });
  });

  it('fits a phone screen and saves screenshots', async () => {
    const desktop = await open(join(ARTIFACTS, 'report', 'report.html'));
    await desktop.page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    const phone = await open(join(ARTIFACTS, 'report', 'report.html'), 390, 844);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.page.screenshot({ path: join(ARTIFACTS, 'report-phone.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
    const parsedReport = JSON.parse(readFileSync(join(ARTIFACTS, 'report', 'report.json'), 'utf8')) as Report;
    expect(parsedReport.rules).toHaveLength(report.rules.length);
  });
});
