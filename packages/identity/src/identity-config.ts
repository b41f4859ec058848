import { availableParallelism } from 'node:os';
import path from 'node:path';
import { type AppConfig, DAY, type EnvReader, HOUR } from '@latchkey/platform';

/** Where signing keys are kept (KEYS_STORE). */
export type KeyStoreKind = 'file' | 'database' | 'secrets-manager';
/** Where new signing keys' private halves are made and held (KEYS_CUSTODY). */
export type KeyCustody = 'local' | 'kms';

/**
 * The identity module's slice of the configuration: tokens, sessions, passwords, signing keys and
 * login lockout. It reads and validates its own variables; the composition root reads it beside
 * the platform's slice with one EnvReader, so a bad deployment still hears about every variable
 * in one message. It is the DI token inside the module: `constructor(config: IdentityConfig)`.
 */
export class IdentityConfig {
  constructor(
    readonly keys: {
      /**
       * `file`: one JSON file per key in `dir` (dev default). `database`: the signing_keys table.
       * `secrets-manager`: one AWS Secrets Manager secret, `secretId`.
       */
      store: KeyStoreKind;
      dir: string;
      secretId: string | undefined;
      /**
       * `local`: a PEM private key kept by the store (the default). `kms`: new keys are made in
       * AWS KMS and sign there; the store keeps their ARN (file or Secrets Manager store only).
       */
      custody: KeyCustody;
      rsaBits: number;
      jwksCacheTtlSeconds: number;
      /** How stale an instance's view of the key set may get (other instances' rotations). */
      refreshSeconds: number;
      /** AES-256-GCM key for private keys at rest (database store). Unset outside production: generated. */
      encryptionKey: Buffer | undefined;
      /** Unset: no scheduled rotation. */
      rotationIntervalSeconds: number | undefined;
    },
    readonly auth: {
      issuer: string;
      audience: string;
      accessTokenTtlSeconds: number;
      /** Sliding idle lifetime of a refresh token chain. */
      refreshTokenTtlSeconds: number;
      /** Absolute lifetime of a session, whatever the refreshes. */
      sessionMaxAgeSeconds: number;
      refreshReuseGraceSeconds: number;
      cookieSameSite: 'strict' | 'lax' | 'none';
      passwordMinLength: number;
      passwordResetTtlSeconds: number;
      emailVerificationTtlSeconds: number;
      /** A new verification email for one address at most this often (failed sends do not count). */
      verificationResendCooldownSeconds: number;
      /** Register answers 202 whether or not the address is taken; the owner is told by email. */
      registerUniformResponse: boolean;
      /** How long audit events are kept (`pnpm audit-events purge`); unset: forever. */
      auditRetentionSeconds: number | undefined;
    },
    readonly passwordHashing: {
      memoryKib: number;
      timeCost: number;
      parallelism: number;
      /** Concurrent argon2 computations; more queue instead of starving the thread pool. */
      maxConcurrency: number;
    },
    readonly lockout: { threshold: number; baseSeconds: number; maxSeconds: number },
  ) {}
}

/**
 * Who access tokens name as issuer and audience (JWT_ISSUER, JWT_AUDIENCE): what every verifier
 * pins, identity's own and the services deployment's gateway alike.
 */
export function readTokenAudience(
  read: EnvReader,
  platform: AppConfig,
): { issuer: string; audience: string } {
  return { issuer: issuer(read, platform), audience: read.string('JWT_AUDIENCE', 'latchkey') };
}

/**
 * `iss` of access tokens. The development default follows the port; production must name its
 * public URL, or instances behind one load balancer would each claim a different issuer.
 */
function issuer(read: EnvReader, platform: AppConfig): string {
  const value = read.optionalString('JWT_ISSUER');
  if (value === undefined && platform.isProduction) {
    return read.fail(
      'JWT_ISSUER',
      'is required in production (the public URL of this API, e.g. https://auth.example.com)',
      '',
    );
  }
  return value ?? `http://localhost:${platform.http.port}`;
}

/** KEY_ENCRYPTION_KEY: 32 bytes, base64 or hex. Required in production with the database store. */
function encryptionKey(read: EnvReader, store: KeyStoreKind, platform: AppConfig): Buffer | undefined {
  const raw = read.optionalString('KEY_ENCRYPTION_KEY');
  if (raw === undefined) {
    if (store === 'database' && platform.isProduction) {
      return read.fail(
        'KEY_ENCRYPTION_KEY',
        'is required in production with KEYS_STORE=database (32 random bytes, base64: `openssl rand -base64 32`)',
        undefined,
      );
    }
    return undefined;
  }
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (bytes.length !== 32)
    return read.fail('KEY_ENCRYPTION_KEY', 'must be 32 bytes, base64 or hex encoded', undefined);
  return bytes;
}

/** Identity's variables, read after the platform's (their defaults follow its port and DATA_DIR). */
export function readIdentityConfig(read: EnvReader, platform: AppConfig): IdentityConfig {
  // OWASP's floor for argon2id; only the test suite may go below it, to keep tests fast.
  const argon2Floor =
    platform.nodeEnv === 'test' ? { memoryKib: 1024, timeCost: 1 } : { memoryKib: 19_456, timeCost: 2 };
  const sessionMaxAgeSeconds = read.seconds('SESSION_MAX_AGE', 30 * DAY, HOUR, 365 * DAY);
  const keysStore = read.oneOf('KEYS_STORE', ['file', 'database', 'secrets-manager'], 'file');
  const keysSecretId = read.optionalString('KEYS_SECRET_ID');
  if (keysStore === 'secrets-manager' && keysSecretId === undefined)
    read.fail(
      'KEYS_SECRET_ID',
      'is required with KEYS_STORE=secrets-manager (the secret’s name or ARN)',
      undefined,
    );
  const keysCustody = read.oneOf('KEYS_CUSTODY', ['local', 'kms'], 'local');
  if (keysCustody === 'kms' && keysStore === 'database')
    read.fail(
      'KEYS_CUSTODY',
      'kms needs KEYS_STORE=secrets-manager or file (the signing_keys table holds PEM keys only)',
      undefined,
    );
  return new IdentityConfig(
    {
      store: keysStore,
      dir: path.resolve(read.string('KEYS_DIR', path.join(platform.database.dataDir, 'keys'))),
      secretId: keysSecretId,
      custody: keysCustody,
      rsaBits: Number(read.oneOf('JWT_RSA_BITS', ['2048', '3072', '4096'], '2048')),
      jwksCacheTtlSeconds: read.int('JWKS_CACHE_TTL_SECONDS', 300, 0, 86_400),
      refreshSeconds: read.int('KEYS_REFRESH_SECONDS', 30, 1, 3600),
      encryptionKey: encryptionKey(read, keysStore, platform),
      rotationIntervalSeconds: read.raw('KEY_ROTATION_INTERVAL')
        ? read.seconds('KEY_ROTATION_INTERVAL', 30 * DAY, HOUR, 365 * DAY)
        : undefined,
    },
    {
      ...readTokenAudience(read, platform),
      // Access tokens cannot be recalled from other services, so they stay short: 15 min at most.
      // At least a minute, except in the test suites, where expiry must happen within a test.
      accessTokenTtlSeconds: read.int(
        'ACCESS_TOKEN_TTL_SECONDS',
        900,
        platform.nodeEnv === 'test' ? 5 : 60,
        900,
      ),
      refreshTokenTtlSeconds: read.seconds('REFRESH_TOKEN_TTL', 7 * DAY, 60, sessionMaxAgeSeconds),
      sessionMaxAgeSeconds,
      refreshReuseGraceSeconds: read.int('REFRESH_REUSE_GRACE_SECONDS', 10, 0, 60),
      cookieSameSite: read.oneOf('REFRESH_COOKIE_SAMESITE', ['strict', 'lax', 'none'], 'strict'),
      // NIST SP 800-63B-4: 15 for single-factor passwords; 8 is its floor when MFA is in use.
      passwordMinLength: read.int('PASSWORD_MIN_LENGTH', 15, 8, 64),
      passwordResetTtlSeconds: read.seconds('PASSWORD_RESET_TTL', 30 * 60, 5 * 60, DAY),
      emailVerificationTtlSeconds: read.seconds('EMAIL_VERIFICATION_TTL', DAY, 10 * 60, 7 * DAY),
      verificationResendCooldownSeconds: read.seconds('EMAIL_VERIFICATION_RESEND_COOLDOWN', 60, 0, HOUR),
      registerUniformResponse: read.bool('REGISTER_UNIFORM_RESPONSE', false),
      // At least 30 days: the trail is what an incident review reads, weeks after the fact.
      auditRetentionSeconds: read.raw('AUDIT_EVENTS_RETENTION')
        ? read.seconds('AUDIT_EVENTS_RETENTION', 365 * DAY, 30 * DAY, 10 * 365 * DAY)
        : undefined,
    },
    {
      memoryKib: read.int('ARGON2_MEMORY_KIB', 19_456, argon2Floor.memoryKib, 4 * 1024 * 1024),
      timeCost: read.int('ARGON2_TIME_COST', 2, argon2Floor.timeCost, 20),
      parallelism: read.int('ARGON2_PARALLELISM', 1, 1, 16),
      maxConcurrency: read.int('PASSWORD_HASH_CONCURRENCY', availableParallelism(), 1, 64),
    },
    {
      threshold: read.int('LOGIN_LOCKOUT_THRESHOLD', 5, 1, 10_000),
      baseSeconds: read.seconds('LOGIN_LOCKOUT_BASE', 30, 1, DAY),
      maxSeconds: read.seconds('LOGIN_LOCKOUT_MAX', 15 * 60, 1, 7 * DAY),
    },
  );
}
