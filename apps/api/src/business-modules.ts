import type { DynamicModule } from '@nestjs/common';
import type { ApiConfig } from './api-config';
import {
  IdentityAccountDirectory,
  IdentityAdminModule,
  IdentityCoreModule,
  IdentityModule,
  IdentityProfileAuditTrail,
  SessionAccessTokenAuthenticator,
  UserProfileDirectory,
} from '@latchkey/identity';
import { UserProfileModule } from '@latchkey/user-profile';

/**
 * Both business modules in one process, each answering the other's ports in-process: user-profile
 * gets accounts, the audit trail and bearer authentication from identity's core; identity gets
 * profiles from user-profile's public use cases. Neither module imports the other's Nest module;
 * this is the only place they meet. `operator` is the CLI's variant: identity's use cases without
 * HTTP, the start-up key check or the rotation schedule.
 */
export function monolithModules(config: ApiConfig, host: 'server' | 'operator'): DynamicModule[] {
  const userProfile = UserProfileModule.forRoot({
    imports: [IdentityCoreModule.forRoot(config.identity)],
    accounts: { useExisting: IdentityAccountDirectory },
    auditTrail: { useExisting: IdentityProfileAuditTrail },
    authenticator: { useExisting: SessionAccessTokenAuthenticator },
  });
  const identityOptions = {
    config: config.identity,
    imports: [userProfile],
    profiles: { useClass: UserProfileDirectory },
  };
  const identity =
    host === 'server'
      ? IdentityModule.forRoot(identityOptions)
      : IdentityAdminModule.forRoot(identityOptions);
  return [identity, userProfile];
}
