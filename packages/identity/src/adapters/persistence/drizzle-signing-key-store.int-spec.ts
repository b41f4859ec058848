import { randomBytes } from 'node:crypto';
import { SystemClock } from '@latchkey/shared-kernel';
import { openTestDatabase, rows, sql, type TestDatabase } from '@latchkey/platform/testing';
import { PrivateKeyEncryption } from '../crypto/private-key-encryption';
import { RsaSigningKeyFactory } from '../crypto/rsa-signing-key-factory';
import { DrizzleSigningKeyStore, SIGNING_KEYS_CHANNEL } from './drizzle-signing-key-store';
import { identityMigrations } from '../../migrations';

describe('DrizzleSigningKeyStore', () => {
  let test: TestDatabase;
  let store: DrizzleSigningKeyStore;
  const factory = new RsaSigningKeyFactory(new SystemClock());

  beforeAll(async () => {
    test = await openTestDatabase({ streams: [identityMigrations] });
    store = new DrizzleSigningKeyStore(test.database, new PrivateKeyEncryption(randomBytes(32)));
  });
  afterAll(() => test.dispose());

  it('keeps private keys encrypted at rest and returns them decrypted', async () => {
    const key = await factory.generate(2048, 'generated');
    await store.save([key]);
    const [stored] = await rows<{ private_key_ciphertext: string }>(
      test.database,
      sql`select private_key_ciphertext from signing_keys where kid = ${key.kid}`,
    );
    expect(stored!.private_key_ciphertext).not.toContain('PRIVATE KEY');
    expect((await store.list()).find((candidate) => candidate.kid === key.kid)).toEqual(key);
  });

  it('lets the database refuse a second active key', async () => {
    const first = {
      ...(await factory.generate(2048, 'generated')),
      state: 'active' as const,
      activatedAt: new Date(),
    };
    const second = {
      ...(await factory.generate(2048, 'generated')),
      state: 'active' as const,
      activatedAt: new Date(),
    };
    await store.save([first]);
    await expect(store.save([second])).rejects.toThrow();
    // An activation writes the outgoing key first, so the swap itself is accepted.
    await store.save([{ ...second }, { ...first, state: 'retired', retiredAt: new Date() }]);
    expect((await store.list()).filter((key) => key.state === 'active').map((key) => key.kid)).toEqual([
      second.kid,
    ]);
  });

  it('notifies listeners once a change commits, never before', async () => {
    let notified = 0;
    const stop = await test.database.listen(SIGNING_KEYS_CHANNEL, () => notified++);
    try {
      const key = await factory.generate(2048, 'generated');
      await test.database.transaction(async () => {
        await store.save([key]);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(notified).toBe(0); // still uncommitted
      });
      await waitFor(() => notified > 0);
      await store.remove(key.kid);
      await waitFor(() => notified > 1);
      expect(await store.list()).not.toContainEqual(expect.objectContaining({ kid: key.kid }));
    } finally {
      await stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
