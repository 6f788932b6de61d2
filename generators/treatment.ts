// Which errors a request that breaks one model constraint may get: the project's treatment
// of the derived validation rules (catalogue family `validation`). The sources name no
// validation error for this service, so the generic ones of the
// protocol are accepted; of the operation's modeled errors only those about the member the
// request breaks, because the suite makes every other member valid from the target's
// fixtures (generators/surroundings.ts). An error about another member is a wrong answer.
import type { ServiceModel } from '../core/model.js';
import type { ConstraintKind } from './schemas.js';

/** The errors any awsJson1.1 service uses for a request its model rejects. */
export const GENERIC_VALIDATION_ERRORS = ['ValidationException', 'SerializationException'] as const;

export interface MemberTreatment {
  /** Modeled exceptions that concern the member (kept when the operation models them). */
  errors: string[];
  /** Why, in one line. */
  reason: string;
}

/**
 * Member (by name; a list item counts as its list) → the modeled exceptions that concern it.
 * The reasons quote the model's documentation of the exception (M shapes.<name>).
 */
export const MEMBER_TREATMENTS: Readonly<Record<string, MemberTreatment>> = {
  ProductCode: { errors: ['InvalidProductCodeException'], reason: 'InvalidProductCodeException is about the product code ("does not match the product code used for publishing")' },
  UsageDimension: { errors: ['InvalidUsageDimensionException'], reason: 'InvalidUsageDimensionException is about the dimension ("does not match one of the UsageDimensions")' },
  Dimension: { errors: ['InvalidUsageDimensionException'], reason: 'InvalidUsageDimensionException is about the dimension ("does not match one of the UsageDimensions")' },
  Timestamp: { errors: ['TimestampOutOfBoundsException'], reason: 'a missing or unreadable timestamp has no value inside the allowed range (TimestampOutOfBoundsException)' },
  UsageQuantity: { errors: [], reason: 'no modeled error is about the quantity alone (InvalidUsageAllocationsException is about allocations, and the request has none)' },
  Quantity: { errors: [], reason: 'no modeled error is about the quantity alone (InvalidUsageAllocationsException is about allocations, and the record has none)' },
  DryRun: { errors: [], reason: 'no modeled error is about DryRun (DryRunOperation is not a modeled shape)' },
  ClientToken: { errors: [], reason: "no modeled error is about the token's form (IdempotencyConflictException is about reusing a token)" },
  UsageAllocations: {
    errors: ['InvalidUsageAllocationsException'],
    reason: 'InvalidUsageAllocationsException is about the allocations (model versions 2022-02-03 to 2025-03-25 also documented it for too many of them)',
  },
  AllocatedUsageQuantity: { errors: ['InvalidUsageAllocationsException'], reason: 'an allocated quantity that is missing or out of range cannot add up to the usage quantity (InvalidUsageAllocationsException)' },
  Tags: { errors: ['InvalidTagException'], reason: 'InvalidTagException is about tags ("The tag is invalid, or the number of tags is greater than 5")' },
  Key: { errors: ['InvalidTagException'], reason: 'InvalidTagException is about tags ("The tag is invalid")' },
  Value: { errors: ['InvalidTagException'], reason: 'InvalidTagException is about tags ("The tag is invalid")' },
  UsageRecords: { errors: [], reason: 'no modeled error is about the form of the record list' },
  CustomerIdentifier: { errors: ['InvalidCustomerIdentifierException'], reason: 'InvalidCustomerIdentifierException is about the customer identifier ("a CustomerIdentifier that does not exist")' },
  CustomerAWSAccountId: { errors: ['InvalidCustomerIdentifierException'], reason: "InvalidCustomerIdentifierException is the only modeled error about the customer's identity" },
  LicenseArn: { errors: ['InvalidLicenseException'], reason: 'InvalidLicenseException is about the license ("Ensure the LicenseArn is valid")' },
  PublicKeyVersion: { errors: ['InvalidPublicKeyVersionException'], reason: 'InvalidPublicKeyVersionException is about the key version ("Public Key version is invalid")' },
  Nonce: { errors: [], reason: 'no modeled error is about the nonce' },
  RegistrationToken: { errors: ['InvalidTokenException'], reason: 'InvalidTokenException is about the token ("Registration token is invalid")' },
};

/** Constraints (`<member path>.<constraint>`) whose error code the sources leave open: any 4xx. */
export const OPEN_CODES: Readonly<Record<string, { reason: string }>> = {
  'UsageRecords.max': { reason: 'the sources name no error for more than the maximum number of records, so any client error will do' },
};

export interface Treatment {
  /** The member the rule is about (a list item: its list). */
  member: string;
  /** Any 4xx passes: the sources leave the code open. */
  anyClientError: boolean;
  /** The accepted error types (generic ones first), when `anyClientError` is false. */
  accepted: string[];
  /** The modeled exceptions among them. */
  modeled: string[];
  /** The treatment in words. */
  reason: string;
}

/** The member a constraint path is about: its last name, a list item standing for its list. */
export function memberOf(path: string): string {
  const segments = path.split('.');
  const last = segments.length - 1;
  return segments[last] === 'member' && last > 0 ? segments[last - 1] : segments[last];
}

/** The operation's modeled client errors (InternalServiceErrorException is a fault). */
export function modeledClientErrors(model: ServiceModel, operation: string): string[] {
  return model.operations[operation].errors.filter((e) => !model.shapes[e] || !('fault' in model.shapes[e] && (model.shapes[e] as { fault?: boolean }).fault));
}

/**
 * The narrow expectation of a request that breaks `constraint` at `path` (everything else
 * valid): the generic validation errors plus the operation's modeled exceptions about the
 * member, or any 4xx where the sources leave the code open.
 */
export function treatmentOf(model: ServiceModel, operation: string, path: string, constraint: ConstraintKind): Treatment {
  const member = memberOf(path);
  const open = OPEN_CODES[`${path}.${constraint}`];
  if (open) return { member, anyClientError: true, accepted: [], modeled: [], reason: open.reason };
  const modeledHere = new Set(modeledClientErrors(model, operation));
  const known = MEMBER_TREATMENTS[member];
  if (!known) {
    // A member of a model version the table does not know yet: as wide as the operation allows.
    const modeled = [...modeledHere];
    return { member, anyClientError: false, accepted: [...GENERIC_VALIDATION_ERRORS, ...modeled], modeled, reason: `the project has no treatment for ${member} yet, so any modeled client error of ${operation} is accepted` };
  }
  const modeled = known.errors.filter((e) => modeledHere.has(e));
  const missing = known.errors.filter((e) => !modeledHere.has(e));
  const reason = missing.length > 0 && modeled.length === 0 ? `${known.reason}, which ${operation} does not model in this version` : known.reason;
  return { member, anyClientError: false, accepted: [...GENERIC_VALIDATION_ERRORS, ...modeled], modeled, reason };
}

/** "A, B or C". */
export function oneOf(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The accepted answer in words, for statements and failures: "HTTP 4xx ValidationException, SerializationException or X". */
export function acceptedText(treatment: Pick<Treatment, 'anyClientError' | 'accepted'>): string {
  return treatment.anyClientError ? 'any client (4xx) error' : `a client (4xx) error of type ${oneOf(treatment.accepted)}`;
}
