// The raw driver's awsJson1.1 codec against botocore's protocol test vectors, plus the
// real-service guard and the curl line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SPECS_DIR } from '../core/paths.js';
import { curlLine } from '../target/curl.js';
import { isLoopbackHost } from '../core/hosts.js';
import { isRealServiceHost } from '../target/guard.js';
import { checkEndpoint } from '../target/resolve.js';
import { encodeInput, errorTypeOf } from '../core/wire.js';

interface OutputCase {
  id: string;
  errorCode?: string;
  response: { status_code: number; headers: Record<string, string>; body?: string };
}
const outputSuites = JSON.parse(readFileSync(join(SPECS_DIR, 'protocol-tests', 'json-output.json'), 'utf8')) as { cases: OutputCase[] }[];
const errorCases = outputSuites.flatMap((s) => s.cases).filter((c) => c.errorCode !== undefined);

describe('error type decoding (botocore json-output vectors)', () => {
  test('there are vectors to check', () => {
    expect(errorCases.length).toBeGreaterThanOrEqual(10);
  });
  test.each(errorCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const headers = Object.fromEntries(Object.entries(c.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const body = c.response.body ? JSON.parse(c.response.body) : undefined;
    expect(errorTypeOf(headers, body)).toBe(c.errorCode);
  });
});

describe('input encoding', () => {
  test('timestamps become epoch seconds, fractional kept, undefined dropped, false kept', () => {
    const text = encodeInput({ Timestamp: new Date(946845296000), Frac: new Date(1500), Missing: undefined, DryRun: false, Nested: [{ At: new Date(0) }] });
    expect(JSON.parse(text)).toEqual({ Timestamp: 946845296, Frac: 1.5, DryRun: false, Nested: [{ At: 0 }] });
  });
});

describe('real-service guard', () => {
  test.each([
    'metering.marketplace.us-east-1.amazonaws.com',
    'metering.marketplace.cn-north-1.amazonaws.com.cn',
    'metering-marketplace.us-east-1.api.aws',
    'metering.marketplace-fips.us-gov-west-1.amazonaws.com',
    'metering-marketplace.eusc-de-east-1.amazonaws.eu',
    'METERING.MARKETPLACE.US-EAST-1.AMAZONAWS.COM.',
  ])('%s is the real service', (host) => {
    expect(isRealServiceHost(host)).toBe(true);
    expect(() => checkEndpoint(`https://${host}`)).toThrow(/real AWS service/);
  });
  test.each(['127.0.0.1', 'localhost', 'notamazonaws.com', 'amazonaws.com.example.org'])('%s is not', (host) => {
    expect(isRealServiceHost(host)).toBe(false);
  });
  test('loopback detection', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
  test('bad URLs are configuration errors naming the problem', () => {
    expect(() => checkEndpoint('not a url')).toThrow(/not a valid URL/);
    expect(() => checkEndpoint('ftp://127.0.0.1')).toThrow(/http or https/);
  });
});

describe('curl line', () => {
  test('reproduces the request with credentials as variables and quotes safely', () => {
    const line = curlLine(
      {
        method: 'POST',
        url: 'http://127.0.0.1:5055/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AWSMPMeteringService.MeterUsage',
          authorization: 'AWS4-HMAC-SHA256 Credential=<redacted>, SignedHeaders=host, Signature=<redacted>',
          'x-amz-date': '20260101T000000Z',
        },
        body: `{"UsageDimension":"it's"}`,
      },
      'us-east-1',
      { kind: 'variables' },
    );
    expect(line).toContain(`--aws-sigv4 'aws:amz:us-east-1:aws-marketplace'`);
    expect(line).toContain('"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"');
    expect(line).toContain(`-H 'x-amz-target: AWSMPMeteringService.MeterUsage'`);
    expect(line).toContain(`--data-binary '{"UsageDimension":"it'\\''s"}'`);
    expect(line).not.toMatch(/redacted|x-amz-date/);
  });
});
