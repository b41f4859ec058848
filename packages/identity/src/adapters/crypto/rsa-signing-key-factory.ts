import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { Injectable } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { Clock, ValidationFailed } from '@latchkey/shared-kernel';
import { SigningKeyFactory } from '../../application/ports';
import type { PublicJwk, SigningKey, SigningKeySource } from '../../domain/signing-key';

const generateRsaKeyPair = promisify(generateKeyPair);
const MIN_RSA_BITS = 2048;

@Injectable()
export class RsaSigningKeyFactory extends SigningKeyFactory {
  constructor(private readonly clock: Clock) {
    super();
  }

  async generate(bits: number, source: SigningKeySource): Promise<SigningKey> {
    const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 });
    return this.describe(privateKey, source);
  }

  async fromPem(privateKeyPem: string): Promise<SigningKey> {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(privateKeyPem);
    } catch {
      throw new ValidationFailed([{ field: 'key', message: 'is not a PEM private key' }]);
    }
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (privateKey.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS) {
      throw new ValidationFailed([
        { field: 'key', message: `must be an RSA key of at least ${MIN_RSA_BITS} bits` },
      ]);
    }
    return this.describe(privateKey, 'imported');
  }

  publicPem(key: SigningKey): string {
    return publicPemOf(key);
  }

  /** A PEM key is gone with its entry in the set. */
  release(): Promise<void> {
    return Promise.resolve();
  }

  private async describe(privateKey: KeyObject, source: SigningKeySource): Promise<SigningKey> {
    return nextKey(await publicJwkOf(createPublicKey(privateKey)), source, this.clock.now(), {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
  }
}

/** A key just made, published as `next`, whose private half is `custody` (a PEM, or a KMS key). */
export function nextKey(
  described: { kid: string; publicJwk: PublicJwk },
  source: SigningKeySource,
  createdAt: Date,
  custody: { privateKeyPem: string } | { kmsKeyId: string },
): SigningKey {
  return {
    ...described,
    state: 'next',
    source,
    createdAt,
    activatedAt: null,
    retiredAt: null,
    revokedAt: null,
    privateKeyPem: '',
    ...custody,
  };
}

/** An RSA public key as JWKS publishes it, and its kid (the RFC 7638 thumbprint). */
export async function publicJwkOf(publicKey: KeyObject): Promise<{ kid: string; publicJwk: PublicJwk }> {
  const { n, e } = await exportJWK(publicKey);
  if (!n || !e) throw new Error('RSA public key export lacks n or e');
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n, e }, 'sha256');
  return { kid, publicJwk: { kty: 'RSA', kid, alg: 'RS256', use: 'sig', n, e } };
}

/** The public half as SPKI PEM (`pnpm keys export`). */
export function publicPemOf(key: SigningKey): string {
  return createPublicKey({ key: { ...key.publicJwk }, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}
