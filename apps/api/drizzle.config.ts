import { defineConfig } from 'drizzle-kit';

// Each package owns its tables and their migrations: `DRIZZLE_STREAM=<package> pnpm db:generate`
// generates from that package's schema into its migrations/ folder (reviewed, then committed).
// The API applies every stream, in order, at start (DB_MIGRATE_ON_START) or through
// `pnpm db:migrate` (apps/api/src/paths.ts, MIGRATION_PLAN).
const STREAMS: Record<string, string | string[]> = {
  'platform-messaging': ['src/mail/schema.ts', 'src/events/schema.ts'],
  'platform-http': 'src/idempotency/schema.ts',
  identity: 'src/adapters/persistence/schema.ts',
  'user-profile': 'src/adapters/persistence/schema.ts',
};

const stream = process.env.DRIZZLE_STREAM ?? '';
const schema = STREAMS[stream];
if (schema === undefined) {
  throw new Error(`DRIZZLE_STREAM must name one of: ${Object.keys(STREAMS).join(', ')}`);
}

export default defineConfig({
  dialect: 'postgresql',
  schema: [schema].flat().map((file) => `../../packages/${stream}/${file}`),
  // DRIZZLE_OUT: the schema-drift test generates into a scratch copy of a stream.
  out: process.env.DRIZZLE_OUT ?? `../../packages/${stream}/migrations`,
  casing: 'snake_case',
});
