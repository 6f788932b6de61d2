// Acceptance 1 of issue 3, the other way round: the checks used by the self-tests catch a
// "valid" generator that sometimes leaves the schema, and an "invalid" generator whose samples
// carry a second, unlabelled fault, or their fault at another place than the label says.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { validInput } from '../generators/arbitraries.js';
import { faultSampleProblems, validSampleProblems } from '../generators/check.js';
import { singleFaults, type FaultCase } from '../generators/invalid.js';
import { loadModel } from '../core/model.js';

const model = loadModel();
const SAMPLES = 100;

function faultCase(operation: string, ruleId: string): FaultCase {
  const found = singleFaults(model, operation).find((c) => c.ruleId === ruleId);
  if (!found) throw new Error(`no fault case ${ruleId}`);
  return found;
}

function validProblems(operation: string, arbitrary: fc.Arbitrary<Record<string, unknown>>): string[] {
  return fc.sample(arbitrary, { numRuns: SAMPLES, seed: 3 }).flatMap((s) => validSampleProblems(model, model.operations[operation].input, s));
}

function faultProblems(fault: FaultCase, arbitrary: fc.Arbitrary<Record<string, unknown>>): string[] {
  return fc.sample(arbitrary, { numRuns: SAMPLES, seed: 4 }).flatMap((s) => faultSampleProblems(model, fault.operation, fault, s));
}

describe('a wrong "valid" generator is caught', () => {
  test('UsageQuantity sometimes one over the model maximum', () => {
    const max = (model.shapes.UsageQuantity as { max: number }).max;
    const sloppy = fc.tuple(validInput(model, 'MeterUsage'), fc.integer({ min: 0, max: 9 })).map(([input, dice]) => (dice === 0 ? { ...input, UsageQuantity: max + 1 } : input));
    const problems = validProblems('MeterUsage', sloppy);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('maximum at /UsageQuantity'))).toBe(true);
  });
  test('tag keys sometimes carrying `>` (just outside the ` -=` range)', () => {
    const sloppy = validInput(model, 'MeterUsage', {
      UsageAllocations: fc.constant([{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'a>b', Value: 'v' }] }]),
    });
    expect(validProblems('MeterUsage', sloppy).some((p) => p.startsWith('pattern at /UsageAllocations/0/Tags/0/Key'))).toBe(true);
  });
  test('the honest generator passes the same check', () => {
    expect(validProblems('MeterUsage', validInput(model, 'MeterUsage'))).toEqual([]);
  });
});

describe('a wrong "invalid" generator is caught', () => {
  const quantityMax = faultCase('MeterUsage', 'model.MeterUsage.UsageQuantity.max');

  test('a second fault beside the labelled one', () => {
    const doubled = quantityMax.arbitrary.map((request) => ({ ...request, ProductCode: 'no spaces allowed' }));
    const problems = faultProblems(quantityMax, doubled);
    expect(problems.some((p) => p.startsWith('unlabelled fault: pattern at /ProductCode'))).toBe(true);
  });
  test('a second fault only sometimes', () => {
    const sometimes = fc
      .tuple(quantityMax.arbitrary, fc.integer({ min: 0, max: 9 }))
      .map(([request, dice]) => (dice === 0 ? { ...request, UsageDimension: '' } : request));
    expect(faultProblems(quantityMax, sometimes).some((p) => p.includes('/UsageDimension'))).toBe(true);
  });
  test('the fault at another member than the label', () => {
    const misplaced = validInput(model, 'MeterUsage', { UsageQuantity: -1 });
    const problems = faultProblems(quantityMax, misplaced);
    expect(problems).toContain('labelled fault missing: no max error at UsageQuantity');
    expect(problems.some((p) => p.startsWith('unlabelled fault: minimum at /UsageQuantity'))).toBe(true);
  });
  test('the fault repaired (as shrinking could): a valid request', () => {
    const repaired = quantityMax.arbitrary.map((request) => ({ ...request, UsageQuantity: 0 }));
    expect(faultProblems(quantityMax, repaired)[0]).toMatch(/^no fault: the request validates/);
  });
  test('a nested fault labelled with the wrong constraint', () => {
    const keyPattern = faultCase('MeterUsage', 'model.MeterUsage.UsageAllocations.member.Tags.member.Key.pattern');
    const mislabelled = { ...keyPattern, constraint: 'max' as const };
    const problems = faultProblems(mislabelled, keyPattern.arbitrary);
    expect(problems).toContain('labelled fault missing: no max error at UsageAllocations.member.Tags.member.Key');
  });
  test('the honest generators pass the same check', () => {
    expect(faultProblems(quantityMax, quantityMax.arbitrary)).toEqual([]);
    const keyPattern = faultCase('MeterUsage', 'model.MeterUsage.UsageAllocations.member.Tags.member.Key.pattern');
    expect(faultProblems(keyPattern, keyPattern.arbitrary)).toEqual([]);
  });
});
