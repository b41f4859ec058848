import { createHmac, hkdfSync } from 'node:crypto';
import { AppConfig } from './app-config';
import { devSecret } from './dev-secret';

type SecretUse = 'derivedKey' | 'keyedHash';

/**
 * The server's own secrets. The refresh-token pepper comes from REFRESH_TOKEN_PEPPER (required in
 * production) or, in development and tests, from a file generated once under DATA_DIR/secrets.
 * Other keyed hashes derive their own keys from it with distinct labels (HKDF), never reuse it.
 */
export class ServerSecrets {
  readonly refreshTokenPepper: string;
  /** Derived once per label (the labels are a handful of constants), with the one use it serves. */
  private readonly derived = new Map<string, { key: Buffer; use: SecretUse }>();

  constructor(config: AppConfig) {
    this.refreshTokenPepper =
      config.secrets.refreshTokenPepper ?? devSecret(config.database.dataDir, 'refresh-token-pepper');
  }

  /** A 256-bit key of its own for `label`. */
  derivedKey(label: string): Buffer {
    // A copy: a caller that fills or reuses its buffer must not change the next caller's key.
    return Buffer.from(this.keyFor(label, 'derivedKey'));
  }

  /** HMAC-SHA-256 under a key derived for `label`, base64url. */
  keyedHash(label: string, data: string): string {
    return createHmac('sha256', this.keyFor(label, 'keyedHash')).update(data, 'utf8').digest('base64url');
  }

  /**
   * The key for `label`, which serves one use only. A key handed out is typically an HMAC key
   * somewhere (HKDF's first step is HMAC(salt, ikm)); if `keyedHash` served the same label, one
   * purpose's stored hash could be another's secret, the mistake the refresh-token seal once made
   * with the pepper.
   */
  private keyFor(label: string, use: SecretUse): Buffer {
    const known = this.derived.get(label);
    if (known === undefined) {
      const key = Buffer.from(hkdfSync('sha256', this.refreshTokenPepper, Buffer.alloc(0), label, 32));
      this.derived.set(label, { key, use });
      return key;
    }
    if (known.use !== use) throw new Error(`secret label "${label}" is already used by ${known.use}`);
    return known.key;
  }
}
