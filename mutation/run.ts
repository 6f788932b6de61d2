// `npm run mutation`: the suite's detection power. For each fault mode of the emulator, a full
// conformance run (every rule) against `serve --fault X`, two runs at a time; a fault is killed
// when a rule fails that passes against the fault-free emulator. Prints per fault the result,
// the time to the first failure and the catching rules (expected ones, from
// emulator/fault-expectations.ts, marked *), then the mutation score: faults killed by an expected
// rule over all faults run. Writes mutation/results.json and, from it, docs/detection-power.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT, packageVersion } from '../core/paths.js';
import { FAULT_MODES } from '../emulator/index.js';
import type { Report } from '../reports/types.js';
import { expectedRulesFor } from '../emulator/fault-expectations.js';
import { renderDetectionPower, type FaultResult, type MutationResults } from './detection-power.js';
import { limit, runAgainstFaults, type FaultRunResult } from './fault-run.js';

const USAGE = `Usage: npm run mutation -- [options]

Runs every rule against the reference emulator once per fault mode (two runs at a time) and
reports which rules catch each fault, and the mutation score.

Options:
  --fault NAME   only this fault mode (repeatable; default: all)
  --runs N       property runs per rule (default: 25)
  --seed N       run seed (default: 7)
  -h, --help     this help
`;

/** Two runs at a time: each run is itself concurrent, and the machines have two cores. */
const PARALLEL_RUNS = 2;
const RUN_TIMEOUT_MS = 30 * 60_000;
const RESULTS_FILE = join(PACKAGE_ROOT, 'mutation', 'results.json');
const DETECTION_POWER_FILE = join(PACKAGE_ROOT, 'docs', 'detection-power.md');
/** Catching rules shown per fault on the console; results.json has all of them. */
const SHOWN_RULES = 5;

interface Options {
  faults: string[];
  runs: number;
  seed: number;
}

class UsageError extends Error {}

function positiveInteger(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, not ${JSON.stringify(text)}`);
  return n;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { fault: { type: 'string', multiple: true }, runs: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return undefined;
  const known = FAULT_MODES.map((f) => f.name);
  const unknown = (values.fault ?? []).filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new UsageError(`unknown fault mode ${unknown.map((f) => JSON.stringify(f)).join(', ')}; fault modes: ${known.join(', ')}`);
  return {
    faults: values.fault && values.fault.length > 0 ? [...new Set(values.fault)] : known,
    runs: positiveInteger(values.runs, '--runs', 25),
    seed: positiveInteger(values.seed, '--seed', 7),
  };
}

const failingRules = (report: Report): string[] => report.rules.filter((r) => r.verdict === 'fail').map((r) => r.id);

/** Why a run cannot be judged, or undefined when its report can be. */
function unjudgeable(run: FaultRunResult): string | undefined {
  if (run.report !== undefined && (run.exitCode === 0 || run.exitCode === 1)) return undefined;
  const lastLines = run.stderr.trim().split('\n').slice(-3).join(' | ');
  return `run exited with ${run.exitCode ?? 'a signal'}${run.report ? '' : ' and wrote no report'}: ${lastLines}`;
}

function judge(fault: string, run: FaultRunResult, baselineFailures: ReadonlySet<string>): FaultResult {
  const expectedRules = expectedRulesFor(fault);
  const base = { fault, description: FAULT_MODES.find((f) => f.name === fault)?.description ?? '', expectedRules, durationMs: run.durationMs };
  const problem = unjudgeable(run);
  if (problem !== undefined) return { ...base, status: 'error', killedByExpected: false, catchingRules: [], note: problem };
  const report = run.report!;
  const catchingRules = failingRules(report)
    .filter((id) => !baselineFailures.has(id))
    .map((id) => ({ id, expected: expectedRules.includes(id) }))
    .sort((a, b) => Number(b.expected) - Number(a.expected));
  const killed = catchingRules.length > 0;
  return {
    ...base,
    status: killed ? 'killed' : 'survived',
    killedByExpected: catchingRules.some((r) => r.expected),
    catchingRules,
    ...(killed && report.summary.firstFailureMs !== undefined ? { firstFailureMs: report.summary.firstFailureMs } : {}),
    ...(expectedRules.length === 0 ? { note: 'no expected rules in emulator/fault-expectations.ts' } : {}),
  };
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

function rulesText(result: FaultResult): string {
  if (result.status === 'error') return result.note ?? '';
  if (result.catchingRules.length === 0) return `none (expected: ${result.expectedRules.join(', ') || 'none listed'})`;
  const names = result.catchingRules.map((r) => `${r.id}${r.expected ? '*' : ''}`);
  const more = names.length - SHOWN_RULES;
  return more > 0 ? `${names.slice(0, SHOWN_RULES).join(', ')} +${more} more` : names.join(', ');
}

function resultLine(result: FaultResult, width: number): string {
  const verdict = result.status === 'killed' && !result.killedByExpected ? 'killed (unexpected rules only)' : result.status;
  return `${result.fault.padEnd(width)}  ${verdict.padEnd(8)}  ${seconds(result.firstFailureMs).padStart(8)}  ${rulesText(result)}`;
}

async function main(argv: string[]): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    process.stderr.write(`mutation: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { faults, runs, seed } = options;
  const startedAt = new Date().toISOString();
  const root = mkdtempSync(join(tmpdir(), 'mc-mutation-'));
  const width = Math.max(...faults.map((f) => f.length));
  process.stdout.write(`mutation: ${faults.length} fault modes, every rule, ${runs} runs per rule, seed ${seed}, ${PARALLEL_RUNS} runs at a time\nreports: ${root}\n`);

  const gate = limit(PARALLEL_RUNS);
  let aborted = false;
  const runFor = (name: string, faultList: string[]) =>
    gate(async () =>
      aborted ? undefined : runAgainstFaults({ faults: faultList, outDir: mkdtempSync(join(root, `${name}-`)), seed, runs, timeoutMs: RUN_TIMEOUT_MS }),
    );

  // The fault-free run goes first: a rule that fails without any fault says nothing about a fault.
  const baselineRun = runFor('no-fault', []);
  const faultRuns = faults.map((fault) => ({ fault, run: runFor(fault, [fault]) }));
  const baseline = (await baselineRun)!;
  const baselineProblem = unjudgeable(baseline);
  if (baselineProblem !== undefined) {
    aborted = true;
    process.stderr.write(`mutation: the run against the fault-free emulator failed: ${baselineProblem}\n`);
    await Promise.allSettled(faultRuns.map((f) => f.run));
    return 1;
  }
  const baselineFailures = new Set(failingRules(baseline.report!));
  process.stdout.write(
    baselineFailures.size === 0
      ? 'fault-free emulator: no rule fails\n'
      : `fault-free emulator: ${baselineFailures.size} rules fail and are not counted as catching a fault: ${[...baselineFailures].join(', ')}\n`,
  );

  let done = 0;
  const results = await Promise.all(
    faultRuns.map(async ({ fault, run }) => {
      const result = judge(fault, (await run)!, baselineFailures);
      done++;
      process.stdout.write(`[${String(done).padStart(2)}/${faults.length}] ${resultLine(result, width)}\n`);
      return result;
    }),
  );

  const killed = results.filter((r) => r.killedByExpected).length;
  const score = killed / results.length;
  process.stdout.write(`\n${'fault mode'.padEnd(width)}  result    1st fail  catching rules (* expected)\n`);
  for (const result of results) process.stdout.write(`${resultLine(result, width)}\n`);
  const notes = results.filter((r) => r.note !== undefined && r.status !== 'error');
  if (notes.length > 0) process.stdout.write(`\nnotes:\n${notes.map((r) => `  ${r.fault}: ${r.note}\n`).join('')}`);
  process.stdout.write(`\nmutation score: ${(score * 100).toFixed(1)}% (${killed}/${results.length} fault modes killed by an expected rule)\n`);

  const document: MutationResults = {
    startedAt,
    seed,
    runs,
    tool: { name: 'metering-conformance', version: packageVersion() },
    baselineFailures: [...baselineFailures],
    faults: results,
    score: { killedByExpected: killed, total: results.length, ratio: score },
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`results: ${RESULTS_FILE}\n`);
  // The published table is of the whole suite: a run of some fault modes leaves it as it is.
  if (faults.length === FAULT_MODES.length) {
    writeFileSync(DETECTION_POWER_FILE, renderDetectionPower(document));
    process.stdout.write(`detection power: ${DETECTION_POWER_FILE}\n`);
  } else process.stdout.write(`detection power: ${DETECTION_POWER_FILE} left as it is (not every fault mode ran)\n`);
  return killed === results.length ? 0 : 1;
}

const code = await main(process.argv.slice(2));
process.exit(code);
