import type { IdentityConfig } from '../../identity-config';
import { NoUsableSigningKey } from '../../application/signing-keys/ensure-signing-key';
import { activeKeyOf, productionKeyProblem, type SigningKey } from '../../domain/signing-key';
import { kms, uncachedKeyStore } from './signing-key-store.factory';

/**
 * Before anything opens: what the file key store lacks in production, and whether the Secrets
 * Manager store's secret is there and is a key set (in production, with an active key), as lines
 * for the start-up message, so a first deployment learns of a missing key together with its missing
 * settings; and, when the active key is held by AWS KMS, whether it can sign. The database store is
 * asked once the database is open (SigningKeyBootstrap).
 */
export async function signingKeyStartupProblems(
  config: IdentityConfig,
  production: boolean,
): Promise<string[]> {
  const { store, dir, secretId } = config.keys;
  if (store === 'database' || (store === 'file' && !production)) return [];
  if (store === 'secrets-manager' && secretId === undefined) return []; // named by the configuration
  const where = store === 'file' ? dir : `secret ${secretId}`;
  let problem: string | undefined;
  let keys: SigningKey[] = [];
  try {
    keys = await uncachedKeyStore(config).list();
    problem = production ? productionKeyProblem(keys) : undefined;
  } catch (error) {
    if (store === 'file') problem = `KEYS_DIR ${dir} cannot be read (${(error as Error).message})`;
    else return [`signing key: ${(error as Error).message}`];
  }
  if (problem) return [`signing key: ${new NoUsableSigningKey(`${problem} in ${where}`).message}`];
  // The active key held by AWS KMS: this role must be able to sign with it, and it must be the key
  // JWKS publishes, before the first token is due.
  const active = activeKeyOf(keys);
  const kmsProblem = active?.kmsKeyId === undefined ? undefined : await kms().kmsKeyProblem(active);
  return kmsProblem ? [`signing key: ${kmsProblem}`] : [];
}
