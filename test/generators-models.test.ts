// Acceptance 1 of issue 3, for every model version: valid samples validate against that
// version's schemas, and every single-fault sample fails exactly at its labelled path and
// constraint.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LATEST_MODEL_PATH, SPECS_DIR } from '../core/paths.js';
import { validInput } from '../generators/arbitraries.js';
import { faultSampleProblems, validSampleProblems } from '../generators/check.js';
import { singleFaults } from '../generators/invalid.js';
import { loadModel } from '../core/model.js';

const HISTORY_DIR = join(SPECS_DIR, 'history');
const MODEL_FILES = [LATEST_MODEL_PATH, ...readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(HISTORY_DIR, f))];
const SAMPLES = 100;

test('specs/history holds every published model version', () => {
  expect(MODEL_FILES.length).toBeGreaterThanOrEqual(22);
});

describe.each(MODEL_FILES.map((file) => [file.slice(SPECS_DIR.length + 1), file]))('model %s', (_label, file) => {
  const model = loadModel(file);
  test.each(Object.keys(model.operations))('%s: valid samples validate', (operation) => {
    const samples = fc.sample(validInput(model, operation), { numRuns: SAMPLES, seed: 1 });
    expect(samples).toHaveLength(SAMPLES);
    const problems = samples.flatMap((s) => validSampleProblems(model, model.operations[operation].input, s));
    expect(problems).toEqual([]);
  });
  test.each(Object.keys(model.operations))('%s: single-fault samples fail at exactly their label', (operation) => {
    const cases = singleFaults(model, operation);
    expect(cases.length).toBeGreaterThan(0);
    const perCase = Math.ceil(SAMPLES / cases.length);
    let checked = 0;
    const failures: string[] = [];
    for (const fault of cases) {
      for (const sample of fc.sample(fault.arbitrary, { numRuns: perCase, seed: 2 })) {
        const problems = faultSampleProblems(model, operation, fault, sample);
        if (problems.length > 0) failures.push(`${fault.ruleId}: ${problems.join('; ')} in ${JSON.stringify(sample).slice(0, 300)}`);
        checked++;
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(SAMPLES);
  });
});
