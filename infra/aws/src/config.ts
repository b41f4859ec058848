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
  /** CORS_ORIGINS: the web apps' exact origins (the API's, and API Gateway's preflight answers). */
  corsOrigins: string[];
  /**
   * Serverless: API Gateway's JWT authorizer in front of the routes that need only a bearer token
   * (`-c edgeAuthorizer=false` leaves every check to the function; docs/deploy-aws.md says what
   * differs: the authorizer's 401 body is API Gateway's own).
   */
  edgeAuthorizer: boolean;
  /** Serverless: KEYS_CUSTODY, where new signing keys are made and sign (kms, or local in the key set). */
  keysCustody: 'kms' | 'local';
  /** Serverless: the directory holding the functions' bundles (`pnpm serverless:bundle`). */
  lambdaBundleDir: string | undefined;
  /** Serverless: the HTTP function's reserved concurrency (each environment holds up to two connections). */
  reservedConcurrency: number;
  /** An address the alarms' SNS topic mails (confirmed by its owner), if any. */
  alarmEmail: string | undefined;
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
  const corsOrigins = (node.tryGetContext('corsOrigins') as unknown) ?? '';
  const origins =
    typeof corsOrigins === 'string'
      ? corsOrigins
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean)
      : [];
  for (const origin of origins)
    if (!/^https:\/\/[^/\s*]+$/.test(origin))
      problems.push(
        `corsOrigins: each must be an exact https origin, no path or wildcard (got ${JSON.stringify(origin)})`,
      );
  const keysCustody = oneOf('keysCustody', ['kms', 'local'] as const, 'kms');
  const concurrency = Number(
    (node.tryGetContext('reservedConcurrency') as unknown) ?? (environment === 'prod' ? 100 : 10),
  );
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)
    problems.push(
      `reservedConcurrency: must be a whole number from 1 to 1000 (got ${JSON.stringify(concurrency)})`,
    );
  const alarmEmail = node.tryGetContext('alarmEmail') as unknown;
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(alarmEmail)))
    problems.push(`alarmEmail: must be an email address (got ${JSON.stringify(alarmEmail)})`);
  const lambdaBundleDir = node.tryGetContext('lambdaBundleDir') as unknown;
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
    corsOrigins: origins,
    edgeAuthorizer: ![false, 'false'].includes(node.tryGetContext('edgeAuthorizer') as string),
    keysCustody,
    lambdaBundleDir: typeof lambdaBundleDir === 'string' ? lambdaBundleDir : undefined,
    reservedConcurrency: concurrency,
    alarmEmail: typeof alarmEmail === 'string' ? alarmEmail : undefined,
    prefix: `Latchkey-${environment}`,
  };
}
