// Generation rows of `npm run bench`: requests per second drawn by the arbitraries.
import fc from 'fast-check';
import { loadModel } from '../core/model.js';
import { singleFaults, validInput } from '../generators/index.js';
import { OPERATIONS, type Operation } from '../target/types.js';

export interface GenerationRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** (e) generation throughput per operation: valid requests and single-fault requests per second. */
export function generationRows(quick: boolean): GenerationRow[] {
  const rows: GenerationRow[] = [];
  const record = (name: string, value: number, unit: string, note?: string) => rows.push({ name, value, unit, ...(note ? { note } : {}) });
  const model = loadModel();
  for (const operation of OPERATIONS) {
    if (!(operation in model.operations)) continue;
    const valid = validInput(model, operation as Operation);
    let t = performance.now();
    const n = quick ? 200 : 1000;
    fc.sample(valid, { numRuns: n, seed: 1 });
    record(`generate valid ${operation}`, n / ((performance.now() - t) / 1000), 'req/s');
    const faults = singleFaults(model, operation);
    t = performance.now();
    let count = 0;
    for (const fault of faults) {
      const k = Math.max(1, Math.floor(n / faults.length));
      fc.sample(fault.arbitrary, { numRuns: k, seed: 1 });
      count += k;
    }
    record(`generate invalid ${operation}`, count / ((performance.now() - t) / 1000), 'req/s', `${faults.length} fault cases`);
  }
  return rows;
}
