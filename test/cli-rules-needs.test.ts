// `rules --coverage` (the modeled (operation, error) pairs and the rules that judge each) and
// `rules --needs` (what a target must declare per rule, or what one target.yaml lacks): the
// computations on hand-made inputs, the real catalogue's matrix for consistency (its numbers
// change as rules are added, so none is written here), and the built command once each.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { catalogueFor } from '../catalogue/catalogue.js';
import { coverageHintOfNeed, FIXTURE_NEED_SPECS, unmetCapabilityReason, unmetFixtureReason } from '../catalogue/needs.js';
import { SPECS_DIR } from '../core/paths.js';
import { errorCoverage, missingDeclarations, ruleDeclarations, rulesNeeding, type CoverageRow } from '../catalogue/coverage.js';
import { CAPABILITY_NEEDS, FIXTURE_NEEDS, type Rule } from '../catalogue/rules.js';
import { coverageText, needsText } from '../cli/rules.js';
import { loadModel, type OperationModel, type ServiceModel } from '../core/model.js';
import { EMPTY_FIXTURES, NO_CAPABILITIES, type TargetFixtures } from '../core/description.js';
import { runCli, tempDir } from './support/cli.js';

function modelWith(errors: Record<string, string[]>): ServiceModel {
  const operations = Object.fromEntries(Object.entries(errors).map(([name, errs]): [string, OperationModel] => [name, { name, input: `${name}Request`, errors: errs }]));
  return { file: 'hand-made.json', version: 'latest', apiVersion: '2016-01-14', targetPrefix: 'AWSMPMeteringService', signingName: 'aws-marketplace', operations, shapes: {} };
}

function rule(id: string, fields: Partial<Rule>): Rule {
  return { id, statement: id, level: 'must', family: 'test', operations: ['MeterUsage'], sources: ['https://example.com/doc'], needs: {}, ...fields };
}

/** The declared fixtures of the spawned test's target.yaml: one SaaS product and one subscribed customer. */
const SAAS_ONLY: TargetFixtures = {
  ...EMPTY_FIXTURES,
  products: [{ code: 'my-saas', kind: 'saas', dimensions: ['Requests'] }],
  customers: [{ accountId: '111122223333', productCode: 'my-saas', subscribed: true }],
};

describe('errorCoverage', () => {
  const model = modelWith({ MeterUsage: ['ThrottlingException', 'InvalidTokenException'], ResolveCustomer: ['InvalidTokenException', 'ExpiredTokenException'] });

  test('a rule judges a pair when it is about the operation and its model field or a source names the error shape', () => {
    const rules = [
      rule('by-model-field', { operations: ['ResolveCustomer'], model: 'shapes.InvalidTokenException' }),
      rule('by-documentation-source', { operations: ['MeterUsage', 'ResolveCustomer'], sources: ['model:shapes.ExpiredTokenException.documentation'] }),
      // Names a shape whose name starts with an error's name: not that error.
      rule('by-longer-name', { operations: ['MeterUsage'], sources: ['model:shapes.ThrottlingExceptionDetail'] }),
      // Names the error, but for an operation that does not list it.
      rule('other-operation', { operations: ['MeterUsage'], sources: ['model:shapes.ExpiredTokenException'] }),
    ];
    expect(errorCoverage(model, rules)).toEqual([
      { operation: 'MeterUsage', error: 'ThrottlingException', rules: [] },
      { operation: 'MeterUsage', error: 'InvalidTokenException', rules: [] },
      { operation: 'ResolveCustomer', error: 'InvalidTokenException', rules: ['by-model-field'] },
      { operation: 'ResolveCustomer', error: 'ExpiredTokenException', rules: ['by-documentation-source'] },
    ]);
  });

  test('the text groups by operation and its last line counts the covered pairs and names the rest', () => {
    const rows: CoverageRow[] = [
      { operation: 'MeterUsage', error: 'ThrottlingException', rules: [] },
      { operation: 'MeterUsage', error: 'TimestampOutOfBoundsException', rules: ['a', 'b'] },
      { operation: 'ResolveCustomer', error: 'ExpiredTokenException', rules: [] },
    ];
    expect(coverageText(rows).split('\n')).toEqual([
      'MeterUsage',
      '  ThrottlingException            (no rule)',
      '  TimestampOutOfBoundsException  a, b',
      'ResolveCustomer',
      '  ExpiredTokenException          (no rule)',
      '1 of 3 modeled (operation, error) pairs have a rule; missing: MeterUsage ThrottlingException, ResolveCustomer ExpiredTokenException',
      '',
    ]);
    expect(coverageText(rows.slice(1, 2)).trim().split('\n').at(-1)).toBe('1 of 1 modeled (operation, error) pairs have a rule');
  });

  test('the real catalogue: every modeled pair once, each with rules of its operation, and a summary equal to the rows', () => {
    const latest = loadModel();
    const rows = errorCoverage(latest, catalogueFor(latest));
    const modeled = Object.values(latest.operations).flatMap((op) => op.errors.map((error) => `${op.name} ${error}`));
    expect(rows.map((row) => `${row.operation} ${row.error}`)).toEqual(modeled);
    const byId = new Map(catalogueFor(latest).map((r) => [r.id, r]));
    for (const row of rows) for (const id of row.rules) expect(byId.get(id)?.operations, `${id} judges ${row.operation}`).toContain(row.operation);
    const uncovered = rows.filter((row) => row.rules.length === 0).map((row) => `${row.operation} ${row.error}`);
    const summary = coverageText(rows).trim().split('\n').at(-1);
    const missing = uncovered.length > 0 ? `; missing: ${uncovered.join(', ')}` : '';
    expect(summary).toBe(`${rows.length - uncovered.length} of ${modeled.length} modeled (operation, error) pairs have a rule${missing}`);
  });
});

describe('needs', () => {
  test('every fixture need has a target.yaml key under fixtures', () => {
    expect(Object.keys(FIXTURE_NEED_SPECS).sort()).toEqual([...FIXTURE_NEEDS].sort());
    for (const spec of Object.values(FIXTURE_NEED_SPECS)) expect(spec.key).toMatch(/^fixtures\.\w+/);
  });

  test('a rule needs its fixtures, capabilities and driver, each as a key with words', () => {
    const needy = rule('needy', { needs: { fixtures: ['token', 'unentitled-product'], capabilities: ['clockControl'], driver: 'raw' } });
    expect(ruleDeclarations(needy).map((d) => d.key)).toEqual(['fixtures.tokens (state valid)', 'fixtures.products (entitled: false)', 'capabilities.clockControl', '--driver raw']);
    expect(ruleDeclarations(needy)[0].text).toBe('a valid registration token of a subscribed customer');
    expect(ruleDeclarations(needy)[2].text).toBe('clock control');
  });

  test('what a target lacks is judged by the run predicates, for the rule at hand', () => {
    const declared = {
      fixtures: { ...SAAS_ONLY, otherRegions: [{ region: 'eu-west-1', disabledApis: ['MeterUsage' as const] }] },
      capabilities: { ...NO_CAPABILITIES, tokenIssue: true },
    };
    const meter = rule('meter', { needs: { fixtures: ['saas-product', 'customer', 'product', 'other-region', 'disabled-api-region'], capabilities: ['tokenIssue', 'cleanLedger'], driver: 'raw' } });
    // eu-west-1 disables MeterUsage: a Region where it is served is lacking, one that disables it is not.
    expect(missingDeclarations(meter, declared).map((d) => d.key)).toEqual(['fixtures.products (kind ami or container)', 'fixtures.otherRegions', 'capabilities.callerIsolation or capabilities.reset']);
    // A clean ledger comes from caller isolation, or from a reset: this project's, or another control plane's request.
    for (const capabilities of [{ callerIsolation: true }, { reset: true }, { reset: { method: 'POST' as const, path: '/moto-api/reset' } }]) {
      const keys = missingDeclarations(meter, { ...declared, capabilities: { ...declared.capabilities, ...capabilities } }).map((d) => d.key);
      expect(keys, JSON.stringify(capabilities)).not.toContain('capabilities.callerIsolation or capabilities.reset');
    }
    const resolve = rule('resolve', { operations: ['ResolveCustomer'], needs: { fixtures: ['other-region', 'disabled-api-region'] } });
    expect(missingDeclarations(resolve, declared).map((d) => d.key)).toEqual(['fixtures.otherRegions[].disabledApis']);
  });

  test('rulesNeeding lists only rules that need something, all of it or what the target lacks', () => {
    const rules = [rule('free', {}), rule('saas', { needs: { fixtures: ['saas-product'] } }), rule('license', { needs: { fixtures: ['license'] } })];
    expect(rulesNeeding(rules).map((row) => row.rule)).toEqual(['saas', 'license']);
    const lacking = rulesNeeding(rules, { fixtures: SAAS_ONLY, capabilities: NO_CAPABILITIES });
    expect(lacking).toEqual([{ rule: 'license', declarations: [{ key: 'fixtures.customers[].licenseArn', text: 'a customer with a LicenseArn' }] }]);
    expect(needsText(lacking, rules, true).trim().split('\n').at(-1)).toBe('1 rule needs declarations this target.yaml lacks');
    expect(needsText([], rules, true)).toBe("every rule's needs are declared\n");
    expect(needsText(rulesNeeding(rules), rules, false).trim().split('\n').at(-1)).toBe('2 of 3 rules need a declaration; the others need none');
  });
});

/** Rule id → the keys listed under it, from `rules --needs` text. */
function needsBlocks(stdout: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of stdout.trim().split('\n').slice(0, -1)) {
    if (line.startsWith('  ')) current.push(line.trim().split(/\s{2,}/)[0]);
    else blocks.set(line, (current = []));
  }
  return blocks;
}

describe('not-applicable reasons of unmet needs', () => {
  test('name the target.yaml key, and the coverage hint keeps the words and the key', () => {
    expect(unmetFixtureReason('expired-token')).toBe('needs an expired registration token, which the target does not declare (target.yaml: fixtures.tokens (state expired))');
    expect(unmetCapabilityReason('clockControl')).toBe('needs clock control, which the target does not declare (target.yaml: capabilities.clockControl: true)');
    for (const need of FIXTURE_NEEDS) {
      const { text, key } = FIXTURE_NEED_SPECS[need];
      expect(coverageHintOfNeed(unmetFixtureReason(need)), need).toBe(`declare ${text} in target.yaml (${key})`);
    }
    for (const need of CAPABILITY_NEEDS.filter((n) => n !== 'cleanLedger')) {
      expect(coverageHintOfNeed(unmetCapabilityReason(need)), need).toMatch(new RegExp(`^declare capabilities\\.${need}: true in target\\.yaml \\([a-z ]+\\)$`));
    }
    expect(coverageHintOfNeed(unmetCapabilityReason('cleanLedger'))).toBe('declare capabilities.callerIsolation: true, or capabilities.reset in target.yaml (a clean ledger for every property run)');
    expect(coverageHintOfNeed('the target did something else')).toBeUndefined();
  });
});

describe('the command', () => {
  test('rules --coverage lists every modeled pair once and a summary of them; --model takes an older version', { timeout: 60_000 }, async () => {
    const latest = loadModel();
    const result = await runCli(['rules', '--coverage']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const pairs = Object.values(latest.operations).flatMap((op) => op.errors.map((error) => ({ op: op.name, error })));
    for (const { op, error } of pairs) {
      const block = lines.slice(lines.indexOf(op) + 1).join('\n').split(/\n(?! )/)[0];
      expect(block.match(new RegExp(`^  ${error} `, 'gm')), `${op} ${error}`).toHaveLength(1);
    }
    expect(lines.find((line) => line.startsWith('  ExpiredTokenException '))).toContain('resolve-customer.expired-token');
    const summary = /^(\d+) of (\d+) modeled \(operation, error\) pairs have a rule(?:; missing: (.*))?$/.exec(lines.at(-1)!);
    expect(summary, lines.at(-1)).not.toBeNull();
    const uncovered = lines.filter((line) => line.endsWith('(no rule)')).length;
    expect(Number(summary![2])).toBe(pairs.length);
    expect(Number(summary![1])).toBe(pairs.length - uncovered);
    expect(summary![3]?.split(', ').length ?? 0).toBe(uncovered);

    const older = await runCli(['rules', '--coverage', '--json', '--model', join(SPECS_DIR, 'history', 'service-2.2016-03-17.json')]);
    expect(older.code, older.stderr).toBe(0);
    const rows = JSON.parse(older.stdout) as CoverageRow[];
    expect(new Set(rows.map((row) => row.operation))).toEqual(new Set(['MeterUsage']));
    expect(rows.length).toBeLessThan(pairs.length);
  });

  test('rules --needs --config names, per rule, the keys a SaaS-only target.yaml lacks', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const config = join(dir, 'target.yaml');
    writeFileSync(
      config,
      ['fixtures:', '  products:', '    - {code: my-saas, kind: saas, dimensions: [Requests]}', '  customers:', '    - {accountId: "111122223333", productCode: my-saas, subscribed: true}', ''].join('\n'),
    );
    const result = await runCli(['rules', '--needs', '--config', config]);
    expect(result.code, result.stderr).toBe(0);
    const blocks = needsBlocks(result.stdout);
    expect(blocks.get('meter-usage.accepts-valid')).toEqual(['fixtures.products (kind ami or container)', 'capabilities.callerIsolation or capabilities.reset']);
    expect(blocks.get('resolve-customer.expired-token')).toEqual(['fixtures.tokens (state expired)']);
    expect(blocks.get('batch-meter-usage.accepts-valid')).toEqual(['capabilities.callerIsolation or capabilities.reset']);
    const keys = [...blocks.values()].flat();
    expect(keys).not.toContain('fixtures.products (kind saas)');
    expect(keys).not.toContain('fixtures.customers (subscribed: true)');
    expect(keys).not.toContain('--driver raw');
    expect(result.stdout.trim().split('\n').at(-1)).toBe(`${blocks.size} rules need declarations this target.yaml lacks`);
  });
});
