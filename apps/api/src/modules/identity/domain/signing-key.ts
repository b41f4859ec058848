/**
 * A signing key's life: `next` (published, not signing) → `active` (signs; exactly one) →
 * `retired` (published, verify-only) → removed; `revoked` drops it from JWKS at once.
 */
export type SigningKeyState = 'next' | 'active' | 'retired' | 'revoked';

/** The public half as published in JWKS (RFC 7517); never carries private members. */
export interface PublicJwk {
  kty: 'RSA';
  kid: string;
  alg: 'RS256';
  use: 'sig';
  n: string;
  e: string;
}

export interface SigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256) of the public key. */
  kid: string;
  state: SigningKeyState;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  publicJwk: PublicJwk;
  /** PKCS#8 PEM. Only adapters read it. */
  privateKeyPem: string;
}

export function isPublished(key: SigningKey): boolean {
  return key.state === 'next' || key.state === 'active' || key.state === 'retired';
}

export function isVerifying(key: SigningKey): boolean {
  return key.state === 'active' || key.state === 'retired';
}

export function activeKeyOf(keys: readonly SigningKey[]): SigningKey | undefined {
  return keys.find((key) => key.state === 'active');
}
