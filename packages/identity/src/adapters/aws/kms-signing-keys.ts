import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  ScheduleKeyDeletionCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import { Logger } from '@nestjs/common';
import { Clock, ServiceUnavailable, ValidationFailed } from '@latchkey/shared-kernel';
import { SigningKeyFactory } from '../../application/ports';
import type { SigningKey, SigningKeySource } from '../../domain/signing-key';
import type { RemoteKeySigner } from '../crypto/jose-access-tokens';
import { nextKey, publicJwkOf, publicPemOf } from '../crypto/rsa-signing-key-factory';

/** RS256 in KMS's words. */
const SIGNING_ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';
const KEY_SPECS: Record<number, 'RSA_2048' | 'RSA_3072' | 'RSA_4096'> = {
  2048: 'RSA_2048',
  3072: 'RSA_3072',
  4096: 'RSA_4096',
};
/** KMS waits at least 7 days before deleting a key; 30 leaves a month to notice a wrong removal. */
const DELETION_WINDOW_DAYS = 30;

/** A KMS key that cannot sign our tokens: the process must not start on it. */
export class KmsSigningKeyProblem extends Error {
  constructor(keyId: string, problem: string) {
    super(`AWS KMS key ${keyId}: ${problem}`);
    this.name = 'KmsSigningKeyProblem';
  }
}

/**
 * Signing keys made inside AWS KMS (KEYS_CUSTODY=kms): an asymmetric RSA key with usage
 * SIGN_VERIFY, whose private half never leaves KMS. The key set (whichever store holds it) keeps
 * what it keeps for any key, the state, dates and public JWK, with the KMS key's ARN in place of a
 * PEM; `pnpm keys generate` and the scheduled rotation make one here, and `pnpm keys remove`
 * schedules its deletion. Importing a PEM is refused: the private key would have existed outside KMS.
 */
export class KmsSigningKeyFactory extends SigningKeyFactory {
  constructor(
    private readonly clock: Clock,
    private readonly client: KMSClient = new KMSClient({}),
  ) {
    super();
  }

  async generate(bits: number, source: SigningKeySource): Promise<SigningKey> {
    const keySpec = KEY_SPECS[bits];
    if (!keySpec) throw new Error(`AWS KMS makes RSA keys of 2048, 3072 or 4096 bits, not ${bits}`);
    const created = await this.client.send(
      new CreateKeyCommand({
        KeySpec: keySpec,
        KeyUsage: 'SIGN_VERIFY',
        Description: 'Latchkey access-token signing key (RS256)',
        Tags: [{ TagKey: 'latchkey:purpose', TagValue: 'access-token-signing' }],
      }),
    );
    const keyId = created.KeyMetadata?.Arn;
    if (!keyId) throw new Error('AWS KMS CreateKey answered without a key ARN');
    const publicKey = await kmsPublicKey(this.client, keyId);
    return nextKey(await publicJwkOf(publicKey), source, this.clock.now(), { kmsKeyId: keyId });
  }

  fromPem(): Promise<SigningKey> {
    return Promise.reject(
      new ValidationFailed([
        {
          field: 'key',
          message:
            'cannot be imported with KEYS_CUSTODY=kms: a signing key is made inside AWS KMS (pnpm keys generate)',
        },
      ]),
    );
  }

  publicPem(key: SigningKey): string {
    return publicPemOf(key);
  }

  async release(key: SigningKey): Promise<void> {
    if (key.kmsKeyId === undefined) return;
    await this.client.send(
      new ScheduleKeyDeletionCommand({ KeyId: key.kmsKeyId, PendingWindowInDays: DELETION_WINDOW_DAYS }),
    );
  }
}

/**
 * Signs through AWS KMS `Sign` (MessageType DIGEST, RSASSA_PKCS1_V1_5_SHA_256): the digest goes to
 * KMS, never the token's claims, and no key material comes back. KMS being unreachable, throttling
 * or refusing (a disabled key, a missing permission) is a 503 for the client and an error in the
 * log for the operator: nothing can be signed until it is mended.
 */
export class KmsTokenSigner implements RemoteKeySigner {
  private readonly logger = new Logger('KmsTokenSigner');

  constructor(private readonly client: KMSClient = new KMSClient({})) {}

  async sign(keyId: string, sha256Digest: Buffer): Promise<Uint8Array> {
    let answer;
    try {
      answer = await this.client.send(
        new SignCommand({
          KeyId: keyId,
          Message: sha256Digest,
          MessageType: 'DIGEST',
          SigningAlgorithm: SIGNING_ALGORITHM,
        }),
      );
    } catch (error) {
      this.logger.error(
        `AWS KMS refused to sign with ${keyId}: ${(error as Error).name}: ${(error as Error).message}`,
      );
      throw new ServiceUnavailable('Tokens cannot be issued right now; retry later', {
        retryAfterSeconds: 1,
      });
    }
    if (!answer.Signature) throw new Error(`AWS KMS Sign with ${keyId} answered without a signature`);
    return answer.Signature;
  }
}

/**
 * What a start-up must know about a KMS-held key before it signs with it: that this role may use
 * it, that it is an RSA signing key allowing RS256, and that it is the key the set publishes (its
 * thumbprint is the kid). Undefined when all holds.
 */
export async function kmsKeyProblem(
  key: SigningKey,
  client = new KMSClient({}),
): Promise<string | undefined> {
  const keyId = key.kmsKeyId!;
  let publicKey: KeyObject;
  try {
    publicKey = await kmsPublicKey(client, keyId);
  } catch (error) {
    if (error instanceof KmsSigningKeyProblem) return error.message;
    const name = (error as Error).name;
    const why =
      name === 'AccessDeniedException'
        ? 'this role may not use it (kms:GetPublicKey, kms:Sign)'
        : name === 'NotFoundException'
          ? 'no such key'
          : name === 'DisabledException' || name === 'KMSInvalidStateException'
            ? 'the key is disabled or pending deletion'
            : `${name}: ${(error as Error).message}`;
    return `AWS KMS key ${keyId}: ${why}`;
  }
  const { kid } = await publicJwkOf(publicKey);
  return kid === key.kid ? undefined : `AWS KMS key ${keyId}: its public key is not key ${key.kid}'s`;
}

async function kmsPublicKey(client: KMSClient, keyId: string): Promise<KeyObject> {
  const answer = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (answer.KeyUsage !== 'SIGN_VERIFY' || !answer.SigningAlgorithms?.includes(SIGNING_ALGORITHM))
    throw new KmsSigningKeyProblem(keyId, `is not an RSA signing key that allows ${SIGNING_ALGORITHM}`);
  if (!answer.PublicKey) throw new KmsSigningKeyProblem(keyId, 'GetPublicKey answered without a key');
  return createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' });
}
