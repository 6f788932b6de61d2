// What the suites' MeterUsage and 25-record batch arbitraries cover, per N draws with a fixed
// seed and clock: the statistics to compare before and after a change to how they are drawn
// (faster generation must not draw less). `node dist/bench/generation-coverage.js [--draws 10000]
// [--seed 42]` prints two Markdown tables.
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { HOUR_MS, hourStart, SECOND_MS } from '../core/calendar.js';
import { modelLimits, tagCharacters, timestampWindow, earliestAccepted, type Tag, type UsageAllocation } from '../generators/index.js';
import { BATCH_RECORDS, suiteArbitraries } from './generation.js';

/** A fixed clock (mid-month, not on a whole second) so that the statistics repeat exactly. */
export const COVERAGE_NOW_MS = Date.UTC(2026, 5, 15, 12, 34, 56, 789);

export interface CoverageRow {
  measure: string;
  value: string;
}

const percent = (n: number, of: number): string => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);

/** Character classes of the TagKey/TagValue pattern `^[a-zA-Z0-9+ -=._:\/@]+$`, as the issue names them. */
const CHARACTER_CLASSES: [string, (c: string) => boolean][] = [
  ['a-z', (c) => c >= 'a' && c <= 'z'],
  ['A-Z', (c) => c >= 'A' && c <= 'Z'],
  ['0-9', (c) => c >= '0' && c <= '9'],
  ['space', (c) => c === ' '],
  ...[...'_.:/=+-@'].map((s): [string, (c: string) => boolean] => [`\`${s}\``, (c) => c === s]),
  ['other of ` -=` (!"#$%&\'()*,;<)', (c) => '!"#$%&\'()*,;<'.includes(c)],
];

/** Coverage of validMeterUsage (defaults, default fixtures, latest model) over `draws` draws. */
export function meterUsageCoverage(draws: number, seed: number, nowMs = COVERAGE_NOW_MS): CoverageRow[] {
  const { model, fixtures, meterUsage } = suiteArbitraries(nowMs);
  const limits = modelLimits(model);
  const allowed = new Set(tagCharacters(model).allowed);
  const requests = fc.sample(meterUsage, { numRuns: draws, seed });
  const nowSecond = Math.floor(nowMs / SECOND_MS) * SECOND_MS;
  let withAllocations = 0;
  let allocationCount = 0;
  let brokenSums = 0;
  let duplicateKeys = 0;
  let duplicateSets = 0;
  let outside = 0;
  let split = 0;
  let zeros = 0;
  let whole = 0;
  let splitAllocations = 0;
  const perRequest = new Map<number, number>();
  const perAllocation = new Map<number, number>();
  const tags: Tag[] = [];
  const seen = new Set<string>();
  const count = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const r of requests) {
    seen.add(`${r.ProductCode}|${r.UsageDimension}`);
    const allocations: UsageAllocation[] | undefined = r.UsageAllocations;
    if (!allocations) continue;
    withAllocations++;
    allocationCount += allocations.length;
    count(perRequest, allocations.length);
    if (allocations.reduce((s, a) => s + a.AllocatedUsageQuantity, 0) !== r.UsageQuantity) brokenSums++;
    if (allocations.length > 1 && (r.UsageQuantity ?? 0) > 1) {
      split++;
      splitAllocations += allocations.length;
      zeros += allocations.filter((a) => a.AllocatedUsageQuantity === 0).length;
      if (allocations.some((a) => a.AllocatedUsageQuantity === r.UsageQuantity)) whole++;
    }
    const sets = new Set<string>();
    for (const a of allocations) {
      const list = a.Tags ?? [];
      count(perAllocation, list.length);
      if (new Set(list.map((t) => t.Key)).size !== list.length) duplicateKeys++;
      sets.add(JSON.stringify(list.map((t) => [t.Key, t.Value]).sort()));
      for (const t of list) {
        tags.push(t);
        if (![...t.Key, ...t.Value].every((c) => allowed.has(c))) outside++;
      }
    }
    if (sets.size !== allocations.length) duplicateSets++;
  }
  const products = fixtures.products.filter((p) => p.kind !== 'saas' && p.entitled !== false);
  const pairs = products.reduce((n, p) => n + p.dimensions.length, 0);
  const share = (predicate: (r: (typeof requests)[number]) => boolean) => percent(requests.filter(predicate).length, draws);
  const tagShare = (predicate: (t: Tag) => boolean) => percent(tags.filter(predicate).length, tags.length);
  const lengths = (field: 'Key' | 'Value', max: number): CoverageRow[] => [
    { measure: `tag ${field} length 1`, value: tagShare((t) => t[field].length === 1) },
    { measure: `tag ${field} length 2..12`, value: tagShare((t) => t[field].length >= 2 && t[field].length <= 12) },
    { measure: `tag ${field} length 13..${max - 1}`, value: tagShare((t) => t[field].length > 12 && t[field].length < max) },
    { measure: `tag ${field} length ${max} (max)`, value: tagShare((t) => t[field].length === max) },
  ];
  const q = limits.quantity;
  return [
    { measure: 'draws', value: String(draws) },
    { measure: '(product, dimension) pairs drawn', value: `${seen.size} of ${pairs}` },
    { measure: 'with UsageAllocations', value: percent(withAllocations, draws) },
    ...[1, 2, 3, 4].map((n) => ({ measure: `${n} allocation${n > 1 ? 's' : ''} (of requests with)`, value: percent(perRequest.get(n) ?? 0, withAllocations) })),
    ...[0, 1, 2, 3, 4, 5].map((n) => ({ measure: `${n} tags per allocation`, value: percent(perAllocation.get(n) ?? 0, allocationCount) })),
    { measure: 'allocations of 0 (requests with 2+ allocations, quantity 2+)', value: percent(zeros, splitAllocations) },
    { measure: 'one allocation holding the whole quantity (same requests)', value: percent(whole, split) },
    { measure: 'tags drawn', value: String(tags.length) },
    ...lengths('Key', limits.tagKeyLength),
    ...lengths('Value', limits.tagValueLength),
    ...CHARACTER_CLASSES.map(([name, test]) => ({ measure: `tags holding ${name}`, value: tagShare((t) => [...t.Key, ...t.Value].some(test)) })),
    { measure: 'tags holding a JavaScript property name (__proto__, constructor, …)', value: tagShare((t) => PROPERTY_NAMES.some((n) => t.Key.includes(n) || t.Value.includes(n))) },
    { measure: 'distinct tag keys of one character', value: String(new Set(tags.filter((t) => t.Key.length === 1).map((t) => t.Key)).size) },
    { measure: 'UsageQuantity 0', value: share((r) => r.UsageQuantity === 0) },
    { measure: 'UsageQuantity 1', value: share((r) => r.UsageQuantity === 1) },
    { measure: 'UsageQuantity 2..1000', value: share((r) => (r.UsageQuantity ?? 0) >= 2 && (r.UsageQuantity ?? 0) <= 1000) },
    { measure: `UsageQuantity ${q - 1} (max-1)`, value: share((r) => r.UsageQuantity === q - 1) },
    { measure: `UsageQuantity ${q} (max)`, value: share((r) => r.UsageQuantity === q) },
    { measure: 'DryRun explicit (false)', value: share((r) => r.DryRun === false) },
    { measure: 'Timestamp 60 s old (newest end)', value: share((r) => nowSecond - r.Timestamp.getTime() === 60 * SECOND_MS) },
    { measure: 'Timestamp 3300 s old (oldest end)', value: share((r) => nowSecond - r.Timestamp.getTime() === 55 * 60 * SECOND_MS) },
    { measure: 'Timestamp in whole seconds', value: share((r) => r.Timestamp.getTime() % SECOND_MS === 0) },
    { measure: 'broken: allocations not adding up / duplicate tag key / duplicate tag set / character outside the pattern', value: `${brokenSums} / ${duplicateKeys} / ${duplicateSets} / ${outside}` },
  ];
}

/** Coverage of batchRequest with BATCH_RECORDS records (defaults, default fixtures, latest model) over `draws` draws. */
export function batchCoverage(draws: number, seed: number, nowMs = COVERAGE_NOW_MS): CoverageRow[] {
  const { model, batch } = suiteArbitraries(nowMs);
  const limits = modelLimits(model);
  const earliest = earliestAccepted(nowMs, timestampWindow(model, 'BatchMeterUsage'));
  const batches = fc.sample(batch, { numRuns: draws, seed });
  const records = batches.flatMap((b) => b.UsageRecords);
  const keys = new Set<string>();
  let duplicates = 0;
  let brokenSums = 0;
  const distinct = { customers: [] as number[], dimensions: [] as number[], hours: [] as number[] };
  for (const b of batches) {
    const own = new Set(b.UsageRecords.map((r) => `${r.CustomerAWSAccountId ?? r.CustomerIdentifier}|${r.Dimension}|${hourStart(r.Timestamp.getTime())}`));
    duplicates += b.UsageRecords.length - own.size;
    for (const k of own) keys.add(k);
    distinct.customers.push(new Set(b.UsageRecords.map((r) => r.CustomerAWSAccountId ?? r.CustomerIdentifier)).size);
    distinct.dimensions.push(new Set(b.UsageRecords.map((r) => r.Dimension)).size);
    distinct.hours.push(new Set(b.UsageRecords.map((r) => hourStart(r.Timestamp.getTime()))).size);
  }
  for (const r of records) {
    if (r.UsageAllocations && r.UsageAllocations.reduce((s, a) => s + a.AllocatedUsageQuantity, 0) !== r.Quantity) brokenSums++;
  }
  const spread = (values: number[]) => `mean ${(values.reduce((s, v) => s + v, 0) / values.length).toFixed(2)}, ${Math.min(...values)}..${Math.max(...values)}`;
  const share = (predicate: (r: (typeof records)[number]) => boolean) => percent(records.filter(predicate).length, records.length);
  // A record's own range: its hour, cut by the window's start and by the clock.
  const low = (t: number) => Math.max(earliest, hourStart(t));
  const high = (t: number) => Math.min(nowMs, hourStart(t) + HOUR_MS - 1);
  const q = limits.quantity;
  const hourCount = Math.floor(nowMs / HOUR_MS) - Math.floor(earliest / HOUR_MS) + 1;
  return [
    { measure: 'draws (records)', value: `${draws} (${records.length})` },
    { measure: `batches of exactly ${BATCH_RECORDS}`, value: percent(batches.filter((b) => b.UsageRecords.length === BATCH_RECORDS).length, draws) },
    { measure: 'with ProductCode', value: percent(batches.filter((b) => b.ProductCode !== undefined).length, draws) },
    { measure: 'distinct customers per batch', value: spread(distinct.customers) },
    { measure: 'distinct dimensions per batch', value: spread(distinct.dimensions) },
    { measure: `distinct hours per batch (of ${hourCount})`, value: spread(distinct.hours) },
    { measure: '(customer, dimension, hour) keys drawn overall', value: String(keys.size) },
    { measure: 'records with UsageAllocations', value: share((r) => r.UsageAllocations !== undefined) },
    { measure: 'Quantity 0', value: share((r) => r.Quantity === 0) },
    { measure: 'Quantity 1..1000', value: share((r) => (r.Quantity ?? 0) >= 1 && (r.Quantity ?? 0) <= 1000) },
    { measure: `Quantity ${q} (max)`, value: share((r) => r.Quantity === q) },
    { measure: 'Timestamp within 1 s of its range start', value: share((r) => r.Timestamp.getTime() - low(r.Timestamp.getTime()) < SECOND_MS) },
    { measure: 'Timestamp within 1 s of its range end', value: share((r) => high(r.Timestamp.getTime()) - r.Timestamp.getTime() < SECOND_MS) },
    { measure: 'Timestamp within 1 s of the window start', value: share((r) => r.Timestamp.getTime() - earliest < SECOND_MS) },
    { measure: 'Timestamp within 1 s of the clock', value: share((r) => nowMs - r.Timestamp.getTime() < SECOND_MS) },
    { measure: 'Timestamp in whole seconds', value: share((r) => r.Timestamp.getTime() % SECOND_MS === 0) },
    { measure: 'broken: duplicate keys / allocations not adding up / outside the window', value: `${duplicates} / ${brokenSums} / ${records.filter((r) => r.Timestamp.getTime() < earliest || r.Timestamp.getTime() > nowMs).length}` },
  ];
}

/** The JavaScript property names fast-check's strings slip in now and then (a target keeping tags in a plain object trips on them). */
const PROPERTY_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'apply', 'arguments', 'bind', 'call', 'caller', 'length', 'name', 'prototype', 'key', 'ref'];

function table(title: string, rows: CoverageRow[]): string {
  return [`### ${title}`, '', '| measure | value |', '|---|---|', ...rows.map((r) => `| ${r.measure} | ${r.value} |`), ''].join('\n');
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const draws = option(args, '--draws', 10_000);
  const seed = option(args, '--seed', 42);
  process.stdout.write(`${table(`validMeterUsage, ${draws} draws, seed ${seed}`, meterUsageCoverage(draws, seed))}\n`);
  process.stdout.write(`${table(`batchRequest size ${BATCH_RECORDS}, ${draws} draws, seed ${seed}`, batchCoverage(draws, seed))}\n`);
}
