import { Module } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config';
import { ServerSecrets } from '../../platform/config/server-secrets';
import { Clock } from '../../shared-kernel/clock';
import { UserProfileModule } from '../user-profile';
import { AuthenticateAccessToken } from './application/authenticate-access-token';
import { EnsureSigningKey } from './application/ensure-signing-key';
import { GetCurrentUser } from './application/get-current-user';
import { GetJwks } from './application/get-jwks';
import { AccessTokenMinter } from './application/issued-tokens';
import { ListSessions } from './application/list-sessions';
import { LoginUser } from './application/login-user';
import { Logout } from './application/logout';
import {
  AccessTokenIssuer,
  AccessTokenVerifier,
  AccountRepository,
  AuditLog,
  IdentitySettings,
  IdGenerator,
  PasswordBlocklist,
  PasswordHasher,
  ProfileDirectory,
  RefreshTokenCodec,
  SessionRepository,
  SigningKeyFactory,
  SigningKeyStore,
} from './application/ports';
import { RefreshSession } from './application/refresh-session';
import { RegisterUser } from './application/register-user';
import { RevokeSession } from './application/revoke-session';
import { Argon2PasswordHasher } from './adapters/crypto/argon2-password-hasher';
import { FilePasswordBlocklist } from './adapters/crypto/file-password-blocklist';
import { FileSigningKeyStore } from './adapters/crypto/file-signing-key-store';
import { HmacRefreshTokenCodec } from './adapters/crypto/hmac-refresh-token-codec';
import { JoseAccessTokens } from './adapters/crypto/jose-access-tokens';
import { RsaSigningKeyFactory } from './adapters/crypto/rsa-signing-key-factory';
import { SigningKeyBootstrap } from './adapters/crypto/signing-key-bootstrap';
import { UuidV7Generator } from './adapters/crypto/uuid-v7-generator';
import { AccountController } from './adapters/http/account.controller';
import { AuthController } from './adapters/http/auth.controller';
import { BearerAuthGuard, OptionalBearerAuthGuard } from './adapters/http/bearer-auth.guard';
import { JwksController } from './adapters/http/jwks.controller';
import { RefreshTokenTransport } from './adapters/http/refresh-token-transport';
import { DrizzleAccountRepository } from './adapters/persistence/drizzle-account-repository';
import { DrizzleAuditLog } from './adapters/persistence/drizzle-audit-log';
import { DrizzleSessionRepository } from './adapters/persistence/drizzle-session-repository';
import { SessionAccessCache } from './adapters/persistence/session-access-cache';
import { UserProfileDirectory } from './adapters/user-profile/user-profile-directory';
import { PasswordPolicy } from './domain/password-policy';

@Module({
  imports: [UserProfileModule],
  controllers: [JwksController, AuthController, AccountController],
  providers: [
    // settings and policy
    {
      provide: IdentitySettings,
      inject: [AppConfig],
      useFactory: (config: AppConfig): IdentitySettings => ({
        accessTokenTtlSeconds: config.auth.accessTokenTtlSeconds,
        refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds,
        sessionMaxAgeSeconds: config.auth.sessionMaxAgeSeconds,
        refreshReuseGraceSeconds: config.auth.refreshReuseGraceSeconds,
        passwordMinLength: config.auth.passwordMinLength,
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
    {
      provide: PasswordHasher,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new Argon2PasswordHasher(config.passwordHashing),
    },
    {
      provide: SigningKeyStore,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new FileSigningKeyStore(config.keys.dir),
    },
    { provide: SigningKeyFactory, useClass: RsaSigningKeyFactory },
    {
      provide: JoseAccessTokens,
      inject: [SigningKeyStore, Clock, AppConfig],
      useFactory: (store: SigningKeyStore, clock: Clock, config: AppConfig) =>
        new JoseAccessTokens(store, clock, {
          issuer: config.auth.issuer,
          audience: config.auth.audience,
          ttlSeconds: config.auth.accessTokenTtlSeconds,
        }),
    },
    { provide: AccessTokenIssuer, useExisting: JoseAccessTokens },
    { provide: AccessTokenVerifier, useExisting: JoseAccessTokens },
    {
      provide: RefreshTokenCodec,
      inject: [ServerSecrets],
      useFactory: (secrets: ServerSecrets) => new HmacRefreshTokenCodec(secrets.refreshTokenPepper),
    },
    { provide: IdGenerator, useClass: UuidV7Generator },
    // persistence and the other module
    { provide: AccountRepository, useClass: DrizzleAccountRepository },
    { provide: SessionAccessCache, useFactory: () => new SessionAccessCache() },
    { provide: SessionRepository, useClass: DrizzleSessionRepository },
    { provide: AuditLog, useClass: DrizzleAuditLog },
    { provide: ProfileDirectory, useClass: UserProfileDirectory },
    // use cases
    RegisterUser,
    LoginUser,
    RefreshSession,
    Logout,
    GetCurrentUser,
    ListSessions,
    RevokeSession,
    AuthenticateAccessToken,
    AccessTokenMinter,
    EnsureSigningKey,
    GetJwks,
    // http
    RefreshTokenTransport,
    BearerAuthGuard,
    OptionalBearerAuthGuard,
    SigningKeyBootstrap,
  ],
})
export class IdentityModule {}
