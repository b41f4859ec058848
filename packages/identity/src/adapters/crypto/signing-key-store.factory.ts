import { createHash } from 'node:crypto';
import { type AppConfig, type Database, devSecret } from '@latchkey/platform';
import type { Clock } from '@latchkey/shared-kernel';
import type { IdentityConfig } from '../../identity-config';
import { DrizzleSigningKeyStore } from '../persistence/drizzle-signing-key-store';
import { CachedSigningKeyStore } from './cached-signing-key-store';
import { FileSigningKeyStore } from './file-signing-key-store';
import { PrivateKeyEncryption } from './private-key-encryption';
import type { SigningKeyFactory, SigningKeyStore } from '../../application/ports';
import type * as KmsModule from '../aws/kms-signing-keys';
import type * as SecretsManagerModule from '../aws/secrets-manager-signing-key-store';
import type { RemoteKeySigner } from './jose-access-tokens';
import { RsaSigningKeyFactory } from './rsa-signing-key-factory';

/** The configured key store (KEYS_STORE), cached; shared by the API and the `keys` CLI. */
export function createSigningKeyStore(
  config: IdentityConfig,
  platform: AppConfig,
  database: Database,
  clock: Clock,
): CachedSigningKeyStore {
  const inner =
    config.keys.store === 'database'
      ? new DrizzleSigningKeyStore(database, new PrivateKeyEncryption(encryptionKeyOf(config, platform)))
      : uncachedKeyStore(config);
  // The database store's changes reach other processes by NOTIFY (SigningKeyBootstrap); where none
  // arrive (DATABASE_LISTEN=false, Lambda), the key set is read on every use, so a revocation
  // holds at once everywhere. The other stores are re-read every KEYS_REFRESH_SECONDS.
  const refreshSeconds =
    config.keys.store === 'database' && !database.receivesNotifications ? 0 : config.keys.refreshSeconds;
  return new CachedSigningKeyStore(inner, clock, refreshSeconds);
}

/** The file or Secrets Manager store, read directly (the start-up check reads it before anything opens). */
export function uncachedKeyStore(config: IdentityConfig): SigningKeyStore {
  if (config.keys.store !== 'secrets-manager') return new FileSigningKeyStore(config.keys.dir);
  // Loaded only here: the AWS SDK would cost every other deployment its start-up time and memory.
  /* eslint-disable @typescript-eslint/no-require-imports -- a lazy load of a CommonJS sibling */
  const { SecretsManagerSigningKeyStore } =
    require('../aws/secrets-manager-signing-key-store') as typeof SecretsManagerModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new SecretsManagerSigningKeyStore(config.keys.secretId!);
}

/** Where new keys are made (KEYS_CUSTODY): here as PEM, or inside AWS KMS. */
export function createSigningKeyFactory(config: IdentityConfig, clock: Clock): SigningKeyFactory {
  return config.keys.custody === 'kms'
    ? new (kms().KmsSigningKeyFactory)(clock)
    : new RsaSigningKeyFactory(clock);
}

/**
 * Signs with KMS-held keys, whatever KEYS_CUSTODY says of new ones: a set moving from one custody
 * to the other holds both kinds. The SDK is loaded at the first KMS-held key that signs.
 */
export function lazyKmsSigner(): RemoteKeySigner {
  let signer: RemoteKeySigner | undefined;
  return { sign: (keyId, digest) => (signer ??= new (kms().KmsTokenSigner)()).sign(keyId, digest) };
}

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loads of CommonJS siblings */
/** Loaded only when used: the AWS SDK would cost every other deployment its start-up time and memory. */
export function kms(): typeof KmsModule {
  return require('../aws/kms-signing-keys') as typeof KmsModule;
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** KEY_ENCRYPTION_KEY, or in development a key derived from a secret generated once in DATA_DIR. */
function encryptionKeyOf(config: IdentityConfig, platform: AppConfig): Buffer {
  if (config.keys.encryptionKey) return config.keys.encryptionKey;
  return createHash('sha256').update(devSecret(platform.database.dataDir, 'key-encryption-key')).digest();
}
