import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { environmentWithDotEnv } from './app-config';
import type { Env } from './env-reader';

/**
 * What a Secrets Manager secret may hold: the variables whose values are secrets. Anything else
 * (NODE_ENV, JWT_ISSUER, …) stays in the plain configuration, where a reviewer sees it.
 */
export const SECRET_VARIABLES: readonly string[] = [
  'REFRESH_TOKEN_PEPPER',
  'KEY_ENCRYPTION_KEY',
  'INTERNAL_AUTH_KEYS',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'SMTP_URL',
  'AMQP_URL',
];

/** The secret SERVER_SECRETS_ID names cannot be used: the process must not start. */
export class ServerSecretsUnavailable extends Error {
  constructor(secretId: string, problem: string) {
    super(`SERVER_SECRETS_ID ${secretId}: ${problem}`);
    this.name = 'ServerSecretsUnavailable';
  }
}

/**
 * The environment with the server's secrets read from AWS Secrets Manager when SERVER_SECRETS_ID
 * names a secret (a JSON object of variable → value, e.g. `{"REFRESH_TOKEN_PEPPER": "…"}`), for
 * deployments that cannot inject secrets as variables (AWS Lambda) or would rather not. Read once,
 * at start (an execution environment's init on Lambda): the pepper and the key-encryption key
 * cannot change under a running process without invalidating what they sealed, so there is
 * nothing to refresh. A variable set in both places, or one that is not a secret, is refused: no
 * value silently wins over another. Without SERVER_SECRETS_ID the environment is returned as it
 * is and the AWS SDK is never loaded.
 */
export async function withServerSecrets(env: Env, client?: SecretsManagerClient): Promise<Env> {
  // One secret, or several separated by commas (each a JSON object of its own variables: on AWS
  // the pepper and Redis's token are generated into secrets of their own).
  const secretIds = (env.SERVER_SECRETS_ID ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (secretIds.length === 0) return env;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when a secret is named */
  const sdk = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const secretsManager = client ?? new sdk.SecretsManagerClient({});
  const values = await Promise.all(
    secretIds.map(async (secretId) => {
      try {
        const answer = await secretsManager.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
        return variablesOf(secretId, answer.SecretString);
      } catch (error) {
        if (error instanceof ServerSecretsUnavailable) throw error;
        const { name, message } = error as Error;
        if (name === 'ResourceNotFoundException')
          throw new ServerSecretsUnavailable(secretId, 'no such secret');
        if (name === 'AccessDeniedException')
          throw new ServerSecretsUnavailable(
            secretId,
            'this role may not read it (secretsmanager:GetSecretValue)',
          );
        throw new ServerSecretsUnavailable(secretId, `cannot be read (${name}: ${message})`);
      }
    }),
  );
  const secrets: Record<string, string> = {};
  for (const [index, variables] of values.entries()) {
    const secretId = secretIds[index]!;
    const both = Object.keys(variables).filter((name) => env[name]?.trim());
    if (both.length > 0)
      throw new ServerSecretsUnavailable(
        secretId,
        `${both.join(', ')} ${both.length === 1 ? 'is' : 'are'} also set in the environment; keep one`,
      );
    const twice = Object.keys(variables).filter((name) => name in secrets);
    if (twice.length > 0)
      throw new ServerSecretsUnavailable(
        secretId,
        `${twice.join(', ')} ${twice.length === 1 ? 'is' : 'are'} also in another of the named secrets; keep one`,
      );
    Object.assign(secrets, variables);
  }
  return { ...env, ...secrets };
}

function variablesOf(secretId: string, value: string | undefined): Record<string, string> {
  const shape = `must be a JSON object of variable → string (${SECRET_VARIABLES.join(', ')})`;
  let parsed: unknown;
  try {
    parsed = value === undefined ? undefined : JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ServerSecretsUnavailable(secretId, shape);
  for (const [name, secret] of Object.entries(parsed)) {
    // The variable is named, never its value.
    if (!SECRET_VARIABLES.includes(name))
      throw new ServerSecretsUnavailable(secretId, `holds ${name}, which is not a server secret; ${shape}`);
    if (typeof secret !== 'string' || secret.trim() === '')
      throw new ServerSecretsUnavailable(secretId, `${name} is not a non-empty string`);
  }
  return parsed as Record<string, string>;
}

/**
 * The environment a process starts from: a `.env` file under the real environment, then the
 * secrets SERVER_SECRETS_ID names (an operator command: ServerSecretsUnavailable is its failure).
 */
export function environmentAtStart(): Promise<Env> {
  return withServerSecrets(environmentWithDotEnv());
}

/**
 * A server's configuration at start, read by `read` from environmentAtStart(). A secret that cannot
 * be used is one more start-up problem, told first and together with the configuration's own.
 */
export async function readAtStart<T>(
  read: (env: Env) => { config: T; problems: string[] },
): Promise<{ config: T; problems: string[] }> {
  let env: Env;
  let secretProblem: string | undefined;
  try {
    env = await environmentAtStart();
  } catch (error) {
    if (!(error instanceof ServerSecretsUnavailable)) throw error;
    env = environmentWithDotEnv();
    secretProblem = error.message;
  }
  const result = read(env);
  if (secretProblem !== undefined) result.problems.unshift(secretProblem);
  return result;
}
