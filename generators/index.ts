// Public API of the generators: the model, valid and single-fault arbitraries, schemas,
// sample checks and domain scenarios.
export * from './model.js';
export { unicodeString, validValue, validInput, validStructure, type Pin, type Pins, type ValueOptions } from './arbitraries.js';
export { singleFaults, derivedRules, modelConstraints, unbreakableConstraints, DOCUMENTED_VALUES, type FaultCase, type ModelConstraint, type UnbreakableConstraint } from './invalid.js';
export { validator, toWire, modelPath, modelSchema, type ConstraintKind, type SchemaError, type ValidationResult, type WireValidator } from './schemas.js';
export { validSampleProblems, faultSampleProblems } from './check.js';
export { codePointLength, matchesPattern, modelRegExp } from './patterns.js';
export * from './domain.js';
export { faultSurroundings, type FaultSurroundings } from './surroundings.js';
export { GENERIC_VALIDATION_ERRORS, MEMBER_TREATMENTS, OPEN_CODES, acceptedText, memberOf, modeledClientErrors, oneOf, treatmentOf, type MemberTreatment, type Treatment } from './treatment.js';
