// The programmatic entry of metering-conformance (package export "."): the conformance suites
// inside a user's own vitest config, the target drivers and the reference emulator.
export { conformanceConfig, conformanceProject, type ConformanceOptions, type ConformanceProject } from './project.js';
export type { ConformanceContext } from '../suites/harness/context.js';
export type { Report, RuleResult, Verdict } from '../reports/types.js';

export { rawTargetFor, createRawTarget, type RawTargetOptions } from '../target/raw-driver.js';
export { createSdkTarget, type SdkTargetOptions } from '../target/sdk-driver.js';
export { TargetError, OPERATIONS, type Target, type RawCapableTarget, type Outcome, type Operation, type OperationInput, type RawRequest, type Credentials, type CallOptions, type Exchange } from '../target/types.js';
export { TEST_CREDENTIALS, type TargetDescription, type TargetFixtures, type TargetCapabilities, type TargetCredentials } from '../core/description.js';

export { startEmulator, loadFixtures, FAULT_MODES, type EmulatorOptions, type RunningEmulator, type EmulatorFixtures } from '../emulator/index.js';
