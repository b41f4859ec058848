import { type Env, EnvReader, InvalidConfiguration, loadPlatformConfig } from '@latchkey/platform';
import { readIdentityConfig } from '../../identity-config';
import { Argon2PasswordHasher } from './argon2-password-hasher';

/** Identity's passwordHashing slice from `env`, refused as start-up would refuse it. */
function passwordHashing(env: Env) {
  const read = new EnvReader(env);
  const config = readIdentityConfig(read, loadPlatformConfig(env));
  if (read.problems.length > 0) throw new InvalidConfiguration(read.problems);
  return config.passwordHashing;
}

const cheap = { memoryKib: 1024, timeCost: 1, parallelism: 1, maxConcurrency: 2 };

describe('Argon2PasswordHasher', () => {
  it('uses argon2id with the OWASP parameters by default (m=19456 KiB, t=2, p=1)', async () => {
    const production = passwordHashing({});
    expect(production).toMatchObject({ memoryKib: 19_456, timeCost: 2, parallelism: 1 });
    const hash = await new Argon2PasswordHasher(production).hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  it('refuses parameters below the OWASP floor outside the test environment', () => {
    expect(() => passwordHashing({ ARGON2_MEMORY_KIB: '1024' })).toThrow(/ARGON2_MEMORY_KIB/);
    expect(() => passwordHashing({ ARGON2_TIME_COST: '1' })).toThrow(/ARGON2_TIME_COST/);
    expect(
      passwordHashing({ NODE_ENV: 'test', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' }).memoryKib,
    ).toBe(1024);
  });

  it('verifies, and asks for a rehash when the stored hash used weaker parameters', async () => {
    const weak = new Argon2PasswordHasher(cheap);
    const strong = new Argon2PasswordHasher({ ...cheap, memoryKib: 2048, timeCost: 2 });
    const stored = await weak.hash('a long enough passphrase');
    await expect(strong.verify(stored, 'a long enough passphrase')).resolves.toEqual({
      ok: true,
      needsRehash: true,
    });
    await expect(weak.verify(stored, 'a long enough passphrase')).resolves.toEqual({
      ok: true,
      needsRehash: false,
    });
    await expect(strong.verify(stored, 'the wrong passphrase')).resolves.toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('treats a corrupt stored hash as a failed verification, not an error', async () => {
    await expect(new Argon2PasswordHasher(cheap).verify('not-a-hash', 'x')).resolves.toEqual({
      ok: false,
      needsRehash: false,
    });
  });

  it('runs at most maxConcurrency hashes at once', async () => {
    const hasher = new Argon2PasswordHasher({ ...cheap, maxConcurrency: 2 });
    const semaphore = (hasher as unknown as { semaphore: { run: <T>(w: () => Promise<T>) => Promise<T> } })
      .semaphore;
    let running = 0;
    let peak = 0;
    const original = semaphore.run.bind(semaphore);
    semaphore.run = (work) =>
      original(async () => {
        peak = Math.max(peak, ++running);
        try {
          return await work();
        } finally {
          running--;
        }
      });
    await Promise.all(Array.from({ length: 8 }, (_, i) => hasher.hash(`password number ${i}`)));
    expect(peak).toBe(2);
  });
});
