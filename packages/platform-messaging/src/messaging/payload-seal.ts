import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from '@latchkey/platform';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for an outbox row's payload, bound to its row id (the AAD): a sealed payload cannot
 * be moved onto another row, and a database dump holds nothing readable (reset links, codes,
 * personal data in events). The key is the outbox's own, derived from the server secret.
 */
export class PayloadSeal {
  constructor(private readonly key: Buffer) {}

  seal(id: string, payload: unknown): string {
    const iv = pooledRandomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(id));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** Undefined when it was sealed under another key (the server secret changed) or for another row. */
  unseal<T>(id: string, sealed: string): T | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }
}
