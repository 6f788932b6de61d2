// target.yaml: what a target knows and can do. Also validates the description the reference
// emulator publishes, since both have the same shape.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { EMPTY_FIXTURES, NO_CAPABILITIES, type TargetCapabilities, type TargetFixtures } from './description.js';

export interface TargetConfig {
  endpoint?: string;
  region?: string;
  fixtures: TargetFixtures;
  capabilities: TargetCapabilities;
  promises?: Record<string, string>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const productSchema = {
  type: 'object',
  required: ['code', 'dimensions', 'kind'],
  additionalProperties: false,
  properties: {
    code: { type: 'string' },
    dimensions: { type: 'array', items: { type: 'string', minLength: 1 } },
    kind: { enum: ['ami', 'container', 'saas'] },
  },
};
const customerSchema = {
  type: 'object',
  required: ['accountId', 'productCode', 'subscribed'],
  additionalProperties: false,
  properties: {
    identifier: { type: 'string' },
    accountId: { type: 'string', pattern: '^[0-9]+$' },
    productCode: { type: 'string' },
    licenseArn: { type: 'string' },
    subscribed: { type: 'boolean' },
  },
};
const tokenSchema = {
  type: 'object',
  required: ['token', 'state'],
  additionalProperties: false,
  properties: { token: { type: 'string', minLength: 1 }, state: { enum: ['valid', 'expired'] }, customerAccountId: { type: 'string' } },
};
const registrationSchema = {
  type: 'object',
  required: ['productCode', 'publicKeyVersions', 'entitlement'],
  additionalProperties: false,
  properties: {
    productCode: { type: 'string' },
    publicKeyVersions: { type: 'array', items: { type: 'integer', minimum: 1 } },
    entitlement: { enum: ['entitled', 'not-entitled', 'platform-not-supported'] },
  },
};
export const fixturesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    products: { type: 'array', items: productSchema },
    customers: { type: 'array', items: customerSchema },
    tokens: { type: 'array', items: tokenSchema },
    registrations: { type: 'array', items: registrationSchema },
  },
};
export const capabilitiesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    callerIsolation: { type: 'boolean' },
    clockControl: { type: 'boolean' },
    reset: { type: 'boolean' },
    ledgerRead: { type: 'boolean' },
  },
};
const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string' },
    region: { type: 'string', pattern: '^[a-z0-9-]+$' },
    fixtures: fixturesSchema,
    capabilities: capabilitiesSchema,
    promises: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

// Compiled on first use: commands that read no config should not pay for it.
let compiled: ReturnType<Ajv['compile']> | undefined;
function validateConfig(doc: unknown) {
  compiled ??= new Ajv({ allErrors: false }).compile(configSchema);
  return compiled(doc) ? undefined : compiled.errors![0];
}

/** Fills defaults: absent fixture lists are empty, absent capabilities are false. */
export function normalizeFixtures(f: Partial<TargetFixtures> | undefined): TargetFixtures {
  return { ...EMPTY_FIXTURES, ...(f ?? {}) };
}

export function normalizeCapabilities(c: Partial<TargetCapabilities> | undefined): TargetCapabilities {
  return { ...NO_CAPABILITIES, ...(c ?? {}) };
}

/** Parses target.yaml text; errors name the file and the field. */
export function parseTargetConfig(text: string, file: string): TargetConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  const e = validateConfig(doc);
  if (e) {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'top level';
    const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
    throw new ConfigError(`${file}: ${where}: ${e.message}${extra}`);
  }
  const config = doc as Partial<TargetConfig>;
  return {
    ...config,
    fixtures: normalizeFixtures(config.fixtures),
    capabilities: normalizeCapabilities(config.capabilities),
  };
}

export function loadTargetConfig(file: string): TargetConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read target config ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseTargetConfig(text, file);
}
