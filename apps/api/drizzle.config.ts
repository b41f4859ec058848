import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the modules' schemas, reviewed, and committed under ./drizzle.
// The API applies them at start (DB_MIGRATE_ON_START) or through `pnpm db:migrate`.
export default defineConfig({
  dialect: 'postgresql',
  schema: [
    '../../packages/identity/src/adapters/persistence/schema.ts',
    '../../packages/user-profile/src/adapters/persistence/schema.ts',
    '../../packages/platform-http/src/idempotency/schema.ts',
    '../../packages/platform-messaging/src/mail/schema.ts',
  ],
  // DRIZZLE_OUT: the schema-drift test generates into a scratch copy of ./drizzle.
  out: process.env.DRIZZLE_OUT ?? './drizzle',
  casing: 'snake_case',
});
