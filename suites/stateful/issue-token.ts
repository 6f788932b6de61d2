// Issues a registration token on a target with token issue (POST CONTROL_PREFIX/tokens), as
// the Marketplace sign-up redirect hands one to a seller, so ResolveCustomer rules can follow a
// token's lifecycle instead of the fixed tokens of the fixtures. The reference emulator serves
// it; a target that declares tokenIssue serves the same shape.
import { CONTROL_PREFIX } from '../../core/description.js';
import { TargetError } from '../../target/types.js';
import type { PropertyRun, RuleContext } from '../harness/rule.js';

export interface TokenRequest {
  /** CustomerAWSAccountId of a fixture customer. */
  customer: string;
  /** Product code of that customer. */
  product: string;
  /** Lifetime on the target's clock; the target's default when absent. */
  ttlSeconds?: number;
}

/** A fresh registration token for `wanted.customer`, recorded with the run's exchanges. */
export async function issueToken(ctx: RuleContext, run: PropertyRun, wanted: TokenRequest): Promise<string> {
  const { status, text } = await ctx.control.post('/tokens', wanted, { record: (exchange) => run.record(exchange) });
  const token = status === 200 ? answeredToken(text) : undefined;
  if (token === undefined) {
    throw new TargetError(`declares token issue but answered POST ${CONTROL_PREFIX}/tokens ${JSON.stringify(wanted)} with HTTP ${status} ${text.slice(0, 200)}`);
  }
  return token;
}

/** The "token" of an issue answer, or undefined when the body is not {"token": <non-empty string>}. */
function answeredToken(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as { token?: unknown } | null)?.token;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}
