import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
