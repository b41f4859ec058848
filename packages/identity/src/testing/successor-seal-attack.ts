import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';

/**
 * What a thief holding a copy of `refresh_tokens` can try against a row's sealed successor: for
 * tests that must show that the row alone opens nothing.
 */

/** AES-256-GCM as a successor seal is laid out (iv, tag, body), opened with a candidate key. */
export function openSealWith(key: Buffer, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Every seal key computable from a row's stored token hash (base64url), for each seal version. */
export function keysFromStoredHash(tokenHash: string): Buffer[] {
  const storedHash = Buffer.from(tokenHash, 'base64url');
  const expand = (prk: Buffer, info: string) =>
    createHmac('sha256', prk)
      .update(Buffer.concat([Buffer.from(info), Buffer.from([1])]))
      .digest();
  return ['v1', 'v2'].flatMap((version) => {
    const info = `latchkey/refresh-token/successor-seal/${version}`;
    return [
      // The v1 flaw: with the pepper as HKDF's salt, HKDF-Extract(pepper, token) is
      // HMAC(pepper, token), the stored hash itself, and HKDF-Expand of it was the key.
      expand(storedHash, info),
      storedHash,
      Buffer.from(hkdfSync('sha256', storedHash, Buffer.alloc(0), info, 32)),
      Buffer.from(hkdfSync('sha256', Buffer.from(tokenHash), Buffer.alloc(0), info, 32)),
    ];
  });
}
