// The table of wire cases (generators/wire-cases.ts): every row serves a protocol rule of the
// catalogue, says why, and is recorded only by an implementation-defined rule of that family;
// rows and generated cases share one shape, which the suite's runner judges.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadRules } from '../catalogue/rules.js';
import { loadModel } from '../core/model.js';
import { garbage, modelOperations, nonObjectBodies, wrongTypeBodies } from '../generators/protocol-requests.js';
import { WIRE_CASES } from '../generators/wire-cases.js';

const rules = new Map(loadRules().map((r) => [r.id, r]));
const model = loadModel();

describe('wire cases', () => {
  test('every row serves a must or should rule of the protocol family, for an operation of the model', () => {
    const operations = new Set(modelOperations(model));
    for (const row of WIRE_CASES) {
      const rule = rules.get(row.id);
      expect(rule, row.id).toBeDefined();
      expect(rule!.family, row.id).toBe('protocol');
      expect(rule!.level, row.id).not.toBe('implementation-defined');
      for (const op of [row.request.operation, row.expected.sameAnswerAs?.operation]) if (op !== undefined) expect(operations.has(op), `${row.id}: ${op}`).toBe(true);
    }
  });

  test('every row says why in one sentence, and no two rows of a rule are the same request', () => {
    for (const row of WIRE_CASES) expect(row.why, row.id).toMatch(/^[A-Z].*\.$/);
    const keys = WIRE_CASES.map((row) => JSON.stringify([row.id, row.request]));
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('rows are observed only by implementation-defined rules of the protocol family', () => {
    for (const row of WIRE_CASES.filter((r) => r.observedBy !== undefined)) {
      const rule = rules.get(row.observedBy!);
      expect(rule?.level, row.observedBy).toBe('implementation-defined');
      expect(rule?.family, row.observedBy).toBe('protocol');
    }
  });

  test('malformed-JSON cases, rows and generated, have bodies that are not a JSON object', () => {
    const notAnObject = (body: string) => {
      try {
        const value: unknown = JSON.parse(body);
        return value === null || typeof value !== 'object' || Array.isArray(value);
      } catch {
        return true;
      }
    };
    for (const row of WIRE_CASES.filter((r) => r.id === 'protocol.malformed-json')) expect(notAnObject(row.request.body as string), row.situation).toBe(true);
    fc.assert(fc.property(nonObjectBodies(model), (c) => notAnObject(c.request.body as string)));
  });

  test('generated cases expect what their rules demand', () => {
    fc.assert(fc.property(nonObjectBodies(model), (c) => c.expected.status === '4xx' && c.situation.startsWith('a body with ')), { numRuns: 50 });
    fc.assert(fc.property(fc.oneof(wrongTypeBodies(model), garbage(model)), (c) => c.expected.status === 'below-500'), { numRuns: 50 });
  });
});
