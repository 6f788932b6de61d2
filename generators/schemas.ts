// JSON Schemas derived from the service model, validated with ajv. They judge the wire form
// (awsJson1.1: timestamps are epoch-second numbers), so generated inputs go through toWire first.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { shapeOf, type Shape, type ServiceModel } from '../core/model.js';

export { toWire } from '../core/wire.js';

/** The model constraint an ajv keyword checks. */
export type ConstraintKind = 'required' | 'min' | 'max' | 'pattern' | 'enum' | 'type';

const KEYWORD_CONSTRAINT: Record<string, ConstraintKind> = {
  required: 'required',
  minLength: 'min',
  minimum: 'min',
  minItems: 'min',
  maxLength: 'max',
  maximum: 'max',
  maxItems: 'max',
  pattern: 'pattern',
  enum: 'enum',
  type: 'type',
};

export interface SchemaError {
  /** JSON pointer of the offending value; for a missing member, the pointer the member would have. */
  path: string;
  /** The ajv keyword (minLength, maximum, required, ...). */
  keyword: string;
  /** The model constraint the keyword stands for, when it stands for one. */
  constraint?: ConstraintKind;
  message: string;
}

export interface ValidationResult {
  ok: boolean;
  errors: SchemaError[];
}

export type WireValidator = (wireValue: unknown) => ValidationResult;

type JsonSchema = Record<string, unknown>;
const SCHEMA_ID = 'urn:metering-conformance:service-model';

function ref(shape: string): JsonSchema {
  return { $ref: `#/definitions/${shape}` };
}

/** The JSON Schema of one shape, referring to other shapes through #/definitions. */
export function shapeDefinition(shape: Shape): JsonSchema {
  switch (shape.type) {
    case 'structure': {
      const properties: Record<string, JsonSchema> = {};
      for (const [name, member] of Object.entries(shape.members)) properties[name] = ref(member.shape);
      return { type: 'object', properties, ...(shape.required.length > 0 ? { required: shape.required } : {}) };
    }
    case 'list':
      return { type: 'array', items: ref(shape.member.shape), ...bound('minItems', shape.min), ...bound('maxItems', shape.max) };
    case 'string':
      return {
        type: 'string',
        ...bound('minLength', shape.min),
        ...bound('maxLength', shape.max),
        ...(shape.pattern !== undefined ? { pattern: shape.pattern } : {}),
        ...(shape.enum ? { enum: shape.enum } : {}),
      };
    case 'integer':
    case 'long':
      return { type: 'integer', ...bound('minimum', shape.min), ...bound('maximum', shape.max) };
    case 'boolean':
      return { type: 'boolean' };
    case 'timestamp':
      // awsJson1.1 sends timestamps as epoch seconds, possibly fractional.
      return { type: 'number' };
  }
}

function bound(keyword: string, value: number | undefined): JsonSchema {
  return value === undefined ? {} : { [keyword]: value };
}

/** One schema document per model: every shape under `definitions`. */
export function modelSchema(model: ServiceModel): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  for (const [name, shape] of Object.entries(model.shapes)) definitions[name] = shapeDefinition(shape);
  return { $id: SCHEMA_ID, definitions };
}

interface ModelValidators {
  ajv: Ajv;
  byShape: Map<string, WireValidator>;
}
const perModel = new WeakMap<ServiceModel, ModelValidators>();

function toSchemaError(error: ErrorObject): SchemaError {
  const missing = error.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : undefined;
  return {
    path: missing === undefined ? error.instancePath : `${error.instancePath}/${missing}`,
    keyword: error.keyword,
    ...(KEYWORD_CONSTRAINT[error.keyword] ? { constraint: KEYWORD_CONSTRAINT[error.keyword] } : {}),
    message: error.message ?? error.keyword,
  };
}

/** A validator of the wire form of `shapeName`, compiled once per (model, shape). */
export function validator(model: ServiceModel, shapeName: string): WireValidator {
  shapeOf(model, shapeName);
  let entry = perModel.get(model);
  if (!entry) {
    // allErrors: a single-fault request must be seen to fail in one place only.
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addSchema(modelSchema(model));
    entry = { ajv, byShape: new Map() };
    perModel.set(model, entry);
  }
  let validate = entry.byShape.get(shapeName);
  if (!validate) {
    const compiled = entry.ajv.getSchema(`${SCHEMA_ID}#/definitions/${shapeName}`) as ValidateFunction;
    validate = (wireValue) => {
      const ok = compiled(wireValue) as boolean;
      return { ok, errors: ok ? [] : (compiled.errors ?? []).map(toSchemaError) };
    };
    entry.byShape.set(shapeName, validate);
  }
  return validate;
}

/** Model member path of a JSON pointer: `/UsageAllocations/3/Tags/0/Key` → `UsageAllocations.member.Tags.member.Key`. */
export function modelPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => (/^\d+$/.test(segment) ? 'member' : segment.replace(/~1/g, '/').replace(/~0/g, '~')))
    .join('.');
}
