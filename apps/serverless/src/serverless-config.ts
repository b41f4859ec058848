import { type ApiConfig, readConfig } from '@latchkey/api';
import type { Env } from '@latchkey/platform';

/**
 * What differs on Lambda from the monolith's defaults (docs/deploy-lambda.md, "The database"):
 * - an execution environment serves one request at a time: two connections are its pool (many
 *   environments share the database, through RDS Proxy);
 * - no named prepared statements and no LISTEN: RDS Proxy pins a client connection to its server
 *   connection for either, and a frozen environment would read notifications late anyway, so the
 *   caches that relied on them do not cache (Database.receivesNotifications);
 * - a cold start never migrates (the migrate function or `pnpm db:migrate` does, once per release).
 */
export const LAMBDA_DEFAULTS: Readonly<Record<string, string>> = {
  DATABASE_POOL_MAX: '2',
  DATABASE_NAMED_STATEMENTS: 'false',
  DATABASE_LISTEN: 'false',
  DB_MIGRATE_ON_START: 'false',
  // An environment serves one request at a time, and stays busy (unable to take the next) until
  // its events are out: nothing would share a delayed pass.
  EVENTS_RELAY_NUDGE_DELAY_MS: '0',
};

/**
 * The monolith's configuration (the same variables, the same secrets source) with Lambda's
 * defaults under it, and what cannot work on Lambda refused at init:
 * - DB_MIGRATE_ON_START=true: migrations on a request's cold start race each other;
 * - TRUST_PROXY: the client's address is API Gateway's `requestContext.http.sourceIp`, never a
 *   header (X-Forwarded-For arrives as the client wrote it, with API Gateway's entry appended);
 * - in production, no REDIS_URL: rate limits and the login lockout would count per execution
 *   environment, each seeing a fraction of an attacker's requests;
 * - in production, no DATABASE_URL: the embedded database cannot be shared by environments.
 */
export function readServerlessConfig(env: Env): { config: ApiConfig; problems: string[] } {
  const withDefaults: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(LAMBDA_DEFAULTS)) {
    if ((withDefaults[name] ?? '').trim() === '') withDefaults[name] = value;
  }
  const { config, problems } = readConfig(withDefaults);
  if (config.platform.database.migrateOnStart)
    problems.push(
      'DB_MIGRATE_ON_START: must be false on Lambda: migrate with the migrate handler or `pnpm db:migrate` before a release takes traffic',
    );
  if (config.platform.http.trustProxy !== false)
    problems.push(
      "TRUST_PROXY: must not be set on Lambda: the client's address is API Gateway's requestContext.http.sourceIp",
    );
  if (config.platform.isProduction) {
    if (config.platform.redis.url === undefined)
      problems.push(
        'REDIS_URL: is required on Lambda in production: without it, rate limits and the login lockout count per execution environment',
      );
    if (config.platform.database.url === undefined)
      problems.push(
        'DATABASE_URL: is required on Lambda: execution environments cannot share the embedded database',
      );
  }
  return { config, problems };
}
