import { createHash, createPrivateKey, randomUUID, type webcrypto } from 'node:crypto';
import { permissionsOf } from '@latchkey/contracts';
import {
  errors,
  type FlattenedJWSInput,
  importJWK,
  importPKCS8,
  type JWTHeaderParameters,
  jwtVerify,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import { inSpan, TtlMap } from '@latchkey/platform';
import { Clock } from '@latchkey/shared-kernel';
import { InvalidAccessToken } from '../../domain/errors';
import {
  ACCESS_TOKEN_LEEWAY_SECONDS,
  activeKeyOf,
  isVerifying,
  type SigningKey,
} from '../../domain/signing-key';
import {
  type AccessTokenClaims,
  AccessTokenIssuer,
  AccessTokenVerifier,
  SigningKeyStore,
} from '../../application/ports';

export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/**
 * Signs for keys whose private half never leaves where it is held (AWS KMS): RSASSA-PKCS1-v1_5
 * over a SHA-256 digest made here, i.e. RS256.
 */
export interface RemoteKeySigner {
  sign(keyId: string, sha256Digest: Buffer): Promise<Uint8Array>;
}

const ALGORITHM = 'RS256';
const TOKEN_TYPE = 'at+jwt'; // RFC 9068 §2.1
/** A forced reread of the key set at most this often: random kids must not flood the store. */
const UNKNOWN_KID_RELOAD_MS = 1_000;
/** Verified tokens are remembered this long at most (then verified again), and this many at most. */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX_ENTRIES = 10_000;

/**
 * Signs and verifies access tokens with the key store's RS256 keys. Verification is pinned:
 * RS256 only (no `none`, no HS256 with the public key as secret), our issuer and audience, the
 * `at+jwt` type, and a `kid` resolved only from our own store: `jku`, `x5u`, `jwk` and `x5c`
 * headers are never followed.
 */
export class JoseAccessTokens implements AccessTokenIssuer, AccessTokenVerifier {
  /** Per kid, imported once: jose signs and verifies with WebCrypto keys, and converts anything else on every call. */
  private readonly privateKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
  private readonly publicKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
  private lastUnknownKidReloadMs = -Infinity;
  /**
   * Tokens that passed verification, by their exact bytes, with the kid that signed them. A client
   * presents one access token for its whole life, and an RSA verification is most of what a
   * bearer check costs. Signature, issuer, audience and type are properties of the bytes and
   * cannot change; what can is rechecked on every hit, exactly as a verification would: the
   * expiry (same leeway) and the signing key's state, so a revoked key's tokens are refused at
   * once. Only successes are remembered, so an attacker can add nothing without a valid token.
   */
  private readonly verified = new TtlMap<{ claims: AccessTokenClaims; kid: string }>(
    VERIFIED_TTL_MS,
    VERIFIED_MAX_ENTRIES,
  );

  constructor(
    private readonly store: SigningKeyStore,
    private readonly clock: Clock,
    private readonly options: AccessTokenOptions,
    /** Signs for keys held in AWS KMS (`kmsKeyId`); unset where no key is. */
    private readonly remoteSigner?: RemoteKeySigner,
  ) {}

  async issue(input: {
    userId: string;
    sessionId: string;
    roles: string[];
    permissions: string[];
    organization?: { id: string; roles: string[]; permissions: string[] };
  }): Promise<{ token: string; expiresIn: number }> {
    const key = activeKeyOf(await this.store.list());
    if (!key) throw new Error('no active signing key');
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const organizationClaims = input.organization
      ? {
          org_id: input.organization.id,
          org_roles: input.organization.roles,
          org_permissions: input.organization.permissions,
        }
      : {};
    const header = { alg: ALGORITHM, kid: key.kid, typ: TOKEN_TYPE };
    const payload = {
      sid: input.sessionId,
      roles: input.roles,
      permissions: input.permissions,
      ...organizationClaims,
      iss: this.options.issuer,
      aud: this.options.audience,
      sub: input.userId,
      jti: randomUUID(),
      iat,
      exp: iat + this.options.ttlSeconds,
    };
    // A span of its own: RS256 signing runs on the thread pool argon2 also uses (or is a KMS call).
    const token = await inSpan(
      'jwt.sign',
      async () =>
        key.kmsKeyId === undefined
          ? new SignJWT(payload).setProtectedHeader(header).sign(await this.privateKeyFor(key))
          : this.signRemotely(key.kmsKeyId, header, payload),
      { attributes: { 'latchkey.signing_key.kid': key.kid } },
    );
    return { token, expiresIn: this.options.ttlSeconds };
  }

  /** A compact JWS (RFC 7515 §7.1) whose signature KMS makes over the SHA-256 of its signing input. */
  private async signRemotely(keyId: string, header: object, payload: object): Promise<string> {
    if (!this.remoteSigner)
      throw new Error(`signing key ${keyId} is held remotely and no remote signer is set`);
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const signingInput = `${encode(header)}.${encode(payload)}`;
    const digest = createHash('sha256').update(signingInput).digest();
    const signature = await this.remoteSigner.sign(keyId, digest);
    return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    const now = this.clock.now();
    const remembered = this.verified.get(token, now.getTime());
    if (remembered && (await this.stillValid(remembered, now))) return remembered.claims;
    let kid: string | undefined;
    const claims = await verifyAccessToken(
      token,
      async (header) => {
        const key = await this.findKey(header.kid);
        if (!key || !isVerifying(key)) throw new InvalidAccessToken();
        kid = key.kid;
        return this.publicKeyFor(key);
      },
      { issuer: this.options.issuer, audience: this.options.audience, now },
    );
    this.verified.set(token, { claims, kid: kid! }, now.getTime());
    return claims;
  }

  /** What a verification would decide again about a token it accepted: expiry and key state. */
  private async stillValid(
    remembered: { claims: AccessTokenClaims; kid: string },
    now: Date,
  ): Promise<boolean> {
    // jose's rule: expired when exp <= now - leeway, in whole seconds.
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (remembered.claims.exp <= nowSeconds - ACCESS_TOKEN_LEEWAY_SECONDS) return false;
    const key = (await this.store.list()).find((candidate) => candidate.kid === remembered.kid);
    return key !== undefined && isVerifying(key);
  }

  /** A kid this instance has not seen may be another instance's fresh key: reread once, then decide. */
  private async findKey(kid: string): Promise<SigningKey | undefined> {
    const known = (await this.store.list()).find((candidate) => candidate.kid === kid);
    if (known) return known;
    const nowMs = Date.now();
    if (nowMs - this.lastUnknownKidReloadMs < UNKNOWN_KID_RELOAD_MS) return undefined;
    this.lastUnknownKidReloadMs = nowMs;
    return (await this.store.list({ fresh: true })).find((candidate) => candidate.kid === kid);
  }

  /** Imported once per kid, from the published JWK: what every verifier of our tokens checks against. */
  private publicKeyFor(key: SigningKey): Promise<webcrypto.CryptoKey> {
    return importedOnce(this.publicKeys, key.kid, () => importJWK({ ...key.publicJwk }, ALGORITHM));
  }

  private privateKeyFor(key: SigningKey): Promise<webcrypto.CryptoKey> {
    return importedOnce(this.privateKeys, key.kid, () => {
      // Whatever PEM form the store holds, WebCrypto imports PKCS#8.
      const pkcs8 = createPrivateKey(key.privateKeyPem).export({ type: 'pkcs8', format: 'pem' }) as string;
      return importPKCS8(pkcs8, ALGORITHM);
    });
  }
}

/** `load`'s key, kept in `keys` by kid; a failed import is not remembered: the next call tries again. */
function importedOnce(
  keys: Map<string, Promise<webcrypto.CryptoKey>>,
  kid: string,
  load: () => Promise<webcrypto.CryptoKey | Uint8Array>,
): Promise<webcrypto.CryptoKey> {
  let entry = keys.get(kid);
  if (!entry) {
    entry = Promise.resolve()
      .then(load)
      .then((key) => {
        if (key instanceof Uint8Array) throw new Error(`signing key ${kid} imported as a secret`);
        return key;
      });
    entry.catch(() => keys.delete(kid));
    keys.set(kid, entry);
  }
  return entry;
}

/** A signed token's header, once its algorithm is ours and it names a key. */
export type AccessTokenHeader = JWTHeaderParameters & { kid: string };

/**
 * The checks every verifier of Latchkey access tokens makes, whoever holds the keys (this key
 * store, or a remote JWKS at the gateway): RS256 only, a `kid` resolved by `keyFor` alone (`jku`,
 * `x5u`, `jwk` and `x5c` are never followed), our issuer and audience, the `at+jwt` type, the
 * leeway, and the claims a principal is made of. Anything else is InvalidAccessToken; what
 * `keyFor` throws that is not a token error (the keys cannot be had) passes through.
 */
export async function verifyAccessToken(
  token: string,
  keyFor: (header: AccessTokenHeader, token: FlattenedJWSInput) => ReturnType<JWTVerifyGetKey>,
  options: { issuer: string; audience: string; now: Date },
): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header, flattened) => {
        if (header.alg !== ALGORITHM || typeof header.kid !== 'string') throw new InvalidAccessToken();
        return keyFor(header as AccessTokenHeader, flattened);
      },
      {
        algorithms: [ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
        typ: TOKEN_TYPE,
        clockTolerance: ACCESS_TOKEN_LEEWAY_SECONDS,
        currentDate: options.now,
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
      },
    );
    const roles = stringsOf(payload.roles);
    // A token signed before the claim existed (at most one access-token lifetime after the
    // upgrade) means what its roles meant then; a token with the claim means exactly it.
    const permissions = Array.isArray(payload.permissions)
      ? stringsOf(payload.permissions)
      : permissionsOf(roles);
    if (typeof payload.sid !== 'string') throw new InvalidAccessToken();
    return {
      sub: payload.sub!,
      sid: payload.sid,
      roles,
      permissions,
      jti: payload.jti!,
      iat: payload.iat!,
      exp: payload.exp!,
    };
  } catch (error) {
    if (
      error instanceof InvalidAccessToken ||
      error instanceof errors.JOSEError ||
      error instanceof TypeError
    ) {
      throw new InvalidAccessToken();
    }
    throw error;
  }
}

function stringsOf(claim: unknown): string[] {
  return Array.isArray(claim) ? claim.filter((item): item is string => typeof item === 'string') : [];
}
