// What the model-driven generators produce: the whole allowed span with boundaries reached,
// patterns read as ECMA-262, pins honoured, derived rules that the catalogue accepts.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LATEST_MODEL_PATH, SPECS_DIR } from '../core/paths.js';
import { loadRules, parseRules } from '../catalogue/rules.js';
import { validInput, validValue } from '../generators/arbitraries.js';
import { derivedRules } from '../catalogue/derived.js';
import { singleFaults, unbreakableConstraints } from '../generators/invalid.js';
import { loadModel, ModelError } from '../core/model.js';
import { codePointLength, modelRegExp, patternsOf } from '../generators/patterns.js';
import { modelPath, toWire, validator } from '../generators/schemas.js';
import { encodeInput } from '../core/wire.js';

const model = loadModel();
const HISTORY = join(SPECS_DIR, 'history');
const ALL_MODELS = [LATEST_MODEL_PATH, ...readdirSync(HISTORY).map((f) => join(HISTORY, f))].map((f) => loadModel(f));
const sample = <T>(arbitrary: fc.Arbitrary<T>, numRuns = 300) => fc.sample(arbitrary, { numRuns, seed: 5 });
const ok = (shape: string, value: unknown) => validator(model, shape)(toWire(value));

describe('patterns under ECMA-262, as ajv applies them', () => {
  test('every pattern of every model version compiles, and every input and output shape gets a validator', () => {
    for (const m of ALL_MODELS) {
      for (const pattern of patternsOf(m.shapes).keys()) expect(modelRegExp(pattern)).toBeInstanceOf(RegExp);
      for (const op of Object.values(m.operations)) {
        for (const shape of [op.input, ...(op.output ? [op.output] : [])]) expect(validator(m, shape)({}).errors.every((e) => e.keyword === 'required')).toBe(true);
      }
    }
  });
  test('the tag pattern admits exactly U+0020..U+003D, +, ., _, :, /, @, A-Z, a-z (` -=` is a range)', () => {
    const expected = new Set<string>();
    for (let c = 0x20; c <= 0x3d; c++) expected.add(String.fromCharCode(c));
    for (const c of '+._:/@') expected.add(c);
    for (const [from, to] of [['A', 'Z'], ['a', 'z']]) for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) expected.add(String.fromCharCode(c));
    expect(expected.size).toBe(84);
    for (let c = 0; c < 0x80; c++) {
      const ch = String.fromCharCode(c);
      expect(ok('TagKey', ch).ok, JSON.stringify(ch)).toBe(expected.has(ch));
      expect(ok('TagValue', ch).ok, JSON.stringify(ch)).toBe(expected.has(ch));
    }
    expect(ok('TagKey', '\u00e9').ok).toBe(false);
  });
  test('`$` does not match before a trailing newline; unanchored patterns match anywhere', () => {
    expect(ok('ProductCode', 'prod-1').ok).toBe(true);
    expect(ok('ProductCode', 'prod-1\n').errors.map((e) => e.keyword)).toEqual(['pattern']);
    expect(ok('ProductCode', '').ok).toBe(true);
    expect(ok('UsageDimension', '\n').ok).toBe(true);
    expect(ok('NonEmptyString', '').errors.map((e) => e.keyword)).toEqual(['pattern']);
    const old = loadModel(join(HISTORY, 'service-2.2016-11-17.json'));
    expect(validator(old, 'NonEmptyString')(' token ').ok).toBe(true);
    expect(validator(old, 'NonEmptyString')(' \t\n').ok).toBe(false);
    expect(ok('CustomerAWSAccountId', '123456789012').ok).toBe(true);
    expect(ok('CustomerAWSAccountId', '1234 ').ok).toBe(false);
    expect(ok('LicenseArn', 'arn:aws:license-manager::123456789012:license/l-0123456789abcdef').ok).toBe(true);
    expect(ok('LicenseArn', 'license/l-1').ok).toBe(false);
  });
  test('lengths count code points: 255 astral characters fit a max-255 Nonce, 256 do not', () => {
    expect(codePointLength('\u{1F600}'.repeat(255))).toBe(255);
    expect(ok('Nonce', '\u{1F600}'.repeat(255)).ok).toBe(true);
    expect(ok('Nonce', '\u{1F600}'.repeat(256)).errors.map((e) => e.keyword)).toEqual(['maxLength']);
  });
});

describe('valid values span the model', () => {
  test('TagKey: lengths 1 and 100 both reached, all 84 characters used, every sample matches', () => {
    const keys = sample(validValue(model, 'TagKey'), 400) as string[];
    const lengths = keys.map(codePointLength);
    expect(Math.min(...lengths)).toBe(1);
    expect(Math.max(...lengths)).toBe(100);
    expect(new Set(keys.join('')).size).toBe(84);
    expect(keys.filter((k) => !ok('TagKey', k).ok)).toEqual([]);
  });
  test('unpatterned and [\\s\\S] strings include non-ASCII and astral code points', () => {
    const text = (sample(validValue(model, 'Nonce'), 400) as string[]).join('');
    expect([...text].some((c) => c.codePointAt(0)! > 0xffff)).toBe(true);
    expect([...text].some((c) => c.codePointAt(0)! < 0x20)).toBe(true);
  });
  test('integers reach both bounds and their neighbours', () => {
    const values = new Set(sample(validValue(model, 'UsageQuantity')) as number[]);
    for (const v of [0, 1, 2147483646, 2147483647]) expect(values.has(v), String(v)).toBe(true);
    const old = loadModel(join(HISTORY, 'service-2.2016-03-17.json'));
    const oldValues = sample(validValue(old, 'UsageQuantity')) as number[];
    expect(Math.max(...oldValues)).toBe(10000);
  });
  test('UsageAllocations: mostly a few items, the 2500 maximum sometimes', () => {
    const sizes = (sample(validValue(model, 'UsageAllocations'), 400) as unknown[][]).map((l) => l.length).sort((a, b) => a - b);
    expect(sizes[0]).toBe(1);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThanOrEqual(4);
    expect(sizes.at(-1)).toBe(2500);
    expect(sizes.filter((s) => s === 2500).length).toBeLessThan(sizes.length / 10);
  });
  test('required members always, optional members both present and absent, timestamps as Date', () => {
    const inputs = sample(validInput(model, 'MeterUsage'));
    for (const member of ['ProductCode', 'Timestamp', 'UsageDimension']) expect(inputs.every((i) => member in i)).toBe(true);
    for (const member of ['UsageQuantity', 'DryRun', 'UsageAllocations', 'ClientToken']) {
      expect(inputs.some((i) => member in i)).toBe(true);
      expect(inputs.some((i) => !(member in i))).toBe(true);
    }
    expect(inputs.every((i) => i.Timestamp instanceof Date)).toBe(true);
  });
  test('overrides pin, draw from an arbitrary, or drop top-level members; pins reach nested shapes', () => {
    const inputs = sample(validInput(model, 'MeterUsage', { ProductCode: 'prod-1', UsageDimension: fc.constantFrom('a', 'b'), DryRun: undefined }), 100);
    expect(inputs.every((i) => i.ProductCode === 'prod-1' && ['a', 'b'].includes(i.UsageDimension as string) && !('DryRun' in i))).toBe(true);
    const batches = sample(validInput(model, 'BatchMeterUsage', {}, { pin: { UsageRecord: { Dimension: 'dim-1' } } }), 100);
    const records = batches.flatMap((b) => b.UsageRecords as Record<string, unknown>[]);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.Dimension === 'dim-1')).toBe(true);
  });
  test('toWire gives what the raw driver sends', () => {
    for (const input of sample(validInput(model, 'BatchMeterUsage'), 50)) expect(toWire(input)).toEqual(JSON.parse(encodeInput(input)));
  });
  test('output shapes validate generated outputs and reject a bad status at its path', () => {
    for (const output of ['MeterUsageResult', 'BatchMeterUsageResult', 'RegisterUsageResult', 'ResolveCustomerResult']) {
      expect(sample(validValue(model, output), 50).flatMap((o) => ok(output, o).errors)).toEqual([]);
    }
    const bad = { Results: [{ Status: 'Bogus', MeteringRecordId: 'x' }] };
    expect(ok('BatchMeterUsageResult', bad).errors.map((e) => [e.path, e.constraint])).toEqual([['/Results/0/Status', 'enum']]);
  });
  test('schema paths map back to model member paths; validators are cached; unknown shapes are a ModelError', () => {
    expect(modelPath('/UsageAllocations/3/Tags/0/Key')).toBe('UsageAllocations.member.Tags.member.Key');
    expect(validator(model, 'Tag')).toBe(validator(model, 'Tag'));
    expect(() => validator(model, 'NoSuchShape')).toThrow(ModelError);
  });
});

describe('single faults and derived rules', () => {
  const byId = (operation: string) => new Map(singleFaults(model, operation).map((c) => [c.ruleId, c]));
  test('rule ids follow model.<Operation>.<MemberPath>.<constraint>', () => {
    const ids = byId('MeterUsage');
    for (const id of [
      'model.MeterUsage.ProductCode.required',
      'model.MeterUsage.UsageQuantity.max',
      'model.MeterUsage.UsageQuantity.min',
      'model.MeterUsage.UsageAllocations.max',
      'model.MeterUsage.UsageAllocations.member.Tags.member.Key.pattern',
      'model.MeterUsage.UsageAllocations.member.AllocatedUsageQuantity.required',
      'model.MeterUsage.ClientToken.max',
    ]) {
      expect(ids.has(id), id).toBe(true);
    }
    expect(byId('BatchMeterUsage').has('model.BatchMeterUsage.UsageRecords.member.Timestamp.type')).toBe(true);
  });
  test('wrong JSON types are raw-only; a string timestamp is one of them', () => {
    const timestampType = byId('MeterUsage').get('model.MeterUsage.Timestamp.type')!;
    expect(timestampType.rawOnly).toBe(true);
    const values = sample(timestampType.arbitrary, 60).map((r) => r.Timestamp);
    expect(values.some((v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)))).toBe(true);
    expect(values.every((v) => typeof v !== 'number' && !(v instanceof Date))).toBe(true);
    expect(byId('MeterUsage').get('model.MeterUsage.UsageQuantity.max')!.rawOnly).toBeUndefined();
  });
  test('a length fault that must also break the pattern says so; a pattern nothing can break alone has no case', () => {
    const dimensionMin = byId('MeterUsage').get('model.MeterUsage.UsageDimension.min')!;
    expect(dimensionMin.implies).toEqual(['pattern']);
    expect(byId('MeterUsage').get('model.MeterUsage.ClientToken.min')!.implies).toBeUndefined();
    const unbreakable = unbreakableConstraints(model, 'MeterUsage').map((u) => u.ruleId);
    expect(unbreakable).toEqual(['model.MeterUsage.UsageDimension.pattern']);
  });
  test('pins shape the valid rest of a faulty request, never the faulty member', () => {
    const cases = singleFaults(model, 'MeterUsage', { pin: { MeterUsageRequest: { ProductCode: 'prod-1' } } });
    for (const c of cases) {
      for (const request of fc.sample(c.arbitrary, { numRuns: 3, seed: 6 })) {
        if (c.path.startsWith('ProductCode')) expect(request.ProductCode).not.toBe('prod-1');
        else expect(request.ProductCode, c.ruleId).toBe('prod-1');
      }
    }
  });
  test.each(ALL_MODELS.map((m) => [m.version, m]))('model %s: derived rules are valid catalogue entries with unique ids', (_v, m) => {
    const rules = derivedRules(m);
    // Their `model:` quotes are checked against the model they were derived from.
    const reparsed = parseRules(JSON.stringify(rules), `derived ${m.version}`, m.file);
    expect(reparsed).toEqual(rules);
    const handWritten = new Set(loadRules().map((r) => r.id));
    expect(rules.filter((r) => handWritten.has(r.id))).toEqual([]);
    expect(rules.every((r) => r.family === 'validation' && r.level === 'must' && r.sources.some((s) => s.startsWith('model:shapes.')))).toBe(true);
    expect(rules.filter((r) => r.id.endsWith('.type')).every((r) => r.needs.driver === 'raw')).toBe(true);
  });
  test('statements carry the version\'s numbers', () => {
    const statement = (m: typeof model) => derivedRules(m).find((r) => r.id === 'model.MeterUsage.UsageQuantity.max')!.statement;
    expect(statement(model)).toMatch(/^A MeterUsage request in which UsageQuantity is greater than 2147483647 is rejected with a client \(4xx\) error of type ValidationException or SerializationException\. Treatment: /);
    expect(statement(loadModel(join(HISTORY, 'service-2.2016-03-17.json')))).toContain('greater than 10000');
    const tagKey = derivedRules(model).find((r) => r.id === 'model.MeterUsage.UsageAllocations.member.Tags.member.Key.pattern')!;
    expect(tagKey.statement).toContain('UsageAllocations[].Tags[].Key does not match the pattern ^[a-zA-Z0-9+ -=._:\\/@]+$');
    expect(tagKey.sources).toEqual(['model:shapes.TagKey', 'https://smithy.io/2.0/spec/constraint-traits.html']);
  });
  test('versions without a member have no rule for it', () => {
    const ids = new Set(derivedRules(loadModel(join(HISTORY, 'service-2.2016-03-17.json'))).map((r) => r.id));
    expect(ids.has('model.MeterUsage.UsageQuantity.max')).toBe(true);
    expect(ids.has('model.MeterUsage.UsageQuantity.required')).toBe(true);
    expect([...ids].some((id) => id.includes('UsageAllocations') || id.includes('BatchMeterUsage'))).toBe(false);
  });
});
