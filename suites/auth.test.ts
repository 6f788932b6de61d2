// Authentication (SigV4): unsigned, malformed, wrongly signed, stale and mis-scoped requests,
// and requests that leave host out of the signed headers, are rejected with a 4xx and record
// nothing. Which code and status a target uses, and how much clock skew it tolerates, are not
// documented for this service: they are observed.
import fc from 'fast-check';
import { exampleMeterUsage, modelLimits, plainMeterUsage, type MeterUsageInput } from '../generators/index.js';
import { signedHeaders } from '../core/sigv4.js';
import type { RawRequest } from '../target/types.js';
import { JSON_CONTENT_TYPE, TARGET_PREFIX, encodeInput } from '../core/wire.js';
import { expectClientError, expectSuccess } from './harness/expect.js';
import { Observations } from './harness/observations.js';
import { rule, type PropertyRun, type RuleContext } from './harness/rule.js';


const plainRequests = (ctx: RuleContext) => plainMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs());

/** A fixed valid request, for the examples of observation rules (fresh caller per run). */
const exampleRequest = (ctx: RuleContext): MeterUsageInput => exampleMeterUsage(ctx.fixtures, ctx.model, ctx.nowMs());

/** SigV4 date form YYYYMMDDTHHMMSSZ. */
const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

// ---- what is wrong with a request's authentication ------------------------------------

interface AuthorizationParts {
  accessKeyId: string;
  day: string;
  region: string;
  service: string;
  signature: string;
  text: string;
}

const SIGNED_HEADERS = 'content-type;host;x-amz-date;x-amz-target';
const credential = (p: AuthorizationParts) => `${p.accessKeyId}/${p.day}/${p.region}/${p.service}/aws4_request`;

/** Authorization headers that are not a well-formed SigV4 header, by what is wrong. */
const MALFORMED: Record<string, (p: AuthorizationParts) => string> = {
  'no algorithm': (p) => `Credential=${credential(p)}, SignedHeaders=${SIGNED_HEADERS}, Signature=${p.signature}`,
  'unknown algorithm': (p) => `AWS4-HMAC-SHA512 Credential=${credential(p)}, SignedHeaders=${SIGNED_HEADERS}, Signature=${p.signature}`,
  'no Credential': (p) => `AWS4-HMAC-SHA256 SignedHeaders=${SIGNED_HEADERS}, Signature=${p.signature}`,
  'no SignedHeaders': (p) => `AWS4-HMAC-SHA256 Credential=${credential(p)}, Signature=${p.signature}`,
  'no Signature': (p) => `AWS4-HMAC-SHA256 Credential=${credential(p)}, SignedHeaders=${SIGNED_HEADERS}`,
  'credential scope without aws4_request': (p) =>
    `AWS4-HMAC-SHA256 Credential=${p.accessKeyId}/${p.day}/${p.region}/${p.service}, SignedHeaders=${SIGNED_HEADERS}, Signature=${p.signature}`,
  'signature that is not hexadecimal': (p) => `AWS4-HMAC-SHA256 Credential=${credential(p)}, SignedHeaders=${SIGNED_HEADERS}, Signature=${'z'.repeat(64)}`,
  'algorithm only': () => 'AWS4-HMAC-SHA256',
  'another scheme': (p) => `Bearer ${p.signature}`,
  'random text': (p) => p.text,
};

const WRONG_SECRETS: Record<string, (secret: string) => string> = {
  'one character appended': (secret) => `${secret}x`,
  'first character changed': (secret) => `${secret.startsWith('a') ? 'b' : 'a'}${secret.slice(1)}`,
  'an unrelated secret': () => 'metering-conformance-not-the-secret',
};

type AuthFault =
  | { kind: 'missing' }
  | { kind: 'malformed'; variant: string; signature: string; text: string }
  | { kind: 'wrong-secret'; variant: string }
  | { kind: 'stale-date'; ageSeconds: number }
  | { kind: 'skewed-date'; offsetMinutes: number }
  | { kind: 'wrong-region'; region: string }
  | { kind: 'wrong-service'; service: string };

const FAULT_TEXT: Record<AuthFault['kind'], string> = {
  missing: 'no Authorization header',
  malformed: 'a malformed Authorization header',
  'wrong-secret': 'a signature made with a wrong secret key',
  'stale-date': 'an X-Amz-Date more than 15 minutes old',
  'skewed-date': 'a skewed X-Amz-Date',
  'wrong-region': 'a credential scope naming a Region the target does not serve',
  'wrong-service': 'a credential scope naming another service',
};

const malformed: fc.Arbitrary<AuthFault> = fc.record({
  kind: fc.constant('malformed' as const),
  variant: fc.constantFrom(...Object.keys(MALFORMED)),
  signature: fc.stringMatching(/^[0-9a-f]{64}$/),
  text: fc.stringMatching(/^[!-~]([ -~]{0,62}[!-~])?$/),
});
const wrongSecret: fc.Arbitrary<AuthFault> = fc.constantFrom(...Object.keys(WRONG_SECRETS)).map((variant) => ({ kind: 'wrong-secret' as const, variant }));
// More than 15 minutes (the common AWS limit) plus a minute of margin, up to a week.
const staleDate: fc.Arbitrary<AuthFault> = fc
  .oneof(fc.integer({ min: 16 * 60, max: 3600 }), fc.integer({ min: 3600, max: 7 * 86_400 }))
  .map((ageSeconds) => ({ kind: 'stale-date' as const, ageSeconds }));

const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1', 'us-gov-west-1', 'cn-north-1'];
/** Regions the target does not serve: neither its home Region nor one of its otherRegions. */
function wrongRegion(ctx: RuleContext): fc.Arbitrary<AuthFault> {
  const served = new Set((ctx.fixtures.otherRegions ?? []).map((r) => r.region));
  return fc
    .oneof(fc.constantFrom(...REGIONS), fc.stringMatching(/^[a-z]{2}-[a-z]{4,9}-[1-9]$/))
    .filter((region) => region !== ctx.description.region && !served.has(region))
    .map((region) => ({ kind: 'wrong-region' as const, region }));
}

const SERVICES = ['marketplace', 'aws-marketplace-metering', 'metering.marketplace', 'meteringmarketplace', 'execute-api', 'sts', 'dynamodb'];
function wrongService(ctx: RuleContext): fc.Arbitrary<AuthFault> {
  return fc
    .oneof(fc.constantFrom(...SERVICES), fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/))
    .filter((service) => service !== ctx.model.signingName)
    .map((service) => ({ kind: 'wrong-service' as const, service }));
}

/** The MeterUsage request on the wire, with its authentication broken as `fault` says. */
function faultyRequest(ctx: RuleContext, run: PropertyRun, request: MeterUsageInput, fault: AuthFault): RawRequest {
  const base: RawRequest = { operation: 'MeterUsage', body: encodeInput({ ...request }) };
  const now = ctx.nowMs();
  switch (fault.kind) {
    case 'missing':
      return { ...base, sign: false };
    case 'malformed': {
      const date = amzDate(now);
      const parts = { accessKeyId: run.caller.accessKeyId, day: date.slice(0, 8), region: ctx.description.region, service: ctx.model.signingName, ...fault };
      return { ...base, sign: false, headers: { authorization: MALFORMED[fault.variant](parts), 'x-amz-date': date } };
    }
    case 'wrong-secret':
      return { ...base, signing: { secretAccessKey: WRONG_SECRETS[fault.variant](run.caller.secretAccessKey) } };
    case 'stale-date':
      return { ...base, signing: { date: new Date(now - fault.ageSeconds * 1000) } };
    case 'skewed-date':
      return { ...base, signing: { date: new Date(now + fault.offsetMinutes * 60_000) } };
    case 'wrong-region':
      return { ...base, signing: { region: fault.region } };
    case 'wrong-service':
      return { ...base, signing: { service: fault.service } };
  }
}

/**
 * The faulty request gets a 4xx, and it recorded nothing: a correctly signed request from the
 * same caller for the same hour with another quantity is accepted afterwards.
 */
async function rejectedWithoutRecord(ctx: RuleContext, faults: fc.Arbitrary<AuthFault>): Promise<void> {
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc.tuple(plainRequests(ctx), fc.integer({ min: 0, max }), faults).filter(([request, other]) => other !== request.UsageQuantity);
  await ctx.property(scenario, async ([request, otherQuantity, fault], run) => {
    expectClientError(await run.send(faultyRequest(ctx, run, request, fault)), `an HTTP 4xx for ${FAULT_TEXT[fault.kind]}`);
    const later = await run.call('MeterUsage', { ...request, UsageQuantity: otherQuantity });
    expectSuccess(later, 'the rejected request to have recorded nothing (a correctly signed request for the same hour with another quantity is then accepted)');
  });
}

rule('auth.missing-authorization', async (ctx) => {
  // Unsigned, the request names no caller, so "nothing recorded" cannot be checked per caller.
  await ctx.property(plainRequests(ctx), async (request, run) => {
    expectClientError(await run.send(faultyRequest(ctx, run, request, { kind: 'missing' })), `an HTTP 4xx for ${FAULT_TEXT.missing}`);
  });
});

rule('auth.malformed-authorization', (ctx) => rejectedWithoutRecord(ctx, malformed));

rule('auth.wrong-secret', (ctx) => rejectedWithoutRecord(ctx, wrongSecret));

rule('auth.stale-date', (ctx) => rejectedWithoutRecord(ctx, staleDate));

rule('auth.wrong-region', (ctx) => rejectedWithoutRecord(ctx, wrongRegion(ctx)));

rule('auth.wrong-service', (ctx) => rejectedWithoutRecord(ctx, wrongService(ctx)));

/**
 * The MeterUsage request signed correctly, by the project's own signer, over every header but
 * host: SignedHeaders names content-type, x-amz-date and x-amz-target (and x-amz-security-token
 * with a session token). The driver still sends host, unsigned, and adds nothing to sign.
 */
function hostUnsignedRequest(ctx: RuleContext, run: PropertyRun, request: MeterUsageInput): RawRequest {
  const body = encodeInput({ ...request });
  // The path the raw driver sends to: the endpoint's own path, or "/".
  const path = new URL(ctx.description.endpoint).pathname.replace(/\/+$/, '') || '/';
  const headers = signedHeaders({
    method: 'POST',
    path,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}.MeterUsage` },
    body: Buffer.from(body, 'utf8'),
    credentials: run.caller,
    region: ctx.description.region,
    service: ctx.model.signingName,
    date: new Date(ctx.nowMs()),
  });
  return { operation: 'MeterUsage', body, sign: false, headers };
}

rule('auth.unsigned-host', async (ctx) => {
  // Which 4xx is implementation-defined: judged is 4xx and nothing recorded, the code is observed.
  const seen = new Observations();
  const max = modelLimits(ctx.model).quantity;
  const scenario = fc.tuple(plainRequests(ctx), fc.integer({ min: 0, max })).filter(([request, other]) => other !== request.UsageQuantity);
  try {
    await ctx.property(scenario, async ([request, otherQuantity], run) => {
      const outcome = await run.send(hostUnsignedRequest(ctx, run, request));
      seen.add('host left out of SignedHeaders', outcome);
      expectClientError(outcome, 'an HTTP 4xx for an Authorization whose SignedHeaders leave out host');
      const later = await run.call('MeterUsage', { ...request, UsageQuantity: otherQuantity });
      expectSuccess(later, 'the rejected request to have recorded nothing (a correctly signed request for the same hour with another quantity is then accepted)');
    });
  } finally {
    seen.record(ctx);
  }
});

rule('auth.rejection-codes', async (ctx) => {
  const seen = new Observations();
  const fixed = exampleRequest(ctx);
  const otherRegion = [...REGIONS, 'xx-conformance-1'].find((r) => r !== ctx.description.region)!;
  const faults: AuthFault[] = [
    { kind: 'missing' },
    { kind: 'malformed', variant: 'no Signature', signature: '0'.repeat(64), text: 'x' },
    { kind: 'wrong-secret', variant: 'an unrelated secret' },
    { kind: 'stale-date', ageSeconds: 20 * 60 },
    { kind: 'wrong-region', region: otherRegion },
    { kind: 'wrong-service', service: 'conformance-other-service' },
  ];
  const anyFault = fc.oneof(fc.constant<AuthFault>({ kind: 'missing' }), malformed, wrongSecret, staleDate, wrongRegion(ctx), wrongService(ctx));
  await ctx.property(
    fc.tuple(plainRequests(ctx), anyFault),
    async ([request, fault], run) => {
      seen.add(FAULT_TEXT[fault.kind], await run.send(faultyRequest(ctx, run, request, fault)));
    },
    { examples: faults.map((f): [MeterUsageInput, AuthFault] => [fixed, f]), numRuns: Math.max(faults.length, Math.min(ctx.context.runs, 30)) },
  );
  seen.record(ctx);
});

rule('auth.clock-skew-window', async (ctx) => {
  const seen = new Observations();
  const fixed = exampleRequest(ctx);
  const offsets = [-14, -6, -4, 4, 6, 14];
  const describe = (minutes: number) => `X-Amz-Date ${Math.abs(minutes)} min ${minutes < 0 ? 'behind' : 'ahead of'} the target clock`;
  // Every offset is tried exactly once, in order, as an example.
  await ctx.property(
    fc.tuple(plainRequests(ctx), fc.constantFrom(...offsets)),
    async ([request, offsetMinutes], run) => {
      seen.add(describe(offsetMinutes), await run.send(faultyRequest(ctx, run, request, { kind: 'skewed-date', offsetMinutes })));
    },
    { examples: offsets.map((o): [MeterUsageInput, number] => [fixed, o]), numRuns: offsets.length },
  );
  seen.record(ctx);
});
