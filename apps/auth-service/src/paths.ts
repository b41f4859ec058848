import { identityMigrations } from '@latchkey/identity';
import type { MigrationPlan } from '@latchkey/platform';
import { platformHttpMigrations } from '@latchkey/platform-http';
import { platformMessagingMigrations } from '@latchkey/platform-messaging';

/** The auth service's database holds identity's tables and the platform's, nothing of user-profile. */
export const AUTH_SERVICE_MIGRATIONS: MigrationPlan = {
  streams: [platformMessagingMigrations, platformHttpMigrations, identityMigrations],
};
