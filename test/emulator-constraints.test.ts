// emulator/constraints.ts in process, with exact answers: each constraint kind (required,
// length in Unicode scalar values, range, ECMA-262 pattern, enum, list size) on both sides of
// its bounds, member paths of nested members, tag violations as InvalidTagException, the cap
// of LISTED_VIOLATIONS named violations ("and N more"), and the fault modes that skip a list
// maximum (uncheckedListMaxima), reject the integer maximum or misreport a long dimension.
import { describe, expect, test } from 'vitest';
import { checkConstraints, LISTED_VIOLATIONS, uncheckedListMaxima } from '../emulator/constraints.js';
import { ServiceError } from '../emulator/errors.js';
import { parseFaults } from '../emulator/faults.js';
import { loadModel, type ServiceModel, type Shape } from '../core/model.js';

const latest = loadModel();
// The bundled model plus probe shapes for what it lacks: an unanchored pattern, a long, a
// pattern only valid without the u flag, a string with a minimum length only, and a
// UsageDimension member outside MeterUsage.
const probe: Record<string, Shape> = {
  Word: { name: 'Word', type: 'string', pattern: 'abc' },
  OneChar: { name: 'OneChar', type: 'string', pattern: '^.$' },
  Legacy: { name: 'Legacy', type: 'string', pattern: '^\\a$' },
  Big: { name: 'Big', type: 'long', min: 0, max: 10 },
  Short: { name: 'Short', type: 'string', min: 2 },
  ProbeRequest: {
    name: 'ProbeRequest',
    type: 'structure',
    required: [],
    members: { Word: { shape: 'Word' }, OneChar: { shape: 'OneChar' }, Legacy: { shape: 'Legacy' }, Big: { shape: 'Big' }, Flag: { shape: 'Boolean' }, Short: { shape: 'Short' }, UsageDimension: { shape: 'UsageDimension' } },
  },
};
const model: ServiceModel = { ...latest, shapes: { ...latest.shapes, ...probe } };

type Answer = { type: string; message: string } | 'accepted';

function answer(inputShape: string, input: unknown, faults: string[] = []): Answer {
  try {
    checkConstraints(model, inputShape, input as Record<string, unknown>, parseFaults(faults));
    return 'accepted';
  } catch (error) {
    if (error instanceof ServiceError) return { type: error.type, message: error.message };
    throw error;
  }
}

const at = (path: string, constraint: string) => `Value at '${path}' failed to satisfy constraint: ${constraint}`;
const errors = (n: number, ...named: string[]) => `${n} validation error${n === 1 ? '' : 's'} detected: ${named.join('; ')}`;
const invalid = (path: string, constraint: string): Answer => ({ type: 'ValidationException', message: errors(1, at(path, constraint)) });
const badTag = (path: string, constraint: string): Answer => ({ type: 'InvalidTagException', message: `Invalid tags: ${errors(1, at(path, constraint))}` });

const NULL = 'Member must not be null';
const minLength = (n: number) => `Member must have length greater than or equal to ${n}`;
const maxLength = (n: number) => `Member must have length less than or equal to ${n}`;
const minValue = (n: number) => `Member must have value greater than or equal to ${n}`;
const maxValue = (n: number) => `Member must have value less than or equal to ${n}`;
const pattern = (p: string) => `Member must satisfy regular expression pattern: ${p}`;
const TAG_PATTERN = pattern('^[a-zA-Z0-9+ -=._:\\/@]+$');

const meter = (extra: Record<string, unknown> = {}) => ({ ProductCode: 'prod-1', Timestamp: new Date(0), UsageDimension: 'dim', UsageQuantity: 1, ...extra });
const withTags = (tags: unknown[]) => meter({ UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: tags }] });
const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));
const record = (extra: Record<string, unknown> = {}) => ({ Timestamp: new Date(0), Dimension: 'dim', CustomerIdentifier: 'c', Quantity: 1, ...extra });
const batch = (n: number) => ({ ProductCode: 'prod-1', UsageRecords: Array.from({ length: n }, () => record()) });

test('a valid request passes, and exactly three violations are named without a count', () => {
  expect(LISTED_VIOLATIONS).toBe(3);
  expect(answer('MeterUsageRequest', meter({ UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: tags(5) }], ClientToken: 't', DryRun: true }))).toBe('accepted');
  expect(answer('MeterUsageRequest', {})).toEqual({
    type: 'ValidationException',
    message:
      "3 validation errors detected: Value at '/ProductCode' failed to satisfy constraint: Member must not be null; " +
      "Value at '/Timestamp' failed to satisfy constraint: Member must not be null; Value at '/UsageDimension' failed to satisfy constraint: Member must not be null",
  });
});

describe('length counts Unicode scalar values, both sides of each bound', () => {
  test.each([
    ['', invalid('/ClientToken', minLength(1))],
    ['a', 'accepted'],
    ['😀', 'accepted'],
    ['a'.repeat(64), 'accepted'],
    ['😀'.repeat(64), 'accepted'],
    ['a'.repeat(65), invalid('/ClientToken', maxLength(64))],
    ['😀'.repeat(65), invalid('/ClientToken', maxLength(64))],
  ] as const)('ClientToken of %#', (token, expected) => {
    expect(answer('MeterUsageRequest', meter({ ClientToken: token }))).toEqual(expected);
  });

  test.each([
    ['ProbeRequest', 'Short', 'a', invalid('/Short', minLength(2))],
    ['ProbeRequest', 'Short', '😀😀', 'accepted'],
    ['ProbeRequest', 'Short', 'x'.repeat(10_000), 'accepted'],
    ['RegisterUsageRequest', 'Nonce', '', 'accepted'],
    ['RegisterUsageRequest', 'Nonce', '😀'.repeat(255), 'accepted'],
    ['RegisterUsageRequest', 'Nonce', 'n'.repeat(256), invalid('/Nonce', maxLength(255))],
  ] as const)('one-sided bounds: %s %s of %#', (shape, member, value, expected) => {
    expect(answer(shape, { ProductCode: 'p', PublicKeyVersion: 1, [member]: value })).toEqual(expected);
  });

  test('an empty UsageDimension breaks its minimum and its pattern, in that order', () => {
    expect(answer('MeterUsageRequest', meter({ UsageDimension: '' }))).toEqual({
      type: 'ValidationException',
      message: errors(2, at('/UsageDimension', minLength(1)), at('/UsageDimension', pattern('[\\s\\S]+'))),
    });
  });
});

describe('range, both sides of each bound', () => {
  test.each([
    ['MeterUsageRequest', 'UsageQuantity', -1, [], invalid('/UsageQuantity', minValue(0))],
    ['MeterUsageRequest', 'UsageQuantity', 0, [], 'accepted'],
    ['MeterUsageRequest', 'UsageQuantity', 2147483647, [], 'accepted'],
    ['MeterUsageRequest', 'UsageQuantity', 2147483648, [], invalid('/UsageQuantity', maxValue(2147483647))],
    ['MeterUsageRequest', 'UsageQuantity', 2147483647, ['reject-max-quantity'], invalid('/UsageQuantity', maxValue(2147483647))],
    ['MeterUsageRequest', 'UsageQuantity', 2147483646, ['reject-max-quantity'], 'accepted'],
    ['RegisterUsageRequest', 'PublicKeyVersion', 0, [], invalid('/PublicKeyVersion', minValue(1))],
    ['RegisterUsageRequest', 'PublicKeyVersion', 1, [], 'accepted'],
    ['RegisterUsageRequest', 'PublicKeyVersion', Number.MAX_SAFE_INTEGER, ['reject-max-quantity'], 'accepted'],
    ['ProbeRequest', 'Big', -1, [], invalid('/Big', minValue(0))],
    ['ProbeRequest', 'Big', 10, [], 'accepted'],
    ['ProbeRequest', 'Big', 11, [], invalid('/Big', maxValue(10))],
    ['ProbeRequest', 'Big', 10, ['reject-max-quantity'], invalid('/Big', maxValue(10))],
  ] as const)('%s %s = %d with faults %j', (shape, member, value, faults, expected) => {
    const base = shape === 'MeterUsageRequest' ? meter() : shape === 'RegisterUsageRequest' ? { ProductCode: 'p' } : {};
    expect(answer(shape, { ...base, [member]: value }, [...faults])).toEqual(expected);
  });
});

describe('patterns are ECMA-262 with the u flag, and not implicitly anchored', () => {
  test.each([
    ['Word', 'xxabcxx', 'accepted'],
    ['Word', 'abd', invalid('/Word', pattern('abc'))],
    ['OneChar', '😀', 'accepted'],
    ['OneChar', 'ab', invalid('/OneChar', pattern('^.$'))],
    ['Legacy', 'a', 'accepted'],
    ['Legacy', 'b', invalid('/Legacy', pattern('^\\a$'))],
  ] as const)('%s = %j', (member, value, expected) => {
    expect(answer('ProbeRequest', { [member]: value, Flag: true })).toEqual(expected);
  });

  test.each([
    ['123', 'accepted'],
    ['12a', invalid('/UsageRecords/0/CustomerAWSAccountId', pattern('^[0-9]+$'))],
    ['a12', invalid('/UsageRecords/0/CustomerAWSAccountId', pattern('^[0-9]+$'))],
  ] as const)('anchored CustomerAWSAccountId = %j', (id, expected) => {
    expect(answer('BatchMeterUsageRequest', { UsageRecords: [record({ CustomerIdentifier: undefined, CustomerAWSAccountId: id })] })).toEqual(expected);
  });
});

test('enum values, nested in an element of a list', () => {
  expect(answer('BatchMeterUsageResult', { Results: [{ Status: 'DuplicateRecord' }, { Status: 'Success' }] })).toBe('accepted');
  expect(answer('BatchMeterUsageResult', { Results: [{ Status: 'Success' }, { Status: 'success' }] })).toEqual(
    invalid('/Results/1/Status', 'Member must satisfy enum value set: [Success, CustomerNotSubscribed, DuplicateRecord]'),
  );
});

describe('list sizes, both sides of each bound', () => {
  test.each([
    [0, badTag('/UsageAllocations/0/Tags', minLength(1))],
    [1, 'accepted'],
    [5, 'accepted'],
    [6, badTag('/UsageAllocations/0/Tags', maxLength(5))],
  ] as const)('%d tags', (n, expected) => {
    expect(answer('MeterUsageRequest', withTags(tags(n)))).toEqual(expected);
  });

  test.each([
    [0, 'accepted'],
    [25, 'accepted'],
    [26, invalid('/UsageRecords', maxLength(25))],
  ] as const)('%d usage records', (n, expected) => {
    expect(answer('BatchMeterUsageRequest', batch(n))).toEqual(expected);
  });

  test('an empty UsageAllocations is a ValidationException, and a root violation is at /', () => {
    expect(answer('MeterUsageRequest', meter({ UsageAllocations: [] }))).toEqual(invalid('/UsageAllocations', minLength(1)));
    expect(answer('TagList', [])).toEqual(badTag('/', minLength(1)));
  });

  test('an oversize list reports its size only: its elements are not walked', () => {
    expect(answer('MeterUsageRequest', withTags(Array(6).fill({ Key: '' })))).toEqual(badTag('/UsageAllocations/0/Tags', maxLength(5)));
    expect(answer('BatchMeterUsageRequest', { UsageRecords: Array(26).fill({}) })).toEqual(invalid('/UsageRecords', maxLength(25)));
  });
});

describe('tag problems are InvalidTagException, with nested member paths', () => {
  test.each([
    [{ Value: 'v' }, badTag('/UsageAllocations/0/Tags/1/Key', NULL)],
    [{ Key: 'k' }, badTag('/UsageAllocations/0/Tags/1/Value', NULL)],
    [{ Key: 'k'.repeat(100), Value: 'v'.repeat(256) }, 'accepted'],
    [{ Key: 'k'.repeat(101), Value: 'v' }, badTag('/UsageAllocations/0/Tags/1/Key', maxLength(100))],
    [{ Key: 'k', Value: 'v'.repeat(257) }, badTag('/UsageAllocations/0/Tags/1/Value', maxLength(256))],
    [{ Key: 'k', Value: 'v~' }, badTag('/UsageAllocations/0/Tags/1/Value', TAG_PATTERN)],
    [{ Key: '~k', Value: 'v' }, badTag('/UsageAllocations/0/Tags/1/Key', TAG_PATTERN)],
  ] as const)('second tag %j', (tag, expected) => {
    expect(answer('MeterUsageRequest', withTags([{ Key: 'a', Value: 'b' }, tag]))).toEqual(expected);
  });

  test('a violation outside the tags beside tag violations is a ValidationException naming only it', () => {
    const input = meter({ UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: '', Value: '' }] }, { AllocatedUsageQuantity: -1, Tags: tags(1) }, { Tags: tags(1) }] });
    expect(answer('MeterUsageRequest', input)).toEqual({
      type: 'ValidationException',
      message: errors(2, at('/UsageAllocations/1/AllocatedUsageQuantity', minValue(0)), at('/UsageAllocations/2/AllocatedUsageQuantity', NULL)),
    });
  });
});

describe('the first LISTED_VIOLATIONS violations are named, the rest counted', () => {
  test('four general violations', () => {
    expect(answer('MeterUsageRequest', { ClientToken: '' })).toEqual({
      type: 'ValidationException',
      message: errors(4, at('/ProductCode', NULL), at('/Timestamp', NULL), at('/UsageDimension', NULL), 'and 1 more'),
    });
  });

  test('six general violations', () => {
    expect(answer('MeterUsageRequest', { UsageDimension: '', UsageQuantity: -1, ClientToken: '' })).toEqual({
      type: 'ValidationException',
      message: errors(6, at('/ProductCode', NULL), at('/Timestamp', NULL), at('/UsageDimension', minLength(1)), 'and 3 more'),
    });
  });

  test('six tag violations', () => {
    expect(answer('MeterUsageRequest', withTags([{ Key: '', Value: '' }, {}]))).toEqual({
      type: 'InvalidTagException',
      message: `Invalid tags: ${errors(6, at('/UsageAllocations/0/Tags/0/Key', minLength(1)), at('/UsageAllocations/0/Tags/0/Key', TAG_PATTERN), at('/UsageAllocations/0/Tags/0/Value', minLength(1)), 'and 3 more')}`,
    });
  });
});

describe('fault modes', () => {
  test.each([
    [[], []],
    [['accept-six-tags'], ['TagList']],
    [['batch-accept-oversize'], ['UsageRecordList']],
    [['batch-accept-oversize', 'accept-six-tags', 'reject-max-quantity'], ['UsageRecordList', 'TagList']],
    [['reject-max-quantity', 'new-id-on-retry'], []],
  ] as const)('uncheckedListMaxima(%j)', (faults, lists) => {
    expect(uncheckedListMaxima(parseFaults([...faults]))).toEqual(new Set(lists));
  });

  test('accept-six-tags skips the tag maximum only, and still walks the tags', () => {
    const six = ['accept-six-tags'];
    expect(answer('MeterUsageRequest', withTags(tags(6)), six)).toBe('accepted');
    expect(answer('MeterUsageRequest', withTags(tags(600)), six)).toBe('accepted');
    expect(answer('MeterUsageRequest', withTags([...tags(5), { Key: 'k' }]), six)).toEqual(badTag('/UsageAllocations/0/Tags/5/Value', NULL));
    expect(answer('BatchMeterUsageRequest', batch(26), six)).toEqual(invalid('/UsageRecords', maxLength(25)));
  });

  test('batch-accept-oversize skips the record maximum only, and still walks the records', () => {
    const oversize = ['batch-accept-oversize'];
    expect(answer('BatchMeterUsageRequest', batch(26), oversize)).toBe('accepted');
    expect(answer('BatchMeterUsageRequest', { UsageRecords: [...batch(26).UsageRecords, record({ Dimension: '' })] }, oversize)).toEqual({
      type: 'ValidationException',
      message: errors(2, at('/UsageRecords/26/Dimension', minLength(1)), at('/UsageRecords/26/Dimension', pattern('[\\s\\S]+'))),
    });
    expect(answer('MeterUsageRequest', withTags(tags(6)), oversize)).toEqual(badTag('/UsageAllocations/0/Tags', maxLength(5)));
  });

  const wrong = ['wrong-error-long-dimension'];
  test('wrong-error-long-dimension answers a long MeterUsage dimension as an unknown product', () => {
    const long = meter({ UsageDimension: 'd'.repeat(256), ClientToken: '' });
    expect(answer('MeterUsageRequest', long, wrong)).toEqual({ type: 'InvalidProductCodeException', message: "Product code 'prod-1' has no usage dimension of that name." });
    expect(answer('MeterUsageRequest', long)).toEqual({ type: 'ValidationException', message: errors(2, at('/UsageDimension', maxLength(255)), at('/ClientToken', minLength(1))) });
    expect(answer('MeterUsageRequest', meter({ UsageDimension: 'd'.repeat(255) }), wrong)).toBe('accepted');
  });

  test.each([
    ['MeterUsageRequest', meter({ UsageDimension: '', UsageQuantity: -1 }), errors(3, at('/UsageDimension', minLength(1)), at('/UsageDimension', pattern('[\\s\\S]+')), at('/UsageQuantity', minValue(0)))],
    ['MeterUsageRequest', meter({ ProductCode: 'p'.repeat(256) }), errors(1, at('/ProductCode', maxLength(255)))],
    ['BatchMeterUsageRequest', { UsageRecords: [record({ Dimension: 'd'.repeat(256) })] }, errors(1, at('/UsageRecords/0/Dimension', maxLength(255)))],
    ['ProbeRequest', { UsageDimension: 'd'.repeat(256) }, errors(1, at('/UsageDimension', maxLength(255)))],
  ] as const)('wrong-error-long-dimension leaves %s %# a ValidationException', (shape, input, message) => {
    expect(answer(shape, input, wrong)).toEqual({ type: 'ValidationException', message });
  });
});
