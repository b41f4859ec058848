import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfig, Database, Metrics } from '@latchkey/platform';
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
  AuditForwarder,
  AuditForwardOutbox,
  ClaimsPush,
  ForwardingAuditTrail,
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
    // The audit records on their way to the auth service's trail; an operator command's process
    // delivers its own before it exits and leaves retries to the server's poll.
    const auditForward: DynamicModule = {
      module: AuditForwardModule,
      providers: [
        {
          provide: AuditForwardOutbox,
          inject: [Database],
          useFactory: (db: Database) => new AuditForwardOutbox(db),
        },
        {
          provide: AuditForwarder,
          inject: [AuditForwardOutbox, InternalTokenIssuer, Clock, Metrics, AppConfig],
          useFactory: (
            outbox: AuditForwardOutbox,
            issuer: InternalTokenIssuer,
            clock: Clock,
            metrics: Metrics,
            app: AppConfig,
          ) =>
            new AuditForwarder(outbox, authService(issuer), clock, metrics, {
              retry: app.events.relay,
              pollIntervalMs: options.operator ? undefined : app.events.relay.pollIntervalMs,
              retentionMs: app.events.retentionSeconds * 1000,
            }),
        },
      ],
      exports: [AuditForwardOutbox, AuditForwarder],
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
          // The public events, the claims pushed after commit, the records for the auth service's
          // trail, renames passed on before the commit.
          imports: [auditForward],
          auditTrail: {
            inject: [
              InternalTokenIssuer,
              EventOutbox,
              Clock,
              Database,
              ProfileRepository,
              OrganizationRepository,
              AuditForwardOutbox,
              AuditForwarder,
            ],
            useFactory: (
              issuer: InternalTokenIssuer,
              outbox: EventOutbox,
              clock: Clock,
              database: Database,
              profiles: ProfileRepository,
              organizations: OrganizationRepository,
              forwardOutbox: AuditForwardOutbox,
              forwarder: AuditForwarder,
            ) => {
              const push = new ClaimsPush(authService(issuer), database, profiles, organizations);
              const published = new OutboxProfileAuditTrail(outbox, clock, (userId, version) =>
                push.changed(userId, version),
              );
              return new RenameForwardingAuditTrail(
                new ForwardingAuditTrail(published, forwardOutbox, forwarder, database, clock),
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

/** The audit forward's outbox and relay (UserServiceModule.register). */
@Module({})
class AuditForwardModule {}
