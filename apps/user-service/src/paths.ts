import type { MigrationPlan } from '@latchkey/platform';
import { platformHttpMigrations } from '@latchkey/platform-http';
import { platformMessagingMigrations } from '@latchkey/platform-messaging';
import { userProfileMigrations } from '@latchkey/user-profile';

/** The user service's database holds user-profile's tables (with their RLS) and the platform's. */
export const USER_SERVICE_MIGRATIONS: MigrationPlan = {
  streams: [platformMessagingMigrations, platformHttpMigrations, userProfileMigrations],
};
