// The emulator's fixture file: what the target knows (products, customers, tokens,
// registrations, other Regions served; the TargetFixtures contract) plus what only the emulator needs (its
// Region and the secret access key it accepts). Every field is checked at load so that a
// typo is a clear error naming the file and the field, not a confusing answer later.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../core/paths.js';
import type {
  CustomerFixture,
  ProductFixture,
  RegionFixture,
  RegistrationFixture,
  TargetFixtures,
  TokenFixture,
} from '../core/description.js';
import { TEST_CREDENTIALS } from '../core/description.js';
import { OPERATIONS } from '../core/vocabulary.js';
import { EmulatorConfigError } from './errors.js';

export interface EmulatorFixtures extends TargetFixtures {
  /** The Region requests must be signed for. */
  region: string;
  /** The secret every access key id must sign with. */
  secretAccessKey: string;
}

export const DEFAULT_FIXTURES_PATH = join(PACKAGE_ROOT, 'emulator', 'default-fixtures.yaml');

// Value shapes from the latest service model (shapes ProductCode, CustomerAWSAccountId,
// LicenseArn), so fixtures can only hold values a valid request could carry.
const PRODUCT_CODE = /^[-a-zA-Z0-9/=:_.@]{1,255}$/;
const ACCOUNT_ID = /^[0-9]{1,255}$/;
const LICENSE_ARN =
  /^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

class FieldReader {
  constructor(private readonly origin: string) {}

  fail(field: string, message: string): never {
    throw new EmulatorConfigError(`${this.origin}: ${field} ${message}`);
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be a mapping');
    return value as Record<string, unknown>;
  }

  list(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, 'must be a list');
    return value;
  }

  string(value: unknown, field: string, pattern?: RegExp, what?: string): string {
    if (typeof value !== 'string' || value === '') this.fail(field, 'must be a non-empty string');
    if (pattern && !pattern.test(value)) this.fail(field, `must be ${what ?? `a string matching ${pattern.source}`}, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalString(value: unknown, field: string, pattern?: RegExp, what?: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, field, pattern, what);
  }

  /** Account ids: YAML reads unquoted digits as a number (losing leading zeros), so require quotes. */
  digits(value: unknown, field: string): string {
    if (typeof value === 'number') this.fail(field, 'must be quoted, e.g. "111122223333"');
    return this.string(value, field, ACCOUNT_ID, 'a string of digits');
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (!allowed.includes(value as T)) this.fail(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
    return value;
  }

  noExtraKeys(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
    const extra = Object.keys(value).filter((k) => !allowed.includes(k));
    if (extra.length > 0) this.fail(field, `has unknown key${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (allowed: ${allowed.join(', ')})`);
  }
}

function readProduct(r: FieldReader, raw: unknown, field: string): ProductFixture {
  const p = r.object(raw, field);
  r.noExtraKeys(p, field, ['code', 'kind', 'dimensions', 'entitled']);
  const dimensions = r.list(p.dimensions, `${field}.dimensions`).map((d, i) => r.string(d, `${field}.dimensions[${i}]`));
  if (dimensions.length === 0) r.fail(`${field}.dimensions`, 'must list at least one dimension');
  if ([...dimensions.map((d) => [...d].length)].some((n) => n > 255)) r.fail(`${field}.dimensions`, 'entries must be at most 255 characters');
  if (new Set(dimensions).size !== dimensions.length) r.fail(`${field}.dimensions`, 'must not repeat a dimension');
  return {
    code: r.string(p.code, `${field}.code`, PRODUCT_CODE, 'a product code (1-255 of a-z A-Z 0-9 - / = : _ . @)'),
    kind: r.oneOf(p.kind, `${field}.kind`, ['ami', 'container', 'saas'] as const),
    dimensions,
    ...(p.entitled !== undefined ? { entitled: r.boolean(p.entitled, `${field}.entitled`) } : {}),
  };
}

function readRegion(r: FieldReader, raw: unknown, field: string): RegionFixture {
  const g = r.object(raw, field);
  r.noExtraKeys(g, field, ['region', 'disabledApis']);
  const disabledApis = g.disabledApis === undefined ? [] : r.list(g.disabledApis, `${field}.disabledApis`).map((op, i) => r.oneOf(op, `${field}.disabledApis[${i}]`, OPERATIONS));
  return {
    region: r.string(g.region, `${field}.region`, REGION, 'a Region name such as us-west-2'),
    ...(disabledApis.length > 0 ? { disabledApis } : {}),
  };
}

function readCustomer(r: FieldReader, raw: unknown, field: string): CustomerFixture {
  const c = r.object(raw, field);
  r.noExtraKeys(c, field, ['identifier', 'accountId', 'productCode', 'licenseArn', 'subscribed']);
  const identifier = r.optionalString(c.identifier, `${field}.identifier`);
  if (identifier !== undefined && [...identifier].length > 255) r.fail(`${field}.identifier`, 'must be at most 255 characters');
  const licenseArn = r.optionalString(c.licenseArn, `${field}.licenseArn`, LICENSE_ARN, 'a license ARN matching the model pattern');
  return {
    ...(identifier !== undefined ? { identifier } : {}),
    accountId: r.digits(c.accountId, `${field}.accountId`),
    productCode: r.string(c.productCode, `${field}.productCode`),
    ...(licenseArn !== undefined ? { licenseArn } : {}),
    subscribed: r.boolean(c.subscribed, `${field}.subscribed`),
  };
}

function readToken(r: FieldReader, raw: unknown, field: string): TokenFixture {
  const t = r.object(raw, field);
  r.noExtraKeys(t, field, ['token', 'state', 'customerAccountId']);
  const customerAccountId = t.customerAccountId === undefined ? undefined : r.digits(t.customerAccountId, `${field}.customerAccountId`);
  return {
    token: r.string(t.token, `${field}.token`),
    state: r.oneOf(t.state, `${field}.state`, ['valid', 'expired'] as const),
    ...(customerAccountId !== undefined ? { customerAccountId } : {}),
  };
}

function readRegistration(r: FieldReader, raw: unknown, field: string): RegistrationFixture {
  const g = r.object(raw, field);
  r.noExtraKeys(g, field, ['productCode', 'publicKeyVersions', 'entitlement']);
  const versions = r.list(g.publicKeyVersions, `${field}.publicKeyVersions`).map((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) r.fail(`${field}.publicKeyVersions[${i}]`, 'must be an integer >= 1');
    return v;
  });
  if (versions.length === 0) r.fail(`${field}.publicKeyVersions`, 'must list at least one version');
  return {
    productCode: r.string(g.productCode, `${field}.productCode`),
    publicKeyVersions: versions,
    entitlement: r.oneOf(g.entitlement, `${field}.entitlement`, ['entitled', 'not-entitled', 'platform-not-supported'] as const),
  };
}

function unique<T>(r: FieldReader, items: T[], key: (item: T) => string | undefined, field: string, what: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    if (seen.has(k)) r.fail(`${field}[${i}]`, `repeats ${what} ${JSON.stringify(k)}`);
    seen.add(k);
  });
}

/** Parses and checks fixture YAML text; `origin` names the file in error messages. */
export function parseFixtures(text: string, origin: string): EmulatorFixtures {
  const r = new FieldReader(origin);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new EmulatorConfigError(`${origin}: not valid YAML: ${(error as Error).message}`);
  }
  const root = r.object(doc, 'the document');
  r.noExtraKeys(root, 'the document', ['region', 'secretAccessKey', 'products', 'customers', 'tokens', 'registrations', 'otherRegions']);
  const list = (key: string) => (root[key] === undefined || root[key] === null ? [] : r.list(root[key], key));
  const products = list('products').map((p, i) => readProduct(r, p, `products[${i}]`));
  const customers = list('customers').map((c, i) => readCustomer(r, c, `customers[${i}]`));
  const tokens = list('tokens').map((t, i) => readToken(r, t, `tokens[${i}]`));
  const registrations = list('registrations').map((g, i) => readRegistration(r, g, `registrations[${i}]`));
  const otherRegions = list('otherRegions').map((g, i) => readRegion(r, g, `otherRegions[${i}]`));

  unique(r, products, (p) => p.code, 'products', 'product code');
  unique(r, customers, (c) => c.identifier, 'customers', 'identifier');
  unique(r, customers, (c) => c.licenseArn, 'customers', 'licenseArn');
  unique(r, customers, (c) => `${c.accountId} for product ${c.productCode}`, 'customers', 'accountId');
  unique(r, tokens, (t) => t.token, 'tokens', 'token');
  unique(r, registrations, (g) => g.productCode, 'registrations', 'productCode');
  unique(r, otherRegions, (g) => g.region, 'otherRegions', 'region');
  products.forEach((p, i) => {
    if (p.entitled !== undefined && p.kind === 'saas') r.fail(`products[${i}].entitled`, 'applies to ami and container products (MeterUsage) only');
  });
  const productCodes = new Set(products.map((p) => p.code));
  customers.forEach((c, i) => {
    if (!productCodes.has(c.productCode)) r.fail(`customers[${i}].productCode`, `names no product in products: ${JSON.stringify(c.productCode)}`);
  });
  registrations.forEach((g, i) => {
    if (!productCodes.has(g.productCode)) r.fail(`registrations[${i}].productCode`, `names no product in products: ${JSON.stringify(g.productCode)}`);
  });
  tokens.forEach((t, i) => {
    if (t.state === 'valid' && t.customerAccountId === undefined) r.fail(`tokens[${i}].customerAccountId`, 'is required for a valid token');
    if (t.customerAccountId !== undefined && !customers.some((c) => c.accountId === t.customerAccountId)) {
      r.fail(`tokens[${i}].customerAccountId`, `names no customer in customers: ${JSON.stringify(t.customerAccountId)}`);
    }
  });

  const region = root.region === undefined ? 'us-east-1' : r.string(root.region, 'region', REGION, 'a Region name such as us-east-1');
  otherRegions.forEach((g, i) => {
    if (g.region === region) r.fail(`otherRegions[${i}].region`, `is the home region ${JSON.stringify(region)}; list only the other Regions served`);
  });
  return {
    region,
    secretAccessKey: root.secretAccessKey === undefined ? TEST_CREDENTIALS.secretAccessKey : r.string(root.secretAccessKey, 'secretAccessKey'),
    products,
    customers,
    tokens,
    registrations,
    otherRegions,
  };
}

/** Reads and checks a fixture YAML file. */
export function loadFixtures(file: string): EmulatorFixtures {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EmulatorConfigError(`cannot read fixture file ${file}: ${(error as Error).message}`);
  }
  return parseFixtures(text, file);
}

/** The part of the fixtures a target publishes (no secret). */
export function publishedFixtures(f: EmulatorFixtures): TargetFixtures {
  return { products: f.products, customers: f.customers, tokens: f.tokens, registrations: f.registrations, otherRegions: f.otherRegions ?? [] };
}
