import type { AttemptVerdict } from '../domain/login-protection';
import type { DeliveryState } from '../domain/one-time-secret';
import type { RefreshTokenRecord, RevokeReason, Session } from '../domain/session';
import type { SigningKey, SigningKeySource } from '../domain/signing-key';

// ---------------------------------------------------------------------------------------------
// Settings: the identity policy values, bound from configuration by the module.
// ---------------------------------------------------------------------------------------------

export abstract class IdentitySettings {
  abstract readonly accessTokenTtlSeconds: number;
  abstract readonly refreshTokenTtlSeconds: number;
  abstract readonly sessionMaxAgeSeconds: number;
  abstract readonly refreshReuseGraceSeconds: number;
  abstract readonly passwordMinLength: number;
  abstract readonly passwordResetTtlSeconds: number;
  abstract readonly emailVerificationTtlSeconds: number;
  abstract readonly verificationResendCooldownSeconds: number;
  abstract readonly registerUniformResponse: boolean;
  abstract readonly jwksCacheTtlSeconds: number;
  abstract readonly rsaBits: number;
  /** Unset: no scheduled rotation. */
  abstract readonly keyRotationIntervalSeconds: number | undefined;
  /** Production never signs with a key it generated for itself at start-up. */
  abstract readonly production: boolean;
  /** How long audit events are kept; unset: forever. */
  abstract readonly auditRetentionSeconds: number | undefined;
}

/** Who changed a signing key, for the audit trail. */
export type KeyActor = 'cli' | 'scheduler' | 'bootstrap';

import type { RequestMeta } from '../../../shared-kernel/principal';

export type { RequestMeta };

// ---------------------------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------------------------

export interface Account {
  id: string;
  email: string;
  passwordHash: string;
  emailVerifiedAt: Date | null;
  disabledAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
}

export function isAccountActive(account: Pick<Account, 'disabledAt' | 'deletedAt'>): boolean {
  return account.disabledAt === null && account.deletedAt === null;
}

export abstract class AccountRepository {
  /** Throws EmailAlreadyRegistered when a live account has the address (decided by a unique index). */
  abstract create(account: Account): Promise<void>;
  abstract findByEmail(email: string): Promise<Account | undefined>;
  abstract findById(id: string): Promise<Account | undefined>;
  /** The accounts among `ids` that exist, in no particular order. */
  abstract findMany(ids: string[]): Promise<Account[]>;
  abstract updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void>;
  /** Marks the address verified if it still is the account's address; false when it is not. */
  abstract markEmailVerified(id: string, email: string, now: Date): Promise<boolean>;
  /** Live accounts in id (creation) order after `afterId`; `email` narrows to that address. */
  abstract page(query: { afterId?: string; limit: number; email?: string }): Promise<Account[]>;
  /** Deletes the account row; its sessions, tokens and emailed secrets go with it (cascade). */
  abstract delete(id: string): Promise<void>;
}

export interface PasswordResetToken {
  id: string;
  accountId: string;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
}

export abstract class PasswordResetRepository {
  /** Voids the account's unused tokens and stores the new one: only the newest link works. */
  abstract issue(token: PasswordResetToken, now: Date): Promise<void>;
  /** The account a still-usable token belongs to, without consuming it. */
  abstract findUsable(tokenHash: string, now: Date): Promise<string | undefined>;
  /**
   * Consumes the token if it is still usable, in one conditional UPDATE: of concurrent confirms
   * exactly one gets the account id back, the others undefined.
   */
  abstract consume(tokenHash: string, now: Date): Promise<string | undefined>;
  /** Voids every unused token of the account (its password changed by other means); returns how many. */
  abstract voidAll(accountId: string, now: Date): Promise<number>;
}

export interface EmailVerification {
  id: string;
  accountId: string;
  /** The address the secret was sent to; it verifies that address only. */
  email: string;
  tokenHash: string;
  codeHash: string;
  failedCodeAttempts: number;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  voidedAt: Date | null;
  /** The email carrying it (for the resend cooldown, which failed sends do not count against). */
  messageId: string | null;
}

export abstract class EmailVerificationRepository {
  /** Voids the account's unused verifications (a new one is about to be sent). */
  abstract voidUnused(accountId: string, now: Date): Promise<void>;
  abstract add(verification: EmailVerification): Promise<void>;
  /** The account's most recent verification, whatever its state. */
  abstract latest(accountId: string): Promise<EmailVerification | undefined>;
  /** The account's verifications created at or after `since` (for its daily allowances). */
  abstract createdSince(
    accountId: string,
    since: Date,
  ): Promise<Pick<EmailVerification, 'id' | 'createdAt' | 'failedCodeAttempts'>[]>;
  /** Consumes a usable verification by its link token, atomically; undefined if none. */
  abstract consumeByToken(tokenHash: string, now: Date): Promise<EmailVerification | undefined>;
  /** The account's newest unused, unvoided verification, locked until the transaction ends. */
  abstract lockCurrent(accountId: string): Promise<EmailVerification | undefined>;
  abstract recordWrongCode(id: string): Promise<void>;
  abstract markUsed(id: string, now: Date): Promise<void>;
}

/** A refresh chain as one statement saw it: the presented token, its session, the live token. */
export interface RefreshChain {
  session: Session;
  presented: RefreshTokenRecord;
  live: RefreshTokenRecord | undefined;
  accountActive: boolean;
}

export interface NewRefreshToken {
  id: string;
  tokenHash: string;
  generation: number;
  createdAt: Date;
}

export interface Rotation {
  sessionId: string;
  presentedId: string;
  successor: NewRefreshToken;
  sealedSuccessor: string;
  now: Date;
  idleExpiresAt: Date;
  /** The audit event of the rotation: it commits with the rotation or not at all. */
  event: AuthEvent;
}

export abstract class SessionRepository {
  /** The session and its first refresh token: writes only, in the caller's unit of work. */
  abstract create(session: Session, firstToken: NewRefreshToken): Promise<void>;
  /** The session a refresh token (of any generation) belongs to, without locking. */
  abstract findSessionIdByTokenHash(tokenHash: string): Promise<string | undefined>;
  /** The chain of the presented token, read in one snapshot without locking (undefined: unknown token). */
  abstract findChain(presentedTokenHash: string): Promise<RefreshChain | undefined>;
  /**
   * Atomically, under the session's row lock: retires the presented token, makes its successor
   * the live token, slides the session and records the event, but only while the session is
   * unrevoked and the presented token still live. False when a concurrent rotation or revocation
   * got there first and nothing was written: read the chain again and decide on what it shows.
   */
  abstract rotate(rotation: Rotation): Promise<boolean>;
  abstract findById(sessionId: string): Promise<Session | undefined>;
  /** Revokes the given sessions if still live; returns the ids actually revoked. */
  abstract revoke(
    sessionIds: string[],
    reason: RevokeReason,
    now: Date,
    options?: { reuseDetected?: boolean },
  ): Promise<string[]>;
  abstract listLiveIdsForUser(userId: string): Promise<string[]>;
  /**
   * Unrevoked sessions begun at or before `createdAtOrBefore`, in id order after `afterId`, at
   * most `limit`: pages through every session without holding them all.
   */
  abstract listLive(page: {
    createdAtOrBefore: Date;
    afterId: string | undefined;
    limit: number;
  }): Promise<{ id: string; userId: string }[]>;
  abstract setActiveOrganization(sessionId: string, organizationId: string): Promise<void>;
  abstract listActiveForUser(userId: string, now: Date): Promise<Session[]>;
  /**
   * Whether access tokens of this session may still be honoured: the session is live, its
   * account active, and it is `userId`'s (a token's `sid` must be a session of its `sub`).
   */
  abstract accessStatus(sessionId: string, userId: string, now: Date): Promise<'active' | 'inactive'>;
}

export type AuthEventType =
  | 'UserRegistered'
  | 'UserLoggedIn'
  | 'UserLoginFailed'
  | 'RefreshTokenRotated'
  | 'RefreshTokenReuseDetected'
  | 'UserLoggedOut'
  | 'SessionRevoked'
  | 'SigningKeyChanged'
  | 'AuditEventsPurged'
  | 'UserAccountLocked'
  | 'SuspiciousActivityDetected'
  | 'PasswordResetRequested'
  | 'PasswordResetCompleted'
  | 'PasswordResetLinksVoided'
  | 'PasswordChanged'
  | 'EmailVerificationSent'
  | 'EmailVerified'
  | 'RegistrationAttemptForExistingAccount'
  | 'UserProfileUpdated'
  | 'UserRoleChanged'
  | 'UserDeleted'
  | 'OrganizationCreated'
  | 'OrganizationDeleted'
  | 'MemberAdded'
  | 'MemberRoleChanged'
  | 'MemberRemoved'
  | 'OrganizationSwitched';

export interface AuthEvent {
  type: AuthEventType;
  userId: string | null;
  sessionId: string | null;
  meta: RequestMeta;
  data?: Record<string, unknown>;
}

/** The append-only audit trail, written in the same transaction as the change it records. */
export abstract class AuditLog {
  abstract record(event: AuthEvent): Promise<void>;
  /** Erasure: the user's events keep their type, time and user id; ip, user agent and data go. */
  abstract redactUser(userId: string): Promise<void>;
  /** Retention: deletes up to `limit` of the oldest events that occurred before `cutoff`. */
  abstract purgeBefore(cutoff: Date, limit: number): Promise<number>;
  abstract countBefore(cutoff: Date): Promise<number>;
  /**
   * For an operator's investigation: the newest events since `since` of the account `userId`,
   * or naming `email` (failed logins and reset requests for an address, known or not).
   */
  abstract find(query: AuditQuery): Promise<RecordedAuthEvent[]>;
}

export interface AuditQuery {
  userId: string | null;
  email: string;
  since: Date;
  types: readonly string[];
  limit: number;
}

export interface RecordedAuthEvent {
  type: string;
  occurredAt: Date;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// The other module: profiles (name, roles) belong to user-profile.
// ---------------------------------------------------------------------------------------------

export interface ProfileSummary {
  name: string;
  roles: string[];
}

export interface OrganizationSummary {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
}

export interface MembershipSummary {
  organizationId: string;
  role: string;
}

export abstract class ProfileDirectory {
  abstract create(userId: string, name: string, now: Date): Promise<void>;
  abstract find(userId: string): Promise<ProfileSummary | undefined>;
  /** Roles and memberships (oldest first) for an access token, in one read; undefined: no profile. */
  abstract claimsOf(
    userId: string,
  ): Promise<{ roles: string[]; memberships: MembershipSummary[] } | undefined>;
  /** Format and reserved words only; throws VALIDATION_FAILED (the taken check is at create). */
  abstract validateSlug(slug: string): void;
  /** The organization and its owner membership, in the current transaction. */
  abstract createOrganization(
    input: { id: string; name: string; slug: string; ownerId: string; now: Date },
    meta: RequestMeta,
  ): Promise<OrganizationSummary>;
  /** Oldest first. */
  abstract membershipsOf(userId: string): Promise<MembershipSummary[]>;
}

// ---------------------------------------------------------------------------------------------
// Email to the account owner
// ---------------------------------------------------------------------------------------------

export type AccountEmail =
  | { kind: 'email-verification'; to: string; token: string; code: string; expiresAt: Date }
  | { kind: 'password-reset'; to: string; token: string; expiresAt: Date }
  | { kind: 'password-changed'; to: string; at: Date; via: 'reset' | 'change' }
  | { kind: 'registration-attempt'; to: string; at: Date };

/**
 * Emails are queued in the current transaction (a durable outbox) and sent once it commits, with
 * retries: a rolled-back use case sends nothing, and a mail server outage loses nothing.
 */
export abstract class AccountMailer {
  /** Returns the queued message's id. */
  abstract queue(email: AccountEmail): Promise<string>;
  abstract deliveryState(messageId: string): Promise<DeliveryState>;
  /** Withdraws a message that has not been sent yet (its secret was superseded). */
  abstract cancel(messageId: string): Promise<void>;
  /** Erasure: every queued or kept message to the address is deleted. */
  abstract forget(address: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Cryptography
// ---------------------------------------------------------------------------------------------

export type OneTimeSecretPurpose = 'password-reset' | 'email-verification' | 'verification-code';

/** Emailed secrets: generated from a CSPRNG, stored and compared only as keyed hashes. */
export abstract class OneTimeSecrets {
  /** 256 random bits, base64url. */
  abstract token(): string;
  /** Six decimal digits, uniformly random. */
  abstract code(): string;
  abstract hash(purpose: OneTimeSecretPurpose, value: string): string;
  /** Constant-time comparison of `value`'s hash with a stored one. */
  abstract matches(purpose: OneTimeSecretPurpose, value: string, storedHash: string): boolean;
}

/**
 * Counts login attempts per normalised email and per client address against it (see
 * domain/login-protection.ts), atomically, across every instance sharing the store.
 */
export abstract class LoginAttemptGate {
  /** Counts this attempt before any verification and says whether it may proceed. */
  abstract begin(email: string, address: string | null, now: Date): Promise<AttemptVerdict>;
  /** The password was right: the account's count and this address's start over. */
  abstract succeeded(email: string, address: string | null): Promise<void>;
  /**
   * The owner proved control of the mailbox (a password reset, an email verification): every
   * address's count against the account ends with the account's own.
   */
  abstract release(email: string): Promise<void>;
}

export abstract class PasswordHasher {
  abstract hash(plain: string): Promise<string>;
  /** `needsRehash`: the stored hash used weaker parameters than today's; rehash after login. */
  abstract verify(hash: string, plain: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  /** Spends one verification's worth of time on nothing, so unknown accounts take as long as known ones. */
  abstract verifyDummy(plain: string): Promise<void>;
}

export abstract class PasswordBlocklist {
  abstract has(normalizedLowerCasePassword: string): boolean;
}

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  roles: string[];
  /** The `permissions` claim (packages/contracts, permissions.ts). */
  permissions: string[];
  jti: string;
  iat: number;
  exp: number;
}

export abstract class AccessTokenIssuer {
  /**
   * `permissions`: what the roles grant, as the `permissions` claim. `organization`: the active
   * one, as the `org_id`, `org_roles` and `org_permissions` claims.
   */
  abstract issue(input: {
    userId: string;
    sessionId: string;
    roles: string[];
    permissions: string[];
    organization?: { id: string; roles: string[]; permissions: string[] };
  }): Promise<{
    token: string;
    expiresIn: number;
  }>;
}

export abstract class AccessTokenVerifier {
  /** Throws InvalidAccessToken for anything but a valid token signed by one of our keys. */
  abstract verify(token: string): Promise<AccessTokenClaims>;
}

/**
 * Opaque refresh tokens: random values, stored only as keyed hashes. A successor can be sealed
 * under a key derived from its predecessor's value, which the server never stores, and a server
 * secret: only whoever presents the predecessor again can have the successor back (the grace
 * window), and nothing the database holds opens a seal.
 */
export abstract class RefreshTokenCodec {
  abstract generate(): string;
  abstract hash(token: string): string;
  abstract seal(successor: string, presented: string): string;
  /** The sealed successor, or undefined when `presented` (with this server's secret) cannot open it. */
  abstract unseal(sealed: string, presented: string): string | undefined;
}

export abstract class IdGenerator {
  abstract next(): string;
}

// ---------------------------------------------------------------------------------------------
// Signing keys
// ---------------------------------------------------------------------------------------------

/** Where signing keys live (files in dev; the database when several instances share them). */
export abstract class SigningKeyStore {
  /**
   * The whole key set. May be up to KEYS_REFRESH_SECONDS stale (another instance's change);
   * `fresh` rereads it, for administration and for a token whose kid is not known yet.
   */
  abstract list(options?: { fresh?: boolean }): Promise<SigningKey[]>;
  /** Writes changed keys together (activation changes two). */
  abstract save(keys: SigningKey[]): Promise<void>;
  abstract remove(kid: string): Promise<void>;
}

/** Advisory locks held until the current transaction ends. */
export abstract class TransactionLock {
  /** `false` at once when another instance holds it. */
  abstract tryAcquire(name: string): Promise<boolean>;
  /** Waits for it. */
  abstract acquire(name: string): Promise<void>;
}

/** Makes key pairs, described as `next` keys. */
export abstract class SigningKeyFactory {
  abstract generate(bits: number, source: SigningKeySource): Promise<SigningKey>;
  /** From a PEM private key (PKCS#8 or PKCS#1 RSA); refuses anything but RSA of 2048+ bits. */
  abstract fromPem(privateKeyPem: string): Promise<SigningKey>;
  abstract publicPem(key: SigningKey): string;
}
