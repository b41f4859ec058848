import { randomInt, timingSafeEqual } from 'node:crypto';
import { pooledRandomBytes, ServerSecrets } from '@latchkey/platform';
import { type OneTimeSecretPurpose, OneTimeSecrets } from '../../application/ports';

const TOKEN_BYTES = 32; // 256 bits from the CSPRNG

/**
 * Reset and verification secrets. Stored as HMAC-SHA-256 under a key derived (HKDF) from the
 * server secret with a label per purpose: a leaked table gives neither usable tokens nor, for the
 * 6-digit codes, anything an offline search of 10^6 values could confirm.
 */
export class HmacOneTimeSecrets extends OneTimeSecrets {
  constructor(private readonly secrets: ServerSecrets) {
    super();
  }

  token(): string {
    return pooledRandomBytes(TOKEN_BYTES).toString('base64url');
  }

  code(): string {
    return String(randomInt(0, 1_000_000)).padStart(6, '0');
  }

  hash(purpose: OneTimeSecretPurpose, value: string): string {
    return this.secrets.keyedHash(`latchkey/one-time-secret/${purpose}/v1`, value);
  }

  matches(purpose: OneTimeSecretPurpose, value: string, storedHash: string): boolean {
    const actual = Buffer.from(this.hash(purpose, value));
    const expected = Buffer.from(storedHash);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
