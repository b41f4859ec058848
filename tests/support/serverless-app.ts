import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { createLogger, loadOrRefuse, RedisConnection } from '@latchkey/platform';
import { openTestDatabase, type TestDatabase } from '@latchkey/platform/testing';
import { TestClock } from '@latchkey/shared-kernel/testing';
import type { ApiConfig } from '../../apps/api/src/api-config';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';
import { LambdaEnvironment } from '../../apps/serverless/src/lambda-environment';
import { EnvironmentPool } from '../../apps/serverless/src/local/environment-pool';
import { socketAddress } from '../../apps/serverless/src/local/api-gateway-http';
import { createLocalHarness } from '../../apps/serverless/src/local/local-harness';
import { readServerlessConfig } from '../../apps/serverless/src/serverless-config';
import { testEnvironment } from './test-environment';

export interface ServerlessApp {
  /** The environment made before the first request: sequential requests all land on it. */
  first: LambdaEnvironment;
  pool: EnvironmentPool;
  /** The local harness (API Gateway and Lambda), not listening: a suite's client binds it. */
  server: Server;
  db: TestDatabase;
  clock: TestClock;
  dataDir: string;
  env: Record<string, string>;
  /** The configuration every environment was made from (Lambda's defaults under the suite's). */
  config: ApiConfig;
  close(): Promise<void>;
}

/**
 * The serverless deployment on this machine, in this process: the HTTP function's execution
 * environments behind the local harness, as `pnpm serverless:local` runs them. On PostgreSQL each
 * environment but the first opens its own pool (DATABASE_URL, two connections), as on Lambda; on
 * PGlite they share the test's embedded database.
 */
export async function startServerlessApp(
  options: {
    env?: Record<string, string>;
    db?: TestDatabase;
    clock?: TestClock;
    logger?: Logger;
    /** A fresh environment for every request (each a cold start). */
    fresh?: boolean;
    /** Concurrent environments at most (the pool's default, 8, otherwise). */
    maxEnvironments?: number;
  } = {},
): Promise<ServerlessApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-serverless-'));
  const db = options.db ?? (await openTestDatabase(MIGRATION_PLAN));
  // TRUST_PROXY is refused on Lambda (the address is API Gateway's): a suite that plays clients at
  // many addresses through X-Forwarded-For has them reach the local API Gateway from there instead.
  const { TRUST_PROXY: playsAddresses, ...suiteEnv } = options.env ?? {};
  const env = testEnvironment(dataDir, {
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    // As on Lambda in production (serverless-config.ts): rate limits and the lockout are shared
    // by the environments, in Redis, under a prefix of this app's own.
    ...(process.env.TEST_REDIS_URL
      ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_KEY_PREFIX: `${path.basename(dataDir)}:` }
      : {}),
    ...suiteEnv,
  });
  const config = loadOrRefuse(readServerlessConfig, env);
  const clock = options.clock ?? new TestClock();
  const logger = options.logger ?? createLogger(config.platform.log.level);
  // The first environment (the one a suite's sequential requests meet) works on the suite's own
  // database handle, as the monolith's app does, so a suite's statements can join its transactions;
  // every other one opens a pool of its own on PostgreSQL.
  let made = 0;
  const pool = new EnvironmentPool({
    create: async () => {
      const environment = await LambdaEnvironment.create({
        config,
        logger,
        clock,
        database: made++ === 0 || !db.url ? db.database : undefined,
      });
      // Here every environment shares one event loop: a cold start's init holds up the replies to
      // the others' Redis commands, which then overrun the 500 ms a command may take (each Lambda
      // environment has a CPU of its own). The suites give them 5 s; Redis down still fails them.
      const redis = environment.latchkey.app.get(RedisConnection, { strict: false }).client;
      if (redis) redis.options.commandTimeout = 5_000;
      return environment;
    },
    fresh: options.fresh,
    maxEnvironments: options.maxEnvironments,
  });
  const first = await pool.warm();
  const server = createLocalHarness(pool, logger, {
    sourceIp: playsAddresses
      ? (request) =>
          String(request.headers['x-forwarded-for'] ?? '')
            .split(',')[0]!
            .trim() || socketAddress(request)
      : undefined,
  });
  return {
    first,
    pool,
    server,
    config,
    db,
    clock,
    dataDir,
    env,
    async close() {
      server.close();
      server.closeIdleConnections();
      await pool.close();
      if (!options.db) await db.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
