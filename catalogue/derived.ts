// Rules derived from the service model: one `must` rule per constraint of an operation's input
// that a request can break alone (generators/invalid.ts probes which can). The catalogue stands
// on the generators here: a derived rule exists only where a request can exercise it.
import { inputShape, shapeOf, type Shape, type ServiceModel } from '../core/model.js';
import { OPERATIONS, type Operation } from '../core/vocabulary.js';
import { breakableConstraints, type ModelConstraint } from '../generators/invalid.js';
import type { ConstraintKind } from '../generators/schemas.js';
import { acceptedText, treatmentOf } from '../generators/treatment.js';
import type { Rule } from './rules.js';

const CONSTRAINT_TRAITS = 'https://smithy.io/2.0/spec/constraint-traits.html';
const REQUIRED_TRAIT = 'https://smithy.io/2.0/spec/type-refinement-traits.html#required-trait';
const AWS_JSON_1_1 = 'https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html';

function jsonType(shape: Shape): string {
  switch (shape.type) {
    case 'structure':
      return 'object';
    case 'list':
      return 'array';
    case 'integer':
    case 'long':
      return 'integer';
    case 'timestamp':
      return 'number (epoch seconds)';
    default:
      return shape.type;
  }
}

function predicate(shape: Shape, constraint: ConstraintKind): string {
  const s = shape as { min?: number; max?: number; pattern?: string; enum?: string[] };
  const units = shape.type === 'string' ? ' characters' : shape.type === 'list' ? ' items' : '';
  switch (constraint) {
    case 'required':
      return 'is missing';
    case 'type':
      return `is not a JSON ${jsonType(shape)}`;
    case 'min':
      return shape.type === 'list' ? `has fewer than ${s.min}${units}` : shape.type === 'string' ? `is shorter than ${s.min}${units}` : `is less than ${s.min}`;
    case 'max':
      return shape.type === 'list' ? `has more than ${s.max}${units}` : shape.type === 'string' ? `is longer than ${s.max}${units}` : `is greater than ${s.max}`;
    case 'pattern':
      return `does not match the pattern ${s.pattern}`;
    case 'enum':
      return `is not one of ${s.enum!.join(', ')}`;
  }
}

function subject(path: string): string {
  const human = (p: string) => p.replace(/\.member/g, '[]');
  return path.endsWith('.member') ? `an item of ${human(path.slice(0, -'.member'.length))}` : human(path);
}

/**
 * The rule's statement: the broken constraint, the accepted answers and the treatment behind
 * them (generators/treatment.ts), which the Rule type carries nowhere else.
 */
function statementFor(model: ServiceModel, c: ModelConstraint): string {
  const shape = shapeOf(model, c.shape);
  const treatment = treatmentOf(model, c.operation, c.path, c.constraint);
  const head = `A ${c.operation} request in which ${subject(c.path)} ${predicate(shape, c.constraint)} is rejected with ${acceptedText(treatment)}.`;
  // A request has a rest to keep valid unless the broken member is all there is.
  const hasRest = c.path.includes('.') || Object.keys(inputShape(model, c.operation).members).length > 1;
  const rest =
    treatment.anyClientError || !hasRest
      ? ''
      : `; the rest of the request is kept valid from the target's fixtures, so an error about another member fails (without such fixtures, any modeled client error of ${c.operation} passes)`;
  return `${head} Treatment: ${treatment.reason}${rest}.`;
}

/**
 * What a derived rule rests on: the constraint trait as the model's JSON states it, quoted
 * from the shape that carries it (e.g. `"max":2147483647` in model:shapes.UsageQuantity).
 */
function infoFor(model: ServiceModel, c: ModelConstraint, memberPath: string): NonNullable<Rule['info']> {
  const trait = (name: string, value: unknown) => `"${name}":${JSON.stringify(value)}`;
  const target = shapeOf(model, c.shape) as unknown as Record<string, unknown>;
  switch (c.constraint) {
    case 'required':
      return [{ source: `model:shapes.${c.owner}`, quote: trait('required', (shapeOf(model, c.owner) as unknown as Record<string, unknown>).required) }];
    case 'type':
      return [
        { source: `model:${memberPath}`, quote: trait('shape', c.shape) },
        { source: `model:shapes.${c.shape}`, quote: trait('type', target.type) },
      ];
    default:
      return [{ source: `model:shapes.${c.shape}`, quote: trait(c.constraint, target[c.constraint]) }];
  }
}

function ruleFor(model: ServiceModel, c: ModelConstraint): Rule {
  const owner = shapeOf(model, c.owner);
  const memberPath = owner.type === 'list' ? `shapes.${c.owner}.member` : `shapes.${c.owner}.members.${c.member}`;
  const sources =
    c.constraint === 'required'
      ? [`model:shapes.${c.owner}.required`, REQUIRED_TRAIT]
      : c.constraint === 'type'
        ? [`model:${memberPath}`, AWS_JSON_1_1]
        : [`model:shapes.${c.shape}`, CONSTRAINT_TRAITS];
  return {
    id: c.ruleId,
    statement: statementFor(model, c),
    level: 'must',
    family: 'validation',
    operations: [c.operation as Operation],
    sources,
    model: memberPath,
    info: infoFor(model, c, memberPath),
    needs: c.constraint === 'type' ? { driver: 'raw' } : {},
  };
}

/** One `must` rule per breakable constraint of every operation the model has (catalogue family `validation`). */
export function derivedRules(model: ServiceModel): Rule[] {
  const rules: Rule[] = [];
  for (const operation of Object.keys(model.operations)) {
    if (!OPERATIONS.includes(operation as Operation)) continue;
    for (const constraint of breakableConstraints(model, operation)) rules.push(ruleFor(model, constraint));
  }
  return rules;
}

