import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { pooledRandomBytes } from '@latchkey/platform';
import { RefreshTokenCodec } from '../../application/ports';

const TOKEN_BYTES = 32; // 256 bits from the CSPRNG
/** The label under which the server derives the seal's HKDF salt (ServerSecrets.derivedKey). */
export const SUCCESSOR_SEAL_SALT_LABEL = 'latchkey/refresh-token/successor-seal-salt/v2';
const SEAL_INFO = 'latchkey/refresh-token/successor-seal/v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Refresh tokens are 256 random bits, base64url. The database stores HMAC-SHA-256(pepper, token):
 * a leaked table yields no usable token, and without the pepper not even a guessable one.
 *
 * Sealing the successor (for the grace window): the key is HKDF(ikm = token, salt = sealSalt),
 * `sealSalt` a key the server derives from its secret for this purpose alone. Opening a seal
 * needs the presented token, which the server never stores, and the salt, which the database
 * never holds. The salt must not be the pepper: HKDF's first step is HMAC(salt, ikm), which with
 * the pepper as salt *is* the stored hash, and a database copy would open every seal. AES-256-GCM
 * authenticates the seal; no AAD is needed because each key is used for exactly one message.
 */
export class HmacRefreshTokenCodec extends RefreshTokenCodec {
  private readonly pepper: Buffer;

  constructor(
    pepper: string,
    private readonly sealSalt: Buffer,
  ) {
    super();
    this.pepper = Buffer.from(pepper, 'utf8');
    if (sealSalt.length < 32) throw new Error('the successor seal salt must be a 256-bit key');
    if (sealSalt.equals(this.pepper)) throw new Error('the successor seal salt must not be the pepper');
  }

  generate(): string {
    return pooledRandomBytes(TOKEN_BYTES).toString('base64url');
  }

  hash(token: string): string {
    return createHmac('sha256', this.pepper).update(token, 'utf8').digest('base64url');
  }

  seal(successor: string, presented: string): string {
    const iv = pooledRandomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(presented), iv);
    const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  unseal(sealed: string, presented: string): string | undefined {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey(presented), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined; // not sealed under this token's key (another token, or an older key)
    }
  }

  private sealKey(presented: string): Buffer {
    return Buffer.from(hkdfSync('sha256', Buffer.from(presented, 'utf8'), this.sealSalt, SEAL_INFO, 32));
  }
}
