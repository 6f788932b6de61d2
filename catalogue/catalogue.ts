// The full catalogue for a model version: the hand-written rules plus one rule per
// constraint of every input member, derived from the model.
import { derivedRules } from './derived.js';
import type { ServiceModel } from '../core/model.js';
import { loadRules, type Rule } from './rules.js';

const cache = new WeakMap<ServiceModel, Rule[]>();

export function catalogueFor(model: ServiceModel): Rule[] {
  let rules = cache.get(model);
  if (!rules) {
    // Every derived rule sends a request that breaks a constraint and expects a rejection.
    rules = [...loadRules(), ...derivedRules(model).map((rule): Rule => ({ ...rule, role: 'negative' }))];
    cache.set(model, rules);
  }
  return rules;
}

export function findRule(model: ServiceModel, id: string): Rule | undefined {
  return catalogueFor(model).find((r) => r.id === id);
}
