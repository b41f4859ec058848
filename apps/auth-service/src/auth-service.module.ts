import { type DynamicModule, Module } from '@nestjs/common';
import { Database } from '@latchkey/platform';
import {
  InternalAuthModule,
  InternalHttpClient,
  InternalTokenIssuer,
  serverPlatformModules,
} from '@latchkey/platform-http';
import { EventSubscriptionsModule } from '@latchkey/platform-messaging';
import {
  HttpOrganizationRegistry,
  IdentityModule,
  IdentityProjectionModule,
  ProjectedProfileDirectory,
} from '@latchkey/identity';
import type { Clock } from '@latchkey/shared-kernel';
import type { AuthServiceConfig } from './auth-service-config';

/**
 * The auth service: identity alone, with its own database, outbox and relay. Profiles are the
 * user service's: identity reads names and claims from its claims projection (fed by the user
 * service's events) and creates sign-up's organization over the user service's internal API.
 */
@Module({})
export class AuthServiceModule {
  static register(options: { config: AuthServiceConfig; database: Database; clock?: Clock }): DynamicModule {
    const { config } = options;
    const projection = IdentityProjectionModule.forRoot({
      config: config.identity,
      organizations: {
        inject: [InternalTokenIssuer, Database],
        useFactory: (issuer: InternalTokenIssuer, database: Database) =>
          new HttpOrganizationRegistry(
            new InternalHttpClient(config.links.userServiceUrl, 'user-service', issuer),
            database,
          ),
      },
    });
    return {
      module: AuthServiceModule,
      imports: [
        ...serverPlatformModules({
          config: config.platform,
          database: options.database,
          clock: options.clock,
          deliverMail: true,
        }),
        EventSubscriptionsModule,
        InternalAuthModule.forRoot('auth-service', config.internalAuth),
        IdentityModule.forRoot({
          config: config.identity,
          imports: [projection],
          profiles: { useExisting: ProjectedProfileDirectory },
          internalApi: true,
        }),
      ],
    };
  }
}
