import type { SigningKey } from '../../domain/signing-key';

type Dates = 'createdAt' | 'activatedAt' | 'retiredAt' | 'revokedAt';
/** A signing key as JSON: a file of the file store, an entry of the Secrets Manager store. */
export type StoredSigningKey = Omit<SigningKey, Dates> & { createdAt: string } & Record<
    Exclude<Dates, 'createdAt'>,
    string | null
  >;

const toDate = (value: string | null | undefined) => (value ? new Date(value) : null);

export function storedSigningKeyOf(key: SigningKey): StoredSigningKey {
  return {
    ...key,
    createdAt: key.createdAt.toISOString(),
    activatedAt: key.activatedAt?.toISOString() ?? null,
    retiredAt: key.retiredAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

export function signingKeyOf(stored: StoredSigningKey): SigningKey {
  return {
    ...stored,
    privateKeyPem: stored.privateKeyPem ?? '',
    source: stored.source ?? 'dev-bootstrap',
    createdAt: new Date(stored.createdAt),
    activatedAt: toDate(stored.activatedAt),
    retiredAt: toDate(stored.retiredAt),
    revokedAt: toDate(stored.revokedAt),
  };
}

/** Why `value` is not a stored signing key, or undefined when it is one. */
export function storedSigningKeyProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'an entry is not an object';
  const key = value as Record<string, unknown>;
  if (typeof key.kid !== 'string' || !/^[A-Za-z0-9_-]+$/.test(key.kid)) return 'an entry has no valid kid';
  if (!['next', 'active', 'retired', 'revoked'].includes(key.state as string))
    return `key ${key.kid} has no valid state`;
  if (key.kmsKeyId !== undefined) {
    // Held by AWS KMS: an ARN (or key id) in place of the PEM, which must then be empty.
    if (typeof key.kmsKeyId !== 'string' || !/^[A-Za-z0-9:/_-]+$/.test(key.kmsKeyId))
      return `key ${key.kid} has an invalid kmsKeyId`;
    if (key.privateKeyPem !== '' && key.privateKeyPem !== undefined)
      return `key ${key.kid} has both a private key and a kmsKeyId`;
  } else if (typeof key.privateKeyPem !== 'string' || !key.privateKeyPem.includes('PRIVATE KEY'))
    return `key ${key.kid} has no private key`;
  const jwk = key.publicJwk as Record<string, unknown> | undefined;
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.n !== 'string' || typeof jwk.e !== 'string')
    return `key ${key.kid} has no public JWK`;
  if (typeof key.createdAt !== 'string' || Number.isNaN(Date.parse(key.createdAt)))
    return `key ${key.kid} has no valid createdAt`;
  for (const name of ['activatedAt', 'retiredAt', 'revokedAt'] as const) {
    const date = key[name];
    if (date !== null && date !== undefined && (typeof date !== 'string' || Number.isNaN(Date.parse(date))))
      return `key ${key.kid} has an invalid ${name}`;
  }
  return undefined;
}
