import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { BackgroundModule, CoreModule, type Database, DatabaseModule, RedisModule } from '@latchkey/platform';
import {
  HealthModule,
  IdempotencyModule,
  InternalAuthModule,
  InternalHttpClient,
  InternalTokenIssuer,
  RateLimitModule,
  VouchedPrincipalAuthenticator,
} from '@latchkey/platform-http';
import {
  EventOutbox,
  EventsModule,
  EventSubscriptionsModule,
  MailModule,
} from '@latchkey/platform-messaging';
import {
  OutboxProfileAuditTrail,
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
  static register(options: { config: UserServiceConfig; database: Database; clock?: Clock }): DynamicModule {
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
        CoreModule.forRoot(config.platform, options.clock, { serveMetrics: true }),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(options.database),
        BackgroundModule.forRoot({ schedule: true }),
        HealthModule,
        IdempotencyModule,
        // No mail is sent here; the readiness probe reports the transport like every process's.
        MailModule.forRoot({ deliver: false }),
        EventsModule.forRoot({ relay: true }),
        EventSubscriptionsModule,
        RedisModule,
        RateLimitModule,
        InternalAuthModule.forRoot('user-service', config.internalAuth),
        UserProfileModule.forRoot({
          accounts,
          registrations: accounts,
          auditTrail: {
            inject: [InternalTokenIssuer, EventOutbox, Clock],
            useFactory: (issuer: InternalTokenIssuer, outbox: EventOutbox, clock: Clock) =>
              new RenameForwardingAuditTrail(new OutboxProfileAuditTrail(outbox, clock), authService(issuer)),
          },
          authenticator: { useFactory: () => new VouchedPrincipalAuthenticator() },
        }),
      ],
    };
  }
}
