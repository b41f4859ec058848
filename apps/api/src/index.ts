/**
 * The monolith's composition as a package entry, for deployments that host the same two modules
 * in another runtime (apps/serverless): the application, its configuration and its migrations.
 * `main.ts` is the monolith's own process and is not exported.
 */
export { createApp, type CreateAppOptions, type LatchkeyApp } from './app-factory';
export { type ApiConfig, loadConfig, readConfig } from './api-config';
export { MIGRATION_PLAN, OPENAPI_SPEC_FILE } from './paths';
