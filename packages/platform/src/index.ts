// @latchkey/platform: what every deployment needs (configuration, logging, the database and its
// migration plan, Redis, background work, port bindings). Its only door.
export * from './background/background.module';
export * from './background/cleanup';
export * from './background/deferred-work';
export * from './cache/ttl-map';
export * from './config/app-config';
export * from './config/dev-secret';
export * from './config/env-reader';
export * from './config/server-secrets';
export * from './core.module';
export * from './crypto/pooled-random-bytes';
export * from './database/database-errors';
export * from './database/database.module';
export * from './database/database';
export * from './database/embedded-data-lock';
export * from './database/open-database';
export * from './database/transaction-lock';
export * from './database/unique-violation';
export * from './logging/logger';
export * from './logging/nest-logger';
export * from './logging/request-context';
export * from './redis/redis-connection';
export * from './redis/redis.module';
export * from './redis/store-failure-policy';
export * from './wiring/port-binding';
export * from './database/migration-plan';
