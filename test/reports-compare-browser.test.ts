// Opens matrix.html from disk in a real Chromium: no console error, no request beyond the file,
// filters that show exactly the rows they say, a failing cell that opens its transcript, and a
// screenshot (test-artifacts/matrix.png) for people to look at. Without Chromium the tests are
// skipped with the reason, except under CI=true, where they fail.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { buildMatrix } from '../reports/compare.js';
import { writeMatrix } from '../reports/matrix-write.js';
import { extraRule, failureWithTranscript, SAMPLE_ORDER, variant } from './compare-fixtures.js';
import { sampleReport } from './reports-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const CI = process.env.CI === 'true';
const ARTIFACTS = join(PACKAGE_ROOT, 'test-artifacts');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const missing = existsSync(CHROMIUM) ? undefined : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
if (missing !== undefined && !CI) console.warn(`reports-compare-browser: ${missing}; skipping (under CI=true these tests fail)`);

const base = sampleReport();
const later = variant(base, {
  changes: {
    'protocol.rule-1': { verdict: 'fail', failure: failureWithTranscript('protocol.rule-1') },
    'meter-usage.rule-2': { verdict: 'pass' },
    'validation.rule-1': { verdict: 'not-applicable', reason: 'the target declares no product with a dimension (fixtures.products)' },
  },
  add: [extraRule('idempotency.rule-9', 'idempotency', 'pass')],
  run: { startedAt: '2026-03-08T09:30:00.000Z' },
});
const matrix = buildMatrix(
  [
    { file: 'release-1.2/report.json', report: base },
    { file: 'main/report.json', report: later },
  ],
  SAMPLE_ORDER,
);
const FILE = join(ARTIFACTS, 'matrix', 'matrix.html');

let profile: string;
let context: BrowserContext;

interface Watched {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

/** Every request goes through a route: the file itself continues, anything else is recorded and aborted. */
async function open(width = 1280, height = 900): Promise<Watched> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  const watched: Watched = { page, consoleErrors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watched.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => watched.consoleErrors.push(e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    watched.requests.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(FILE).href, { waitUntil: 'load', timeout: 30_000 });
  return watched;
}

const visibleRows = (page: Page) => page.$$eval('tr.rrow', (els) => els.filter((e) => !(e as HTMLElement).hidden).map((e) => e.id.slice('row-'.length)));
const visibleFamilies = (page: Page) => page.$$eval('tr.fam', (els) => els.filter((e) => !(e as HTMLElement).hidden).map((e) => e.getAttribute('data-family')));
const press = (page: Page, filter: string, value: string) => page.click(`button[data-filter="${filter}"][data-value="${value}"]`);

beforeAll(async () => {
  if (missing !== undefined) {
    if (CI) throw new Error(`${missing}; CI=true: the matrix's browser test must run`);
    return;
  }
  await writeMatrix(matrix, join(ARTIFACTS, 'matrix'));
  mkdirSync(ARTIFACTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'mc-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(missing !== undefined && !CI)('matrix.html in Chromium', () => {
  it('loads from disk without console errors or network requests, every rule shown', async () => {
    const { page, consoleErrors, requests } = await open();
    expect(await visibleRows(page)).toEqual(matrix.rows.map((r) => r.id));
    expect(matrix.rows).toHaveLength(41);
    expect(await page.textContent('#shown')).toBe('Showing 41 of 41 rules');
    expect(await page.textContent('#status')).toBe('1 regressionrules that passed in #1 and fail in #2');
    expect(await page.$$eval('tr.outcomes .oc-cell', (els) => els.map((e) => e.textContent))).toEqual(['Not conformant34 of 40 judged', 'Not conformant34 of 41 judged']);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('filters: columns differ, failures, family, level', async () => {
    const { page, consoleErrors } = await open();
    await press(page, 'show', 'differs');
    expect(await visibleRows(page)).toEqual(['protocol.rule-1', 'validation.rule-1', 'meter-usage.rule-2', 'idempotency.rule-9']);
    expect(await visibleFamilies(page)).toEqual(['protocol', 'validation', 'meter-usage', 'idempotency']);
    await press(page, 'show', 'failing');
    expect(await visibleRows(page)).toEqual(['protocol.rule-1', 'auth.rule-3', 'validation.rule-4', 'meter-usage.rule-2', 'idempotency.rule-1']);
    await press(page, 'family', 'auth');
    expect(await visibleRows(page)).toEqual(['auth.rule-3']);
    expect(await page.textContent('#shown')).toBe('Showing 1 of 41 rules');
    await press(page, 'show', 'all');
    expect(await visibleRows(page)).toEqual(['auth.rule-1', 'auth.rule-2', 'auth.rule-3', 'auth.rule-4', 'auth.rule-5']);
    await press(page, 'family', 'all');
    await press(page, 'level', 'should');
    expect(await visibleRows(page)).toHaveLength(8);
    expect(await page.isHidden('#empty')).toBe(true);
    await press(page, 'show', 'differs');
    expect(await visibleRows(page)).toEqual([]);
    expect(await page.isVisible('#empty')).toBe(true);
    expect(await page.getAttribute('button[data-filter="level"][data-value="should"]', 'aria-pressed')).toBe('true');
    expect(consoleErrors).toEqual([]);
  });

  it('a link from the diff shows a row the filters hide', async () => {
    const { page } = await open();
    await press(page, 'show', 'failing');
    expect(await visibleRows(page)).not.toContain('validation.rule-1');
    await page.click('#diff-newlyNotApplicable a[href="#row-validation.rule-1"]');
    await page.waitForFunction(() => !(document.getElementById('row-validation.rule-1') as HTMLElement).hidden, undefined, { timeout: 10_000 });
    expect(await visibleRows(page)).toHaveLength(41);
  });

  it('a failing cell opens its counterexample, replay and curl lines and transcript; screenshot', async () => {
    const { page, consoleErrors, requests } = await open();
    const cell = page.locator('#row-protocol\\.rule-1 td.cell').nth(1);
    const details = cell.locator('details.cell-d');
    expect(await page.locator('#row-protocol\\.rule-1 td.cell').nth(0).textContent()).toBe('pass');
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await cell.locator('.transcript').isVisible()).toBe(false);
    await cell.locator('summary').first().click();
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await cell.locator('.transcript > h4').textContent()).toBe('Transcript of the counterexample 1 exchange');
    expect(await cell.locator('.cmd pre').allTextContents()).toEqual([
      'npx metering-conformance run --seed 424242 --rules protocol.rule-1 --replay 3:0',
      "curl -sS -X POST 'http://127.0.0.1:5055/' --data-raw '{}'",
    ]);
    await cell.locator('details.ex > summary').click();
    expect(await cell.locator('.ex-body pre').nth(1).isVisible()).toBe(true);
    expect(await cell.locator('.ex-body pre').nth(1).textContent()).toContain('"MeteringRecordId": "rec-TRANSCRIPT-MARK"');
    // From the top: the sticky filter bar would otherwise be drawn where the page was scrolled to.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'matrix.png'), fullPage: true });

    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('fits a phone screen: the table scrolls, the page does not', async () => {
    const { page } = await open(390, 844);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  });
});
