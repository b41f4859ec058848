import { type DynamicModule, Module } from '@nestjs/common';
import { Database } from '@latchkey/platform';
import {
  InternalAuthModule,
  InternalHttpClient,
  InternalTokenIssuer,
  operatorPlatformModules,
  serverPlatformModules,
  VouchedPrincipalAuthenticator,
} from '@latchkey/platform-http';
import { EventOutbox, EventSubscriptionsModule } from '@latchkey/platform-messaging';
import {
  ClaimsPush,
  OrganizationRepository,
  OutboxProfileAuditTrail,
  ProfileRepository,
  RemoteAccountDirectory,
  RenameForwardingAuditTrail,
  UserProfileModule,
} from '@latchkey/user-profile';
import { Clock } from '@latchkey/shared-kernel';
import type { UserServiceConfig } from './user-service-config';

/**
 * The user service: user-profile alone, with its own database, outbox and relay. Accounts are
 * the auth service's (its internal API); bearer tokens are authenticated by what the gateway
 * vouched for in the internal token; changes are published from this service's own outbox.
 */
@Module({})
export class UserServiceModule {
  /** `operator`: the wiring of an operator command (`pnpm services:users`): no HTTP, relay or consumer. */
  static register(options: {
    config: UserServiceConfig;
    database: Database;
    clock?: Clock;
    operator?: boolean;
  }): DynamicModule {
    const { config } = options;
    const authService = (issuer: InternalTokenIssuer) =>
      new InternalHttpClient(config.links.authServiceUrl, 'auth-service', issuer);
    const accounts = {
      inject: [InternalTokenIssuer],
      useFactory: (issuer: InternalTokenIssuer) => new RemoteAccountDirectory(authService(issuer)),
    };
    return {
      module: UserServiceModule,
      imports: [
        ...(options.operator
          ? operatorPlatformModules({
              config: config.platform,
              database: options.database,
              clock: options.clock,
            })
          : [
              // No mail is sent here; the readiness probe reports the transport like every process's.
              ...serverPlatformModules({
                config: config.platform,
                database: options.database,
                clock: options.clock,
                deliverMail: false,
              }),
              EventSubscriptionsModule,
            ]),
        InternalAuthModule.forRoot('user-service', config.internalAuth),
        UserProfileModule.forRoot({
          accounts,
          registrations: accounts,
          // The outbox, the claims pushed after commit, renames passed on before it.
          auditTrail: {
            inject: [
              InternalTokenIssuer,
              EventOutbox,
              Clock,
              Database,
              ProfileRepository,
              OrganizationRepository,
            ],
            useFactory: (
              issuer: InternalTokenIssuer,
              outbox: EventOutbox,
              clock: Clock,
              database: Database,
              profiles: ProfileRepository,
              organizations: OrganizationRepository,
            ) => {
              const push = new ClaimsPush(authService(issuer), database, profiles, organizations);
              return new RenameForwardingAuditTrail(
                new OutboxProfileAuditTrail(outbox, clock, (userId, version) =>
                  push.changed(userId, version),
                ),
                authService(issuer),
              );
            },
          },
          authenticator: { useFactory: () => new VouchedPrincipalAuthenticator() },
        }),
      ],
    };
  }
}
