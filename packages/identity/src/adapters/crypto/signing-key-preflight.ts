import type { IdentityConfig } from '../../identity-config';
import { NoUsableSigningKey } from '../../application/signing-keys/ensure-signing-key';
import { productionKeyProblem } from '../../domain/signing-key';
import { FileSigningKeyStore } from './file-signing-key-store';

/**
 * Before anything opens, in production: what the file key store lacks, as a line for the
 * start-up message, so a first deployment learns of a missing key together with its missing
 * settings. The database store is asked once the database is open (SigningKeyBootstrap).
 */
export async function signingKeyStartupProblems(
  config: IdentityConfig,
  production: boolean,
): Promise<string[]> {
  if (!production || config.keys.store !== 'file') return [];
  let problem: string | undefined;
  try {
    problem = productionKeyProblem(await new FileSigningKeyStore(config.keys.dir).list());
  } catch (error) {
    problem = `KEYS_DIR ${config.keys.dir} cannot be read (${(error as Error).message})`;
  }
  return problem
    ? [`signing key: ${new NoUsableSigningKey(`${problem} in ${config.keys.dir}`).message}`]
    : [];
}
