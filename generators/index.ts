// Public API of the generators: the model, valid and single-fault arbitraries, schemas,
// sample checks and the domain scenarios (one file per concern: time windows, tags,
// allocations, MeterUsage and BatchMeterUsage requests, identities, padding, retries).
export * from '../core/model.js';
export { unicodeString, validValue, validInput, validStructure, type Pin, type Pins, type ValueOptions } from './arbitraries.js';
export { singleFaults, breakableConstraints, modelConstraints, unbreakableConstraints, DOCUMENTED_VALUES, type FaultCase, type ModelConstraint, type UnbreakableConstraint } from './invalid.js';
export { validator, toWire, modelPath, modelSchema, type ConstraintKind, type SchemaError, type ValidationResult, type WireValidator } from './schemas.js';
export { validSampleProblems, faultSampleProblems } from './check.js';
export { codePointLength, matchesPattern, modelRegExp } from './patterns.js';
export { HOUR_MS, MINUTE_MS, SECOND_MS } from '../core/calendar.js';
export type { BatchMeterUsageInput, MeterUsageInput, Tag, UsageAllocation, UsageRecord } from './inputs.js';
export { modelLimits } from './limits.js';
export { instantBetween, type InstantOptions } from './instants.js';
export {
  boundaryTimestamps,
  DEFAULT_MARGIN_MS,
  earliestAccepted,
  farFutureTimestamp,
  FUTURE_OFFSETS_MS,
  futureTimestamp,
  insideWindow,
  monthCloseCases,
  sameMinuteVariants,
  staleTimestamp,
  timestampWindow,
  type BoundaryTimestamp,
  type MarginOptions,
  type MonthCloseCase,
  type TimestampWindow,
} from './time-windows.js';
export { tagCharacters, tagList, tagSetKey, type TagCharacters, type TagListOptions } from './tags.js';
export {
  allocationsNotSummingTo,
  allocationsSummingTo,
  allocationWithTagCount,
  canonicalAllocations,
  duplicateTagSetAllocations,
  edgeCharacterAllocations,
  type AllocationOptions,
  type DuplicateTagSetOptions,
} from './allocations.js';
export {
  acceptedMeterUsageTimestamp,
  exampleMeterUsage,
  meterableProducts,
  meterUsageHasMember,
  meterUsageWithDuplicateTagKey,
  meterUsageWithTagCount,
  plainMeterUsage,
  recentTimestamp,
  staleMeterUsageTimestamp,
  validMeterUsage,
  type MeterUsageOptions,
  type PlainMeterUsageOptions,
  type TagCountOptions,
} from './meter-usage.js';
export { acceptedRange, anotherSecondOfHour, inAcceptedRange, meterUsageRequest, otherHourPair, sameHourPair, type AcceptedRequestOptions } from './accepted-range.js';
export { clientToken, clientTokenReuse, customerIdentity, hasClientToken, type IdentityMode, type TokenReuse } from './identities.js';
export { batchRequest, batchRequests, batchSizes, type BatchOptions, type BatchRequestsOptions } from './batches.js';
export { BATCH_BYTES, batchNearSizeLimit, serializedBytes } from './padding.js';
export { batchSubset, identicalRetry, recordWithOtherQuantity, sameKeyOtherQuantity } from './retries.js';
export { faultSurroundings, type FaultSurroundings } from './surroundings.js';
export { GENERIC_VALIDATION_ERRORS, MEMBER_TREATMENTS, OPEN_CODES, acceptedText, memberOf, modeledClientErrors, oneOf, treatmentOf, type MemberTreatment, type Treatment } from './treatment.js';
export {
  BATCH_MARGIN_MS,
  batches,
  batchWindowAt,
  customerOf,
  fixedSample,
  insertAt,
  modesOf,
  oneRecordBatches,
  otherInstantOfHour,
  productOf,
  withNextQuantity,
  type BatchChoice,
  type BatchSetting,
  type Generated,
  type Mode,
} from './batch-modes.js';
export {
  bothIdsBatches,
  emptyBatches,
  emptyCustomerIdentifierBatches,
  emptyProductCodeCases,
  invalidLicenseBatches,
  legacyWithoutProductCode,
  mixedBatches,
  mixedLicenseBatches,
  noIdBatches,
  productCodeOptional,
  productThenLicenseBatches,
  unknownCustomerBatches,
  unknownProductBatches,
  type EmptyProductCodeCase,
} from './batch-customers.js';
export {
  faultyRecordBatches,
  identicalRetryBatches,
  laterRecords,
  otherQuantityRecords,
  otherQuantitySameHourRecords,
  rejectionCases,
  sameHourOtherTimeRecords,
  sizedBatches,
  splitBatches,
  subsetRetryBatches,
  twinBatches,
  type RecordFault,
  type RejectionCase,
  type TwinKind,
} from './batch-records.js';
export { futureRecordBatches, monthCloseBatches, monthCloseClocks, oldestHourBatches, staleRecordBatches, type MonthCloseOptions } from './batch-windows.js';
