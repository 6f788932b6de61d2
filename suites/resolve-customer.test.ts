// ResolveCustomer (SaaS registration): valid tokens resolve to their customer, expired and
// unknown tokens get their exceptions; repeat resolution and the form of an unpopulated
// CustomerIdentifier are observed. Tokens issued through the control API (capability tokenIssue)
// resolve, then expire on the target's clock. The rules' info and treatment (specs/rules.yaml) state the sources.
import fc from 'fast-check';
import { unicodeString } from '../generators/arbitraries.js';
import { MINUTE_MS } from '../core/calendar.js';
import { memberShape } from '../core/model.js';
import type { CustomerFixture, TokenFixture } from '../core/description.js';
import type { Outcome } from '../target/types.js';
import { expectError, expectSuccess, fail } from './harness/expect.js';
import { rule, type RuleContext } from './harness/rule.js';
import { setCallerClock } from './stateful/caller-clock.js';
import { issueToken } from './stateful/issue-token.js';

interface Registration {
  token: string;
  customer: CustomerFixture;
}

/** Valid tokens of the fixtures with the customer each resolves to, for subscribed customers (or, with false, unsubscribed ones). */
function validRegistrations(ctx: RuleContext, subscribed = true): Registration[] {
  return ctx.fixtures.tokens.flatMap((t: TokenFixture) => {
    const customer = ctx.fixtures.customers.find((c) => c.accountId === t.customerAccountId);
    return t.state === 'valid' && customer && customer.subscribed === subscribed ? [{ token: t.token, customer }] : [];
  });
}

/** What the output must hold for `customer`, per member the model's ResolveCustomerResult has. */
function expectCustomer(ctx: RuleContext, outcome: Extract<Outcome, { kind: 'success' }>, customer: CustomerFixture): void {
  const has = (member: string) => memberShape(ctx.model, 'ResolveCustomerResult', member) !== undefined;
  const output = outcome.output;
  const expected: Record<string, unknown> = {
    ProductCode: customer.productCode,
    ...(has('CustomerAWSAccountId') ? { CustomerAWSAccountId: customer.accountId } : {}),
    ...(has('LicenseArn') && customer.licenseArn !== undefined ? { LicenseArn: customer.licenseArn } : {}),
    ...(customer.identifier !== undefined ? { CustomerIdentifier: customer.identifier } : {}),
  };
  for (const [member, value] of Object.entries(expected)) {
    if (output[member] !== value) fail(`the token to resolve to ${JSON.stringify(expected)}`, outcome);
  }
  // "Not populated" for new integrations: absent or "".
  if (customer.identifier === undefined && output.CustomerIdentifier !== undefined && output.CustomerIdentifier !== null && output.CustomerIdentifier !== '') {
    fail('no CustomerIdentifier (absent or "") for a customer without one', outcome);
  }
}

const answer = (outcome: Outcome) => (outcome.kind === 'error' ? `HTTP ${outcome.status} ${outcome.errorType || '(no error type)'}` : `HTTP ${outcome.status}`);

// One test resolves each valid token once, then again: a target may treat a resubmitted token
// as expired, so a token resolved by another rule first could not be
// judged fairly. The first answer is judged; the second and the empty-identifier form are observed.
rule(['resolve-customer.valid-token', 'resolve-customer.repeat-resolution', 'resolve-customer.unpopulated-identifier'], async (ctx) => {
  const registrations = validRegistrations(ctx);
  const seen = new Map<string, Set<string>>();
  const add = (what: string, value: string) => seen.set(what, (seen.get(what) ?? new Set()).add(value));
  await ctx.property(
    fc.constantFrom(...registrations),
    async ({ token, customer }, run) => {
      const first = await run.call('ResolveCustomer', { RegistrationToken: token });
      expectSuccess(first, 'HTTP 200 with the customer of a valid registration token');
      expectCustomer(ctx, first, customer);
      if (customer.identifier === undefined) {
        const value = first.output.CustomerIdentifier;
        add('unpopulated CustomerIdentifier', value === undefined ? 'member absent' : JSON.stringify(value));
      }
      const again = await run.call('ResolveCustomer', { RegistrationToken: token });
      const same = again.kind === 'success' && JSON.stringify(again.output) === JSON.stringify(first.output);
      add('a valid token resolved again', same ? 'the same values' : again.kind === 'success' ? 'other values' : answer(again));
    },
    { examples: registrations, numRuns: registrations.length },
  );
  if (!registrations.some((r) => r.customer.identifier === undefined)) add('unpopulated CustomerIdentifier', 'not observed (no valid token of a customer without CustomerIdentifier in the fixtures)');
  for (const [what, values] of seen) ctx.observe(`${what}: ${[...values].join(' or ')}`);
});

// The sources describe tokens of customers who subscribe; a token of a customer whose
// subscription has since ended may resolve as any other, or be refused: observed, once per token.
rule('resolve-customer.unsubscribed-customer-token', async (ctx) => {
  const registrations = validRegistrations(ctx, false);
  const seen = new Set<string>();
  await ctx.property(
    fc.constantFrom(...registrations),
    async ({ token, customer }, run) => {
      const outcome = await run.call('ResolveCustomer', { RegistrationToken: token });
      const resolves = outcome.kind === 'success' && outcome.output.CustomerAWSAccountId === customer.accountId && outcome.output.ProductCode === customer.productCode;
      seen.add(resolves ? 'resolves to the customer, as for a subscribed one' : outcome.kind === 'success' ? `HTTP ${outcome.status} with other values` : answer(outcome));
    },
    { examples: registrations, numRuns: registrations.length },
  );
  ctx.observe(`a valid token of an unsubscribed customer: ${[...seen].join(' or ')}`);
});

rule('resolve-customer.expired-token', async (ctx) => {
  const expired = ctx.fixtures.tokens.filter((t) => t.state === 'expired').map((t) => t.token);
  await ctx.property(
    fc.constantFrom(...expired),
    async (token, run) => {
      expectError(await run.call('ResolveCustomer', { RegistrationToken: token }), 'ExpiredTokenException');
    },
    { examples: expired, numRuns: Math.max(expired.length, Math.min(ctx.context.runs, 10)) },
  );
});

// ---- tokens issued through the control API -------------------------------------------------

/** Subscribed customers: the ones a sign-up redirect hands a token for. */
const subscribedCustomers = (ctx: RuleContext): CustomerFixture[] => ctx.fixtures.customers.filter((c) => c.subscribed);

rule('resolve-customer.issued-token-resolves', async (ctx) => {
  const customers = subscribedCustomers(ctx);
  await ctx.property(
    fc.constantFrom(...customers),
    async (customer, run) => {
      const token = await issueToken(ctx, run, { customer: customer.accountId, product: customer.productCode });
      const outcome = await run.call('ResolveCustomer', { RegistrationToken: token });
      expectSuccess(outcome, 'HTTP 200 with the customer the token was issued for');
      expectCustomer(ctx, outcome, customer);
    },
    { examples: customers, numRuns: Math.max(customers.length, Math.min(ctx.context.runs, 10)) },
  );
});

// Lifetimes of 90 to 180 s, judged a minute either side of the end on the caller's own clock:
// the clock never moves more than 4 minutes from the time requests are signed with, inside
// the skew a target accepts, so both drivers sign as usual. Each token is resolved once (a
// second resolution may count as a resubmitted token).
rule('resolve-customer.issued-token-expires', async (ctx) => {
  const customers = subscribedCustomers(ctx);
  const scenario = fc.record({
    customer: fc.constantFrom(...customers),
    ttlSeconds: fc.integer({ min: 90, max: 180 }),
    side: fc.constantFrom<'inside' | 'past'>('inside', 'past'),
  });
  await ctx.property(
    scenario,
    async ({ customer, ttlSeconds, side }, run) => {
      const issuedAtMs = ctx.nowMs();
      const token = await issueToken(ctx, run, { customer: customer.accountId, product: customer.productCode, ttlSeconds });
      const endMs = issuedAtMs + ttlSeconds * 1000;
      await setCallerClock(ctx, run, side === 'inside' ? endMs - MINUTE_MS : endMs + MINUTE_MS);
      const outcome = await run.call('ResolveCustomer', { RegistrationToken: token });
      if (side === 'inside') {
        expectSuccess(outcome, `HTTP 200 for a token issued with a ${ttlSeconds} s lifetime, resolved a minute before it ends`);
        expectCustomer(ctx, outcome, customer);
      } else {
        expectError(outcome, 'ExpiredTokenException', `HTTP 4xx ExpiredTokenException for a token issued with a ${ttlSeconds} s lifetime, resolved a minute after it ended`);
      }
    },
    { examples: [{ customer: customers[0], ttlSeconds: 90, side: 'inside' }, { customer: customers[0], ttlSeconds: 90, side: 'past' }], numRuns: Math.min(ctx.context.runs, 10) },
  );
});

rule('resolve-customer.invalid-token', async (ctx) => {
  const known = new Set(ctx.fixtures.tokens.map((t) => t.token));
  const valid = validRegistrations(ctx).map((r) => r.token);
  // Near misses of a valid token catch prefix, case-insensitive or trimmed matching.
  const altered = fc.tuple(fc.constantFrom(...valid), fc.constantFrom('append', 'drop-last', 'upper', 'prefix', 'space'), fc.string({ minLength: 1, maxLength: 4 })).map(([token, how, extra]) => {
    switch (how) {
      case 'append':
        return token + extra;
      case 'drop-last':
        return token.slice(0, -1);
      case 'upper':
        return token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase();
      case 'prefix':
        return extra + token;
      default:
        return ` ${token} `;
    }
  });
  const random = fc.oneof(fc.stringMatching(/^[A-Za-z0-9+/=_-]{1,256}$/), unicodeString({ minLength: 1, maxLength: 300 }));
  const arbitrary = fc.oneof(altered, random).filter((token) => token !== '' && !known.has(token));
  await ctx.property(arbitrary, async (token, run) => {
    expectError(await run.call('ResolveCustomer', { RegistrationToken: token }), 'InvalidTokenException');
  });
});
