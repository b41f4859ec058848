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
  /** Which labels' keys went out through `derivedKey`, and which serve `keyedHash`. */
  private readonly uses = new Map<string, 'derivedKey' | 'keyedHash'>();

  constructor(config: AppConfig) {
    this.refreshTokenPepper =
      config.auth.refreshTokenPepper ?? devSecret(config.database.dataDir, 'refresh-token-pepper');
  }

  /** A 256-bit key of its own for `label`. */
  derivedKey(label: string): Buffer {
    this.claim(label, 'derivedKey');
    // A copy: a caller that fills or reuses its buffer must not change the next caller's key.
    return Buffer.from(this.keyFor(label));
  }

  /** HMAC-SHA-256 under a key derived for `label`, base64url. */
  keyedHash(label: string, data: string): string {
    this.claim(label, 'keyedHash');
    return createHmac('sha256', this.keyFor(label)).update(data, 'utf8').digest('base64url');
  }

  /**
   * One label, one use. A key handed out is typically an HMAC key somewhere (HKDF's first step
   * is HMAC(salt, ikm)); if `keyedHash` served the same label, one purpose's stored hash could be
   * another's secret, the mistake the refresh-token seal once made with the pepper.
   */
  private claim(label: string, use: 'derivedKey' | 'keyedHash'): void {
    const claimed = this.uses.get(label);
    if (claimed === undefined) this.uses.set(label, use);
    else if (claimed !== use) throw new Error(`secret label "${label}" is already used by ${claimed}`);
  }

  private keyFor(label: string): Buffer {
    let key = this.derived.get(label);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.refreshTokenPepper, Buffer.alloc(0), label, 32));
      this.derived.set(label, key);
    }
    return key;
  }
}
