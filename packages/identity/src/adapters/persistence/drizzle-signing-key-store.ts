import { eq, sql } from 'drizzle-orm';
import { Database } from '@latchkey/platform';
import { SigningKeyStore } from '../../application/ports';
import type { SigningKey } from '../../domain/signing-key';
import type { PrivateKeyEncryption } from '../crypto/private-key-encryption';
import { signingKeys } from './schema';

/** Other instances LISTEN on this channel and reread the key set when it fires. */
export const SIGNING_KEYS_CHANNEL = 'latchkey_signing_keys';

/**
 * Signing keys in the `signing_keys` table, shared by every instance; private keys encrypted.
 * Each change notifies the other instances on commit (NOTIFY), so a revocation reaches them at
 * once; KEYS_REFRESH_SECONDS is the bound when a notification is missed.
 */
export class DrizzleSigningKeyStore extends SigningKeyStore {
  constructor(
    private readonly database: Database,
    private readonly encryption: PrivateKeyEncryption,
  ) {
    super();
  }

  async list(): Promise<SigningKey[]> {
    const rows = await this.database.db.select().from(signingKeys).orderBy(signingKeys.createdAt);
    return rows.map(({ privateKeyCiphertext, ...row }) => ({
      ...row,
      privateKeyPem: this.encryption.decrypt(row.kid, privateKeyCiphertext),
    }));
  }

  async save(keys: SigningKey[]): Promise<void> {
    // The outgoing active key is written before the incoming one: at most one active row at any moment.
    const ordered = [...keys].sort((a, b) => Number(a.state === 'active') - Number(b.state === 'active'));
    await this.database.transaction(async () => {
      for (const { privateKeyPem, kmsKeyId, ...key } of ordered) {
        // The table has no column for it (KEYS_CUSTODY=kms is refused with this store).
        if (kmsKeyId !== undefined) throw new Error(`key ${key.kid} is held by AWS KMS: not storable here`);
        const row = { ...key, privateKeyCiphertext: this.encryption.encrypt(key.kid, privateKeyPem) };
        await this.database.db
          .insert(signingKeys)
          .values(row)
          .onConflictDoUpdate({
            target: signingKeys.kid,
            set: {
              state: key.state,
              activatedAt: key.activatedAt,
              retiredAt: key.retiredAt,
              revokedAt: key.revokedAt,
            },
          });
      }
      await this.notify();
    });
  }

  async remove(kid: string): Promise<void> {
    await this.database.transaction(async () => {
      await this.database.db.delete(signingKeys).where(eq(signingKeys.kid, kid));
      await this.notify();
    });
  }

  private async notify(): Promise<void> {
    await this.database.db.execute(sql`select pg_notify(${SIGNING_KEYS_CHANNEL}, '')`);
  }
}
