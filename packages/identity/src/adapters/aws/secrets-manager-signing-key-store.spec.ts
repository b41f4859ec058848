import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SystemClock } from '@latchkey/shared-kernel';
import { TestClock } from '@latchkey/shared-kernel/testing';
import type { SigningKey } from '../../domain/signing-key';
import { readIdentityConfig } from '../../identity-config';
import { EnvReader, readPlatformConfig } from '@latchkey/platform';
import { CachedSigningKeyStore } from '../crypto/cached-signing-key-store';
import { RsaSigningKeyFactory } from '../crypto/rsa-signing-key-factory';
import { signingKeyStartupProblems } from '../crypto/signing-key-preflight';
import { storedSigningKeyOf } from '../crypto/stored-signing-key';
import { emulatedSecretsManager } from '../../testing/emulated-aws';
import { SecretsManagerSigningKeyStore, SigningKeySecretProblem } from './secrets-manager-signing-key-store';

const SECRET = 'latchkey/signing-keys';
describe('SecretsManagerSigningKeyStore: the key set as one AWS Secrets Manager secret', () => {
  const factory = new RsaSigningKeyFactory(new SystemClock());
  let keys: SigningKey[];
  let secrets: ReturnType<typeof emulatedSecretsManager>;
  let store: SecretsManagerSigningKeyStore;

  beforeAll(async () => {
    keys = await Promise.all([1, 2, 3].map(() => factory.generate(2048, 'generated')));
    keys[0] = { ...keys[0]!, state: 'active', activatedAt: new Date('2026-12-01T00:00:00Z') };
  });
  beforeEach(() => {
    secrets = emulatedSecretsManager();
    secrets.setCurrent('{"keys":[]}');
    store = new SecretsManagerSigningKeyStore(SECRET, new SecretsManagerClient({ region: 'eu-west-1' }));
  });
  afterEach(() => secrets.mock.restore());

  it('saves keys and reads them back as they were, and removes one', async () => {
    await store.save([keys[0]!, keys[1]!]);
    expect(await store.list()).toEqual([keys[0], keys[1]]);
    const retired = { ...keys[0]!, state: 'retired' as const, retiredAt: new Date('2026-12-02T00:00:00Z') };
    await store.save([retired]);
    expect(await store.list()).toEqual([retired, keys[1]]);
    await store.remove(keys[1]!.kid);
    expect(await store.list()).toEqual([retired]);
    // Every change was a new version made current from the one it was read from.
    expect(secrets.mock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(3);
  });

  it('is read once per KEYS_REFRESH_SECONDS, and a new version made elsewhere is picked up within it', async () => {
    await store.save([keys[0]!]);
    const clock = new TestClock(new Date('2026-12-04T12:00:00Z'));
    const cached = new CachedSigningKeyStore(store, clock, 30);
    const reads = () => secrets.mock.commandCalls(GetSecretValueCommand).length;
    const before = reads();
    expect((await cached.list()).map((key) => key.kid)).toEqual([keys[0]!.kid]);
    await cached.list();
    expect(reads()).toBe(before + 1);
    // A rotation made by another environment (the scheduled rotation, `pnpm keys`).
    const other = new SecretsManagerSigningKeyStore(
      SECRET,
      new SecretsManagerClient({ region: 'eu-west-1' }),
    );
    await other.save([keys[2]!]);
    clock.advanceSeconds(29);
    expect((await cached.list()).map((key) => key.kid)).toEqual([keys[0]!.kid]);
    clock.advanceSeconds(1);
    expect((await cached.list()).map((key) => key.kid)).toEqual([keys[0]!.kid, keys[2]!.kid]);
  });

  it('loses no key when another writer changes the set between its read and its write', async () => {
    await store.save([keys[0]!]);
    // The first attempt's stage move finds another writer's version current (compare-and-swap).
    let interfered = false;
    secrets.mock.on(PutSecretValueCommand).callsFake((input: { SecretString: string }) => {
      if (!interfered) {
        interfered = true;
        const current = JSON.parse(secrets.state.versions.get(secrets.state.current)!) as { keys: unknown[] };
        secrets.setCurrent(JSON.stringify({ keys: [...current.keys, storedSigningKeyOf(keys[2]!)] }));
      }
      const id = `v${++secrets.state.counter}`;
      secrets.state.versions.set(id, input.SecretString);
      return { VersionId: id };
    });
    await store.save([keys[1]!]);
    expect(secrets.currentKids().sort()).toEqual([keys[0]!.kid, keys[1]!.kid, keys[2]!.kid].sort());
    expect(secrets.mock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(3); // 1 + a refused one + 1
  });

  it('refuses a missing or malformed secret with a clear error, and production does not start on one', async () => {
    const production = (env: Record<string, string> = {}) => {
      const read = new EnvReader({
        NODE_ENV: 'production',
        KEYS_STORE: 'secrets-manager',
        KEYS_SECRET_ID: SECRET,
        JWT_ISSUER: 'https://auth.example.com',
        ...env,
      });
      return readIdentityConfig(read, readPlatformConfig(read));
    };
    const cases: [() => void, string][] = [
      [() => (secrets.state.exists = false), 'no such secret (create it with the value {"keys":[]}'],
      [() => secrets.setCurrent('not json'), 'not a key set: not JSON'],
      [() => secrets.setCurrent('{"signingKeys":[]}'), 'not a key set: no "keys" list'],
      [
        () => secrets.setCurrent('{"keys":[{"kid":"k1","state":"active"}]}'),
        'not a key set: key k1 has no private key',
      ],
    ];
    for (const [arrange, message] of cases) {
      arrange();
      const failure = await store.list().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SigningKeySecretProblem);
      expect((failure as Error).message).toMatch(new RegExp(`^KEYS_SECRET_ID ${SECRET}: `));
      expect((failure as Error).message).toContain(message);
      expect(await signingKeyStartupProblems(production(), true)).toEqual([
        `signing key: ${(failure as Error).message}`,
      ]);
      secrets.state.exists = true;
    }
    // A well-formed set without an active key: production refuses to start, naming the secret.
    secrets.setCurrent('{"keys":[]}');
    expect(await signingKeyStartupProblems(production(), true)).toEqual([
      expect.stringContaining(`No active signing key in secret ${SECRET}`),
    ]);
    await store.save([keys[0]!]);
    expect(await signingKeyStartupProblems(production(), true)).toEqual([]);
    // The configuration names the secret it needs.
    const read = new EnvReader({ NODE_ENV: 'test', KEYS_STORE: 'secrets-manager' });
    readIdentityConfig(read, readPlatformConfig(read));
    expect(read.problems).toEqual([
      'KEYS_SECRET_ID: is required with KEYS_STORE=secrets-manager (the secret’s name or ARN)',
    ]);
  });
});
