import { DomainError } from '../../../shared-kernel/domain-error';

/**
 * A signing key's life: `next` (published, not signing) → `active` (signs; exactly one) →
 * `retired` (published, verify-only, until every token it signed has expired) → removed.
 * Compromise: `revoked` drops it from JWKS at once and its tokens are refused at once.
 */
export type SigningKeyState = 'next' | 'active' | 'retired' | 'revoked';

/** How the key came to be: production refuses to sign with a key the dev bootstrap generated. */
export type SigningKeySource = 'dev-bootstrap' | 'generated' | 'imported' | 'scheduled';

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
  source: SigningKeySource;
  /** Also when it was first published: every state but `revoked` is in JWKS. */
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  revokedAt: Date | null;
  publicJwk: PublicJwk;
  /** PKCS#8 PEM. Only adapters read it. */
  privateKeyPem: string;
}

/** Clock skew verifiers allow: a token may be honoured this long past its `exp`. */
export const ACCESS_TOKEN_LEEWAY_SECONDS = 30;

export interface KeyTimings {
  jwksCacheTtlSeconds: number;
  accessTokenTtlSeconds: number;
  /** The verifiers' clock tolerance: a token may be honoured this long past `exp`. */
  leewaySeconds: number;
}

export class SigningKeyChangeRefused extends DomainError {
  readonly code = 'CONFLICT' as const;
}

export class SigningKeyNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(kid: string) {
    super(`No signing key with kid ${kid}`);
  }
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

function find(keys: readonly SigningKey[], kid: string): SigningKey {
  const key = keys.find((candidate) => candidate.kid === kid);
  if (!key) throw new SigningKeyNotFound(kid);
  return key;
}

const seconds = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / 1000);

/** When a retired key's last token has certainly expired everywhere. */
export function removableAt(key: SigningKey, timings: KeyTimings): Date | undefined {
  if (key.state === 'next' || key.state === 'revoked') return key.createdAt; // never signed, or already refused
  if (key.state !== 'retired' || !key.retiredAt) return undefined;
  return new Date(key.retiredAt.getTime() + (timings.accessTokenTtlSeconds + timings.leewaySeconds) * 1000);
}

/**
 * Makes `kid` the signing key; the current active key is retired in the same step, so there is
 * always exactly one. A `next` key must have been published for a full JWKS cache lifetime, or
 * verifiers holding a cached key set would reject its tokens (`force` overrides, for emergencies).
 * Re-activating a `retired` key is the rollback path: it has been published all along.
 */
export function activate(
  keys: readonly SigningKey[],
  kid: string,
  now: Date,
  timings: KeyTimings,
  options: { force?: boolean } = {},
): SigningKey[] {
  const key = find(keys, kid);
  if (key.state === 'active') throw new SigningKeyChangeRefused(`Key ${kid} is already active`);
  if (key.state === 'revoked')
    throw new SigningKeyChangeRefused(`Key ${kid} is revoked and can never sign again`);
  const previous = activeKeyOf(keys);
  const published = seconds(key.createdAt, now);
  // With no active key yet (first key), no verifier has a cached set that could miss this one.
  if (key.state === 'next' && previous && !options.force && published < timings.jwksCacheTtlSeconds) {
    throw new SigningKeyChangeRefused(
      `Key ${kid} was published ${published} s ago; verifiers may cache JWKS for ${timings.jwksCacheTtlSeconds} s. ` +
        `Wait ${timings.jwksCacheTtlSeconds - published} s more, or use --force`,
    );
  }
  const changed: SigningKey[] = [{ ...key, state: 'active', activatedAt: now, retiredAt: null }];
  if (previous) changed.push({ ...previous, state: 'retired', retiredAt: now });
  return changed;
}

/** Stops a key from signing while keeping it published. Never leaves the set without an active key. */
export function retire(keys: readonly SigningKey[], kid: string, now: Date): SigningKey {
  const key = find(keys, kid);
  if (key.state === 'active') {
    throw new SigningKeyChangeRefused(
      `Key ${kid} is the active key; activate another key instead (activation retires the current one)`,
    );
  }
  if (key.state !== 'next') throw new SigningKeyChangeRefused(`Key ${kid} is ${key.state}, not next`);
  return { ...key, state: 'retired', retiredAt: now };
}

/** Deletes a key once no token it signed can still be valid anywhere. */
export function assertRemovable(
  keys: readonly SigningKey[],
  kid: string,
  now: Date,
  timings: KeyTimings,
): SigningKey {
  const key = find(keys, kid);
  const at = removableAt(key, timings);
  if (!at)
    throw new SigningKeyChangeRefused(`Key ${kid} is ${key.state}; retire it (activate another key) first`);
  if (now < at) {
    throw new SigningKeyChangeRefused(
      `Tokens signed by ${kid} may be valid until ${at.toISOString()}; remove it after that`,
    );
  }
  return key;
}

/**
 * Emergency: the key leaves JWKS and its tokens are refused at once. If it was the active key,
 * `replacement` (a fresh key) is activated in the same step, without the cache wait: verifiers
 * meeting its unknown kid refetch JWKS. Sessions survive: refresh tokens are opaque and simply
 * mint new access tokens with the new key.
 */
export function revoke(
  keys: readonly SigningKey[],
  kid: string,
  now: Date,
  replacement?: SigningKey,
): SigningKey[] {
  const key = find(keys, kid);
  if (key.state === 'revoked') throw new SigningKeyChangeRefused(`Key ${kid} is already revoked`);
  const changed: SigningKey[] = [{ ...key, state: 'revoked', revokedAt: now }];
  if (key.state === 'active') {
    if (!replacement) throw new Error('revoking the active key needs a replacement key');
    changed.push({ ...replacement, state: 'active', activatedAt: now });
  }
  return changed;
}

export interface RotationPlan {
  /** Publish a new `next` key now, so it has waited a full cache lifetime when it is due. */
  addNext: boolean;
  /** Activate this `next` key now (the active one is due and the next one is old enough). */
  activate: string | undefined;
  /** Retired keys whose tokens can no longer be valid anywhere (revoked ones stay, for the record). */
  remove: string[];
}

/** Scheduled rotation follows the same state machine as the CLI, one step at a time. */
export function planRotation(
  keys: readonly SigningKey[],
  now: Date,
  intervalSeconds: number,
  timings: KeyTimings,
): RotationPlan {
  const active = activeKeyOf(keys);
  const next = keys.find((key) => key.state === 'next');
  const activeAge = active?.activatedAt ? seconds(active.activatedAt, now) : Infinity;
  const dueIn = intervalSeconds - activeAge;
  const activate =
    next && dueIn <= 0 && seconds(next.createdAt, now) >= timings.jwksCacheTtlSeconds ? next.kid : undefined;
  return {
    addNext: !next && dueIn <= timings.jwksCacheTtlSeconds,
    activate,
    remove: keys
      .filter((key) => key.state === 'retired' && key.kid !== activate)
      .filter((key) => {
        const at = removableAt(key, timings);
        return at !== undefined && at <= now;
      })
      .map((key) => key.kid),
  };
}
