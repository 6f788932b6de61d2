// RegisterUsage (paid container products): entitlement from the fixtures, and a PS256 JWT
// `Signature` over ProductCode, PublicKeyVersion and Nonce, signed with an RSA key made at
// start-up and published at CONTROL_PREFIX/public-key. Sources: model
// operations.RegisterUsage, shapes.RegisterUsageResult; Seller Guide
// container-metering-registerusage.
import { constants, createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import type { OperationContext, RegistrationKeys } from './context.js';
import { ServiceError } from './errors.js';

interface RegisterUsageInput {
  ProductCode: string;
  PublicKeyVersion: number;
  Nonce?: string;
}

function rsaKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, _publicKey, privateKey) => (error ? reject(error) : resolve(privateKey))),
  );
}

// RSA key generation takes about half a second, so one key serves every emulator started
// in this process.
let signingKey: Promise<KeyObject> | undefined;
let strayKey: Promise<KeyObject> | undefined;

/** Starts making the signing key, for a caller that knows an emulator will start soon. */
export function startSigningKey(): void {
  signingKey ??= rsaKey();
  // Awaited (and its failure reported) by registrationKeys.
  signingKey.catch(() => undefined);
}

export async function registrationKeys(withStrayKey: boolean): Promise<RegistrationKeys> {
  signingKey ??= rsaKey();
  if (withStrayKey) strayKey ??= rsaKey();
  const privateKey = await signingKey;
  return { privateKey, publicKey: createPublicKey(privateKey), ...(withStrayKey ? { strayKey: await strayKey } : {}) };
}

/** The public key as PEM and as a JWK, for GET CONTROL_PREFIX/public-key. */
export function publishedKey(keys: RegistrationKeys): { pem: string; jwk: Record<string, unknown> } {
  return {
    pem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...keys.publicKey.export({ format: 'jwk' }), alg: 'PS256', use: 'sig' },
  };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A compact JWS: base64url(header).base64url(payload).base64url(RSA-PSS SHA-256 signature). */
function jwt(payload: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'PS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  return `${signingInput}.${base64url(signature)}`;
}

export function registerUsage(raw: Record<string, unknown>, ctx: OperationContext): Record<string, unknown> {
  const input = raw as unknown as RegisterUsageInput;
  const registration = ctx.fixtures.registrations.find((r) => r.productCode === input.ProductCode);
  if (!registration) {
    throw new ServiceError('InvalidProductCodeException', `Product code '${input.ProductCode}' is not a published paid container product.`);
  }
  if (!registration.publicKeyVersions.includes(input.PublicKeyVersion)) {
    throw new ServiceError('InvalidPublicKeyVersionException', `Public Key version ${input.PublicKeyVersion} is invalid.`);
  }
  if (registration.entitlement === 'not-entitled') {
    throw new ServiceError('CustomerNotEntitledException', `The customer has no valid subscription for product '${input.ProductCode}'.`);
  }
  if (registration.entitlement === 'platform-not-supported') {
    throw new ServiceError('PlatformNotSupportedException', 'RegisterUsage is supported on Amazon ECS, Amazon EKS and AWS Fargate only.');
  }
  const payload = {
    ProductCode: input.ProductCode,
    PublicKeyVersion: input.PublicKeyVersion,
    ...(input.Nonce !== undefined && !ctx.faults.has('register-usage-drop-nonce') ? { Nonce: input.Nonce } : {}),
    iat: Math.floor(ctx.nowMs / 1000),
  };
  const { privateKey, strayKey } = ctx.registrationKeys;
  const key = ctx.faults.has('register-usage-wrong-key') && strayKey ? strayKey : privateKey;
  return { Signature: jwt(payload, key) };
}
