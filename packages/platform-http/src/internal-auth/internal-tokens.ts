import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { TtlMap } from '@latchkey/platform';
import { Clock, DomainError, type Principal } from '@latchkey/shared-kernel';

/** Where a gateway or service puts its token on a request to another service. */
export const INTERNAL_TOKEN_HEADER = 'latchkey-internal-token';

const ALGORITHM = 'HS256';
const TOKEN_TYPE = 'latchkey-internal+jwt';
/** A token is made per request: a minute covers a slow hop, and bounds what a captured one is worth. */
export const INTERNAL_TOKEN_LIFETIME_SECONDS = 60;
/** Clock skew allowed between hosts. */
const LEEWAY_SECONDS = 5;
/** Tokens remembered against replay. More than this in a minute and the oldest are forgotten early. */
const REMEMBERED_MAX = 500_000;
/** RFC 7518 §3.2: an HS256 key is at least as long as the hash's output. */
export const INTERNAL_KEY_MIN_BYTES = 32;

/**
 * Peer name → the secrets this process shares with that peer (one per pair of processes, known to
 * those two only). The first is the one it signs with; the others are still accepted, for the
 * length of a rotation (docs/security.md, "Internal authentication").
 */
export type PeerKeys = ReadonlyMap<string, readonly Buffer[]>;

/** Missing, forged, expired, replayed, or meant for another service: the request touches nothing. */
export class InternalAuthenticationFailed extends DomainError {
  readonly code = 'UNAUTHORIZED' as const;
  constructor() {
    super('This service accepts requests from the gateway and the other Latchkey services only', {
      challenge: 'LatchkeyInternal',
    });
  }
}

/** What a verified internal token says: who sent it, and the end user the gateway authenticated. */
export interface InternalCall {
  caller: string;
  principal?: Principal;
  /**
   * The hash of the access token the principal was read from (`accessTokenHash`): the principal
   * counts only for a request that carries that very token.
   */
  ath?: string;
}

/** base64url(SHA-256(token)), as RFC 9449 §4.2 binds an access token (`ath`). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Signs the token a caller (`gateway`, `auth-service`) puts on each request to another service:
 * HS256 under the secret the caller shares with that callee, the callee as audience, a minute of
 * life, a fresh `jti`, and the principal the gateway verified from the client's access token, if any.
 *
 * A compact JWS (RFC 7515) made with node:crypto's HMAC: an Ed25519 signature made and checked per
 * request was a third of the gateway hop's CPU (decision 0013, docs/performance.md); an HMAC costs
 * about 5 µs each side. The spec verifies it with jose, which is what proves the encoding.
 */
export class InternalTokenIssuer {
  /** base64url of the protected header, the same for every token of this caller. */
  private readonly header: string;

  constructor(
    private readonly caller: string,
    private readonly keys: PeerKeys,
    private readonly clock: Clock,
  ) {
    this.header = base64url({ alg: ALGORITHM, typ: TOKEN_TYPE, kid: caller });
  }

  /**
   * `vouch`: the end user the caller authenticated, and the access token it did so from (bound by
   * its hash, so the principal cannot be lifted onto a request with another token).
   */
  issue(audience: string, vouch?: { principal: Principal; accessToken: string }): Promise<string> {
    const key = this.keys.get(audience)?.[0];
    // A wiring mistake, not a request's: every callee a process calls is in its INTERNAL_AUTH_KEYS.
    if (key === undefined) throw new Error(`${this.caller} shares no internal key with ${audience}`);
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const claims = {
      ...(vouch
        ? {
            principal: {
              userId: vouch.principal.userId,
              sessionId: vouch.principal.sessionId,
              roles: vouch.principal.roles,
              permissions: vouch.principal.permissions,
            },
            ath: accessTokenHash(vouch.accessToken),
          }
        : {}),
      iss: this.caller,
      aud: audience,
      iat: now,
      exp: now + INTERNAL_TOKEN_LIFETIME_SECONDS,
      jti: randomUUID(),
    };
    const signingInput = `${this.header}.${base64url(claims)}`;
    return Promise.resolve(`${signingInput}.${mac(key, signingInput).toString('base64url')}`);
  }
}

function mac(key: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A service's check of the internal token on every request. Only the callers it shares a secret
 * with, only tokens addressed to it, at most a minute old, each accepted once: a token replayed
 * to this instance within its life is refused. (Another instance of the same service has its own
 * memory; the minute of life bounds a replay there.)
 */
export class InternalTokenVerifier {
  private readonly remembered = new TtlMap<true>(
    (INTERNAL_TOKEN_LIFETIME_SECONDS + 2 * LEEWAY_SECONDS) * 1000,
    REMEMBERED_MAX,
  );

  constructor(
    private readonly audience: string,
    private readonly callers: PeerKeys,
    private readonly clock: Clock,
  ) {}

  /**
   * The token's caller and claims once its MAC and life check out. Checked here rather than by
   * jose: the format is this module's own (one algorithm, one header, known keys), and jose's
   * WebCrypto path cost the auth service 290 µs of every proxied request against 130 µs for
   * node:crypto (docs/performance.md, "The services deployment").
   */
  async verify(token: string | undefined): Promise<InternalCall> {
    if (!token) throw new InternalAuthenticationFailed();
    const now = this.clock.now();
    const { signer, payload } = this.signedPayloadOf(token);
    const nowSeconds = now.getTime() / 1000;
    const { iss, aud, iat, exp, jti } = payload;
    if (typeof iss !== 'string' || aud !== this.audience || typeof jti !== 'string' || jti === '')
      throw new InternalAuthenticationFailed();
    if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) throw new InternalAuthenticationFailed();
    const [issuedAt, expiresAt] = [iat as number, exp as number];
    // Expired, issued in the future, or older than a token can live (each with the skew allowed).
    if (nowSeconds >= expiresAt + LEEWAY_SECONDS || issuedAt > nowSeconds + LEEWAY_SECONDS)
      throw new InternalAuthenticationFailed();
    if (nowSeconds - issuedAt > INTERNAL_TOKEN_LIFETIME_SECONDS + 2 * LEEWAY_SECONDS)
      throw new InternalAuthenticationFailed();
    // The key is the pair's: the caller may speak only for itself, and only for a minute.
    if (iss !== signer) throw new InternalAuthenticationFailed();
    if (expiresAt - issuedAt > INTERNAL_TOKEN_LIFETIME_SECONDS) throw new InternalAuthenticationFailed();
    const principal = principalOf(payload.principal);
    if (principal === null) throw new InternalAuthenticationFailed();
    const { ath } = payload;
    if (principal !== undefined && typeof ath !== 'string') throw new InternalAuthenticationFailed();
    // No await between the check and the remembering: two copies of one token cannot both pass.
    const nowMs = now.getTime();
    if (this.remembered.get(jti, nowMs)) throw new InternalAuthenticationFailed();
    this.remembered.set(jti, true, nowMs);
    return principal === undefined ? { caller: iss } : { caller: iss, principal, ath: ath as string };
  }

  /**
   * A compact JWS of exactly this format: the header `{ alg: HS256, typ, kid }` and nothing else
   * (no `crit`, no `b64`), `kid` a known caller, a 32-byte HMAC-SHA256 over the first two parts
   * under a secret this service shares with that caller, and a JSON object as payload.
   */
  private signedPayloadOf(token: string): { signer: string; payload: Record<string, unknown> } {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part)))
      throw new InternalAuthenticationFailed();
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    const header = jsonObjectOf(encodedHeader);
    const { alg, typ, kid } = header ?? {};
    if (!header || Object.keys(header).some((name) => !HEADER_PARAMETERS.has(name)))
      throw new InternalAuthenticationFailed();
    if (alg !== ALGORITHM || typ !== TOKEN_TYPE || typeof kid !== 'string')
      throw new InternalAuthenticationFailed();
    const keys = this.callers.get(kid);
    const signature = Buffer.from(encodedSignature, 'base64url');
    if (keys === undefined || signature.length !== HS256_BYTES) throw new InternalAuthenticationFailed();
    const signingInput = `${encodedHeader}.${encodedPayload}`;
    // Constant-time, and every secret of the pair tried (the current one and, mid-rotation, the last).
    const matches = keys.map((key) => timingSafeEqual(mac(key, signingInput), signature));
    if (!matches.includes(true)) throw new InternalAuthenticationFailed();
    const payload = jsonObjectOf(encodedPayload);
    if (!payload) throw new InternalAuthenticationFailed();
    return { signer: kid, payload };
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const HEADER_PARAMETERS: ReadonlySet<string> = new Set(['alg', 'typ', 'kid']);
const HS256_BYTES = 32;

/** The base64url JSON object, or undefined for anything else. */
function jsonObjectOf(encoded: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
/** The claim's principal; undefined when absent, null when malformed. */
function principalOf(value: unknown): Principal | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) return null;
  const { userId, sessionId, roles, permissions } = value as Record<string, unknown>;
  const strings = (list: unknown): list is string[] =>
    Array.isArray(list) && list.every((item) => typeof item === 'string');
  if (typeof userId !== 'string' || typeof sessionId !== 'string') return null;
  if (!strings(roles) || !strings(permissions)) return null;
  return { userId, sessionId, roles, permissions };
}
