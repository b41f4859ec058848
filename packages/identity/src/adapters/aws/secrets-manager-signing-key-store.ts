import { randomUUID } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SigningKeyStore } from '../../application/ports';
import type { SigningKey } from '../../domain/signing-key';
import {
  signingKeyOf,
  type StoredSigningKey,
  storedSigningKeyOf,
  storedSigningKeyProblem,
} from '../crypto/stored-signing-key';

/** Where a new key set waits, written but not yet current, until it replaces the set it was made from. */
const PENDING_STAGE = 'LATCHKEY_PENDING';
const CURRENT_STAGE = 'AWSCURRENT';
/** Attempts at a change while other writers keep changing the set first. */
const MAX_ATTEMPTS = 5;

/** The secret is missing, unreadable or not a key set: the process must not start on it. */
export class SigningKeySecretProblem extends Error {
  constructor(secretId: string, problem: string) {
    super(`KEYS_SECRET_ID ${secretId}: ${problem}`);
    this.name = 'SigningKeySecretProblem';
  }
}

/**
 * The key set as one AWS Secrets Manager secret (KEYS_STORE=secrets-manager, KEYS_SECRET_ID),
 * for deployments with no shared disk and no wish to keep private keys in the database (the
 * AWS Lambda deployment): `{"keys": [...]}`, each key as the file store writes it, encrypted at
 * rest by Secrets Manager under its KMS key. Reads go through CachedSigningKeyStore, so a
 * rotation made elsewhere is seen within KEYS_REFRESH_SECONDS.
 *
 * A change is a compare-and-swap, because the whole set is one value and two writers (the `keys`
 * CLI, the scheduled rotation) could otherwise each drop the other's key: the new set is written
 * as a pending version, then made current with UpdateSecretVersionStage naming the version it was
 * made from, which Secrets Manager refuses if another version became current meanwhile; the change
 * is then made again on the newer set.
 */
export class SecretsManagerSigningKeyStore extends SigningKeyStore {
  constructor(
    private readonly secretId: string,
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
  ) {
    super();
  }

  async list(): Promise<SigningKey[]> {
    return (await this.read()).keys;
  }

  save(keys: SigningKey[]): Promise<void> {
    const changed = new Map(keys.map((key) => [key.kid, key]));
    return this.change((current) => [
      ...current.map((key) => changed.get(key.kid) ?? key),
      ...keys.filter((key) => !current.some((existing) => existing.kid === key.kid)),
    ]);
  }

  remove(kid: string): Promise<void> {
    return this.change((current) => current.filter((key) => key.kid !== kid));
  }

  private async change(next: (current: SigningKey[]) => SigningKey[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { keys, versionId } = await this.read();
      const written = await this.client.send(
        new PutSecretValueCommand({
          SecretId: this.secretId,
          SecretString: JSON.stringify({ keys: next(keys).map(storedSigningKeyOf) }),
          VersionStages: [PENDING_STAGE],
          ClientRequestToken: randomUUID(),
        }),
      );
      try {
        await this.client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: this.secretId,
            VersionStage: CURRENT_STAGE,
            MoveToVersionId: written.VersionId,
            RemoveFromVersionId: versionId,
          }),
        );
        return;
      } catch (error) {
        // Another writer made its set current first (or the call failed): make the change again
        // on whatever is current now.
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async read(): Promise<{ keys: SigningKey[]; versionId: string }> {
    let answer;
    try {
      answer = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ResourceNotFoundException')
        throw new SigningKeySecretProblem(
          this.secretId,
          'no such secret (create it with the value {"keys":[]}, then add a key with pnpm keys)',
        );
      if (name === 'AccessDeniedException')
        throw new SigningKeySecretProblem(
          this.secretId,
          'this role may not read it (secretsmanager:GetSecretValue)',
        );
      throw error;
    }
    if (answer.SecretString === undefined || answer.VersionId === undefined)
      throw new SigningKeySecretProblem(this.secretId, 'the secret has no string value');
    const problem = setProblem(answer.SecretString);
    if (typeof problem === 'string')
      throw new SigningKeySecretProblem(this.secretId, `not a key set: ${problem}`);
    return { keys: problem.map(signingKeyOf), versionId: answer.VersionId };
  }
}

/** The stored keys, or why the value is not `{"keys": [...]}` of valid keys. */
function setProblem(value: string): StoredSigningKey[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'not JSON';
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return 'no "keys" list';
  for (const key of keys) {
    const problem = storedSigningKeyProblem(key);
    if (problem) return problem;
  }
  return keys as StoredSigningKey[];
}
