import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { PublicJwk } from '../../domain/signing-key';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Who can log in: the login identifier and its credential. Profiles live in user-profile. */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey(),
    /** Trimmed and lower-cased before it gets here; the index guards it anyway. */
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    emailVerifiedAt: at('email_verified_at'),
    disabledAt: at('disabled_at'),
    deletedAt: at('deleted_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  // Uniqueness is decided here, not by a check-then-insert: concurrent registrations of one
  // address give one row and unique violations. Deleted accounts free their address.
  (t) => [
    uniqueIndex('accounts_email_key')
      .on(sql`lower(${t.email})`)
      .where(sql`${t.deletedAt} is null`),
  ],
);

/** A session is one refresh-token chain: one login on one device. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    deviceId: text('device_id'),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: at('created_at').notNull(),
    lastUsedAt: at('last_used_at').notNull(),
    /** Absolute end (SESSION_MAX_AGE): no refresh extends it. */
    expiresAt: at('expires_at').notNull(),
    /** Sliding end (REFRESH_TOKEN_TTL), pushed forward by each rotation, never past expiresAt. */
    idleExpiresAt: at('idle_expires_at').notNull(),
    revokedAt: at('revoked_at'),
    revokeReason: text('revoke_reason'),
    reuseDetectedAt: at('reuse_detected_at'),
    /** user-profile's organization id (no cross-module foreign key). */
    activeOrganizationId: uuid('active_organization_id'),
  },
  (t) => [
    index('sessions_user_live_idx')
      .on(t.userId)
      .where(sql`${t.revokedAt} is null`),
    // The clean-up: live sessions by when they run out (idle end <= absolute end), ended ones by when.
    index('sessions_live_idle_idx')
      .on(t.idleExpiresAt)
      .where(sql`${t.revokedAt} is null`),
    index('sessions_ended_idx')
      .on(t.revokedAt)
      .where(sql`${t.revokedAt} is not null`),
  ],
);

/** Every refresh token ever issued in a chain, stored only as an HMAC of its value. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    generation: integer('generation').notNull(),
    createdAt: at('created_at').notNull(),
    rotatedAt: at('rotated_at'),
    successorId: uuid('successor_id'),
    /** The successor's value sealed under a key derived from this token (grace-window replay). */
    sealedSuccessor: text('sealed_successor'),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_session_idx').on(t.sessionId),
    // The chain never forks: at most one unrotated token per session, enforced by the database.
    uniqueIndex('refresh_tokens_one_live_per_session')
      .on(t.sessionId)
      .where(sql`${t.rotatedAt} is null`),
  ],
);

/** Password-reset tokens, stored only as keyed hashes. A new one voids the account's older ones. */
export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
    voidedAt: at('voided_at'),
  },
  (t) => [
    uniqueIndex('password_reset_tokens_hash_key').on(t.tokenHash),
    index('password_reset_tokens_account_live_idx')
      .on(t.accountId)
      .where(sql`${t.usedAt} is null and ${t.voidedAt} is null`),
    index('password_reset_tokens_expires_idx').on(t.expiresAt),
  ],
);

/** Email verifications: a link token and a 6-digit code, both stored only as keyed hashes. */
export const emailVerifications = pgTable(
  'email_verifications',
  {
    id: uuid('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** Keyed hash of `<id>:<code>`: the same code in two verifications hashes differently. */
    codeHash: text('code_hash').notNull(),
    failedCodeAttempts: integer('failed_code_attempts').notNull().default(0),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
    voidedAt: at('voided_at'),
    messageId: uuid('message_id'),
  },
  (t) => [
    uniqueIndex('email_verifications_hash_key').on(t.tokenHash),
    index('email_verifications_account_idx').on(t.accountId, t.createdAt),
    index('email_verifications_expires_idx').on(t.expiresAt),
  ],
);

/** Signing keys shared by every instance (KEYS_STORE=database). */
export const signingKeys = pgTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    state: text('state', { enum: ['next', 'active', 'retired', 'revoked'] }).notNull(),
    source: text('source', { enum: ['dev-bootstrap', 'generated', 'imported', 'scheduled'] }).notNull(),
    createdAt: at('created_at').notNull(),
    activatedAt: at('activated_at'),
    retiredAt: at('retired_at'),
    revokedAt: at('revoked_at'),
    publicJwk: jsonb('public_jwk').$type<PublicJwk>().notNull(),
    /** AES-256-GCM under KEY_ENCRYPTION_KEY, with the kid as associated data. */
    privateKeyCiphertext: text('private_key_ciphertext').notNull(),
  },
  // Exactly one key signs: the database refuses a second active row whatever the code does.
  (t) => [
    uniqueIndex('signing_keys_one_active')
      .on(t.state)
      .where(sql`${t.state} = 'active'`),
  ],
);

/** Append-only audit trail (a trigger refuses UPDATE and DELETE); no FK, it outlives accounts. */
export const authEvents = pgTable(
  'auth_events',
  {
    id: uuid('id').primaryKey(),
    type: text('type').notNull(),
    userId: uuid('user_id'),
    sessionId: uuid('session_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    occurredAt: at('occurred_at').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('auth_events_user_idx').on(t.userId, t.occurredAt),
    index('auth_events_type_idx').on(t.type, t.occurredAt),
    // The retention purge deletes by age alone.
    index('auth_events_occurred_idx').on(t.occurredAt),
  ],
);

/**
 * The services deployment's claims projection (docs/decisions/0012-services-deployment.md): what
 * the auth service keeps of user-profile's data so that login and refresh mint tokens without
 * calling the user service. Written at registration and by the consumer of user-profile's events;
 * the monolith reads profiles in-process and leaves it empty. No foreign key: the row outlives
 * nothing, and the user service is authoritative.
 */
export const claimsProjection = pgTable('claims_projection', {
  userId: uuid('user_id').primaryKey(),
  name: text('name').notNull(),
  roles: jsonb('roles').$type<string[]>().notNull(),
  /** `{ organizationId, role, since }`, oldest first. */
  memberships: jsonb('memberships')
    .$type<{ organizationId: string; role: string; since: string }[]>()
    .notNull(),
  /**
   * The newest user-profile event (UUIDv7, time-ordered) this row reflects: an event or a pushed
   * state no newer than it is already in the row, so a late delivery cannot undo a newer state.
   */
  lastEventId: uuid('last_event_id'),
  updatedAt: at('updated_at').notNull(),
});
