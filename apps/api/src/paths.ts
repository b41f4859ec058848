import path from 'node:path';
import { identityMigrations } from '@latchkey/identity';
import type { MigrationPlan } from '@latchkey/platform';
import { platformHttpMigrations } from '@latchkey/platform-http';
import { platformMessagingMigrations } from '@latchkey/platform-messaging';
import { userProfileMigrations } from '@latchkey/user-profile';

/** apps/api, whether running from src/ (tests) or dist/ (built): both sit one level below it. */
export const API_PACKAGE_ROOT = path.resolve(__dirname, '..');
export const REPO_ROOT = path.resolve(API_PACKAGE_ROOT, '..', '..');
export const OPENAPI_SPEC_FILE = path.join(REPO_ROOT, 'docs', 'openapi.yaml');

/**
 * The monolith's migrations: each hosted package's stream, in this order (no table of one refers
 * to another's), and the single stream of the releases before the packages owned their tables
 * (apps/api/drizzle, frozen), which databases made by those releases finish first.
 */
export const MIGRATION_PLAN: MigrationPlan = {
  legacyFolder: path.join(API_PACKAGE_ROOT, 'drizzle'),
  streams: [platformMessagingMigrations, platformHttpMigrations, identityMigrations, userProfileMigrations],
};
