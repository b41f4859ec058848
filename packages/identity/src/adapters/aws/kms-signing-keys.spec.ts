import { createHash } from 'node:crypto';
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { EnvReader, readPlatformConfig } from '@latchkey/platform';
import { ServiceUnavailable, ValidationFailed } from '@latchkey/shared-kernel';
import { TestClock } from '@latchkey/shared-kernel/testing';
import type { SigningKey } from '../../domain/signing-key';
import { readIdentityConfig } from '../../identity-config';
import { RemoveSigningKey } from '../../application/signing-keys/remove-signing-key';
import { RotateSigningKeys } from '../../application/signing-keys/rotate-signing-keys';
import { SigningKeyAudit } from '../../application/signing-keys/signing-key-audit';
import { emulatedKms, emulatedSecretsManager } from '../../testing/emulated-aws';
import {
  identitySettings,
  MemoryAuditLog,
  MemorySigningKeyStore,
  RollbackUnitOfWork,
  UncontendedLock,
} from '../../testing/memory-identity';
import { CachedSigningKeyStore } from '../crypto/cached-signing-key-store';
import { JoseAccessTokens } from '../crypto/jose-access-tokens';
import { RsaSigningKeyFactory } from '../crypto/rsa-signing-key-factory';
import { signingKeyStartupProblems } from '../crypto/signing-key-preflight';
import { storedSigningKeyOf, storedSigningKeyProblem } from '../crypto/stored-signing-key';
import { KmsSigningKeyFactory, KmsTokenSigner } from './kms-signing-keys';
import { SecretsManagerSigningKeyStore } from './secrets-manager-signing-key-store';

const SECRET = 'latchkey/signing-keys';
const AUDIENCE = { issuer: 'https://auth.example.com', audience: 'latchkey' };
const REGION = { region: 'eu-west-1' };
const grant = { userId: 'u1', sessionId: 's1', roles: ['user'], permissions: ['profile:read'] };

describe('AWS KMS custody of signing keys (KEYS_CUSTODY=kms)', () => {
  let kms: ReturnType<typeof emulatedKms>;
  let clock: TestClock;
  let factory: KmsSigningKeyFactory;

  beforeEach(() => {
    kms = emulatedKms();
    clock = new TestClock(new Date('2026-12-05T12:00:00Z'));
    factory = new KmsSigningKeyFactory(clock, new KMSClient(REGION));
  });
  afterEach(() => kms.mock.restore());

  const activeKey = async () => ({
    ...(await factory.generate(2048, 'generated')),
    state: 'active' as const,
    activatedAt: clock.now(),
  });
  const tokensOver = (store: MemorySigningKeyStore | CachedSigningKeyStore) =>
    new JoseAccessTokens(
      store,
      clock,
      { ...AUDIENCE, ttlSeconds: 900 },
      new KmsTokenSigner(new KMSClient(REGION)),
    );

  it('makes each key inside KMS (RSA, SIGN_VERIFY): the set keeps its ARN and public JWK, never a private key', async () => {
    const key = await factory.generate(3072, 'generated');
    expect(kms.mock.commandCalls(CreateKeyCommand)[0]!.args[0].input).toMatchObject({
      KeySpec: 'RSA_3072',
      KeyUsage: 'SIGN_VERIFY',
    });
    expect(key.kmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);
    expect(key.privateKeyPem).toBe('');
    expect(key.state).toBe('next');
    // The kid is the thumbprint of the public key KMS holds, as for any key.
    const publicKey = kms.keys.get(key.kmsKeyId!)!.privateKey;
    const { n } = publicKey.export({ format: 'jwk' });
    expect(key.publicJwk.n).toBe(n);
    expect(JSON.stringify(storedSigningKeyOf(key))).not.toContain('PRIVATE KEY');
    expect(factory.publicPem(key)).toContain('BEGIN PUBLIC KEY');
    await expect(factory.generate(1024, 'generated')).rejects.toThrow('2048, 3072 or 4096 bits');
  });

  it('signs RS256 in KMS from a digest alone; the token verifies against the published JWK, here and at any verifier', async () => {
    const key = await activeKey();
    const tokens = tokensOver(new MemorySigningKeyStore([key]));
    const { token } = await tokens.issue(grant);

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' });
    const signs = kms.mock.commandCalls(SignCommand);
    expect(signs).toHaveLength(1);
    const signingInput = token.split('.').slice(0, 2).join('.');
    expect(signs[0]!.args[0].input).toMatchObject({
      KeyId: key.kmsKeyId,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    // Only the digest went to KMS, not the claims.
    expect(Buffer.from(signs[0]!.args[0].input.Message!)).toEqual(
      createHash('sha256').update(signingInput).digest(),
    );
    // A verifier that knows only JWKS (a gateway, a resource server) accepts it.
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [key.publicJwk] }), {
      ...AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['RS256'],
      currentDate: clock.now(),
    });
    expect(payload).toMatchObject({ sub: 'u1', sid: 's1', roles: ['user'], permissions: ['profile:read'] });
    expect((await tokens.verify(token)).sub).toBe('u1');
    // Verification is local: KMS is asked to sign, never to verify.
    expect(kms.mock.commandCalls(SignCommand)).toHaveLength(1);
  });

  it('signs with a PEM key locally while a set moves to KMS custody: the active key decides, not the setting', async () => {
    const pem = {
      ...(await new RsaSigningKeyFactory(clock).generate(2048, 'generated')),
      state: 'active' as const,
    };
    const next = await factory.generate(2048, 'generated');
    const tokens = tokensOver(new MemorySigningKeyStore([pem, next]));
    const { token } = await tokens.issue(grant);
    expect(decodeProtectedHeader(token).kid).toBe(pem.kid);
    expect(kms.mock.commandCalls(SignCommand)).toHaveLength(0);
  });

  it('follows a rotation made elsewhere within KEYS_REFRESH_SECONDS: the new KMS key signs, the old one still verifies', async () => {
    const secrets = emulatedSecretsManager();
    try {
      secrets.setCurrent('{"keys":[]}');
      const first = await activeKey();
      const second = await factory.generate(2048, 'generated');
      const store = () => new SecretsManagerSigningKeyStore(SECRET, new SecretsManagerClient(REGION));
      await store().save([first, second]);
      const tokens = tokensOver(new CachedSigningKeyStore(store(), clock, 30));
      const before = (await tokens.issue(grant)).token;

      // `pnpm keys activate` in another environment (or the scheduled rotation).
      clock.advanceSeconds(1);
      await store().save([
        { ...first, state: 'retired', retiredAt: clock.now() },
        { ...second, state: 'active', activatedAt: clock.now() },
      ]);
      clock.advanceSeconds(28);
      expect(decodeProtectedHeader((await tokens.issue(grant)).token).kid).toBe(first.kid);
      clock.advanceSeconds(1);
      const after = (await tokens.issue(grant)).token;
      expect(decodeProtectedHeader(after).kid).toBe(second.kid);
      expect(kms.mock.commandCalls(SignCommand).at(-1)!.args[0].input.KeyId).toBe(second.kmsKeyId);
      // The retired key's tokens stay valid until they expire.
      expect((await tokens.verify(before)).sub).toBe('u1');
    } finally {
      secrets.mock.restore();
    }
  });

  it('answers 503 when KMS will not sign (a disabled key), and signs with nothing else', async () => {
    const key = await activeKey();
    kms.keys.get(key.kmsKeyId!)!.enabled = false;
    const failure = await tokensOver(new MemorySigningKeyStore([key]))
      .issue(grant)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailable);
    expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 });
  });

  it('does not start production on an active KMS key it cannot sign with, and says why', async () => {
    const secrets = emulatedSecretsManager();
    try {
      const read = new EnvReader({
        NODE_ENV: 'production',
        KEYS_STORE: 'secrets-manager',
        KEYS_SECRET_ID: SECRET,
        KEYS_CUSTODY: 'kms',
        JWT_ISSUER: AUDIENCE.issuer,
      });
      const config = readIdentityConfig(read, readPlatformConfig(read));
      expect(read.problems.filter((problem) => problem.startsWith('KEYS'))).toEqual([]);
      const key = await activeKey();
      const other = await factory.generate(2048, 'generated');
      const withActive = (active: SigningKey) =>
        secrets.setCurrent(JSON.stringify({ keys: [storedSigningKeyOf(active)] }));

      withActive(key);
      expect(await signingKeyStartupProblems(config, true)).toEqual([]);

      // The set names another KMS key than the one whose public key it publishes.
      withActive({ ...key, kmsKeyId: other.kmsKeyId });
      expect(await signingKeyStartupProblems(config, true)).toEqual([
        `signing key: AWS KMS key ${other.kmsKeyId}: its public key is not key ${key.kid}'s`,
      ]);

      withActive(key);
      kms.keys.get(key.kmsKeyId!)!.enabled = false;
      expect(await signingKeyStartupProblems(config, true)).toEqual([
        `signing key: AWS KMS key ${key.kmsKeyId}: the key is disabled or pending deletion`,
      ]);

      kms.keys.delete(key.kmsKeyId!);
      expect(await signingKeyStartupProblems(config, true)).toEqual([
        `signing key: AWS KMS key ${key.kmsKeyId}: no such key`,
      ]);

      const denied = Object.assign(new Error('not authorized to perform kms:GetPublicKey'), {
        name: 'AccessDeniedException',
      });
      kms.mock.on(GetPublicKeyCommand).rejects(denied);
      expect(await signingKeyStartupProblems(config, true)).toEqual([
        `signing key: AWS KMS key ${key.kmsKeyId}: this role may not use it (kms:GetPublicKey, kms:Sign)`,
      ]);

      // An encryption key is not a signing key.
      kms.mock
        .on(GetPublicKeyCommand)
        .resolves({ KeyUsage: 'ENCRYPT_DECRYPT', PublicKey: new Uint8Array(1) });
      expect(await signingKeyStartupProblems(config, true)).toEqual([
        `signing key: AWS KMS key ${key.kmsKeyId}: is not an RSA signing key that allows RSASSA_PKCS1_V1_5_SHA_256`,
      ]);
    } finally {
      secrets.mock.restore();
    }
  });

  it('refuses a malformed KMS entry in the set like any malformed key', async () => {
    const stored = storedSigningKeyOf(await factory.generate(2048, 'generated'));
    expect(storedSigningKeyProblem(stored)).toBeUndefined();
    expect(storedSigningKeyProblem({ ...stored, kmsKeyId: 42 })).toBe(
      `key ${stored.kid} has an invalid kmsKeyId`,
    );
    expect(storedSigningKeyProblem({ ...stored, kmsKeyId: 'arn with spaces' })).toBe(
      `key ${stored.kid} has an invalid kmsKeyId`,
    );
    expect(storedSigningKeyProblem({ ...stored, privateKeyPem: '-----BEGIN PRIVATE KEY-----' })).toBe(
      `key ${stored.kid} has both a private key and a kmsKeyId`,
    );
    expect(storedSigningKeyProblem({ ...stored, kmsKeyId: undefined })).toBe(
      `key ${stored.kid} has no private key`,
    );
  });

  it('schedules a removed key’s KMS key for deletion once the removal is committed, and never before', async () => {
    const retired = {
      ...(await factory.generate(2048, 'generated')),
      state: 'retired' as const,
      activatedAt: new Date('2026-11-01T00:00:00Z'),
      retiredAt: new Date('2026-11-02T00:00:00Z'),
    };
    const store = new MemorySigningKeyStore([await activeKey(), retired]);
    const audit = new MemoryAuditLog(clock);
    const remove = new RemoveSigningKey(
      store,
      factory,
      identitySettings(),
      clock,
      new RollbackUnitOfWork([store]),
      new SigningKeyAudit(audit),
    );

    // The audit write fails: the transaction rolls back, the key stays, KMS is not touched.
    const failing = jest.spyOn(audit, 'record').mockRejectedValueOnce(new Error('database down'));
    await expect(remove.execute({ kid: retired.kid }, 'cli')).rejects.toThrow('database down');
    expect(store.keys.map((key) => key.kid)).toContain(retired.kid);
    expect(kms.mock.commandCalls(ScheduleKeyDeletionCommand)).toHaveLength(0);
    failing.mockRestore();

    await remove.execute({ kid: retired.kid }, 'cli');
    expect(store.keys.map((key) => key.kid)).not.toContain(retired.kid);
    expect(kms.mock.commandCalls(ScheduleKeyDeletionCommand).map((call) => call.args[0].input)).toEqual([
      { KeyId: retired.kmsKeyId, PendingWindowInDays: 30 },
    ]);
  });

  it('makes the scheduled rotation’s keys in KMS and schedules the deletion of those it removes', async () => {
    const old = {
      ...(await factory.generate(2048, 'generated')),
      state: 'retired' as const,
      activatedAt: new Date('2026-10-01T00:00:00Z'),
      retiredAt: new Date('2026-10-02T00:00:00Z'),
    };
    const store = new MemorySigningKeyStore([
      { ...(await activeKey()), activatedAt: new Date('2026-11-01T00:00:00Z') },
      old,
    ]);
    const rotate = new RotateSigningKeys(
      store,
      factory,
      new UncontendedLock(),
      identitySettings(),
      clock,
      new RollbackUnitOfWork([store]),
      new SigningKeyAudit(new MemoryAuditLog(clock)),
    );
    const outcome = await rotate.execute(30 * 86_400);
    expect(outcome).toMatchObject({ ran: true, removed: [old.kid] });
    const added = store.keys.find((key) => key.kid === (outcome as { added: string }).added);
    expect(added?.kmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(kms.mock.commandCalls(ScheduleKeyDeletionCommand)[0]!.args[0].input.KeyId).toBe(old.kmsKeyId);
  });

  it('refuses to import a PEM, and refuses KMS custody with the database store', async () => {
    await expect(factory.fromPem()).rejects.toBeInstanceOf(ValidationFailed);
    const read = new EnvReader({ NODE_ENV: 'test', KEYS_STORE: 'database', KEYS_CUSTODY: 'kms' });
    readIdentityConfig(read, readPlatformConfig(read));
    expect(read.problems).toEqual([
      'KEYS_CUSTODY: kms needs KEYS_STORE=secrets-manager or file (the signing_keys table holds PEM keys only)',
    ]);
    const fine = new EnvReader({ NODE_ENV: 'test' });
    expect(readIdentityConfig(fine, readPlatformConfig(fine)).keys.custody).toBe('local');
  });
});
