// Limits of the model version under test that the scenarios respect (or step over by one on
// purpose), and the per-model cache of arbitraries that depend on the model alone.
import { ModelError, type ServiceModel } from '../core/model.js';

// Building some arbitraries costs far more than drawing from them (fast-check tokenizes its
// special strings once per character arbitrary): those that depend only on the model are built
// once per model and shared, which is safe because arbitraries are immutable.
const builtPerModel = new WeakMap<ServiceModel, Map<string, unknown>>();
export function once<T>(model: ServiceModel, key: string, build: () => T): T {
  let built = builtPerModel.get(model);
  if (!built) builtPerModel.set(model, (built = new Map()));
  if (!built.has(key)) built.set(key, build());
  return built.get(key) as T;
}

function bound(model: ServiceModel, shapeName: string, key: 'min' | 'max'): number | undefined {
  const shape = model.shapes[shapeName] as { min?: number; max?: number } | undefined;
  return shape?.[key];
}

/** Throws a ModelError when the model version has no shape `shapeName` (which `what` needs). */
export function requireShape(model: ServiceModel, shapeName: string, what: string): void {
  if (!model.shapes[shapeName]) throw new ModelError(`model ${model.version} has no ${shapeName}: ${what} needs it`);
}

/** Limits of the model version that the scenarios respect (or step over by one on purpose). */
export function modelLimits(model: ServiceModel) {
  return {
    /** UsageRecordList max (25). */
    records: bound(model, 'UsageRecordList', 'max') ?? 25,
    /** UsageAllocations max (500 in 2020-11-04, 2500 later). */
    allocations: bound(model, 'UsageAllocations', 'max'),
    /** TagList max (5). */
    tags: bound(model, 'TagList', 'max'),
    tagKeyLength: bound(model, 'TagKey', 'max') ?? 1,
    tagValueLength: bound(model, 'TagValue', 'max') ?? 1,
    /** UsageQuantity max (10000 in 2016-03-17, 1000000, then 2147483647). */
    quantity: bound(model, 'UsageQuantity', 'max') ?? 0x7fffffff,
    allocatedQuantity: bound(model, 'AllocatedUsageQuantity', 'max') ?? 0x7fffffff,
  };
}
