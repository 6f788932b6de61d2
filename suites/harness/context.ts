// What the CLI (or a user's vitest config) hands to the suites: the target and the run settings.
import { inject } from 'vitest';
import type { TargetDescription } from '../../core/description.js';
import type { Politeness } from '../../target/politeness.js';
import type { DriverName } from '../../target/types.js';

export interface ConformanceContext {
  target: TargetDescription;
  driver: DriverName;
  /** Absolute path of the client library the driver loads instead of the installed one (run --sdk PATH). */
  sdk?: string;
  /** The Python interpreter of the boto3 driver (run --python PATH; default python3). */
  python?: string;
  /**
   * Model paths (operations.X, shapes.S, shapes.S.members.M) of the run's model that the
   * driver's client library does not know (the boto3 probe: botocore's own model of the
   * service); rules on them are not-applicable.
   */
  driverModelGaps?: string[];
  /** What the driver's client library is called in reasons ("boto3 1.43.11 (botocore 1.43.11)"). */
  driverClient?: string;
  /** Run seed; each rule derives its own seed from it and its id. */
  seed: number;
  /** Property runs per rule. */
  runs: number;
  /** Service model file the run is judged against. */
  modelFile: string;
  /** Target clock minus local clock, in ms (0 when the target does not publish its clock). */
  clockOffsetMs: number;
  /** Replays one counterexample: the rule it belongs to and fast-check's path. */
  replay?: { ruleId: string; path: string };
  /**
   * The `run` arguments that reproduce this run's target and settings (--endpoint, --driver,
   * --config, --model, --region, --runs, --level, ...), without --rules, --seed and --replay,
   * which each failure adds: the replay command of a failure is `run <replayArgs> --rules R
   * --seed S --replay P`.
   */
  replayArgs?: string[];
  /** The user passed --allow-real-service: a real-service target gets DryRun calls only. */
  allowRealService?: boolean;
  /** Time limit of one request to the target, in milliseconds (default: the driver's). */
  requestTimeoutMs?: number;
  /** Calls in flight and started per second, bounded for the whole run (its one worker). */
  politeness?: Politeness;
  /** This run is one shard of several (run --shard INDEX/COUNT): on a target without a clean ledger it uses only its share of the keys. */
  shard?: { index: number; count: number };
  /** The run has one vitest worker, so nothing else talks to the target while a property run holds it (see ledgerModeOf). */
  oneWorker?: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    conformance: ConformanceContext;
  }
}

export function conformanceContext(): ConformanceContext {
  const context = inject('conformance');
  if (!context) {
    throw new Error(
      'metering-conformance: no target configured. Run the suites with `npx metering-conformance run`, or provide `conformance` in your vitest config (see README, "Programmatic use").',
    );
  }
  return context;
}
