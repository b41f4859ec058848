import type { Node } from 'constructs';

/** The three ways Latchkey deploys (README): one process, a gateway with services, or Lambda. */
export const DEPLOYMENTS = ['monolith', 'services', 'serverless'] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

/** dev: small and disposable. prod: deletion protection, backups, two of everything that fails over. */
export const ENVIRONMENTS = ['dev', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * What the stacks are made from, read from CDK context (`cdk synth -c environment=prod`, or
 * cdk.json's defaults): the deployment and the environment choose the stacks and their sizes;
 * `issuer` and `audience` are the API's `JWT_ISSUER` and `JWT_AUDIENCE`, which verifiers at the
 * edge must pin too.
 */
export interface InfraConfig {
  deployment: Deployment;
  environment: Environment;
  /** JWT_ISSUER: the API's public URL. */
  issuer: string;
  /** JWT_AUDIENCE. */
  audience: string;
  /** The prefix of every stack's name: `Latchkey-prod-…`. */
  prefix: string;
}

/** The configuration from context, or an error naming every value that is wrong. */
export function infraConfigOf(node: Node): InfraConfig {
  const problems: string[] = [];
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = node.tryGetContext(name) as unknown;
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name}: must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return fallback;
  };
  const deployment = oneOf('deployment', DEPLOYMENTS, 'monolith');
  const environment = oneOf('environment', ENVIRONMENTS, 'dev');
  const issuer = node.tryGetContext('issuer') as unknown;
  if (typeof issuer !== 'string' || !/^https:\/\/[^/\s]+/.test(issuer))
    problems.push(`issuer: must be the API's public https URL, JWT_ISSUER (got ${JSON.stringify(issuer)})`);
  const audience = (node.tryGetContext('audience') as unknown) ?? 'latchkey';
  if (typeof audience !== 'string' || audience.trim() === '')
    problems.push(`audience: must be JWT_AUDIENCE (got ${JSON.stringify(audience)})`);
  if (problems.length > 0)
    throw new Error(`Latchkey's CDK context is not usable:\n- ${problems.join('\n- ')}`);
  return {
    deployment,
    environment,
    issuer: issuer as string,
    audience: audience as string,
    prefix: `Latchkey-${environment}`,
  };
}
