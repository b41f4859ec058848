import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import {
  AppConfig,
  type BindingImports,
  bindPort,
  Database,
  Metrics,
  type PortBinding,
  RedisConnection,
  ServerSecrets,
  StoreFailurePolicy,
} from '@latchkey/platform';
import { AccessTokenAuthenticator, Clock } from '@latchkey/shared-kernel';
import { AuthenticateAccessToken } from './application/authenticate-access-token';
import { GetCurrentUser } from './application/get-current-user';
import { ChangePassword } from './application/change-password';
import { ConfirmEmailVerification } from './application/confirm-email-verification';
import { ConfirmPasswordReset } from './application/confirm-password-reset';
import { EraseAccount } from './application/erase-account';
import { EmailVerificationIssuer } from './application/email-verification-issuer';
import { AccessTokenMinter } from './application/access-token-minter';
import { ListSessions } from './application/list-sessions';
import { ListSessionsOfUser } from './application/list-sessions-of-user';
import { LoginUser } from './application/login-user';
import { Logout } from './application/logout';
import {
  AccessTokenIssuer,
  AccessTokenVerifier,
  AccountMailer,
  AccountRepository,
  AuditLog,
  EmailVerificationRepository,
  IdentityProbe,
  IdentitySettings,
  IdGenerator,
  LoginAttemptGate,
  OneTimeSecrets,
  PasswordBlocklist,
  PasswordHasher,
  PasswordResetRepository,
  ProfileDirectory,
  RefreshTokenCodec,
  SessionAccess,
  SessionRepository,
  SigningKeyFactory,
  SigningKeyStore,
  TransactionLock,
  UserViewCache,
} from './application/ports';
import { RefreshSession } from './application/refresh-session';
import { AccountOpener } from './application/account-opener';
import { RegisterUser } from './application/register-user';
import { SessionStarter } from './application/session-starter';
import { SignUp } from './application/sign-up';
import { SwitchOrganization } from './application/switch-organization';
import { RequestEmailVerification } from './application/request-email-verification';
import { RequestPasswordReset } from './application/request-password-reset';
import { OperatorSessionRevocation } from './application/operator-session-revocation';
import { RevokeSession } from './application/revoke-session';
import { RevokeAllSessionsAsOperator } from './application/revoke-all-sessions-as-operator';
import { ListAuditEvents } from './application/list-audit-events';
import { PurgeAuditEvents } from './application/purge-audit-events';
import { VoidPasswordResetLinks } from './application/void-password-reset-links';
import { RevokeSessionsAsOperator } from './application/revoke-sessions-as-operator';
import { ActivateSigningKey } from './application/signing-keys/activate-signing-key';
import { AddSigningKey } from './application/signing-keys/add-signing-key';
import { EnsureSigningKey } from './application/signing-keys/ensure-signing-key';
import { ExportPublicKey } from './application/signing-keys/export-public-key';
import { GetJwks } from './application/signing-keys/get-jwks';
import { ImportSigningKey } from './application/signing-keys/import-signing-key';
import { ListSigningKeys } from './application/signing-keys/list-signing-keys';
import { RemoveSigningKey } from './application/signing-keys/remove-signing-key';
import { RetireSigningKey } from './application/signing-keys/retire-signing-key';
import { RevokeSigningKey } from './application/signing-keys/revoke-signing-key';
import { RotateSigningKeys } from './application/signing-keys/rotate-signing-keys';
import { SigningKeyAudit } from './application/signing-keys/signing-key-audit';
import { GuardedLoginAttemptGate } from './adapters/abuse/guarded-login-attempt-gate';
import { MemoryLoginAttemptGate } from './adapters/abuse/memory-login-attempt-gate';
import { RedisLoginAttemptGate } from './adapters/abuse/redis-login-attempt-gate';
import { Argon2PasswordHasher } from './adapters/crypto/argon2-password-hasher';
import { FilePasswordBlocklist } from './adapters/crypto/file-password-blocklist';
import { HmacOneTimeSecrets } from './adapters/crypto/hmac-one-time-secrets';
import { HmacRefreshTokenCodec, SUCCESSOR_SEAL_SALT_LABEL } from './adapters/crypto/hmac-refresh-token-codec';
import { JoseAccessTokens } from './adapters/crypto/jose-access-tokens';
import { SigningKeyBootstrap } from './adapters/crypto/signing-key-bootstrap';
import {
  createSigningKeyFactory,
  createSigningKeyStore,
  lazyKmsSigner,
} from './adapters/crypto/signing-key-store.factory';
import { UuidV7Generator } from './adapters/crypto/uuid-v7-generator';
import { OutboxAccountMailer } from './adapters/email/outbox-account-mailer';
import { AccountLifecycleController } from './adapters/http/account-lifecycle.controller';
import { AccountController } from './adapters/http/account.controller';
import { AuthController } from './adapters/http/auth.controller';
import { JwksController } from './adapters/http/jwks.controller';
import { InternalController } from './adapters/http/internal.controller';
import { SessionAccessStatus } from './application/session-access-status';
import { RefreshTokenTransport } from './adapters/http/refresh-token-transport';
import { SessionAccessTokenAuthenticator } from './adapters/http/session-access-token-authenticator';
import { AdvisoryTransactionLock } from './adapters/persistence/advisory-transaction-lock';
import { DrizzleAccountRepository } from './adapters/persistence/drizzle-account-repository';
import { DrizzleAuditLog } from './adapters/persistence/drizzle-audit-log';
import { DrizzleEmailVerificationRepository } from './adapters/persistence/drizzle-email-verification-repository';
import { DrizzlePasswordResetRepository } from './adapters/persistence/drizzle-password-reset-repository';
import { DrizzleSessionRepository } from './adapters/persistence/drizzle-session-repository';
import { SessionAccessCache } from './adapters/persistence/session-access-cache';
import { SessionRevocationListener } from './adapters/persistence/session-revocation-listener';
import { TtlUserViewCache } from './adapters/persistence/ttl-user-view-cache';
import { SigningKeyRotationScheduler } from './adapters/scheduling/signing-key-rotation.scheduler';
import { IdentityCleanupTasks } from './adapters/scheduling/identity-cleanup-tasks';
import { CleanUpIdentity } from './application/clean-up-identity';
import { IdentityAccountDirectory } from './adapters/user-profile/identity-account-directory';
import { IdentityProfileAuditTrail } from './adapters/user-profile/identity-profile-audit-trail';
import { PasswordPolicy } from './domain/password-policy';
import { IdentityGauges } from './adapters/metrics/identity-gauges';
import { PrometheusIdentityProbe } from './adapters/metrics/prometheus-identity-probe';
import { IdentityConfig } from './identity-config';

/**
 * What identity does without another module's help: its settings, cryptography, persistence and
 * the use cases that need no profile. Exported whole, to IdentityModule and IdentityAdminModule
 * (which add what needs profiles) and to the composition root, which binds the ports
 * user-profile declares to IdentityAccountDirectory, IdentityProfileAuditTrail and
 * SessionAccessTokenAuthenticator from here, so one instance of each cache serves both modules.
 */
const coreProviders: Provider[] = [
  // settings and policy
  {
    provide: IdentitySettings,
    inject: [IdentityConfig, AppConfig],
    useFactory: (config: IdentityConfig, platform: AppConfig): IdentitySettings => ({
      accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
      sessionMaxAgeSeconds: config.auth.sessionMaxAgeSeconds,
      refreshReuseGraceSeconds: config.auth.refreshReuseGraceSeconds,
      passwordMinLength: config.auth.passwordMinLength,
      passwordResetTtlSeconds: config.auth.passwordResetTtlSeconds,
      emailVerificationTtlSeconds: config.auth.emailVerificationTtlSeconds,
      verificationResendCooldownSeconds: config.auth.verificationResendCooldownSeconds,
      registerUniformResponse: config.auth.registerUniformResponse,
      jwksCacheTtlSeconds: config.keys.jwksCacheTtlSeconds,
      rsaBits: config.keys.rsaBits,
      keyRotationIntervalSeconds: config.keys.rotationIntervalSeconds,
      production: platform.isProduction,
      auditRetentionSeconds: config.auth.auditRetentionSeconds,
    }),
  },
  { provide: PasswordBlocklist, useFactory: () => new FilePasswordBlocklist() },
  {
    provide: PasswordPolicy,
    inject: [IdentitySettings, PasswordBlocklist],
    useFactory: (settings: IdentitySettings, blocklist: PasswordBlocklist) =>
      new PasswordPolicy(settings.passwordMinLength, blocklist),
  },
  // cryptography
  // what operators see
  {
    provide: IdentityProbe,
    inject: [Metrics],
    useFactory: (metrics: Metrics) => new PrometheusIdentityProbe(metrics),
  },
  IdentityGauges,
  {
    provide: PasswordHasher,
    inject: [IdentityConfig, Metrics],
    useFactory: (config: IdentityConfig, metrics: Metrics) =>
      new Argon2PasswordHasher(config.passwordHashing, metrics),
  },
  {
    provide: SigningKeyStore,
    inject: [IdentityConfig, AppConfig, Database, Clock],
    useFactory: createSigningKeyStore,
  },
  { provide: SigningKeyFactory, inject: [IdentityConfig, Clock], useFactory: createSigningKeyFactory },
  {
    provide: JoseAccessTokens,
    inject: [SigningKeyStore, Clock, IdentityConfig],
    useFactory: (store: SigningKeyStore, clock: Clock, config: IdentityConfig) =>
      new JoseAccessTokens(
        store,
        clock,
        {
          issuer: config.auth.issuer,
          audience: config.auth.audience,
          ttlSeconds: config.auth.accessTokenTtlSeconds,
        },
        lazyKmsSigner(),
      ),
  },
  { provide: AccessTokenIssuer, useExisting: JoseAccessTokens },
  { provide: AccessTokenVerifier, useExisting: JoseAccessTokens },
  {
    provide: RefreshTokenCodec,
    inject: [ServerSecrets],
    useFactory: (secrets: ServerSecrets) =>
      new HmacRefreshTokenCodec(secrets.refreshTokenPepper, secrets.derivedKey(SUCCESSOR_SEAL_SALT_LABEL)),
  },
  { provide: IdGenerator, useClass: UuidV7Generator },
  {
    provide: OneTimeSecrets,
    inject: [ServerSecrets],
    useFactory: (secrets: ServerSecrets) => new HmacOneTimeSecrets(secrets),
  },
  // abuse controls: attempt counters shared through Redis when it is configured
  {
    provide: LoginAttemptGate,
    inject: [IdentityConfig, RedisConnection, StoreFailurePolicy],
    useFactory: (config: IdentityConfig, redis: RedisConnection, failure: StoreFailurePolicy) =>
      redis.client
        ? new GuardedLoginAttemptGate(
            new RedisLoginAttemptGate(redis.client, redis.keyPrefix, config.lockout),
            failure,
          )
        : new MemoryLoginAttemptGate(config.lockout),
  },
  // persistence
  { provide: AccountRepository, useClass: DrizzleAccountRepository },
  // Another process's revocation evicts an entry by NOTIFY; with no notifications (Lambda), nothing
  // is remembered, so "revoked" still means refused at once, by every environment.
  {
    provide: SessionAccessCache,
    inject: [Database],
    useFactory: (database: Database) => new SessionAccessCache(database.receivesNotifications ? 5_000 : 0),
  },
  { provide: UserViewCache, useClass: TtlUserViewCache },
  { provide: SessionRepository, useClass: DrizzleSessionRepository },
  { provide: SessionAccess, useExisting: SessionRepository },
  { provide: PasswordResetRepository, useClass: DrizzlePasswordResetRepository },
  { provide: EmailVerificationRepository, useClass: DrizzleEmailVerificationRepository },
  { provide: AuditLog, useClass: DrizzleAuditLog },
  { provide: AccountMailer, useClass: OutboxAccountMailer },
  { provide: TransactionLock, useClass: AdvisoryTransactionLock },
  // use cases
  Logout,
  ListSessions,
  RevokeSession,
  OperatorSessionRevocation,
  RevokeSessionsAsOperator,
  RevokeAllSessionsAsOperator,
  PurgeAuditEvents,
  ListAuditEvents,
  CleanUpIdentity,
  VoidPasswordResetLinks,
  ListSessionsOfUser,
  AuthenticateAccessToken,
  SessionAccessTokenAuthenticator,
  { provide: AccessTokenAuthenticator, useExisting: SessionAccessTokenAuthenticator },
  EmailVerificationIssuer,
  RequestPasswordReset,
  ConfirmPasswordReset,
  RequestEmailVerification,
  ChangePassword,
  EraseAccount,
  // identity's answers to the ports user-profile declares (bound by the composition root)
  IdentityAccountDirectory,
  IdentityProfileAuditTrail,
  // signing keys
  SigningKeyAudit,
  EnsureSigningKey,
  GetJwks,
  ListSigningKeys,
  AddSigningKey,
  ImportSigningKey,
  ExportPublicKey,
  ActivateSigningKey,
  RetireSigningKey,
  RemoveSigningKey,
  RevokeSigningKey,
  RotateSigningKeys,
];

/**
 * See coreProviders. Not global: a root imports it where it binds another module's ports. One
 * module object per configuration, so every importer (IdentityModule, the root's bindings for
 * user-profile) shares one instance of each provider, its caches included.
 */
@Module({})
export class IdentityCoreModule {
  private static readonly instances = new WeakMap<IdentityConfig, DynamicModule>();

  static forRoot(config: IdentityConfig): DynamicModule {
    let core = IdentityCoreModule.instances.get(config);
    if (core === undefined) {
      const providers = [{ provide: IdentityConfig, useValue: config }, ...coreProviders];
      core = { module: IdentityCoreModule, providers, exports: providers };
      IdentityCoreModule.instances.set(config, core);
    }
    return core;
  }
}

/** The use cases that read or create profiles, roles and organizations (ProfileDirectory). */
const profileProviders: Provider[] = [
  RegisterUser,
  LoginUser,
  RefreshSession,
  GetCurrentUser,
  AccountOpener,
  AccessTokenMinter,
  ConfirmEmailVerification,
  SessionStarter,
  SignUp,
  SwitchOrganization,
];

/** What identity needs from the deployment hosting it. */
export interface IdentityModuleOptions {
  /** Identity's slice of the configuration (readIdentityConfig). */
  config: IdentityConfig;
  /** Profiles, roles and organizations: names and claims for tokens, a profile per new account. */
  profiles: PortBinding<ProfileDirectory>;
  /** Modules exporting what the binding names. */
  imports?: BindingImports;
  /**
   * Serve the internal API the other services of the services deployment call (accounts for the
   * user service, session checks for the gateway). Only the auth service sets it.
   */
  internalApi?: boolean;
}

/**
 * Registration, login, sessions, keys and the account API. Not global, and it imports no other
 * business module: the composition root binds ProfileDirectory (in the monolith, to
 * UserProfileDirectory over user-profile's module; in a deployment of its own, to a remote one).
 */
@Module({})
export class IdentityModule {
  static forRoot(options: IdentityModuleOptions): DynamicModule {
    return {
      module: IdentityModule,
      imports: [IdentityCoreModule.forRoot(options.config), ...(options.imports ?? [])],
      controllers: [
        JwksController,
        AuthController,
        AccountController,
        AccountLifecycleController,
        ...(options.internalApi ? [InternalController] : []),
      ],
      providers: [
        bindPort(ProfileDirectory, options.profiles),
        ...(options.internalApi ? [SessionAccessStatus] : []),
        ...profileProviders,
        RefreshTokenTransport,
        SigningKeyBootstrap,
        SigningKeyRotationScheduler,
        SessionRevocationListener,
        IdentityCleanupTasks,
      ],
    };
  }
}

/**
 * The identity use cases without HTTP, the start-up key check or the rotation schedule: for the
 * operator CLIs.
 */
@Module({})
export class IdentityAdminModule {
  static forRoot(options: IdentityModuleOptions): DynamicModule {
    return {
      module: IdentityAdminModule,
      imports: [IdentityCoreModule.forRoot(options.config), ...(options.imports ?? [])],
      providers: [bindPort(ProfileDirectory, options.profiles), ...profileProviders],
      exports: [IdentityCoreModule.forRoot(options.config), ...profileProviders],
    };
  }
}
