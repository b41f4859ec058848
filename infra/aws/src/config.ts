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
  /** APP_BASE_URL: the web app the emails' links open. */
  appBaseUrl: string;
  /** The ACM certificate of the public load balancer's HTTPS listener (monolith, services). */
  certificateArn: string | undefined;
  /** The image tag in the stack's ECR repository that the tasks run (the deploy workflow's commit). */
  imageTag: string;
  /**
   * `-c firstDeployment=true`: the service is created with no task, so that the migrations and the
   * first signing key can be made (as one-off tasks) before anything serves (docs/deploy-aws.md).
   */
  firstDeployment: boolean;
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
  const appBaseUrl = (node.tryGetContext('appBaseUrl') as unknown) ?? 'https://app.example.com';
  if (typeof appBaseUrl !== 'string' || !/^https:\/\/[^/\s]+/.test(appBaseUrl))
    problems.push(
      `appBaseUrl: must be the web app's https URL, APP_BASE_URL (got ${JSON.stringify(appBaseUrl)})`,
    );
  const certificateArn = node.tryGetContext('certificateArn') as unknown;
  if (
    deployment !== 'serverless' &&
    (typeof certificateArn !== 'string' || !certificateArn.startsWith('arn:aws:acm:'))
  )
    problems.push(
      `certificateArn: the ACM certificate for the load balancer's HTTPS listener is required by the ${deployment} deployment (got ${JSON.stringify(certificateArn)})`,
    );
  const imageTag = (node.tryGetContext('imageTag') as unknown) ?? 'latest';
  if (typeof imageTag !== 'string' || !/^\w[\w.-]{0,127}$/.test(imageTag))
    problems.push(`imageTag: must be an image tag (got ${JSON.stringify(imageTag)})`);
  if (problems.length > 0)
    throw new Error(`Latchkey's CDK context is not usable:\n- ${problems.join('\n- ')}`);
  return {
    deployment,
    environment,
    issuer: issuer as string,
    audience: audience as string,
    appBaseUrl: appBaseUrl as string,
    certificateArn: typeof certificateArn === 'string' ? certificateArn : undefined,
    imageTag: imageTag as string,
    firstDeployment: [true, 'true'].includes(node.tryGetContext('firstDeployment') as string),
    prefix: `Latchkey-${environment}`,
  };
}
