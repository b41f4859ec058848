import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A user's profile; `userId` is the identity module's account id (no cross-module FK). */
export const profiles = pgTable('profiles', {
  userId: uuid('user_id').primaryKey(),
  name: text('name').notNull(),
  roles: text('roles')
    .array()
    .notNull()
    .default(sql`'{user}'::text[]`),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
});

/**
 * The database role that tenant-scoped statements run as (`set local role`): the row-level
 * security policies below bind it, so within such a statement only the organization named by
 * `app.current_org_id` exists. Created, with the policies, by a hand-written migration.
 */
export const TENANT_ROLE = 'latchkey_tenant';

/**
 * The ids of deleted users: a profile is never made again for one of them (createIfAbsent). In the
 * services deployment the profile is built from identity's `UserRegistered`, which can arrive
 * after the user was already deleted (a consumer behind, a redelivery, a DLQ replay); without this
 * the deleted user's name would come back. An id alone, with no personal data, kept for good
 * (account ids are never reused).
 */
export const deletedUsers = pgTable('deleted_users', {
  userId: uuid('user_id').primaryKey(),
  deletedAt: at('deleted_at').notNull(),
});

/** A tenant. Its slug is unique across all of them (URLs, subdomains). */
export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [uniqueIndex('organizations_slug_key').on(t.slug)],
);

/** Who belongs to which organization, with which role; `userId` is identity's account id. */
export const organizationMembers = pgTable(
  'organization_members',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull(),
    role: text('role', {
      enum: ['ORGANIZATION_OWNER', 'ORGANIZATION_ADMIN', 'ORGANIZATION_MEMBER'],
    }).notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'organization_members_pkey', columns: [t.organizationId, t.userId] }),
    index('organization_members_user_idx').on(t.userId),
  ],
);

/**
 * The services deployment's audit records on their way to the auth service's trail
 * (AuditForwardOutbox): each is written in the transaction of the change it records and
 * delivered after that commits, in order per user, by the outbox relay. Its request data (ip,
 * user agent, event data) is cleared once delivered. The monolith records into the trail itself
 * and leaves this table empty.
 */
export const auditForward = pgTable(
  'audit_forward',
  {
    /** The audit event's id (UUIDv7): the auth service writes it once, however often delivered. */
    id: uuid('id').primaryKey(),
    /** The writing transaction (pg_current_xact_id), the first of the per-user order (as event_outbox). */
    xact: bigint('xact', { mode: 'number' })
      .notNull()
      .default(sql`(pg_current_xact_id()::text)::bigint`),
    type: text('type').notNull(),
    userId: uuid('user_id').notNull(),
    /** `{ ip, userAgent, requestId, occurredAt, data }`; null once settled. */
    record: jsonb('record').$type<Record<string, unknown>>(),
    status: text('status', { enum: ['pending', 'sent', 'failed', 'cancelled'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    lockedUntil: at('locked_until'),
    lastError: text('last_error'),
    createdAt: at('created_at').notNull(),
    settledAt: at('settled_at'),
  },
  (t) => [
    index('audit_forward_due_idx')
      .on(t.xact, t.id)
      .where(sql`${t.status} = 'pending'`),
    index('audit_forward_key_idx')
      .on(t.userId, t.xact, t.id)
      .where(sql`${t.status} = 'pending'`),
    index('audit_forward_settled_idx')
      .on(t.settledAt)
      .where(sql`${t.status} <> 'pending'`),
  ],
);
