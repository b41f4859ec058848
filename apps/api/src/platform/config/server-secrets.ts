import { createHmac, hkdfSync } from 'node:crypto';
import { AppConfig } from './app-config';
import { devSecret } from './dev-secret';

/**
 * The server's own secrets. The refresh-token pepper comes from REFRESH_TOKEN_PEPPER (required in
 * production) or, in development and tests, from a file generated once under DATA_DIR/secrets.
 * Other keyed hashes derive their own keys from it with distinct labels (HKDF), never reuse it.
 */
export class ServerSecrets {
  readonly refreshTokenPepper: string;
  /** Derived once per label: the labels are a handful of constants. */
  private readonly derived = new Map<string, Buffer>();

  constructor(config: AppConfig) {
    this.refreshTokenPepper =
      config.auth.refreshTokenPepper ?? devSecret(config.database.dataDir, 'refresh-token-pepper');
  }

  /** A 256-bit key of its own for `label`. */
  derivedKey(label: string): Buffer {
    let key = this.derived.get(label);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.refreshTokenPepper, Buffer.alloc(0), label, 32));
      this.derived.set(label, key);
    }
    // A copy: a caller that fills or reuses its buffer must not change the next caller's key.
    return Buffer.from(key);
  }

  /** HMAC-SHA-256 under a key derived for `label`, base64url. */
  keyedHash(label: string, data: string): string {
    return createHmac('sha256', this.derivedKey(label)).update(data, 'utf8').digest('base64url');
  }
}
