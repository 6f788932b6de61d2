// report.html's "Detection power" section: for a run against a target with fault modes
// (run.faults), each fault mode with the rules expected to catch it and whether one failed.
import { describe, expect, test } from 'vitest';
import { planRun } from '../plan/run-plan.js';
import { reporterOptions } from '../plan/vitest-options.js';
import { FAULT_EXPECTATIONS } from '../emulator/fault-expectations.js';
import { startEmulator } from '../emulator/index.js';
import { detectionPowerHtml, renderHtml } from '../reports/html.js';
import type { Report, RuleResult, Verdict } from '../reports/types.js';
import { validateReport } from '../reports/validate.js';
import { resolveTarget } from '../target/resolve.js';
import { sampleReport } from './reports-fixtures.js';
import { tempDir } from './support/cli.js';

/** The sample report with these rules (id and verdict) and fault modes. */
function faultReport(rules: [string, Verdict][], faults: string[] | undefined): Report {
  const base = sampleReport();
  const template = base.rules.find((r) => r.verdict === 'pass')!;
  const ruleResults: RuleResult[] = rules.map(([id, verdict]) => ({ ...template, id, verdict }));
  return { ...base, run: { ...base.run, ...(faults !== undefined ? { faults } : {}) }, rules: ruleResults };
}

describe('the detection power section', () => {
  test('the expectations it reads are the ones the fault modes are tested with', () => {
    expect(FAULT_EXPECTATIONS['new-id-on-retry']).toEqual(['meter-usage.identical-retry']);
    expect(FAULT_EXPECTATIONS['accept-future-timestamp']).toEqual(['meter-usage.future-timestamp', 'batch-meter-usage.future-rejected']);
    expect(FAULT_EXPECTATIONS['no-request-id']).toEqual(['protocol.request-id']);
  });

  test('is absent without fault modes', () => {
    const report = faultReport([['meter-usage.identical-retry', 'fail']], undefined);
    expect(detectionPowerHtml(report)).toBe('');
    expect(detectionPowerHtml(faultReport([['meter-usage.identical-retry', 'fail']], []))).toBe('');
    expect(renderHtml(report)).not.toContain('Detection power');
    expect(renderHtml(report)).not.toContain('<dt>Fault modes</dt>');
  });

  test('per fault mode: caught, missed or not run, with each expected rule and its verdict', () => {
    const report = faultReport(
      [
        ['meter-usage.identical-retry', 'fail'],
        ['meter-usage.future-timestamp', 'pass'],
        ['protocol.error-type', 'fail'],
      ],
      ['new-id-on-retry', 'accept-future-timestamp', 'no-request-id', '<img src=x onerror=alert(1)>'],
    );
    const html = detectionPowerHtml(report);
    expect(html).toContain('<h2>Detection power <span class="muted">1 of 4 fault modes caught</span></h2>');
    const rows = [...html.matchAll(/<tr data-fault="[^"]*">.*?<\/tr>/g)].map((m) => m[0]);
    expect(rows).toEqual([
      '<tr data-fault="new-id-on-retry"><td><span class="pill v-pass" title="an expected rule failed">caught</span></td><td><code>new-id-on-retry</code></td>' +
        '<td><a href="#rule-meter-usage.identical-retry"><code>meter-usage.identical-retry</code></a> <span class="muted">fail</span></td>' +
        '<td class="why">An identical MeterUsage retry gets a new MeteringRecordId and is recorded a second time.</td></tr>',
      '<tr data-fault="accept-future-timestamp"><td><span class="pill v-fail" title="the expected rules ran and none failed">missed</span></td><td><code>accept-future-timestamp</code></td>' +
        '<td><a href="#rule-meter-usage.future-timestamp"><code>meter-usage.future-timestamp</code></a> <span class="muted">pass</span><br>' +
        '<code>batch-meter-usage.future-rejected</code> <span class="muted">not in this run</span></td>' +
        '<td class="why">No upper bound on the time window: MeterUsage and BatchMeterUsage accept timestamps hours or days ahead of the clock.</td></tr>',
      '<tr data-fault="no-request-id"><td><span class="pill v-not-applicable" title="no expected rule was in this run">not run</span></td><td><code>no-request-id</code></td>' +
        '<td><code>protocol.request-id</code> <span class="muted">not in this run</span></td><td class="why">Answers carry no x-amzn-RequestId header.</td></tr>',
      '<tr data-fault="&lt;img src=x onerror=alert(1)&gt;"><td><span class="pill v-not-applicable" title="no expected rule was in this run">not run</span></td><td><code>&lt;img src=x onerror=alert(1)&gt;</code></td>' +
        '<td><span class="muted">no expected rules listed</span></td><td class="why">not a fault mode of this version of the emulator</td></tr>',
    ]);
  });

  test('a failure of a rule not expected for the fault mode does not count as caught', () => {
    const html = detectionPowerHtml(faultReport([['protocol.error-type', 'fail'], ['protocol.request-id', 'pass']], ['no-request-id']));
    expect(html).toContain('0 of 1 fault mode caught');
    expect(html).toContain('>missed</span>');
  });

  test('is part of report.html, and the run lists its fault modes', () => {
    const html = renderHtml(faultReport([['meter-usage.identical-retry', 'fail']], ['new-id-on-retry']));
    expect(html).toContain('<section class="attention card detection"><h2>Detection power');
    expect(html).toContain('<div><dt>Fault modes</dt><dd>new-id-on-retry</dd></div>');
    expect(html.indexOf('Detection power')).toBeLessThan(html.indexOf('<h2>Rule matrix</h2>'));
  });
});

describe('run.faults in report.json', () => {
  test('the schema takes a list of names and nothing else', () => {
    const report = sampleReport();
    expect(validateReport({ ...report, run: { ...report.run, faults: ['new-id-on-retry', 'no-request-id'] } })).toEqual([]);
    const broken = structuredClone(report) as unknown as { run: Record<string, unknown> };
    broken.run.faults = 'new-id-on-retry';
    expect(validateReport(broken)).toContain('report/run/faults must be array');
    broken.run.faults = [''];
    expect(validateReport(broken)).toContain('report/run/faults/0 must NOT have fewer than 1 characters');
  });
});

describe('where run.faults comes from', () => {
  test("the target's describe document: the emulator's fault modes, none without any", async () => {
    const faulty = await startEmulator({ faults: ['no-request-id', 'new-id-on-retry'] });
    const plain = await startEmulator();
    try {
      const withFaults = await resolveTarget({ endpoint: faulty.url, env: {} });
      expect(withFaults.description.faults).toEqual(['no-request-id', 'new-id-on-retry']);
      const without = await resolveTarget({ endpoint: plain.url, env: {} });
      expect(without.description).not.toHaveProperty('faults');
    } finally {
      await Promise.all([faulty.close(), plain.close()]);
    }
  });

  test("a run's report takes them from its target", async () => {
    const emulator = await startEmulator({ faults: ['no-request-id'] });
    try {
      const plan = planRun({ outDir: tempDir('mc-faults-'), seed: 1, runs: 1, rules: 'protocol.request-id' });
      const { description } = await resolveTarget({ endpoint: emulator.url, env: {} });
      expect(reporterOptions(plan, () => description).run.faults).toEqual(['no-request-id']);
      const { faults: _, ...withoutFaults } = description;
      expect(reporterOptions(plan, () => withoutFaults).run).not.toHaveProperty('faults');
    } finally {
      await emulator.close();
    }
  });
});
