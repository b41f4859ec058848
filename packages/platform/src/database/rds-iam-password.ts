/**
 * DATABASE_IAM_AUTH=true: the database password is an RDS IAM authentication token, made for each
 * new connection from the process's AWS credentials (a Lambda function's or an ECS task's role,
 * which needs `rds-db:connect` on the proxy or cluster for the URL's user). A token is a SigV4
 * presigned URL, signed locally (no call to AWS) and valid for 15 minutes; RDS Proxy requires it
 * when its IAM authentication is on, and the connection must use TLS. No password is stored
 * anywhere the process can read it.
 *
 * `@aws-sdk/rds-signer` (AWS's own signer, the SDK v3 package its documentation names) rather than
 * a hand-made SigV4 presign; loaded only when the setting is on.
 */
import type { Signer, SignerConfig } from '@aws-sdk/rds-signer';
import type { ClientConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';

export type DatabasePassword = () => Promise<string>;

/**
 * node-postgres's configuration for `url` with `password` in the URL's password's place. Not
 * `{ connectionString, password }`: pg parses the connection string over the options it is given,
 * and a URL without a password parses to an empty one, which would replace the function.
 */
export function connectionConfig(url: string, password?: DatabasePassword): ClientConfig {
  return password ? { ...parseIntoClientConfig(url), password } : { connectionString: url };
}

/** Where the token is valid: the URL's host, port and user; the region from AWS_REGION. */
export function rdsIamPassword(
  url: string,
  options: { region?: string; credentials?: SignerConfig['credentials'] } = {},
): DatabasePassword {
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username);
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!username) throw new Error('DATABASE_IAM_AUTH: DATABASE_URL must name the database user');
  if (!region) throw new Error('DATABASE_IAM_AUTH: AWS_REGION must be set (the region of the database)');
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when the setting is on */
  const { Signer: SignerClass } = require('@aws-sdk/rds-signer') as typeof import('@aws-sdk/rds-signer');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const signer: Signer = new SignerClass({
    hostname: parsed.hostname,
    port: Number(parsed.port || 5432),
    username,
    region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  return () => signer.getAuthToken();
}
