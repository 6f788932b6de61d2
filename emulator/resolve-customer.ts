// ResolveCustomer (SaaS registration): registration tokens from the fixtures resolve to the
// customer's identifiers, and so do tokens issued through the control API until their lifetime
// on the emulator clock has passed. Sources: model operations.ResolveCustomer,
// shapes.ResolveCustomerResult, shapes.ExpiredTokenException.
import type { CustomerFixture } from '../core/description.js';
import type { OperationContext } from './context.js';
import { ServiceError } from './errors.js';

export function resolveCustomer(raw: Record<string, unknown>, ctx: OperationContext): Record<string, unknown> {
  const token = raw.RegistrationToken as string;
  const issued = ctx.issuedTokens?.find(token);
  if (issued) {
    if (ctx.nowMs >= issued.expiresAtMs && !ctx.faults.has('accept-expired-token')) {
      throw new ServiceError('ExpiredTokenException', 'The registration token has expired.');
    }
    const customer = ctx.fixtures.customers.find((c) => c.accountId === issued.customerAccountId && c.productCode === issued.productCode);
    if (!customer) throw new ServiceError('InvalidTokenException', 'The registration token is invalid.');
    return resolvedCustomer(customer);
  }
  const fixture = ctx.fixtures.tokens.find((t) => t.token === token);
  if (!fixture) throw new ServiceError('InvalidTokenException', 'The registration token is invalid.');
  if (fixture.state === 'expired' && !ctx.faults.has('accept-expired-token')) {
    throw new ServiceError('ExpiredTokenException', 'The registration token has expired.');
  }
  const customer = ctx.fixtures.customers.find((c) => c.accountId === fixture.customerAccountId);
  if (!customer) throw new ServiceError('InvalidTokenException', 'The registration token is invalid.');
  return resolvedCustomer(customer);
}

function resolvedCustomer(customer: CustomerFixture): Record<string, unknown> {
  return {
    // New integrations have no CustomerIdentifier: the member is left out, not sent empty.
    ...(customer.identifier !== undefined ? { CustomerIdentifier: customer.identifier } : {}),
    CustomerAWSAccountId: customer.accountId,
    ProductCode: customer.productCode,
    ...(customer.licenseArn !== undefined ? { LicenseArn: customer.licenseArn } : {}),
  };
}
