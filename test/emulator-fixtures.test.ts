// The emulator's fixture file: the documented default has what the suites need, and bad
// files fail with the file and the field named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_FIXTURES_PATH, EmulatorConfigError, loadFixtures, parseFixtures } from '../emulator/index.js';
import { TEST_CREDENTIALS } from '../core/description.js';

const defaults = loadFixtures(DEFAULT_FIXTURES_PATH);

describe('default fixtures', () => {
  test('region and secret are the documented test values', () => {
    expect(defaults.region).toBe('us-east-1');
    expect(defaults.secretAccessKey).toBe(TEST_CREDENTIALS.secretAccessKey);
  });

  test('two or more AMI/container products with 3+ dimensions, e.g. conformance-ami-1, and a SaaS product', () => {
    const meterable = defaults.products.filter((p) => p.kind !== 'saas' && p.dimensions.length >= 3);
    expect(meterable.length).toBeGreaterThanOrEqual(2);
    expect(defaults.products.find((p) => p.code === 'conformance-ami-1')?.dimensions).toEqual(['Hours', 'Users', 'Gigabytes']);
    expect(defaults.products.some((p) => p.kind === 'saas')).toBe(true);
  });

  test('customers: subscribed and unsubscribed, with and without CustomerIdentifier, all with LicenseArns', () => {
    const kinds = new Set(defaults.customers.map((c) => `${c.subscribed}/${c.identifier !== undefined}`));
    expect(kinds).toEqual(new Set(['true/true', 'true/false', 'false/true', 'false/false']));
    expect(defaults.customers.every((c) => c.licenseArn?.startsWith('arn:aws:license-manager::'))).toBe(true);
  });

  test('tokens valid and expired; registrations in every entitlement state with key versions', () => {
    expect(new Set(defaults.tokens.map((t) => t.state))).toEqual(new Set(['valid', 'expired']));
    expect(new Set(defaults.registrations.map((r) => r.entitlement))).toEqual(new Set(['entitled', 'not-entitled', 'platform-not-supported']));
    expect(defaults.registrations.every((r) => r.publicKeyVersions.length > 0)).toBe(true);
  });
});

describe('bad fixture files', () => {
  const base = `
products:
  - { code: p-1, kind: ami, dimensions: [A, B, C] }
  - { code: s-1, kind: saas, dimensions: [R] }
customers:
  - { identifier: c-1, accountId: "111", productCode: s-1, subscribed: true }
tokens:
  - { token: t-1, state: valid, customerAccountId: "111" }
registrations:
  - { productCode: p-1, publicKeyVersions: [1], entitlement: entitled }
`;

  test('a minimal file loads, with region and secret defaulted', () => {
    const f = parseFixtures(base, 'mini.yaml');
    expect(f.region).toBe('us-east-1');
    expect(f.products).toHaveLength(2);
  });

  const cases: [string, string, RegExp][] = [
    ['not YAML', 'products: [', /x\.yaml: not valid YAML/],
    ['not a mapping', '- 1', /x\.yaml: the document must be a mapping/],
    ['unknown top-level key', `${base}\nproduct: []`, /the document has unknown key product/],
    ['bad kind', base.replace('kind: ami', 'kind: vm'), /products\[0\]\.kind must be one of ami, container, saas, got "vm"/],
    ['bad product code', base.replace('code: p-1', 'code: "p 1"'), /products\[0\]\.code must be a product code/],
    ['no dimensions', base.replace('[A, B, C]', '[]'), /products\[0\]\.dimensions must list at least one dimension/],
    ['repeated dimension', base.replace('[A, B, C]', '[A, A]'), /products\[0\]\.dimensions must not repeat/],
    ['duplicate product', base.replace('code: s-1', 'code: p-1'), /products\[1\] repeats product code "p-1"/],
    ['unquoted account id', base.replace('accountId: "111"', 'accountId: 111'), /customers\[0\]\.accountId must be quoted/],
    ['customer of an unknown product', base.replace('productCode: s-1', 'productCode: s-9'), /customers\[0\]\.productCode names no product/],
    ['bad license ARN', base.replace('subscribed: true', 'subscribed: true, licenseArn: "arn:bad"'), /customers\[0\]\.licenseArn must be a license ARN/],
    ['subscribed not a boolean', base.replace('subscribed: true', 'subscribed: yes please'), /customers\[0\]\.subscribed must be true or false/],
    ['token of nobody', base.replace('customerAccountId: "111"', 'customerAccountId: "222"'), /tokens\[0\]\.customerAccountId names no customer/],
    ['valid token without customer', base.replace(', customerAccountId: "111"', ''), /tokens\[0\]\.customerAccountId is required for a valid token/],
    ['bad key version', base.replace('publicKeyVersions: [1]', 'publicKeyVersions: [0]'), /registrations\[0\]\.publicKeyVersions\[0\] must be an integer >= 1/],
    ['bad entitlement', base.replace('entitlement: entitled', 'entitlement: maybe'), /registrations\[0\]\.entitlement must be one of/],
    ['bad region', `region: Mars\n${base}`, /x\.yaml: region must be a Region name/],
    ['empty secret', `secretAccessKey: ""\n${base}`, /secretAccessKey must be a non-empty string/],
  ];
  test.each(cases)('%s', (_name, text, message) => {
    expect(() => parseFixtures(text, 'x.yaml')).toThrow(EmulatorConfigError);
    expect(() => parseFixtures(text, 'x.yaml')).toThrow(message);
  });

  const dir = mkdtempSync(join(tmpdir(), 'mc-fixtures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('loadFixtures names the file; a missing file is a clear error', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, base.replace('kind: ami', 'kind: vm'));
    expect(() => loadFixtures(file)).toThrow(`${file}: products[0].kind`);
    expect(() => loadFixtures(join(dir, 'missing.yaml'))).toThrow(/cannot read fixture file .*missing\.yaml/);
  });
});
