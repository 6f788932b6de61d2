// Registration tokens issued through the control API (POST CONTROL_PREFIX/tokens), as the
// Marketplace sign-up redirect hands one to a seller: each resolves to one customer of the
// fixtures until its lifetime on the emulator clock has passed, then ExpiredTokenException.
// The default lifetime is the "expiration window of 4 hours" of the Seller Guide. Held in
// memory; reset forgets them.
import { randomBytes } from 'node:crypto';

export const DEFAULT_TOKEN_TTL_SECONDS = 4 * 3600;

export interface IssuedToken {
  token: string;
  customerAccountId: string;
  productCode: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

export class IssuedTokens {
  private readonly tokens = new Map<string, IssuedToken>();

  issue(customerAccountId: string, productCode: string, nowMs: number, ttlSeconds: number): IssuedToken {
    // Opaque and unguessable, in the characters a form field carries unescaped.
    const token = `mcrt-${randomBytes(24).toString('base64url')}`;
    const issued: IssuedToken = { token, customerAccountId, productCode, issuedAtMs: nowMs, expiresAtMs: nowMs + ttlSeconds * 1000 };
    this.tokens.set(token, issued);
    return issued;
  }

  find(token: string): IssuedToken | undefined {
    return this.tokens.get(token);
  }

  reset(): void {
    this.tokens.clear();
  }
}
