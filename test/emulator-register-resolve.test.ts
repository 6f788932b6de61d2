// RegisterUsage and ResolveCustomer over HTTP: the JWT Signature verifies with the key the
// emulator publishes (PEM and JWK), fixture-driven errors, and their fault modes.
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { CONTROL_HEADERS, CONTROL_PREFIX, TEST_CREDENTIALS } from '../core/description.js';
import { createRawTarget } from '../target/raw-driver.js';
import type { Outcome, RawCapableTarget } from '../target/types.js';

interface Running {
  emulator: RunningEmulator;
  target: RawCapableTarget;
  pem: KeyObject;
  jwk: KeyObject;
}

async function launch(faults: string[] = []): Promise<Running> {
  const emulator = await startEmulator({ faults });
  const target = createRawTarget({ endpoint: emulator.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  const published = (await (await fetch(`${emulator.url}${CONTROL_PREFIX}/public-key`)).json()) as { pem: string; jwk: Record<string, unknown> };
  return { emulator, target, pem: createPublicKey(published.pem), jwk: createPublicKey({ key: published.jwk as never, format: 'jwk' }) };
}

async function stop(r: Running): Promise<void> {
  await r.target.close();
  await r.emulator.close();
}

/** Verifies a compact PS256 JWS and returns its header and payload. */
function verifyJwt(token: string, key: KeyObject): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(parts[2], 'base64url'));
  if (!ok) return undefined;
  return { header: JSON.parse(Buffer.from(parts[0], 'base64url').toString()), payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString()) };
}

function errorType(outcome: Outcome): string {
  return outcome.kind === 'error' ? outcome.errorType : 'success';
}

let normal: Running;
beforeAll(async () => {
  normal = await launch();
});
afterAll(async () => {
  await stop(normal);
});

describe('RegisterUsage', () => {
  test('an entitled product gets a PS256 JWT over ProductCode, PublicKeyVersion and Nonce, verifiable with the published key', async () => {
    const outcome = await normal.target.call('RegisterUsage', { ProductCode: 'conformance-container-1', PublicKeyVersion: 2, Nonce: 'task-1234 ✓' });
    expect(outcome.kind).toBe('success');
    if (outcome.kind !== 'success') return;
    expect(Object.keys(outcome.output)).toEqual(['Signature']);
    const signature = outcome.output.Signature as string;
    for (const key of [normal.pem, normal.jwk]) {
      const jwt = verifyJwt(signature, key);
      expect(jwt?.header).toEqual({ alg: 'PS256', typ: 'JWT' });
      expect(jwt?.payload).toMatchObject({ ProductCode: 'conformance-container-1', PublicKeyVersion: 2, Nonce: 'task-1234 ✓', iat: expect.any(Number) });
    }
    // Tampering with the payload breaks the signature.
    const [h, , s] = signature.split('.');
    const forged = Buffer.from(JSON.stringify({ ProductCode: 'other', PublicKeyVersion: 2 })).toString('base64url');
    expect(verifyJwt(`${h}.${forged}.${s}`, normal.pem)).toBeUndefined();
  });

  test('without a Nonce the payload has none', async () => {
    const outcome = await normal.target.call('RegisterUsage', { ProductCode: 'conformance-container-1', PublicKeyVersion: 1 });
    const payload = outcome.kind === 'success' ? verifyJwt(outcome.output.Signature as string, normal.pem)?.payload : undefined;
    expect(payload).toBeDefined();
    expect(payload).not.toHaveProperty('Nonce');
  });

  test('fixture-driven and model errors', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ProductCode: 'conformance-container-unentitled', PublicKeyVersion: 1 }, 'CustomerNotEntitledException'],
      [{ ProductCode: 'conformance-container-unsupported', PublicKeyVersion: 1 }, 'PlatformNotSupportedException'],
      [{ ProductCode: 'conformance-container-1', PublicKeyVersion: 3 }, 'InvalidPublicKeyVersionException'],
      [{ ProductCode: 'conformance-ami-1', PublicKeyVersion: 1 }, 'InvalidProductCodeException'],
      [{ ProductCode: 'no-such-product', PublicKeyVersion: 1 }, 'InvalidProductCodeException'],
      [{ ProductCode: 'conformance-container-1', PublicKeyVersion: 0 }, 'ValidationException'],
      [{ ProductCode: 'conformance-container-1' }, 'ValidationException'],
      [{ ProductCode: 'conformance-container-1', PublicKeyVersion: 1, Nonce: 'n'.repeat(256) }, 'ValidationException'],
      [{ ProductCode: 'conformance-container-1', PublicKeyVersion: '1' }, 'SerializationException'],
    ];
    for (const [input, type] of cases) {
      const outcome = await normal.target.call('RegisterUsage', input);
      expect([outcome.status, errorType(outcome)], JSON.stringify(input)).toEqual([400, type]);
    }
  });
});

describe('ResolveCustomer', () => {
  test('valid tokens resolve to the fixture customer (CustomerIdentifier only for legacy customers)', async () => {
    const legacy = await normal.target.call('ResolveCustomer', { RegistrationToken: 'conformance-token-legacy-valid' });
    expect(legacy.kind === 'success' && legacy.output).toEqual({
      CustomerIdentifier: 'mc-legacy-subscribed-0001',
      CustomerAWSAccountId: '111122223333',
      ProductCode: 'conformance-saas-1',
      LicenseArn: 'arn:aws:license-manager::111122223333:license:l-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    });
    const modern = await normal.target.call('ResolveCustomer', { RegistrationToken: 'conformance-token-new-valid' });
    expect(modern.kind === 'success' && modern.output).toEqual({
      CustomerAWSAccountId: '444455556666',
      ProductCode: 'conformance-saas-1',
      LicenseArn: 'arn:aws:license-manager::444455556666:license:l-1b2c3d4e5f60718293a4b5c6d7e8f90a',
    });
    // Resolving again gives the same answer.
    const again = await normal.target.call('ResolveCustomer', { RegistrationToken: 'conformance-token-new-valid' });
    expect(again.kind === 'success' && again.output).toEqual(modern.kind === 'success' && modern.output);
  });

  test('expired → ExpiredTokenException, unknown → InvalidTokenException, empty → ValidationException', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ RegistrationToken: 'conformance-token-expired' }, 'ExpiredTokenException'],
      [{ RegistrationToken: 'no-such-token' }, 'InvalidTokenException'],
      [{ RegistrationToken: '' }, 'ValidationException'],
      [{}, 'ValidationException'],
      [{ RegistrationToken: 42 }, 'SerializationException'],
    ];
    for (const [input, type] of cases) {
      const outcome = await normal.target.call('ResolveCustomer', input);
      expect([outcome.status, errorType(outcome)], JSON.stringify(input)).toEqual([400, type]);
    }
  });
});

/** POSTs to a control route of `r`'s emulator (with the control headers unless `headers` replaces them). */
async function postControl(r: Running, route: string, body: unknown, headers: Record<string, string> = { ...CONTROL_HEADERS }): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${r.emulator.url}${CONTROL_PREFIX}${route}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const NEW_CUSTOMER = { customer: '444455556666', product: 'conformance-saas-1' };

describe('issued registration tokens (POST /tokens)', () => {
  test('an issued token resolves to the customer it was issued for; its default lifetime is 4 hours', async () => {
    const before = Date.now();
    const issued = await postControl(normal, '/tokens', NEW_CUSTOMER);
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token: expect.stringMatching(/^\S+$/), customer: '444455556666', product: 'conformance-saas-1' });
    expect(Math.abs((issued.body.issuedAtMs as number) - before)).toBeLessThan(60_000);
    expect((issued.body.expiresAtMs as number) - (issued.body.issuedAtMs as number)).toBe(4 * 3_600_000);
    const outcome = await normal.target.call('ResolveCustomer', { RegistrationToken: issued.body.token });
    expect(outcome.kind === 'success' && outcome.output).toEqual({
      CustomerAWSAccountId: '444455556666',
      ProductCode: 'conformance-saas-1',
      LicenseArn: 'arn:aws:license-manager::444455556666:license:l-1b2c3d4e5f60718293a4b5c6d7e8f90a',
    });
    // Every issue is a new token; describe does not list them among the fixtures.
    const other = await postControl(normal, '/tokens', NEW_CUSTOMER);
    expect(other.body.token).not.toBe(issued.body.token);
    expect(normal.emulator.describe().fixtures.tokens.map((t) => t.token)).not.toContain(issued.body.token);
    expect(normal.emulator.describe().capabilities.tokenIssue).toBe(true);
  });

  test('a token expires after its lifetime on the emulator clock (the caller\'s own clock included) and reset forgets it', async () => {
    const r = await launch();
    try {
      const issued = await postControl(r, '/tokens', { ...NEW_CUSTOMER, ttlSeconds: 60 });
      expect((issued.body.expiresAtMs as number) - (issued.body.issuedAtMs as number)).toBe(60_000);
      const token = issued.body.token as string;
      // Another caller's clock moved past the end: that caller gets ExpiredTokenException ...
      expect((await postControl(r, '/clock', { advance: 61, caller: 'MCMOVEDCALLER0000001' })).status).toBe(200);
      const moved = { credentials: { ...TEST_CREDENTIALS, accessKeyId: 'MCMOVEDCALLER0000001' } };
      expect(errorType(await r.target.call('ResolveCustomer', { RegistrationToken: token }, moved))).toBe('ExpiredTokenException');
      // ... while the emulator clock is still inside the lifetime.
      expect(errorType(await r.target.call('ResolveCustomer', { RegistrationToken: token }))).toBe('success');
      expect((await postControl(r, '/clock', { advance: 61 })).status).toBe(200);
      const expired = await r.target.call('ResolveCustomer', { RegistrationToken: token });
      expect([expired.status, errorType(expired)]).toEqual([400, 'ExpiredTokenException']);
      const fresh = await postControl(r, '/tokens', NEW_CUSTOMER);
      expect((await postControl(r, '/reset', {})).status).toBe(200);
      expect(errorType(await r.target.call('ResolveCustomer', { RegistrationToken: fresh.body.token }))).toBe('InvalidTokenException');
    } finally {
      await stop(r);
    }
  });

  test('needs the control header and a JSON body naming a fixture customer of the product; a bad one is a 400', async () => {
    expect((await postControl(normal, '/tokens', NEW_CUSTOMER, { 'content-type': 'application/json' })).status).toBe(403);
    expect((await postControl(normal, '/tokens', NEW_CUSTOMER, { ...CONTROL_HEADERS, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await fetch(`${normal.emulator.url}${CONTROL_PREFIX}/tokens`)).status).toBe(405);
    const bad = [
      'nope',
      '[]',
      {},
      { customer: '444455556666' },
      { customer: '444455556666', product: 'conformance-ami-1' },
      { customer: '999999999999', product: 'conformance-saas-1' },
      { ...NEW_CUSTOMER, ttlSeconds: 0 },
      { ...NEW_CUSTOMER, ttlSeconds: '60' },
      { ...NEW_CUSTOMER, ttlSeconds: 1e12 },
      { ...NEW_CUSTOMER, caller: '' },
      { ...NEW_CUSTOMER, other: 1 },
    ];
    for (const body of bad) {
      const answer = await postControl(normal, '/tokens', body);
      expect([answer.status, answer.body.__type], JSON.stringify(body)).toEqual([400, 'InvalidControlRequestException']);
    }
  });
});

describe('fault modes', () => {
  test('register-usage-drop-nonce and register-usage-wrong-key', async () => {
    const faulty = await launch(['register-usage-drop-nonce', 'register-usage-wrong-key']);
    try {
      const outcome = await faulty.target.call('RegisterUsage', { ProductCode: 'conformance-container-1', PublicKeyVersion: 1, Nonce: 'abc' });
      const signature = outcome.kind === 'success' ? (outcome.output.Signature as string) : '';
      expect(signature.split('.')).toHaveLength(3);
      expect(verifyJwt(signature, faulty.pem)).toBeUndefined();
      expect(JSON.parse(Buffer.from(signature.split('.')[1], 'base64url').toString())).not.toHaveProperty('Nonce');
    } finally {
      await stop(faulty);
    }
  });

  test('accept-expired-token', async () => {
    const faulty = await launch(['accept-expired-token']);
    try {
      expect((await faulty.target.call('ResolveCustomer', { RegistrationToken: 'conformance-token-expired' })).status).toBe(200);
    } finally {
      await stop(faulty);
    }
  });

  test('accept-any-signature and no-request-id', async () => {
    const faulty = await launch(['accept-any-signature', 'no-request-id']);
    try {
      const outcome = await faulty.target.send({ operation: 'ResolveCustomer', body: '{"RegistrationToken":"conformance-token-new-valid"}', signing: { secretAccessKey: 'wrong' } });
      expect(outcome.status).toBe(200);
      expect(outcome.headers['x-amzn-requestid']).toBeUndefined();
      // A missing Authorization header is still rejected: only the comparison is skipped.
      expect(errorType(await faulty.target.send({ operation: 'ResolveCustomer', body: '{}', sign: false }))).toBe('MissingAuthenticationTokenException');
    } finally {
      await stop(faulty);
    }
  });
});
