// The project's SigV4 (target/sigv4.ts) against @smithy/signature-v4, the signer of the AWS SDKs:
// same Authorization header for any request, and the emulator accepts what the SDK signs.
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalPath, signedHeaders } from '../target/sigv4.js';

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

  test('signing keys are shared by callers with one secret, not by other secrets', () => {
    const base = { method: 'POST', path: '/', headers: { host: 'h' }, body: Buffer.from('{}'), region: 'us-east-1', service: 'aws-marketplace', date: new Date('2026-11-22T00:00:00Z') };
    const signature = (accessKeyId: string, secretAccessKey: string) => /Signature=(\w+)/.exec(signedHeaders({ ...base, credentials: { accessKeyId, secretAccessKey } }).authorization)![1];
    expect(signature('AKIDONE', 'secret-a')).toBe(signature('AKIDTWO', 'secret-a'));
    expect(signature('AKIDONE', 'secret-a')).not.toBe(signature('AKIDONE', 'secret-b'));
  });
});
