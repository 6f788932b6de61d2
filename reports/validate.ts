// Checks a report against reports/report.schema.json. The validator is compiled once.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import schema from './report.schema.json' with { type: 'json' };
import type { Report } from './types.js';

// strictRequired is off because the verdict-dependent `required` lists (if/then) name
// properties declared one level up, which ajv's strict mode cannot see.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const check = ajv.compile<Report>(schema);

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'report' : `report${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where} has an unexpected property "${String(params.additionalProperty)}"`;
    case 'required':
      return `${where} is missing the required property "${String(params.missingProperty)}"`;
    case 'enum':
      return `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'if':
      // The detail is in the error for the "then" branch, reported separately.
      return '';
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** Readable schema violations of `value` as report.json; empty when it is valid. */
export function validateReport(value: unknown): string[] {
  if (check(value)) return [];
  return [...new Set((check.errors ?? []).map(describe).filter((m) => m !== ''))];
}
