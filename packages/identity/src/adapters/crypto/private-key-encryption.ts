import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Private keys at rest: AES-256-GCM under KEY_ENCRYPTION_KEY, which lives in the environment and
 * never in the database. The kid is bound as associated data, so a ciphertext moved onto another
 * key's row fails to decrypt instead of signing under the wrong kid.
 */
export class PrivateKeyEncryption {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('KEY_ENCRYPTION_KEY must be 32 bytes');
  }

  encrypt(kid: string, privateKeyPem: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(kid, 'utf8'));
    const body = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  decrypt(kid: string, sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    const authTag = Buffer.from(tag ?? '', 'base64url');
    // A shortened tag would be accepted by OpenSSL and weaken the authentication: only 16 bytes.
    if (version !== VERSION || !iv || authTag.length !== TAG_BYTES || !body)
      throw new Error(`unreadable private key ciphertext for ${kid}`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    })
      .setAAD(Buffer.from(kid, 'utf8'))
      .setAuthTag(authTag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error(`cannot decrypt the private key of ${kid}: wrong KEY_ENCRYPTION_KEY?`);
    }
  }
}
