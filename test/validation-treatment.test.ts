// The derived validation rules accept only the errors about the broken member (issue 16): the
// emulator fault wrong-error-long-dimension answers an over-long MeterUsage UsageDimension
// with InvalidProductCodeException, and model.MeterUsage.UsageDimension.max fails it, naming
// the accepted set and the exception that came back. The value just past the bound runs
// first (fast-check examples), `--replay` of its path reproduces it, and `--runs N` stays N
// random runs after the fixed cases.
import { describe, expect, test } from 'vitest';
import { ServiceError } from '../emulator/errors.js';
import { runOperation } from '../emulator/operations.js';
import { NOW, operationTestbed, seconds } from './support/operation-testbed.js';
import { readReport, runCli, serveAround, tempDir } from './support/cli.js';

const RULE = 'model.MeterUsage.UsageDimension.max';

describe('fault mode wrong-error-long-dimension', () => {
  const bed = operationTestbed('CALLER-T');
  const meter = (dimension: string, ...faultNames: string[]) => {
    const body = { ProductCode: 'conformance-ami-1', UsageDimension: dimension, Timestamp: seconds(NOW - 10 * 60_000) };
    try {
      runOperation('MeterUsage', Buffer.from(JSON.stringify(body)), bed.ctx({ faultNames }));
      return 'success';
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      return error.type;
    }
  };
  test('changes exactly the answer to a dimension over the maximum length', () => {
    expect(meter('a'.repeat(256))).toBe('ValidationException');
    expect(meter('a'.repeat(256), 'wrong-error-long-dimension')).toBe('InvalidProductCodeException');
    expect(meter('a'.repeat(255), 'wrong-error-long-dimension')).toBe('InvalidUsageDimensionException');
    expect(meter('', 'wrong-error-long-dimension')).toBe('ValidationException');
    expect(meter('Hours', 'wrong-error-long-dimension')).toBe('success');
  });
});

describe('run against serve --fault wrong-error-long-dimension', () => {
  const served = serveAround(['--fault', 'wrong-error-long-dimension']);

  test('the derived UsageDimension max rule fails on its first fixed case, naming both exceptions; the replay reproduces it', async () => {
    const out = tempDir();
    const result = await runCli(['run', '--endpoint', served.url, '--rules', 'model.MeterUsage.*', '--seed', '7', '--out', out]);
    expect(result.code, result.stderr).toBe(1);
    const report = readReport(out);
    expect(report.rules.filter((r) => r.verdict === 'fail').map((r) => r.id)).toEqual([RULE]);
    const failure = report.rules.find((r) => r.id === RULE)!.failure!;
    expect(failure.expected).toContain('ValidationException, SerializationException or InvalidUsageDimensionException');
    expect(failure.actual).toMatchObject({ status: 400, errorType: 'InvalidProductCodeException' });
    // Example 0 (256 characters, the smallest over-long dimension) fails first, unshrunk.
    expect(failure.path).toBe('0');
    expect((failure.counterexample as { UsageDimension: string }).UsageDimension).toBe('a'.repeat(256));
    expect(result.stdout).toContain('InvalidProductCodeException');

    const again = tempDir();
    const replayed = await runCli(['run', '--endpoint', served.url, '--rules', RULE, '--seed', '7', '--replay', failure.path!, '--out', again]);
    expect(replayed.code, replayed.stderr).toBe(1);
    const second = readReport(again).rules.find((r) => r.id === RULE)!;
    expect(second.numRuns).toBe(1);
    expect((second.failure!.counterexample as { UsageDimension: string }).UsageDimension).toBe('a'.repeat(256));
    expect(second.failure!.actual).toMatchObject({ errorType: 'InvalidProductCodeException' });
  });
});

test('--runs N is N random runs after the fixed cases', async () => {
  const out = tempDir();
  const result = await runCli(['run', '--rules', `${RULE},model.MeterUsage.ProductCode.required`, '--seed', '3', '--runs', '5', '--out', out]);
  expect(result.code, result.stderr).toBe(0);
  const runs = Object.fromEntries(readReport(out).rules.map((r) => [r.id, r.numRuns]));
  // One fixed case (256 characters) for the max rule, none for the required rule.
  expect(runs).toEqual({ [RULE]: 6, 'model.MeterUsage.ProductCode.required': 5 });
});
