// The project's SigV4 (core/sigv4.ts) against @smithy/signature-v4, the signer of the AWS SDKs:
// same Authorization header for any request, and the emulator accepts what the SDK signs.
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { SigV4Verifier } from '../emulator/sigv4.js';
import { TEST_CREDENTIALS } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import { canonicalPath, canonicalQuery, canonicalRequest, signedHeaders } from '../core/sigv4.js';
import type { RawCapableTarget, RawRequest } from '../target/types.js';
import { JSON_CONTENT_TYPE, TARGET_PREFIX, encodeInput } from '../core/wire.js';

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => n !== 'content-length' && n !== 'x-amz-date' && n !== 'x-amz-security-token');
const headerValue = fc.stringMatching(/^[ -~\t]{0,40}$/);
const segment = fc.oneof(fc.constantFrom('.', '..', '', 'a b', 'ü', '%20', '~x', "it's"), fc.stringMatching(/^[A-Za-z0-9._~!*()-]{1,8}$/));

const request = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT'),
  path: fc.array(segment, { maxLength: 4 }).chain((segments) => fc.constantFrom(`/${segments.join('/')}`, `/${segments.join('/')}/`)),
  query: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9 _.*-]{1,6}$/), fc.oneof(fc.string({ maxLength: 6 }), fc.array(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 3 })), { maxKeys: 3 }),
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
  body: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  credentials: fc.record({
    accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
    secretAccessKey: fc.stringMatching(/^[A-Za-z0-9/+]{20,40}$/),
    sessionToken: fc.option(fc.stringMatching(/^[A-Za-z0-9/+=]{8,40}$/), { nil: undefined }),
  }),
  region: fc.constantFrom('us-east-1', 'eu-west-3', 'ap-southeast-2'),
  service: fc.constantFrom('aws-marketplace', 'metering.marketplace'),
  date: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
});

describe('target/sigv4', () => {
  test('signs every request exactly as @smithy/signature-v4 does', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers = { host: 'example.test:8080', 'content-type': 'application/x-amz-json-1.1', ...r.headers };
        const ours = signedHeaders({ ...r, headers });
        const { sessionToken, ...keys } = r.credentials;
        const smithy = new SignatureV4({ credentials: sessionToken ? r.credentials : keys, region: r.region, service: r.service, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
        const theirs = await smithy.sign(new HttpRequest({ method: r.method, hostname: 'example.test', port: 8080, path: r.path, query: r.query, headers, body: r.body }), { signingDate: r.date });
        expect(ours.authorization).toBe(theirs.headers.authorization);
        expect(ours['x-amz-date']).toBe(theirs.headers['x-amz-date']);
        expect(ours['x-amz-security-token']).toBe(theirs.headers['x-amz-security-token']);
      }),
      { numRuns: 300 },
    );
  });

  test('canonical paths resolve dot segments and encode the path once more', () => {
    expect(canonicalPath('/')).toBe('/');
    expect(canonicalPath('/a/./b/../c/')).toBe('/a/c/');
    expect(canonicalPath('/a b/%20')).toBe('/a%20b/%2520');
  });

  test('canonical paths keep a leading and a trailing slash, and drop empty and dot segments', () => {
    expect(canonicalPath('/a')).toBe('/a');
    expect(canonicalPath('/a/b')).toBe('/a/b');
    expect(canonicalPath('//a//b//')).toBe('/a/b/');
    expect(canonicalPath('/..')).toBe('/');
    expect(canonicalPath('/./')).toBe('/');
    expect(canonicalPath('a/b')).toBe('a/b');
    expect(canonicalPath("/it's*(x)!")).toBe('/it%27s%2A%28x%29%21');
  });

  test('canonical queries sort by encoded name in byte order, then by value; X-Amz-Signature is left out whatever its case', () => {
    expect(canonicalQuery()).toBe('');
    expect(canonicalQuery({})).toBe('');
    expect(canonicalQuery({ b: '2', a: '1', B: '3', 'a b': '4' })).toBe('B=3&a=1&a%20b=4&b=2');
    expect(canonicalQuery({ k: ['z', 'a', 'm'] })).toBe('k=a&k=m&k=z');
    expect(canonicalQuery({ 'X-Amz-Signature': 'abc', 'x-amz-signature': 'def', 'X-Amz-Date': 'd' })).toBe('X-Amz-Date=d');
  });

  test('header values are folded: line breaks and runs of blanks become one space, ends trimmed; other values stay as they are', () => {
    const line = (value: string) => canonicalRequest({ method: 'POST', path: '/', headers: { 'x-a': value }, signedHeaders: ['x-a'], payloadHash: 'h' }).split('\n')[3];
    expect(line('a  b')).toBe('x-a:a b');
    expect(line(' a')).toBe('x-a:a');
    expect(line('a ')).toBe('x-a:a');
    expect(line('a\tb')).toBe('x-a:a b');
    expect(line('a\r\nb')).toBe('x-a:a b');
    expect(line('a b')).toBe('x-a:a b');
    expect(line('a\u00a0 b')).toBe('x-a:a\u00a0 b');
    // A header named in SignedHeaders but not sent is signed as empty.
    expect(canonicalRequest({ method: 'POST', path: '/', headers: {}, signedHeaders: ['x-a'], payloadHash: 'h' }).split('\n')[3]).toBe('x-a:');
  });

  test('a given x-amz-content-sha256 is the payload hash, as @smithy/signature-v4 takes it', async () => {
    const credentials = { accessKeyId: 'AKIDPAYLOAD', secretAccessKey: 'payload-secret' };
    const date = new Date('2026-12-07T00:00:00Z');
    const headers = { host: 'example.test', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const ours = signedHeaders({ method: 'POST', path: '/', headers, body: Buffer.from('{}'), credentials, region: 'us-east-1', service: 'aws-marketplace', date });
    const smithy = new SignatureV4({ credentials, region: 'us-east-1', service: 'aws-marketplace', sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
    const theirs = await smithy.sign(new HttpRequest({ method: 'POST', hostname: 'example.test', path: '/', headers, body: '{}' }), { signingDate: date });
    expect(ours.authorization).toBe(theirs.headers.authorization);
  });

  test('the headers SDK signers leave out, and proxy-* and sec-* headers, are not signed; others are', () => {
    const left = ['authorization', 'cache-control', 'connection', 'content-length', 'expect', 'from', 'keep-alive', 'max-forwards', 'pragma', 'referer', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'x-amzn-trace-id', 'proxy-authorization', 'sec-fetch-mode'];
    const kept = ['host', 'x-amz-target', 'x-proxy-id', 'x-sec-id', 'agent', 'content-type'];
    const headers = Object.fromEntries([...left, ...kept].map((name) => [name, 'v']));
    const result = signedHeaders({ method: 'POST', path: '/', headers, body: Buffer.from(''), credentials: { accessKeyId: 'AKIDSIGNER', secretAccessKey: 's' }, region: 'us-east-1', service: 'aws-marketplace', date: new Date('2026-12-07T00:00:00Z') });
    expect(/SignedHeaders=([^,]+),/.exec(result.authorization)![1]).toBe('agent;content-type;host;x-amz-date;x-amz-target;x-proxy-id;x-sec-id');
  });

  test('signing keys are shared by callers with one secret, not by other secrets', () => {
    const base = { method: 'POST', path: '/', headers: { host: 'h' }, body: Buffer.from('{}'), region: 'us-east-1', service: 'aws-marketplace', date: new Date('2026-11-22T00:00:00Z') };
    const signature = (accessKeyId: string, secretAccessKey: string) => /Signature=(\w+)/.exec(signedHeaders({ ...base, credentials: { accessKeyId, secretAccessKey } }).authorization)![1];
    expect(signature('AKIDONE', 'secret-a')).toBe(signature('AKIDTWO', 'secret-a'));
    expect(signature('AKIDONE', 'secret-a')).not.toBe(signature('AKIDONE', 'secret-b'));
  });
});

// SigV4 requires host among the signed headers: the emulator refuses a request signed correctly
// over every header but host (rule auth.unsigned-host), except under the fault mode accept-unsigned-host.
describe('a request that leaves host out of SignedHeaders', () => {
  const { region, signingName } = { region: 'us-east-1', signingName: 'aws-marketplace' };
  const emulators: RunningEmulator[] = [];
  const targets: RawCapableTarget[] = [];
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.close()));
    await Promise.all(emulators.map((e) => e.close()));
  });

  async function emulatorWith(faults: string[] = []): Promise<RawCapableTarget> {
    const emulator = await startEmulator({ faults });
    emulators.push(emulator);
    const target = createRawTarget({ endpoint: emulator.url, region, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    targets.push(target);
    return target;
  }

  const caller = () => ({ accessKeyId: `AK${randomUUID().replace(/-/g, '').slice(0, 18).toUpperCase()}`, secretAccessKey: TEST_CREDENTIALS.secretAccessKey });
  const meterInput = (quantity: number) => ({ ProductCode: 'conformance-ami-1', UsageDimension: 'Hours', UsageQuantity: quantity, Timestamp: new Date(Date.now() - 60_000) });

  /** MeterUsage signed by core/sigv4.ts over content-type, x-amz-date and x-amz-target only; the driver sends host unsigned. */
  function hostUnsigned(input: Record<string, unknown>, credentials: { accessKeyId: string; secretAccessKey: string }): RawRequest {
    const body = encodeInput(input);
    const headers = signedHeaders({
      method: 'POST',
      path: '/',
      headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}.MeterUsage` },
      body: Buffer.from(body),
      credentials,
      region,
      service: signingName,
      date: new Date(),
    });
    expect(headers.authorization).toContain('SignedHeaders=content-type;x-amz-date;x-amz-target,');
    return { operation: 'MeterUsage', body, sign: false, headers };
  }

  test('is rejected with 400 IncompleteSignatureException and records nothing', async () => {
    const target = await emulatorWith();
    const credentials = caller();
    const input = meterInput(3);
    const rejected = await target.send(hostUnsigned(input, credentials));
    expect([rejected.status, rejected.kind === 'error' ? rejected.errorType : 'success']).toEqual([400, 'IncompleteSignatureException']);
    // Nothing recorded: the same hour with another quantity, properly signed, is accepted.
    const later = await target.call('MeterUsage', { ...input, UsageQuantity: 4 }, { credentials });
    expect(later.kind).toBe('success');
  });

  test('is accepted under the fault mode accept-unsigned-host (so its signature over the named headers is right)', async () => {
    const target = await emulatorWith(['accept-unsigned-host']);
    const accepted = await target.send(hostUnsigned(meterInput(5), caller()));
    expect(accepted.status).toBe(200);
    expect(accepted.kind === 'success' ? accepted.output.MeteringRecordId : undefined).toEqual(expect.any(String));
  });

  test('the verifier requires host unless told not to', () => {
    const request = hostUnsigned(meterInput(1), caller());
    const signed = { method: 'POST', path: '/', query: {}, headers: { ...request.headers, host: '127.0.0.1:1' } as Record<string, string>, body: Buffer.from(request.body) };
    const options = { regions: [region], service: signingName, secretAccessKey: TEST_CREDENTIALS.secretAccessKey, now: () => Date.now(), compareSignatures: true };
    expect(() => new SigV4Verifier(options).verify(signed)).toThrow(/SignedHeaders must include 'host'/);
    expect(new SigV4Verifier({ ...options, requireSignedHost: false }).verify(signed).region).toBe(region);
  });
});
