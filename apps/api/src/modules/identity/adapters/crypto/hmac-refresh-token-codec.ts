import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { RefreshTokenCodec } from '../../application/ports';

const TOKEN_BYTES = 32; // 256 bits from the CSPRNG
const SEAL_INFO = 'latchkey/refresh-token/successor-seal/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Refresh tokens are 256 random bits, base64url. The database stores HMAC-SHA-256(pepper, token):
 * a leaked table yields no usable token, and without the pepper not even a guessable one.
 *
 * Sealing the successor (for the grace window): the key is HKDF(token, salt = pepper), so opening
 * it needs both the presented token, which the server never stores, and the pepper, which the
 * database never holds. AES-256-GCM authenticates it; the token row id is not needed as AAD
 * because each key is used for exactly one message.
 */
export class HmacRefreshTokenCodec extends RefreshTokenCodec {
  private readonly pepper: Buffer;

  constructor(pepper: string) {
    super();
    this.pepper = Buffer.from(pepper, 'utf8');
  }

  generate(): string {
    return randomBytes(TOKEN_BYTES).toString('base64url');
  }

  hash(token: string): string {
    return createHmac('sha256', this.pepper).update(token, 'utf8').digest('base64url');
  }

  seal(successor: string, presented: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(presented), iv);
    const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  unseal(sealed: string, presented: string): string {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey(presented), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }

  private sealKey(presented: string): Buffer {
    return Buffer.from(hkdfSync('sha256', Buffer.from(presented, 'utf8'), this.pepper, SEAL_INFO, 32));
  }
}
