// Generation rows of `npm run bench`: requests per second drawn by the arbitraries.
import fc from 'fast-check';
import type { TargetFixtures } from '../core/description.js';
import { loadModel, type ServiceModel } from '../core/model.js';
import { DEFAULT_FIXTURES_PATH, loadFixtures, publishedFixtures } from '../emulator/fixtures.js';
import { batchRequest, singleFaults, validInput, validMeterUsage, type BatchMeterUsageInput, type MeterUsageInput } from '../generators/index.js';
import { OPERATIONS, type Operation } from '../target/types.js';

export interface GenerationRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** Records in the batch row: the model's limit, the largest batch the suites send. */
export const BATCH_RECORDS = 25;

export interface SuiteArbitraries {
  model: ServiceModel;
  /** The default fixtures as the embedded emulator publishes them. */
  fixtures: TargetFixtures;
  nowMs: number;
  /** validMeterUsage with its defaults, as the MeterUsage and protocol suites draw it. */
  meterUsage: fc.Arbitrary<MeterUsageInput>;
  /** batchRequest of BATCH_RECORDS records with its defaults. */
  batch: fc.Arbitrary<BatchMeterUsageInput>;
}

/** The arbitraries the suites draw most, against the latest model and the emulator's default fixtures, at `nowMs`. */
export function suiteArbitraries(nowMs: number): SuiteArbitraries {
  const model = loadModel();
  const fixtures = publishedFixtures(loadFixtures(DEFAULT_FIXTURES_PATH));
  return {
    model,
    fixtures,
    nowMs,
    meterUsage: validMeterUsage(fixtures, model, nowMs),
    batch: batchRequest(model, fixtures, nowMs, { size: BATCH_RECORDS }),
  };
}

/**
 * Draws per fc.sample call: 25, a rule's runs by default (fast-check's bias grows with the run
 * index). fc.sample keeps what it draws, and one sample of all 2,000 batches timed the garbage
 * collector more than the arbitrary; a run keeps no request.
 */
const CHUNK = 25;

/** Draws per second of `arbitrary` over `draws` values (fixed seeds), after `warmUp` draws (so that the JIT has compiled the path). */
function drawRate(arbitrary: fc.Arbitrary<unknown>, draws: number, warmUp: number): number {
  const drain = (n: number, seed: number) => {
    for (let done = 0; done < n; done += CHUNK) fc.sample(arbitrary, { numRuns: Math.min(CHUNK, n - done), seed: seed + done });
  };
  drain(warmUp, 1_000_000);
  const t = performance.now();
  drain(draws, 1);
  return draws / ((performance.now() - t) / 1000);
}

/** (e) the requests as the suites draw them: a valid MeterUsage, a valid batch of exactly 25 records. */
export function suiteGenerationRows(quick: boolean): GenerationRow[] {
  const { meterUsage, batch } = suiteArbitraries(Date.now());
  const requests = quick ? 2_000 : 20_000;
  const batches = quick ? 200 : 2_000;
  return [
    {
      name: '(e) generate valid MeterUsage as the suites draw it',
      value: drawRate(meterUsage, requests, requests / 10),
      unit: 'req/s',
      note: `validMeterUsage, default fixtures, ${requests} draws`,
    },
    {
      name: `(e) generate a valid BatchMeterUsage of exactly ${BATCH_RECORDS} records as the suites draw it`,
      value: drawRate(batch, batches, batches / 10),
      unit: 'req/s',
      note: `batchRequest size ${BATCH_RECORDS}, default fixtures, ${batches} draws`,
    },
  ];
}

/** (e) generation throughput: the suites' own arbitraries, then model-driven valid and single-fault requests per operation. */
export function generationRows(quick: boolean): GenerationRow[] {
  const rows: GenerationRow[] = suiteGenerationRows(quick);
  const record = (name: string, value: number, unit: string, note?: string) => rows.push({ name, value, unit, ...(note ? { note } : {}) });
  const model = loadModel();
  for (const operation of OPERATIONS) {
    if (!(operation in model.operations)) continue;
    const valid = validInput(model, operation as Operation);
    let t = performance.now();
    const n = quick ? 200 : 1000;
    fc.sample(valid, { numRuns: n, seed: 1 });
    // Model-driven: every member, lengths up to the model's (a MeterUsage of about 6 KB, batches of 0-25 records).
    record(`(e) model-driven valid ${operation} (full-size inputs, every member)`, n / ((performance.now() - t) / 1000), 'req/s');
    const faults = singleFaults(model, operation);
    t = performance.now();
    let count = 0;
    for (const fault of faults) {
      const k = Math.max(1, Math.floor(n / faults.length));
      fc.sample(fault.arbitrary, { numRuns: k, seed: 1 });
      count += k;
    }
    record(`(e) model-driven invalid ${operation} (one fault each)`, count / ((performance.now() - t) / 1000), 'req/s', `${faults.length} fault cases`);
  }
  return rows;
}
