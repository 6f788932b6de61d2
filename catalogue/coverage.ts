// What the catalogue covers and what a target must declare for it: the modeled
// (operation, error) pairs and the rules that judge each (`rules --coverage`), and per rule
// the target.yaml keys it needs (`rules --needs`). Pure functions of the model, the rules and
// a target's declarations, so the CLI only prints.
import type { ServiceModel } from '../core/model.js';
import type { TargetCapabilities, TargetFixtures } from '../core/description.js';
import { CAPABILITY_NEED_SPECS, FIXTURE_NEED_SPECS } from './needs.js';
import type { CapabilityNeed, FixtureNeed, Rule } from './rules.js';

export interface CoverageRow {
  operation: string;
  error: string;
  /** Ids of the rules that judge this error of this operation; empty: the pair is uncovered. */
  rules: string[];
}

/** True when `rule` points at shape `name` through its `model` field or a source (`model:shapes.X`, `model:shapes.X.documentation`). */
function referencesShape(rule: Rule, name: string): boolean {
  const refs = [rule.model, ...rule.sources].filter((ref) => ref !== undefined).map((ref) => ref.replace(/^model:/, ''));
  return refs.some((ref) => ref === `shapes.${name}` || ref.startsWith(`shapes.${name}.`));
}

/** Every error the model lists for every operation, in model order, with the rules that judge it. */
export function errorCoverage(model: ServiceModel, rules: Rule[]): CoverageRow[] {
  return Object.values(model.operations).flatMap((operation) =>
    operation.errors.map((error) => ({
      operation: operation.name,
      error,
      rules: rules.filter((rule) => (rule.operations as string[]).includes(operation.name) && referencesShape(rule, error)).map((rule) => rule.id),
    })),
  );
}

/** Something a target provides for a rule: where (a target.yaml key or a run flag) and what, in words. */
export interface Declaration {
  key: string;
  text: string;
}

export interface RuleDeclarations {
  rule: string;
  declarations: Declaration[];
}

/** A target's fixtures and capabilities, as its target.yaml declares them. */
export interface Declared {
  fixtures: TargetFixtures;
  capabilities: TargetCapabilities;
}

// `run` uses the raw driver unless told `--driver sdk`, so this need is a flag, not a target.yaml key.
const RAW_DRIVER: Declaration = { key: '--driver raw', text: "requests an AWS SDK cannot produce (run's default driver; not --driver sdk)" };

const fixtureDeclaration = (need: FixtureNeed): Declaration => ({ key: FIXTURE_NEED_SPECS[need].key, text: FIXTURE_NEED_SPECS[need].text });
const capabilityDeclaration = (need: CapabilityNeed): Declaration => ({ key: CAPABILITY_NEED_SPECS[need].key, text: CAPABILITY_NEED_SPECS[need].text });

/** Everything `rule` needs for it to be judged, fixtures first, then capabilities, then the driver. */
export function ruleDeclarations(rule: Rule): Declaration[] {
  return [
    ...(rule.needs.fixtures ?? []).map(fixtureDeclaration),
    ...(rule.needs.capabilities ?? []).map(capabilityDeclaration),
    ...(rule.needs.driver === 'raw' ? [RAW_DRIVER] : []),
  ];
}

/**
 * What `rule` needs that these declarations lack, judged by the same predicates as a run
 * (FIXTURE_NEED_SPECS). The driver is left out: it is a flag of `run`, not something target.yaml declares.
 */
export function missingDeclarations(rule: Rule, { fixtures, capabilities }: Declared): Declaration[] {
  return [
    ...(rule.needs.fixtures ?? []).filter((need) => !FIXTURE_NEED_SPECS[need].present(fixtures, rule)).map(fixtureDeclaration),
    ...(rule.needs.capabilities ?? []).filter((need) => !CAPABILITY_NEED_SPECS[need].present(capabilities)).map(capabilityDeclaration),
  ];
}

/**
 * The rules that need something, with what: everything they need, or, given a target's
 * declarations, only what it lacks (the rules it would leave not-applicable for that).
 */
export function rulesNeeding(rules: Rule[], declared?: Declared): RuleDeclarations[] {
  return rules
    .map((rule) => ({ rule: rule.id, declarations: declared ? missingDeclarations(rule, declared) : ruleDeclarations(rule) }))
    .filter((row) => row.declarations.length > 0);
}
