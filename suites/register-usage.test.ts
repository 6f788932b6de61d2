// RegisterUsage (paid container products): the PS256 JWT Signature and its claims, the
// published verification key, PublicKeyRotationTimestamp, and the entitlement, platform, key
// version and product code errors. The rules' info and treatment (specs/rules.yaml) state the sources.
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { unicodeString } from '../generators/arbitraries.js';
import { CONTROL_PREFIX, type RegistrationFixture } from '../core/description.js';
import { isRealServiceHost } from '../target/guard.js';
import type { SuccessOutcome } from '../target/types.js';
import { expectError, expectStringMember, expectSuccess, fail } from './harness/expect.js';
import { notApplicable } from './harness/outcomes.js';
import { rule, type PropertyRun, type RuleContext } from './harness/rule.js';

interface RegisterUsageRequest {
  ProductCode: string;
  PublicKeyVersion: number;
  Nonce?: string;
}

function registrationsIn(ctx: RuleContext, entitlement: RegistrationFixture['entitlement']): RegistrationFixture[] {
  return ctx.fixtures.registrations.filter((r) => r.entitlement === entitlement && r.publicKeyVersions.length > 0);
}

/** Nonces across the whole model range (at most 255 code points, any text), sometimes none. */
const nonce: fc.Arbitrary<string | undefined> = fc.option(
  fc.oneof(fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/), unicodeString({ maxLength: 255 }), unicodeString({ minLength: 255, maxLength: 255 })),
  { nil: undefined, freq: 5 },
);

/** Valid requests for registrations in one entitlement state. */
function requests(ctx: RuleContext, entitlement: RegistrationFixture['entitlement']): fc.Arbitrary<RegisterUsageRequest> {
  return fc
    .tuple(fc.constantFrom(...registrationsIn(ctx, entitlement)), fc.nat(), nonce)
    .map(([registration, pick, n]) => ({
      ProductCode: registration.productCode,
      PublicKeyVersion: registration.publicKeyVersions[pick % registration.publicKeyVersions.length],
      ...(n !== undefined ? { Nonce: n } : {}),
    }));
}

/** The documented example (AR-RU): PublicKeyVersion 1 with a nonce, for the first entitled product that has version 1. */
function documentedExample(ctx: RuleContext): RegisterUsageRequest[] {
  const registration = registrationsIn(ctx, 'entitled').find((r) => r.publicKeyVersions.includes(1));
  return registration ? [{ ProductCode: registration.productCode, PublicKeyVersion: 1, Nonce: 'string' }] : [];
}

// ---- the JWT --------------------------------------------------------------------------

interface Jwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

function decodePart(part: string): Record<string, unknown> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A compact JWS (header.payload.signature, base64url, JSON header and payload), or a Violation. */
function parseJwt(outcome: SuccessOutcome): Jwt {
  const token = expectStringMember(outcome, 'Signature');
  const parts = token.split('.');
  const header = parts.length === 3 ? decodePart(parts[0]) : undefined;
  const payload = parts.length === 3 ? decodePart(parts[1]) : undefined;
  if (!header || !payload || !/^[A-Za-z0-9_-]+$/.test(parts[2])) fail('a Signature that is a compact JWT: base64url(JSON header).base64url(JSON payload).base64url(signature)', { Signature: token });
  return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
}

/** The claim named `name` in any key casing (ProductCode, productCode), and the key used. */
function claim(payload: Record<string, unknown>, name: string): { key: string; value: unknown } | undefined {
  const key = Object.keys(payload).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : { key, value: payload[key] };
}

async function registered(run: PropertyRun, input: RegisterUsageRequest): Promise<Jwt> {
  const outcome = await run.call('RegisterUsage', { ...input });
  expectSuccess(outcome, 'HTTP 200 with a Signature for an entitled product and a valid public key version');
  return parseJwt(outcome);
}

rule('register-usage.signature-jwt', async (ctx) => {
  await ctx.property(
    requests(ctx, 'entitled'),
    async (input, run) => {
      const jwt = await registered(run, input);
      if (jwt.header.alg !== 'PS256') fail('a JWT header with alg PS256', { header: jwt.header });
      const product = claim(jwt.payload, 'ProductCode');
      if (product?.value !== input.ProductCode) fail(`the JWT payload to carry ProductCode ${JSON.stringify(input.ProductCode)}`, { payload: jwt.payload });
      // The documentation shows a number; a decimal string of the same version is read as the same value.
      const version = claim(jwt.payload, 'PublicKeyVersion');
      if (version === undefined || String(version.value) !== String(input.PublicKeyVersion)) fail(`the JWT payload to carry PublicKeyVersion ${input.PublicKeyVersion}`, { payload: jwt.payload });
      if (input.Nonce !== undefined && claim(jwt.payload, 'Nonce')?.value !== input.Nonce) fail(`the JWT payload to carry the request's Nonce ${JSON.stringify(input.Nonce)}`, { payload: jwt.payload });
    },
    { examples: documentedExample(ctx) },
  );
});

/** The key the target publishes at CONTROL_PREFIX/public-key ({ pem }), or undefined when it publishes none. */
async function publishedKey(ctx: RuleContext): Promise<KeyObject | undefined> {
  if (isRealServiceHost(new URL(ctx.description.endpoint).hostname)) return undefined;
  // The key is open to anyone: asked for without the control token, and any answer but 200 means none.
  const { status, text } = await ctx.control.get('/public-key', { open: true });
  if (status !== 200) return undefined;
  try {
    const pem = (JSON.parse(text) as { pem?: unknown }).pem;
    return typeof pem === 'string' ? createPublicKey(pem) : undefined;
  } catch {
    return undefined;
  }
}

rule('register-usage.signature-verifies', async (ctx) => {
  const key = await publishedKey(ctx);
  if (!key) return notApplicable(`the target publishes no RegisterUsage verification key at ${CONTROL_PREFIX}/public-key (register-usage.signature-jwt still checks the JWT's structure and claims)`);
  await ctx.property(
    requests(ctx, 'entitled'),
    async (input, run) => {
      const jwt = await registered(run, input);
      // PS256 (RFC 7518 §3.5): RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt as long as the hash.
      const valid = verify('sha256', Buffer.from(jwt.signingInput), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, jwt.signature);
      if (!valid) fail(`a Signature that verifies as PS256 under the key published at ${CONTROL_PREFIX}/public-key`, { header: jwt.header, payload: jwt.payload });
    },
    { examples: documentedExample(ctx) },
  );
});

rule('register-usage.payload-claims', async (ctx) => {
  const seen = new Map<string, Set<string>>();
  const add = (what: string, value: string) => seen.set(what, (seen.get(what) ?? new Set()).add(value));
  await ctx.property(
    requests(ctx, 'entitled'),
    async (input, run) => {
      const jwt = await registered(run, input);
      const documented = ['ProductCode', 'PublicKeyVersion', 'Nonce'];
      add('claim keys', documented.map((name) => claim(jwt.payload, name)?.key ?? `(no ${name})`).join(', '));
      const extra = Object.keys(jwt.payload).filter((k) => !documented.some((d) => d.toLowerCase() === k.toLowerCase()));
      add('extra claims', extra.length > 0 ? extra.sort().join(', ') : '(none)');
      add('header', Object.keys(jwt.header).sort().map((k) => `${k}=${JSON.stringify(jwt.header[k])}`).join(' '));
    },
    { examples: documentedExample(ctx), numRuns: Math.min(ctx.context.runs, 20) },
  );
  for (const [what, values] of seen) ctx.observe(`${what}: ${[...values].join(' | ')}`);
});

/** Absent, null, or a timestamp as either driver returns it (epoch seconds, Date, ISO-8601 text). */
function isTimestampOrNothing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

rule('register-usage.rotation-timestamp', async (ctx) => {
  await ctx.property(
    requests(ctx, 'entitled'),
    async (input, run) => {
      const outcome = await run.call('RegisterUsage', { ...input });
      expectSuccess(outcome, 'HTTP 200 for an entitled product and a valid public key version');
      const value = outcome.output.PublicKeyRotationTimestamp;
      if (!isTimestampOrNothing(value)) fail('PublicKeyRotationTimestamp absent, null or a timestamp', { PublicKeyRotationTimestamp: value });
    },
    { examples: documentedExample(ctx) },
  );
});

// ---- errors ---------------------------------------------------------------------------

rule('register-usage.not-entitled', async (ctx) => {
  await ctx.property(requests(ctx, 'not-entitled'), async (input, run) => {
    expectError(await run.call('RegisterUsage', { ...input }), 'CustomerNotEntitledException');
  });
});

rule('register-usage.platform-not-supported', async (ctx) => {
  await ctx.property(requests(ctx, 'platform-not-supported'), async (input, run) => {
    expectError(await run.call('RegisterUsage', { ...input }), 'PlatformNotSupportedException');
  });
});

rule('register-usage.invalid-public-key-version', async (ctx) => {
  const arbitrary = fc
    .tuple(requests(ctx, 'entitled'), fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 2_147_483_647 })))
    .filter(([input, version]) => !ctx.fixtures.registrations.find((r) => r.productCode === input.ProductCode)!.publicKeyVersions.includes(version))
    .map(([input, version]): RegisterUsageRequest => ({ ...input, PublicKeyVersion: version }));
  await ctx.property(arbitrary, async (input, run) => {
    expectError(await run.call('RegisterUsage', { ...input }), 'InvalidPublicKeyVersionException');
  });
});

rule('register-usage.invalid-product-code', async (ctx) => {
  const known = new Set([...ctx.fixtures.products.map((p) => p.code), ...ctx.fixtures.registrations.map((r) => r.productCode)]);
  const arbitrary = fc
    .tuple(requests(ctx, 'entitled'), fc.stringMatching(/^[-a-zA-Z0-9/=:_.@]{1,255}$/))
    .filter(([, code]) => !known.has(code))
    .map(([input, code]): RegisterUsageRequest => ({ ...input, ProductCode: code }));
  await ctx.property(arbitrary, async (input, run) => {
    expectError(await run.call('RegisterUsage', { ...input }), 'InvalidProductCodeException');
  });
});

rule('register-usage.empty-product-code', async (ctx) => {
  await ctx.property(
    requests(ctx, 'entitled').map((input): RegisterUsageRequest => ({ ...input, ProductCode: '' })),
    async (input, run) => {
      expectError(await run.call('RegisterUsage', { ...input }), ['InvalidProductCodeException', 'ValidationException']);
    },
    { numRuns: Math.min(ctx.context.runs, 20) },
  );
});
