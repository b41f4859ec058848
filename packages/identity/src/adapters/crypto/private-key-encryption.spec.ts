import { randomBytes } from 'node:crypto';
import { PrivateKeyEncryption } from './private-key-encryption';

const pem = '-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----\n';

describe('PrivateKeyEncryption (AES-256-GCM, kid as associated data)', () => {
  const encryption = new PrivateKeyEncryption(randomBytes(32));

  it('round-trips, and never stores the key in the clear', () => {
    const sealed = encryption.encrypt('kid-1', pem);
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(encryption.decrypt('kid-1', sealed)).toBe(pem);
  });

  it('refuses a ciphertext moved onto another kid, or read under another key', () => {
    const sealed = encryption.encrypt('kid-1', pem);
    expect(() => encryption.decrypt('kid-2', sealed)).toThrow(/cannot decrypt the private key of kid-2/);
    expect(() => new PrivateKeyEncryption(randomBytes(32)).decrypt('kid-1', sealed)).toThrow(
      /wrong KEY_ENCRYPTION_KEY/,
    );
  });

  it('refuses a shortened authentication tag (OpenSSL alone would check only the bytes given)', () => {
    const [version, iv, tag, body] = encryption.encrypt('kid-1', pem).split('.');
    const shortTag = Buffer.from(tag!, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => encryption.decrypt('kid-1', [version, iv, shortTag, body].join('.'))).toThrow(
      /unreadable private key ciphertext for kid-1/,
    );
  });

  it('uses a fresh IV each time', () => {
    expect(encryption.encrypt('kid-1', pem)).not.toBe(encryption.encrypt('kid-1', pem));
  });
});
