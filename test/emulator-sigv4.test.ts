// The emulator's SigV4 verifier (emulator/sigv4.ts) in process: every way a request's
// signature can be refused, with the exact error type and message a client sees, both sides of
// each boundary (clock skew, date fields, signature shape), and what it tolerates (blanks around
// parameters, SignedHeaders listed out of order, repeated headers).
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { claimedAccessKeyId, SigV4Verifier, type SignedRequest, type VerifierOptions } from '../emulator/sigv4.js';
import { ServiceError } from '../emulator/errors.js';
import { longDate, signedHeaders } from '../core/sigv4.js';
import { JSON_CONTENT_TYPE } from '../core/wire.js';

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const SKEW = 5 * 60 * 1000;
const SECRET = ['verifier', 'test', 'secret', 'key'].join('-');
const CALLER = 'AKIDVERIFIERCALLER01';
const OPTIONS: VerifierOptions = { regions: ['us-east-1', 'eu-west-3'], service: 'aws-marketplace', secretAccessKey: SECRET, now: () => NOW, compareSignatures: true };

interface Signing {
  date?: number;
  region?: string;
  service?: string;
  secret?: string;
  headers?: Record<string, string>;
  body?: string;
}

function signed({ date = NOW, region = 'us-east-1', service = 'aws-marketplace', secret = SECRET, headers = {}, body = '{}' }: Signing = {}): SignedRequest {
  const signedSet = signedHeaders({
    method: 'POST',
    path: '/',
    headers: { host: '127.0.0.1:9', 'content-type': JSON_CONTENT_TYPE, ...headers },
    body: Buffer.from(body),
    credentials: { accessKeyId: CALLER, secretAccessKey: secret },
    region,
    service,
    date: new Date(date),
  });
  return { method: 'POST', path: '/', query: {}, headers: signedSet, body: Buffer.from(body) };
}

const authorization = (r: SignedRequest) => r.headers.authorization as string;
const signature = (r: SignedRequest) => /Signature=([0-9a-f]{64})$/.exec(authorization(r))![1];
const withHeaders = (r: SignedRequest, headers: Record<string, string | string[] | undefined>): SignedRequest => ({ ...r, headers: { ...r.headers, ...headers } });
const withAuthorization = (r: SignedRequest, value: string) => withHeaders(r, { authorization: value });

/** What the verifier answers: the caller and Region it accepted, or the error a client sees. */
function verdict(r: SignedRequest, options: Partial<VerifierOptions> = {}): { caller: string; region: string } | [string, string] {
  try {
    return new SigV4Verifier({ ...OPTIONS, ...options }).verify(r);
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
    return [e.type, e.message];
  }
}

const ACCEPTED = { caller: CALLER, region: 'us-east-1' };
const incomplete = (message: string) => ['IncompleteSignatureException', message];
const invalid = (message: string) => ['InvalidSignatureException', message];
const MISMATCH = invalid(
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
);

describe('a well-signed request', () => {
  test('is accepted, answering the caller and the Region it signed for', () => {
    expect(verdict(signed())).toEqual(ACCEPTED);
    expect(verdict(signed({ region: 'eu-west-3' }))).toEqual({ caller: CALLER, region: 'eu-west-3' });
  });

  test('is refused once any signed part changes: body, a signed header, the secret, the method', () => {
    const r = signed();
    expect(verdict({ ...r, body: Buffer.from('{ }') })).toEqual(MISMATCH);
    expect(verdict(withHeaders(r, { 'content-type': 'application/json' }))).toEqual(MISMATCH);
    expect(verdict(signed({ secret: `${SECRET}x` }))).toEqual(MISMATCH);
    expect(verdict({ ...r, method: 'PUT' })).toEqual(MISMATCH);
  });

  test('a signature of the right shape that was not computed is refused; without signature comparison (fault accept-any-signature) it passes', () => {
    const forged = withAuthorization(signed(), authorization(signed()).replace(/Signature=[0-9a-f]{64}$/, `Signature=${'0'.repeat(64)}`));
    expect(verdict(forged)).toEqual(MISMATCH);
    expect(verdict(forged, { compareSignatures: false })).toEqual(ACCEPTED);
  });

  test('blanks around parameters and their values are tolerated', () => {
    const r = signed();
    const spaced = authorization(r).replace(/(Credential|SignedHeaders|Signature)=/g, '$1= ').replace(/, /g, ' ,  ');
    expect(verdict(withAuthorization(r, `  ${spaced}  `))).toEqual(ACCEPTED);
  });

  test('SignedHeaders listed out of order are canonicalised in order', () => {
    const r = signed();
    const reversed = authorization(r).replace(/SignedHeaders=([^,]+)/, (_, list: string) => `SignedHeaders=${list.split(';').reverse().join(';')}`);
    expect(reversed).not.toBe(authorization(r));
    expect(verdict(withAuthorization(r, reversed))).toEqual(ACCEPTED);
  });

  test('a signed header that arrives repeated is read as its values joined by commas', () => {
    const r = signed({ headers: { 'x-amz-meta': 'a,b' } });
    expect(verdict(withHeaders(r, { 'x-amz-meta': ['a', 'b'] }))).toEqual(ACCEPTED);
    expect(verdict(withHeaders(r, { 'x-amz-meta': ['ab'] }))).toEqual(MISMATCH);
  });

  test('x-amz-content-sha256, when sent, must be the hash of the body', () => {
    const body = '{"a":1}';
    const sha = createHash('sha256').update(body).digest('hex');
    expect(verdict(signed({ body, headers: { 'x-amz-content-sha256': sha } }))).toEqual(ACCEPTED);
    const other = createHash('sha256').update('{}').digest('hex');
    expect(verdict(signed({ body, headers: { 'x-amz-content-sha256': other } }))).toEqual(invalid("The provided 'x-amz-content-sha256' header does not match what was computed."));
  });
});

describe('the Authorization header', () => {
  const scope = `${CALLER}/20261207/us-east-1/aws-marketplace/aws4_request`;
  const hex = 'a'.repeat(64);
  const header = (params: string) => `AWS4-HMAC-SHA256 ${params}`;
  const MISSING_TOKEN = ['MissingAuthenticationTokenException', 'Request is missing Authentication Token'];

  test.each([
    ['absent', undefined, MISSING_TOKEN],
    ['empty', '', MISSING_TOKEN],
    ['blank', '   ', MISSING_TOKEN],
    ['another algorithm', `AWS4-HMAC-SHA1 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=${hex}`, incomplete('Unsupported Authorization algorithm; expected AWS4-HMAC-SHA256')],
    ['the algorithm as a prefix of a longer word', `AWS4-HMAC-SHA256X Credential=${scope}`, incomplete('Unsupported Authorization algorithm; expected AWS4-HMAC-SHA256')],
    ['the algorithm alone', 'AWS4-HMAC-SHA256', incomplete("Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter.")],
    ['no Signature', header(`Credential=${scope}, SignedHeaders=host;x-amz-date`), incomplete("Authorization header requires 'Signature' parameter.")],
    ['an empty Signature', header(`Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=`), incomplete("Authorization header requires 'Signature' parameter.")],
    ['Signature without "="', header(`Credential=${scope}, SignedHeaders=host;x-amz-date, SignatureX`), incomplete("Authorization header requires 'Signature' parameter.")],
    ['no Credential nor SignedHeaders', header(`Signature=${hex}`), incomplete("Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter.")],
    ['a parameter with an empty name', header(`=${scope}, SignedHeaders=host;x-amz-date, Signature=${hex}`), incomplete("Authorization header requires 'Credential' parameter.")],
  ])('%s: refused', (_, value, expected) => {
    const r = signed();
    expect(verdict(withHeaders(r, { authorization: value }))).toEqual(expected);
  });

  const CREDENTIAL_FORM = incomplete("Credential must have the form '<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request'");
  test.each([
    ['four parts', `${CALLER}/20261207/us-east-1/aws-marketplace`],
    ['six parts', `${scope}/extra`],
    ['an empty access key id', '/20261207/us-east-1/aws-marketplace/aws4_request'],
    ['an empty Region', `${CALLER}/20261207//aws-marketplace/aws4_request`],
    ['an empty terminator', `${CALLER}/20261207/us-east-1/aws-marketplace/`],
  ])('a Credential with %s: refused', (_, credential) => {
    expect(verdict(withAuthorization(signed(), header(`Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=${hex}`)))).toEqual(CREDENTIAL_FORM);
  });

  const SIGNED_HEADERS_FORM = incomplete('SignedHeaders must be a semicolon-separated list of lower-case header names');
  test.each([['host;;x-amz-date'], ['host;x-amz-date;'], ['Host;x-amz-date'], ['host;X-Amz-Date']])('SignedHeaders=%s: refused', (list) => {
    expect(verdict(withAuthorization(signed(), header(`Credential=${scope}, SignedHeaders=${list}, Signature=${hex}`)))).toEqual(SIGNED_HEADERS_FORM);
  });

  const SIGNATURE_FORM = incomplete('Signature must be 64 lower-case hexadecimal characters');
  test.each([
    ['63 characters', 'a'.repeat(63)],
    ['65 characters', 'a'.repeat(65)],
    ['upper case', 'A'.repeat(64)],
    ['a leading non-hex character', `g${'a'.repeat(63)}`],
    ['a trailing non-hex character', `${'a'.repeat(63)}g`],
  ])('a Signature of %s: refused', (_, value) => {
    expect(verdict(withAuthorization(signed(), header(`Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=${value}`)))).toEqual(SIGNATURE_FORM);
  });

  test.each([
    ['host', 'x-amz-date;content-type'],
    ['x-amz-date', 'content-type;host'],
  ])('SignedHeaders without %s: refused; the fault accept-unsigned-host waives host only', (_, list) => {
    const r = withAuthorization(signed(), header(`Credential=${scope}, SignedHeaders=${list}, Signature=${hex}`));
    expect(verdict(r)).toEqual(incomplete("SignedHeaders must include 'host' and 'x-amz-date'."));
  });

  test('the fault accept-unsigned-host accepts a signature over the other headers', () => {
    const r = signed();
    const signedWithoutHost = signedHeaders({ method: 'POST', path: '/', headers: { 'content-type': JSON_CONTENT_TYPE }, body: r.body, credentials: { accessKeyId: CALLER, secretAccessKey: SECRET }, region: 'us-east-1', service: 'aws-marketplace', date: new Date(NOW) });
    const request = { ...r, headers: { ...signedWithoutHost, host: '127.0.0.1:9' } };
    expect(verdict(request)).toEqual(incomplete("SignedHeaders must include 'host' and 'x-amz-date'."));
    expect(verdict(request, { requireSignedHost: false })).toEqual(ACCEPTED);
    expect(verdict(withAuthorization(request, authorization(request).replace('x-amz-date', 'x-amz-datex')), { requireSignedHost: false })).toEqual(
      incomplete("SignedHeaders must include 'host' and 'x-amz-date'."),
    );
  });

  test('claimedAccessKeyId reads the access key id of the Credential, before any verification', () => {
    expect(claimedAccessKeyId(signed().headers)).toBe(CALLER);
    expect(claimedAccessKeyId({ authorization: `AWS4-HMAC-SHA256 Credential=AKIDXY12/20261207/x` })).toBe('AKIDXY12');
    expect(claimedAccessKeyId({ authorization: 'AWS4-HMAC-SHA256 Credential=AKIDXY12 rest' })).toBeUndefined();
    expect(claimedAccessKeyId({ authorization: 'AWS4-HMAC-SHA256 Credential=AKID XY/20261207' })).toBeUndefined();
    expect(claimedAccessKeyId({ authorization: 'AWS4-HMAC-SHA256 Credential=AK,ID/20261207' })).toBeUndefined();
    expect(claimedAccessKeyId({ authorization: 'Credential=/20261207/x' })).toBeUndefined();
    expect(claimedAccessKeyId({})).toBeUndefined();
    expect(claimedAccessKeyId({ authorization: ['AWS4-HMAC-SHA256 Credential=AKIDONE/2026', 'x'] as unknown as string })).toBe('AKIDONE');
  });
});

describe('X-Amz-Date and the credential scope', () => {
  const DATE_FORM = incomplete('X-Amz-Date must be in the ISO 8601 basic format YYYYMMDDTHHMMSSZ');

  test('absent X-Amz-Date: refused', () => {
    expect(verdict(withHeaders(signed(), { 'x-amz-date': undefined }))).toEqual(incomplete("Authorization header requires existence of a 'X-Amz-Date' header."));
  });

  test.each([
    ['month 13', '20261307T120000Z'],
    ['month 0', '20260007T120000Z'],
    ['30 February', '20260230T120000Z'],
    ['hour 24', '20261207T240000Z'],
    ['minute 60', '20261207T126000Z'],
    ['second 60', '20261207T120060Z'],
    ['text before', 'x20261207T120000Z'],
    ['text after', '20261207T120000Zx'],
    ['an extended ISO date', '2026-12-07T12:00:00Z'],
    ['day 0', '20261200T120000Z'],
    ['year 0050 (which JavaScript reads as 1950)', '00501207T120000Z'],
  ])('X-Amz-Date with %s: refused as malformed', (_, value) => {
    expect(verdict(withHeaders(signed(), { 'x-amz-date': value }))).toEqual(DATE_FORM);
  });

  test('the last second of a day, hour and minute is a valid date (refused only for its skew)', () => {
    const r = withHeaders(signed(), { 'x-amz-date': '20261207T235959Z' });
    expect(verdict(r)).toEqual(invalid('Signature not yet current: 20261207T235959Z is still later than 20261207T120500Z (20261207T120000Z + 5 min.)'));
  });

  test('a scope date that is not the day of X-Amz-Date: refused, naming both', () => {
    const r = signed();
    const other = withAuthorization(r, authorization(r).replace('/20261207/', '/20261206/'));
    expect(verdict(other)).toEqual(invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261206' != '20261207', from 'X-Amz-Date'."));
  });

  test.each([
    ['a Region the emulator does not serve', { region: 'us-west-2' }, "Credential should be scoped to a valid Region, not 'us-west-2'."],
    ['another service', { service: 'execute-api' }, "Credential should be scoped to correct service: 'aws-marketplace'."],
  ])('a scope naming %s: refused', (_, signing, message) => {
    expect(verdict(signed(signing))).toEqual(invalid(message));
  });

  test('a scope whose terminator is not aws4_request: refused', () => {
    const r = signed();
    expect(verdict(withAuthorization(r, authorization(r).replace('/aws4_request', '/aws5_request')))).toEqual(invalid("Credential should be scoped with a valid terminator: 'aws4_request'."));
  });

  test('clock skew: five minutes either way is accepted, one second more is refused with both instants', () => {
    expect(verdict(signed({ date: NOW - SKEW }))).toEqual(ACCEPTED);
    expect(verdict(signed({ date: NOW + SKEW }))).toEqual(ACCEPTED);
    expect(verdict(signed({ date: NOW - SKEW - 1000 }))).toEqual(invalid('Signature expired: 20261207T115459Z is now earlier than 20261207T115500Z (20261207T120000Z - 5 min.)'));
    expect(verdict(signed({ date: NOW + SKEW + 1000 }))).toEqual(invalid('Signature not yet current: 20261207T120501Z is still later than 20261207T120500Z (20261207T120000Z + 5 min.)'));
  });

  test('the clock is the caller’s own', () => {
    const now = (caller: string) => (caller === CALLER ? NOW + 3_600_000 : NOW);
    expect(verdict(signed(), { now })).toEqual(invalid(`Signature expired: 20261207T120000Z is now earlier than ${longDate(new Date(NOW + 3_600_000 - SKEW))} (${longDate(new Date(NOW + 3_600_000))} - 5 min.)`));
    expect(verdict(signed({ date: NOW + 3_600_000 }), { now })).toEqual(ACCEPTED);
  });

  test('two requests with the same X-Amz-Date are judged alike (the parsed date is reused), a new one is parsed afresh', () => {
    expect(verdict(signed())).toEqual(ACCEPTED);
    expect(verdict(signed())).toEqual(ACCEPTED);
    expect(verdict(withHeaders(signed(), { 'x-amz-date': '20261207T120060Z' }))).toEqual(DATE_FORM);
    expect(verdict(signed())).toEqual(ACCEPTED);
  });

  test('signatures are compared whole: a valid signature with one character changed is refused', () => {
    const r = signed();
    const sig = signature(r);
    const flipped = `${sig.slice(0, 63)}${sig[63] === '0' ? '1' : '0'}`;
    expect(verdict(withAuthorization(r, authorization(r).replace(sig, flipped)))).toEqual(MISMATCH);
  });
});
