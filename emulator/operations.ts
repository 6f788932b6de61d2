// The operation half of the request pipeline, free of HTTP so it can be exercised with a
// fixed clock: JSON decode and types → model constraints → the operation handler.
import { structure } from '../core/model.js';
import { checkConstraints, uncheckedListMaxima } from './constraints.js';
import type { OperationContext, OperationHandler } from './context.js';
import { ServiceError } from './errors.js';
import { decodeInput, parseBounded, parseJsonBody, type Json } from './json-codec.js';
import { batchMeterUsage } from './batch-meter-usage.js';
import { meterUsage } from './meter-usage.js';
import { registerUsage } from './register-usage.js';
import { resolveCustomer } from './resolve-customer.js';

/** From this size on a body is parsed by parseBounded: below it, a whole parse costs a megabyte or two of heap at most. */
const LARGE_BODY = 64 * 1024;

const HANDLERS: Readonly<Record<string, OperationHandler>> = {
  MeterUsage: meterUsage,
  BatchMeterUsage: batchMeterUsage,
  RegisterUsage: registerUsage,
  ResolveCustomer: resolveCustomer,
};

/** True when the emulator serves `operation` under its model. */
export function serves(context: Pick<OperationContext, 'model'>, operation: string): boolean {
  return Object.hasOwn(context.model.operations, operation) && Object.hasOwn(HANDLERS, operation);
}

/** Runs one operation on a raw body; throws ServiceError for every error answer. */
export function runOperation(operation: string, body: Buffer, context: OperationContext): Record<string, unknown> {
  if (!serves(context, operation)) throw new ServiceError('UnknownOperationException', `Unknown operation ${JSON.stringify(operation)}`);
  const inputShape = context.model.operations[operation].input;
  let json: Json;
  try {
    // A large body (an amplification attempt, or a full batch) is parsed guided by the model, so
    // a list far over its maximum costs its parse, not its elements' memory; a body that is not
    // JSON gets parseJsonBody's own answer.
    json = (body.length >= LARGE_BODY ? parseBounded(context.model, inputShape, body, uncheckedListMaxima(context.faults)) : undefined) ?? parseJsonBody(body);
  } catch (error) {
    if (error instanceof ServiceError && context.faults.has('error-500-on-malformed-json')) {
      throw new ServiceError('InternalServiceErrorException', 'An internal error occurred.', 500);
    }
    throw error;
  }
  const input = decodeInput(context.model, inputShape, json);
  checkConstraints(context.model, inputShape, input, context.faults);
  const output = HANDLERS[operation](input, context);
  // Answer only members the model's output shape has (older models lack newer members).
  const outputShape = context.model.operations[operation].output;
  const members = outputShape ? structure(context.model, outputShape).members : {};
  return Object.fromEntries(Object.entries(output).filter(([name]) => Object.hasOwn(members, name)));
}
