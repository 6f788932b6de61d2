// Every published model version: `run --model specs/history/<file>` exits 0 against the
// embedded emulator (which then follows that version), and exactly the rules about members or
// operations the version lacks (or from a later version) are not-applicable, with the reason.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { SPECS_DIR } from '../core/paths.js';
import { loadModel, type ServiceModel } from '../core/model.js';
import { modelPathExists } from '../suites/harness/needs.js';
import { readReport, runCli, tempDir } from './support/cli.js';
import { expectNotApplicableExactly, MIXED_LICENSE_PRODUCTS, MIXED_LICENSE_PRODUCTS_REASON } from './support/not-applicable.js';

const HISTORY = join(SPECS_DIR, 'history');
const files = readdirSync(HISTORY).filter((f) => f.endsWith('.json')).sort();

const MODEL_REASON = /^the service model under test \(\S+\) has no \S+|^the rule applies from model \S+; the model under test is \S+$/;
const TOO_MANY_RECORDS = 'batch-meter-usage.too-many-records';

/**
 * The rules a run of `model` against the embedded emulator may (and must) report not-applicable,
 * with their reasons, computed as suites/harness/needs.ts unmetNeeds decides: an operation or
 * member the model lacks, or a rule from a later version. Besides those (the clock-bound
 * meter-usage.month-boundary is left to expectNotApplicableExactly):
 * - batch-meter-usage.mixed-license-products: the default fixtures have one SaaS product;
 * - batch-meter-usage.too-many-records, for a model without UsageRecord.CustomerAWSAccountId:
 *   records are then told apart only by CustomerIdentifier, dimension and hour, and the default
 *   fixtures' SaaS customers with an identifier, times the SaaS product's dimensions, times the
 *   hours of those models' time window, are fewer than the 26 distinct records the rule needs.
 */
function expectedNotApplicable(model: ServiceModel): Map<string, RegExp> {
  const expected = new Map<string, RegExp>();
  for (const rule of catalogueFor(model)) {
    const lacks =
      rule.operations.some((op) => !(op in model.operations)) ||
      (rule.model !== undefined && !modelPathExists(model, rule.model)) ||
      (rule.since !== undefined && model.version !== 'latest' && model.version < rule.since);
    if (lacks) expected.set(rule.id, MODEL_REASON);
  }
  if (!expected.has(MIXED_LICENSE_PRODUCTS)) expected.set(MIXED_LICENSE_PRODUCTS, MIXED_LICENSE_PRODUCTS_REASON);
  if (!expected.has(TOO_MANY_RECORDS) && !modelPathExists(model, 'shapes.UsageRecord.members.CustomerAWSAccountId')) {
    expected.set(TOO_MANY_RECORDS, /^the target's fixtures allow no batch of 26 distinct records/);
  }
  return expected;
}

describe('run --model for every model version', () => {
  test('there are model versions to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  test.each(files)('%s', { timeout: 600_000 }, async (file) => {
    const out = tempDir();
    const model = loadModel(join(HISTORY, file));
    const startedMs = Date.now();
    // Few runs: the point is that every version is judged without a failure, not search depth.
    const result = await runCli(['run', '--model', join(HISTORY, file), '--runs', '3', '--seed', '3', '--out', out], { timeoutMs: 600_000 });
    const endedMs = Date.now();
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.code, result.stdout).toBe(0);
    const report = readReport(out);
    expect(report.run.model).toContain(file.replace(/^service-2\.|\.json$/g, ''));
    const wrong = report.rules.filter((r) => r.verdict === 'fail' || r.verdict === 'error').map((r) => `${r.id}: ${r.verdict} ${r.reason ?? ''}`);
    expect(wrong).toEqual([]);
    expect(report.rules.map((r) => r.id).sort()).toEqual(catalogueFor(model).map((r) => r.id).sort());
    expectNotApplicableExactly(report, expectedNotApplicable(model), startedMs, endedMs);
  });
});
