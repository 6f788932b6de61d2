// writeReports: the four files, schema validation before writing, and secret scrubbing.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REDACTED, redactText } from '../reports/redact.js';
import type { Report } from '../reports/types.js';
import { validateReport } from '../reports/validate.js';
import { REPORT_FILES, writeReports } from '../reports/write.js';
import { FAKE_SECRET, FAKE_TOKEN, sampleReport } from './reports-fixtures.js';

const temp = mkdtempSync(join(tmpdir(), 'mc-reports-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const SIGNATURE = '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';
const AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-east-1/aws-marketplace/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${SIGNATURE}`;

/** A report where secrets reached every kind of field a suite or target could fill. */
function leakyReport(): Report {
  const report = sampleReport();
  const failed = report.rules.find((r) => r.verdict === 'fail' && r.failure?.curl !== undefined)!;
  failed.failure = {
    ...failed.failure!,
    counterexample: { secretAccessKey: FAKE_SECRET, note: `key=${encodeURIComponent(FAKE_SECRET)}` },
    actual: {
      status: 403,
      headers: { authorization: AUTHORIZATION, 'x-amz-security-token': FAKE_TOKEN },
      body: `{"message":"The request signature we calculated does not match. String-to-sign used key ${FAKE_SECRET}","Authorization":"${AUTHORIZATION}"}`,
    },
    curl: `curl -X POST http://127.0.0.1:5055/ -H 'Authorization: ${AUTHORIZATION}' -H 'X-Amz-Security-Token: ${FAKE_TOKEN}'`,
  };
  const errored = report.rules.find((r) => r.verdict === 'error')!;
  errored.reason = `presigned https://example.test/?X-Amz-Security-Token=${FAKE_TOKEN}&X-Amz-Signature=${SIGNATURE}&x=1`;
  report.problems = [`unhandled error: session ${FAKE_TOKEN} rejected`];
  return report;
}

describe('writeReports', () => {
  it('writes the four files into a new folder, report.json equal to the report', async () => {
    const out = join(temp, 'nested', 'out');
    const report = sampleReport();
    const files = await writeReports(report, out);
    expect(files).toEqual(REPORT_FILES.map((name) => join(out, name)));
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(report);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/^<\?xml/);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/^## /);
  });

  it('refuses to write a report that breaks the schema, and writes nothing', async () => {
    const out = join(temp, 'invalid');
    const broken = { ...sampleReport(), schemaVersion: 3 } as unknown as Report;
    await expect(writeReports(broken, out)).rejects.toThrow(/does not match reports\/report\.schema\.json:\n {2}report\/schemaVersion must be equal to constant/);
    expect(existsSync(out)).toBe(false);
  });

  it('scrubs secrets, signatures, tokens and Authorization values from every file', async () => {
    const out = join(temp, 'leaky');
    const report = leakyReport();
    await writeReports(report, out, { secrets: [FAKE_SECRET, FAKE_TOKEN] });
    for (const name of REPORT_FILES) {
      const text = readFileSync(join(out, name), 'utf8');
      for (const secret of [FAKE_SECRET, encodeURIComponent(FAKE_SECRET), FAKE_TOKEN, SIGNATURE, 'Credential=AKIDEXAMPLE']) {
        expect(text, `${name} leaks ${secret}`).not.toContain(secret);
      }
    }
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(validateReport(json)).toEqual([]);
    expect(JSON.stringify(json)).toContain(REDACTED);
    // The caller's object is left as it was.
    expect(JSON.stringify(report)).toContain(FAKE_SECRET);
  });

  it('scrubs credential-shaped values even without the list of secrets', () => {
    expect(redactText(`Authorization: ${AUTHORIZATION}`)).toBe(`Authorization: ${REDACTED}`);
    expect(redactText(`"x-amz-security-token":"${FAKE_TOKEN}"`)).toBe(`"x-amz-security-token":"${REDACTED}"`);
    expect(redactText(`?X-Amz-Signature=${SIGNATURE}&a=b`)).toBe(`?X-Amz-Signature=${REDACTED}&a=b`);
    expect(redactText('an ordinary message about authorization failures')).toBe('an ordinary message about authorization failures');
    // Credentials as shell variables are how curl lines are meant to carry them.
    expect(redactText('-H "authorization: $AUTHORIZATION" -H "x-amz-security-token: $AWS_SESSION_TOKEN"')).toBe(
      '-H "authorization: $AUTHORIZATION" -H "x-amz-security-token: $AWS_SESSION_TOKEN"',
    );
  });
});
