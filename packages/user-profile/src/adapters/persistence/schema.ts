import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

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
