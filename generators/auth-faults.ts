// Authentication faults of the auth rules and the MeterUsage requests that carry them: no
// Authorization header, a malformed one, a signature made with a wrong secret, a stale or
// skewed X-Amz-Date, a credential scope naming another Region or service, and a correct
// signature whose SignedHeaders leave out host. The builders take the plain values they need
// (the caller's credentials, the target's Region, the model's signing name, the target's
// clock), never a rule's context or run.
import fc from 'fast-check';
import type { TargetFixtures } from '../core/description.js';
import { signedHeaders } from '../core/sigv4.js';
import { encodeInput, JSON_CONTENT_TYPE, TARGET_PREFIX, type RawRequest } from '../core/wire.js';
import type { MeterUsageInput } from './inputs.js';

/** SigV4 date form YYYYMMDDTHHMMSSZ. */
export const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

// ---- what is wrong with a request's authentication ------------------------------------

/** The pieces a malformed Authorization header is made of. */
export interface AuthorizationParts {
  accessKeyId: string;
  /** YYYYMMDD of the credential scope. */
  day: string;
  region: string;
  service: string;
  /** 64 hexadecimal characters (drawn; it signs nothing). */
  signature: string;
  /** Printable text, for the "random text" variant. */
  text: string;
}

/** The SignedHeaders value of the malformed headers: what the raw driver would sign. */
export const SIGNED_HEADERS = 'content-type;host;x-amz-date;x-amz-target';

/** The Credential value of a SigV4 header: access key id and scope ending in aws4_request. */
export const credential = (p: AuthorizationParts) => `${p.accessKeyId}/${p.day}/${p.region}/${p.service}/aws4_request`;

/** Authorization headers that are not a well-formed SigV4 header, by what is wrong. */
export const MALFORMED: Record<string, (p: AuthorizationParts) => string> = {
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

/** Secret keys that are not the caller's, made from the caller's, by how they differ. */
export const WRONG_SECRETS: Record<string, (secret: string) => string> = {
  'one character appended': (secret) => `${secret}x`,
  'first character changed': (secret) => `${secret.startsWith('a') ? 'b' : 'a'}${secret.slice(1)}`,
  'an unrelated secret': () => 'metering-conformance-not-the-secret',
};

/** What is wrong with a request's authentication; `variant` names a MALFORMED or WRONG_SECRETS entry. */
export type AuthFault =
  | { kind: 'missing' }
  | { kind: 'malformed'; variant: string; signature: string; text: string }
  | { kind: 'wrong-secret'; variant: string }
  | { kind: 'stale-date'; ageSeconds: number }
  | { kind: 'skewed-date'; offsetMinutes: number }
  | { kind: 'wrong-region'; region: string }
  | { kind: 'wrong-service'; service: string };

/** Each fault kind in words, for failure texts and observations ("an HTTP 4xx for …"). */
export const FAULT_TEXT: Record<AuthFault['kind'], string> = {
  missing: 'no Authorization header',
  malformed: 'a malformed Authorization header',
  'wrong-secret': 'a signature made with a wrong secret key',
  'stale-date': 'an X-Amz-Date more than 15 minutes old',
  'skewed-date': 'a skewed X-Amz-Date',
  'wrong-region': 'a credential scope naming a Region the target does not serve',
  'wrong-service': 'a credential scope naming another service',
};

/** Malformed Authorization headers: a MALFORMED variant, with a drawn signature and text. */
export const malformed: fc.Arbitrary<AuthFault> = fc.record({
  kind: fc.constant('malformed' as const),
  variant: fc.constantFrom(...Object.keys(MALFORMED)),
  signature: fc.stringMatching(/^[0-9a-f]{64}$/),
  text: fc.stringMatching(/^[!-~]([ -~]{0,62}[!-~])?$/),
});

/** Signatures made with a wrong secret key: a WRONG_SECRETS variant. */
export const wrongSecret: fc.Arbitrary<AuthFault> = fc.constantFrom(...Object.keys(WRONG_SECRETS)).map((variant) => ({ kind: 'wrong-secret' as const, variant }));

/** X-Amz-Date more than 15 minutes (the common AWS limit) plus a minute of margin old, up to a week. */
export const staleDate: fc.Arbitrary<AuthFault> = fc
  .oneof(fc.integer({ min: 16 * 60, max: 3600 }), fc.integer({ min: 3600, max: 7 * 86_400 }))
  .map((ageSeconds) => ({ kind: 'stale-date' as const, ageSeconds }));

/** Real Regions, drawn from first by wrongRegion. */
export const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1', 'us-gov-west-1', 'cn-north-1'];

/**
 * Regions the target does not serve: neither its home Region `region` nor one of the
 * fixtures' otherRegions.
 */
export function wrongRegion(region: string, fixtures: TargetFixtures): fc.Arbitrary<AuthFault> {
  const served = new Set((fixtures.otherRegions ?? []).map((r) => r.region));
  return fc
    .oneof(fc.constantFrom(...REGIONS), fc.stringMatching(/^[a-z]{2}-[a-z]{4,9}-[1-9]$/))
    .filter((r) => r !== region && !served.has(r))
    .map((r) => ({ kind: 'wrong-region' as const, region: r }));
}

/** A fixed Region other than `region` (a real one when it can), for the examples of rules. */
function otherRegionThan(region: string): string {
  return [...REGIONS, 'xx-conformance-1'].find((r) => r !== region)!;
}

/** Signing names of other services (and look-alikes of this one's), drawn from first by wrongService. */
export const SERVICES = ['marketplace', 'aws-marketplace-metering', 'metering.marketplace', 'meteringmarketplace', 'execute-api', 'sts', 'dynamodb'];

/** Services other than `signingName` (the model's), for a credential scope naming another service. */
export function wrongService(signingName: string): fc.Arbitrary<AuthFault> {
  return fc
    .oneof(fc.constantFrom(...SERVICES), fc.stringMatching(/^[a-z][a-z0-9-]{1,20}$/))
    .filter((service) => service !== signingName)
    .map((service) => ({ kind: 'wrong-service' as const, service }));
}

/** Where the fault arbitraries that depend on the target read from: its home Region, its fixtures, the model's signing name. */
export interface AuthFaultSource {
  region: string;
  fixtures: TargetFixtures;
  signingName: string;
}

/** Any fault but a skewed date: no Authorization, malformed, wrong secret, stale, wrong Region, wrong service. */
export function anyAuthFault(source: AuthFaultSource): fc.Arbitrary<AuthFault> {
  return fc.oneof(fc.constant<AuthFault>({ kind: 'missing' }), malformed, wrongSecret, staleDate, wrongRegion(source.region, source.fixtures), wrongService(source.signingName));
}

/** One fixed fault of each kind anyAuthFault draws, in its order, for the examples of rules; `region` is the target's home Region. */
export function authFaultExamples(region: string): AuthFault[] {
  return [
    { kind: 'missing' },
    { kind: 'malformed', variant: 'no Signature', signature: '0'.repeat(64), text: 'x' },
    { kind: 'wrong-secret', variant: 'an unrelated secret' },
    { kind: 'stale-date', ageSeconds: 20 * 60 },
    { kind: 'wrong-region', region: otherRegionThan(region) },
    { kind: 'wrong-service', service: 'conformance-other-service' },
  ];
}

// ---- requests carrying a fault ---------------------------------------------------------

/** What a request is signed with: the caller, the target's Region, the model's signing name and the target's clock. */
export interface AuthSigning {
  /** The caller's credentials (a rule's run caller). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** The target's home Region. */
  region: string;
  /** The model's signing name. */
  service: string;
  /** The target's clock, epoch ms. */
  nowMs: number;
}

/** The MeterUsage request on the wire, with its authentication broken as `fault` says. */
export function faultyRequest(request: MeterUsageInput, fault: AuthFault, signing: AuthSigning): RawRequest {
  const base: RawRequest = { operation: 'MeterUsage', body: encodeInput({ ...request }) };
  const now = signing.nowMs;
  switch (fault.kind) {
    case 'missing':
      return { ...base, sign: false };
    case 'malformed': {
      const date = amzDate(now);
      const parts = { accessKeyId: signing.credentials.accessKeyId, day: date.slice(0, 8), region: signing.region, service: signing.service, ...fault };
      return { ...base, sign: false, headers: { authorization: MALFORMED[fault.variant](parts), 'x-amz-date': date } };
    }
    case 'wrong-secret':
      return { ...base, signing: { secretAccessKey: WRONG_SECRETS[fault.variant](signing.credentials.secretAccessKey) } };
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

/** AuthSigning plus the target's endpoint, whose path the raw driver sends to. */
export interface HostUnsignedSigning extends AuthSigning {
  /** The target's base URL. */
  endpoint: string;
}

/**
 * The MeterUsage request signed correctly, by the project's own signer, over every header but
 * host: SignedHeaders names content-type, x-amz-date and x-amz-target (and x-amz-security-token
 * with a session token). The driver still sends host, unsigned, and adds nothing to sign.
 */
export function hostUnsignedRequest(request: MeterUsageInput, signing: HostUnsignedSigning): RawRequest {
  const body = encodeInput({ ...request });
  // The path the raw driver sends to: the endpoint's own path, or "/".
  const path = new URL(signing.endpoint).pathname.replace(/\/+$/, '') || '/';
  const headers = signedHeaders({
    method: 'POST',
    path,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}.MeterUsage` },
    body: Buffer.from(body, 'utf8'),
    credentials: signing.credentials,
    region: signing.region,
    service: signing.service,
    date: new Date(signing.nowMs),
  });
  return { operation: 'MeterUsage', body, sign: false, headers };
}
